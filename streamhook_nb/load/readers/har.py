"""HAR 1.2 exports (browser devtools, Charles, Fiddler, mitmproxy, Proxyman)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.fidelity import Fidelity
from streamhook_nb.load.headers import Headers, fold
from streamhook_nb.load.readers.common import (
    BadEntryError,
    b64,
    body_fidelity,
    entries_batch,
    field,
)

FORMAT = "har"


def read(document: Any, name: str) -> Iterator[DeliveryBatch]:
    """One delivery per ``log.entries[]`` item; sources are ``file#N`` counting from 1."""
    yield entries_batch(FORMAT, name, field(document, "log.entries", list), _add_entry)


def _add_entry(batch: DeliveryBatch, source: str, entry: Any) -> None:
    if not isinstance(entry, dict):
        raise BadEntryError("entry is not an object")
    request = field(entry, "request", dict)
    method = field(request, "method", str)
    url = field(request, "url", str)
    headers = _headers(field(request, "headers", list, required=False) or [])
    body, fidelity = _body(request, headers)
    split = urlsplit(url)
    path = split.path + (f"?{split.query}" if split.query else "")
    batch.add(
        source,
        headers=headers,
        body=body,
        fidelity=fidelity,
        received_at=field(entry, "startedDateTime", str, required=False),
        method=method,
        path=path or "/",
        remote_addr=None,
        response_status=_status(entry),
    )


def _headers(items: list[Any]) -> Headers:
    pairs = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else None
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(name, str) or not isinstance(value, str):
            raise BadEntryError(
                "field 'request.headers' holds an item without a string name and value"
            )
        if not name.startswith(":"):  # HTTP/2 pseudo-headers are not request headers
            pairs.append((name, value))
    return fold(pairs)


def _body(request: dict[str, Any], headers: Headers) -> tuple[bytes | None, Fidelity]:
    size = request.get("bodySize")
    declared = size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None
    post = request.get("postData")
    if post is None:
        return (b"", Fidelity.EXACT) if declared == 0 else (None, Fidelity.MISSING)
    if not isinstance(post, dict):
        raise BadEntryError("field 'request.postData' must be an object")
    text = post.get("text")
    if text is None:
        params = post.get("params")
        if isinstance(params, list) and params:
            pairs = [(p.get("name", ""), p.get("value", "")) for p in params if isinstance(p, dict)]
            return urlencode(pairs).encode(), Fidelity.RECONSTRUCTED
        return (b"", Fidelity.EXACT) if declared == 0 else (None, Fidelity.MISSING)
    if not isinstance(text, str):
        raise BadEntryError("field 'request.postData.text' must be a string")
    if post.get("encoding") == "base64":
        body = b64(text, "request.postData.text")
    else:
        body = text.encode("utf-8")
    return body, body_fidelity(headers, body, declared)


def _status(entry: dict[str, Any]) -> int | None:
    status = (
        entry.get("response", {}).get("status") if isinstance(entry.get("response"), dict) else None
    )
    return status if isinstance(status, int) and status > 0 else None
