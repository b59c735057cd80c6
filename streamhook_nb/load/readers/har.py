"""HAR 1.2 exports (browser devtools, Charles, Fiddler, mitmproxy, Proxyman)."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.fidelity import Fidelity, Transport
from streamhook_nb.load.headers import Headers, fold
from streamhook_nb.load.readers.common import (
    BadEntryError,
    b64,
    body_fidelity,
    entries_batch,
    field,
    http_status,
    text_bytes,
)
from streamhook_nb.load.readers.http_delivery import add_request

FORMAT = "har"
_Choice = TypeVar("_Choice", bound=StrEnum)


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
    try:
        split = urlsplit(url)
    except ValueError as exc:
        raise BadEntryError(f"field 'request.url' is not a URL ({exc}): {url[:80]!r}") from None
    path = split.path + (f"?{split.query}" if split.query else "")
    add_request(
        batch,
        source,
        headers=headers,
        body=body,
        fidelity=_kept_fidelity(entry, fidelity),
        received_at=field(entry, "startedDateTime", str, required=False),
        method=method,
        path=path or "/",
        response_status=_status(entry),
        transport=_custom(entry, TRANSPORT_FIELD, Transport),
    )


TRANSPORT_FIELD = "_transport"
FIDELITY_FIELD = "_fidelity"
"""Custom entry fields (HAR 1.2 allows ``_``-prefixed ones) where our HAR writer keeps the
delivery's transport and fidelity, so that a HAR round trip never changes a verdict."""


def _custom(entry: dict[str, Any], name: str, kind: type[_Choice]) -> _Choice | None:
    value = entry.get(name)
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise BadEntryError(f"field {name!r} must be one of {choices}, got {value!r}") from None


def _kept_fidelity(entry: dict[str, Any], found: Fidelity) -> Fidelity:
    """The fidelity the writer recorded, unless the entry itself shows a worse one (a
    ``reconstructed`` body under ``Content-Encoding: gzip`` looks ``decoded``: it stays
    ``reconstructed``)."""
    kept = _custom(entry, FIDELITY_FIELD, Fidelity)
    if kept is None:
        return found
    return found if _LOSS[found] > _LOSS[kept] else kept


_LOSS = {
    Fidelity.EXACT: 0,
    Fidelity.DECODED: 1,
    Fidelity.TRUNCATED: 2,
    Fidelity.RECONSTRUCTED: 2,
    Fidelity.MISSING: 3,
}
"""How much of the signed bytes a fidelity has lost (what can be verified, first)."""


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
            return _form_body(params), Fidelity.RECONSTRUCTED
        return (b"", Fidelity.EXACT) if declared == 0 else (None, Fidelity.MISSING)
    if not isinstance(text, str):
        raise BadEntryError("field 'request.postData.text' must be a string")
    if post.get("encoding") == "base64":
        body = b64(text, "request.postData.text")
    else:
        body = text_bytes(text, "request.postData.text")
    return body, body_fidelity(headers, body, declared)


def _form_body(params: list[Any]) -> bytes:
    """``name=value&...`` from HAR ``params``. Tools write them as they were on the wire
    (already percent-encoded), so only what cannot appear in a form body (spaces, non-ASCII)
    is encoded: an encoded value is never encoded twice."""
    pairs = []
    for param in params:
        if not isinstance(param, dict):
            raise BadEntryError(
                "field 'request.postData.params' holds an item that is not an object"
            )
        name, value = param.get("name", ""), param.get("value", "")
        if not isinstance(name, str) or not isinstance(value, str):
            raise BadEntryError(
                "field 'request.postData.params' holds a name or value that is not a string"
            )
        pairs.append(f"{quote(name, safe=_FORM_SAFE)}={quote(value, safe=_FORM_SAFE)}")
    return "&".join(pairs).encode()


_FORM_SAFE = "!#$%&'()*+,/:;=?@[]~"


def _status(entry: dict[str, Any]) -> int | None:
    response = entry.get("response")
    return http_status(response.get("status")) if isinstance(response, dict) else None
