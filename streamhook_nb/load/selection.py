"""Which captured requests are webhook deliveries: POSTs (to the webhook path, when given)."""

from __future__ import annotations

from operator import attrgetter
from urllib.parse import urlsplit

from streamhook_nb.load.batch import DeliveryBatch

_METHODS = attrgetter("method")
_DELIVERY_METHODS = frozenset({"POST", None})  # None: a queue message, not an HTTP request


def select(batch: DeliveryBatch, path: str | None = None) -> DeliveryBatch:
    """``batch`` without the requests that are not deliveries, which are counted in ``skipped``.

    Stream delivers every event as a POST: page loads and favicons in a browser or proxy
    export are not deliveries. With ``path``, an HTTP request to another path (query string
    ignored) is not one either. Queue messages (no method) are always deliveries.
    """
    rows = batch.rows
    path = request_path(path)
    if not rows or (path is None and _DELIVERY_METHODS.issuperset(map(_METHODS, rows))):
        return batch  # the common case, checked at C speed
    kept = [
        row
        for row in rows
        if row.method is None
        or (row.method.upper() == "POST" and (path is None or request_path(row.path) == path))
    ]
    batch.skipped += len(rows) - len(kept)
    batch.rows = kept
    return batch


def request_path(target: str | None) -> str | None:
    """The path of a request target (``/hook?x=1`` or ``http://host/hook``), without the query."""
    if target is None:
        return None
    try:
        return urlsplit(target).path or "/"
    except ValueError:
        return target.partition("?")[0]
