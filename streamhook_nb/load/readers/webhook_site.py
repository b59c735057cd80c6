"""webhook.site exports: its API's request list (``GET /token/{uuid}/requests``), one request
(``GET /token/{uuid}/request/{id}``), an array of requests, or one request per line
(``jq -c '.data[]'``).

Each request holds the body as text (``content``), its headers as name -> list of values, and
``created_at`` as ``YYYY-MM-DD HH:MM:SS`` in UTC (second precision).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.fidelity import Fidelity
from streamhook_nb.load.headers import Headers, fold_mapping, joined
from streamhook_nb.load.readers.common import (
    BadEntryError,
    declared_length,
    entries_batch,
    field,
    json_values,
    listed,
    text_bytes,
)
from streamhook_nb.load.readers.http_delivery import add_request

FORMAT = "webhook-site"
TIME_FIELD = "created_at"
_CREATED_AT = re.compile(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d{1,9})?)")
_NOT_REQUESTS = ("email", "dns")
"""What else a webhook.site token receives (its emails and DNS lookups): not deliveries."""


def read(document: Any, name: str) -> Iterator[DeliveryBatch]:
    """One delivery per request of a parsed document; sources ``file#N`` counting from 1."""
    batch = entries_batch(FORMAT, name, listed(document, "data"), _add_request)
    batch.time_field = TIME_FIELD
    yield batch


def read_values(data: bytes, name: str) -> Iterator[DeliveryBatch]:
    """Several JSON values one after another (one request per line, or API pages saved back to
    back); sources ``file:line`` where each value starts (``file:line#N`` inside a page)."""
    batch = DeliveryBatch(FORMAT)
    batch.time_field = TIME_FIELD
    for line, value, reason in json_values(data):
        source = f"{name}:{line}"
        if reason is not None:
            batch.reject(source, reason)
            continue
        if isinstance(value, dict) and "data" in value:
            try:
                requests = field(value, "data", list)
            except BadEntryError as exc:
                batch.reject(source, str(exc))
                continue
            page = entries_batch(FORMAT, source, requests, _add_request)
            batch.extend(page)
            continue
        batch.extend(entries_batch(FORMAT, source, [value], _add_request, numbered=False))
    yield batch


def _add_request(batch: DeliveryBatch, source: str, item: Any) -> None:
    if not isinstance(item, dict):
        raise BadEntryError("request is not an object")
    if field(item, "type", str, required=False) in _NOT_REQUESTS:
        batch.skipped += 1  # an email or a DNS lookup the token also received
        return
    try:
        headers = fold_mapping(field(item, "headers", dict, required=False) or {})
    except TypeError as exc:
        raise BadEntryError(f"field 'headers': {exc}") from None
    content = field(item, "content", str, required=False)
    body = None if content is None else text_bytes(content, "content")
    add_request(
        batch,
        source,
        headers=headers,
        body=body,
        fidelity=_fidelity(headers, content, body),
        method=field(item, "method", str, required=False),
        path=_path(field(item, "url", str, required=False)),
        received_at=_received_at(field(item, TIME_FIELD, str, required=False)),
        remote_addr=field(item, "ip", str, required=False),
    )


def _fidelity(headers: Headers, content: str | None, body: bytes | None) -> Fidelity:
    """``content`` is text: a compressed body (``Content-Encoding``) could not be kept as
    bytes, nor could bytes that were not UTF-8 (replaced by U+FFFD); a body shorter than its
    ``Content-Length`` was cut."""
    if content is None or body is None:
        return Fidelity.MISSING
    if (joined(headers.get("content-encoding")) or "identity").strip().lower() != "identity":
        return Fidelity.RECONSTRUCTED
    declared = declared_length(headers)
    if declared is None:  # nothing to compare with: a replacement character tells
        return Fidelity.RECONSTRUCTED if "\ufffd" in content else Fidelity.EXACT
    if declared > len(body):
        return Fidelity.TRUNCATED
    return Fidelity.EXACT if declared == len(body) else Fidelity.RECONSTRUCTED


def _path(url: str | None) -> str | None:
    if url is None:
        return None
    try:
        split = urlsplit(url)
    except ValueError as exc:
        raise BadEntryError(f"field 'url' is not a URL ({exc}): {url[:80]!r}") from None
    return (split.path or "/") + (f"?{split.query}" if split.query else "")


def _received_at(created_at: str | None) -> str | None:
    """``2019-10-03 19:06:35`` (UTC) as ISO 8601; any other text is left for the loader to
    reject, naming the field."""
    if created_at is None:
        return None
    match = _CREATED_AT.fullmatch(created_at)
    return f"{match[1]}T{match[2]}Z" if match else created_at
