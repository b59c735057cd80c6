"""A request an application logged as one JSON object, among its other log lines.

An Express or Next.js handler that logs what it received writes
``console.log(JSON.stringify({headers: req.headers, body: req.body}))``; a pino logger
``logger.info({headers: req.headers, body: req.body}, "webhook")``; a Flask or FastAPI app
``logger.info(json.dumps({"headers": dict(request.headers), "body": body}))``. The object has
the fields of a capture record (``headers``, and ``body`` as text or as the parsed JSON), so it
is read as one (see ``capture_jsonl.parse_record``): a parsed body is re-encoded and
``reconstructed``. Node.js writes a ``Buffer`` body (``express.raw()``) as
``{"type": "Buffer", "data": [bytes...]}`` (``Buffer.prototype.toJSON``), and Python prints
``request.get_data()`` or ``request.body`` as a bytes literal (``b'{"type": ...}'``, in a dict
printed as it is): those are the exact bytes.
"""

from __future__ import annotations

import base64
from typing import Any

from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.readers.capture_jsonl import BadRecordError, parse_record
from streamhook_nb.load.readers.common import BadEntryError

_BUFFER_KEYS = frozenset({"type", "data"})


def is_request(value: object) -> bool:
    """Whether ``value`` is a logged request: an object of headers and a body."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("headers"), dict)
        and ("body" in value or "body_b64" in value)
    )


def add_request(batch: DeliveryBatch, source: str, value: dict[str, Any]) -> None:
    """Add the request ``value`` records; raises :class:`BadEntryError` saying why it cannot."""
    record = dict(value)
    body = record.get("body")
    data = body if isinstance(body, bytes) else _buffer_bytes(body)
    if data is not None:
        del record["body"]
        record["body_b64"] = base64.b64encode(data).decode("ascii")
    try:
        row = parse_record(source, record)
    except BadRecordError as exc:
        raise BadEntryError(str(exc)) from None
    batch.rows.append(row)


def _buffer_bytes(body: object) -> bytes | None:
    """The bytes of a Node.js ``Buffer`` as ``JSON.stringify`` writes it, else None."""
    if not isinstance(body, dict) or body.keys() != _BUFFER_KEYS or body["type"] != "Buffer":
        return None
    data = body["data"]
    if not isinstance(data, list) or not all(
        type(item) is int and 0 <= item <= 255 for item in data
    ):
        raise BadEntryError("field 'body' is a Buffer whose 'data' is not a list of bytes")
    return bytes(data)


def parsed_body(value: object) -> bool:
    """Whether a logged event or request holds its body as parsed JSON (an object or array),
    which is re-encoded to be read."""
    return isinstance(value, dict) and isinstance(value.get("body"), dict | list)
