"""ngrok agent API export: the JSON of ``GET /api/requests/http`` (or one request's detail)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.headers import fold_mapping
from streamhook_nb.load.readers.common import (
    BadEntryError,
    b64,
    entries_batch,
    field,
    http_status,
    listed,
)
from streamhook_nb.load.readers.http_delivery import add_bodiless_request
from streamhook_nb.load.readers.raw_http import HttpParseError, parse_request

FORMAT = "ngrok"


def read(document: Any, name: str) -> Iterator[DeliveryBatch]:
    """One delivery per captured request, bytes taken from ``request.raw``."""
    yield entries_batch(FORMAT, name, listed(document, "requests"), _add_request)


def _add_request(batch: DeliveryBatch, source: str, item: Any) -> None:
    if not isinstance(item, dict):
        raise BadEntryError("request is not an object")
    request = field(item, "request", dict)
    common: dict[str, Any] = {
        "received_at": field(item, "start", str, required=False),
        "remote_addr": field(item, "remote_addr", str, required=False),
        "response_status": http_status(field(item, "response.status_code", int, required=False)),
    }
    raw = request.get("raw")
    if raw is None:
        # No raw bytes: keep what ngrok parsed, but the body is lost.
        try:
            headers = fold_mapping(field(request, "headers", dict, required=False) or {})
        except TypeError as exc:
            raise BadEntryError(f"field 'request.headers': {exc}") from None
        add_bodiless_request(
            batch,
            source,
            headers=headers,
            method=field(request, "method", str, required=False),
            path=field(request, "uri", str, required=False),
            **common,
        )
        return
    try:
        parsed, _ = parse_request(b64(raw, "request.raw"))
    except HttpParseError as exc:
        raise BadEntryError(f"field 'request.raw' is not an HTTP request: {exc}") from None
    parsed.add_to(batch, source, **common)
