"""Which captured requests are webhook deliveries: POSTs (to the webhook path, when given)."""

from __future__ import annotations

from operator import attrgetter
from urllib.parse import urlsplit

from streamhook_nb.load.batch import DeliveryBatch

_METHODS = attrgetter("method")
_PATHS = attrgetter("path")
_DELIVERY_METHODS = frozenset({"POST", None})  # None: a queue message, not an HTTP request


def select(batch: DeliveryBatch, path: str | None = None) -> DeliveryBatch:
    """``batch`` without the requests that are not deliveries, which are counted in ``skipped``.

    Stream delivers every event as a POST: page loads and favicons in a browser or proxy
    export are not deliveries. With ``path``, an HTTP request to another path (query string
    ignored) is not one either. Queue messages (no method) are always deliveries.
    """
    path = request_path(path)
    if _all_deliveries(batch, path):
        return batch  # the common case, checked at C speed
    rows = batch.rows
    kept = [
        row
        for row in rows
        if row.method is None
        or (row.method.upper() == "POST" and (path is None or request_path(row.path) == path))
    ]
    batch.skipped += len(rows) - len(kept)
    batch.rows = kept
    return batch


def _all_deliveries(batch: DeliveryBatch, path: str | None) -> bool:
    columns = batch.columns() if batch.is_columnar else None
    if columns is None:
        methods = list(map(_METHODS, batch.rows))
        paths = set(map(_PATHS, batch.rows)) if path is not None else set()
    else:
        methods, paths = columns["method"], set(columns["path"]) if path is not None else set()
    if not _DELIVERY_METHODS.issuperset(methods):
        return False
    return path is None or all(request_path(p) == path for p in paths)


def request_path(target: str | None) -> str | None:
    """The path of a request target (``/hook?x=1`` or ``http://host/hook``), without the query."""
    if target is None:
        return None
    try:
        return urlsplit(target).path or "/"
    except ValueError:
        return target.partition("?")[0]
