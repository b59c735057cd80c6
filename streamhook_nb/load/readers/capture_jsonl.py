"""Our own capture log: one JSON object per line (DESIGN.md §3), plain or gzip."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec
import orjson

from streamhook_nb.load.batch import DeliveryBatch, Row, http_status, picked_headers
from streamhook_nb.load.fidelity import Fidelity, Transport
from streamhook_nb.load.headers import Headers, fold_mapping
from streamhook_nb.load.payload import BARE_PAYLOAD, is_bare_payload
from streamhook_nb.load.readers import marked_json
from streamhook_nb.load.readers.common import BadEntryError
from streamhook_nb.load.readers.http_delivery import SNS_MESSAGE_TYPE, add_request

_new_row = tuple.__new__
"""Builds a :class:`Row` from a tuple without the Python-level ``__new__`` (hot path)."""

FORMAT = "capture-jsonl"
MAX_LINE_BYTES = 16 * 1024 * 1024
_TRANSPORTS = tuple(t.value for t in Transport)
_FIDELITIES = tuple(f.value for f in Fidelity)
HTTP = Transport.HTTP.value
EXACT = Fidelity.EXACT.value


class _Response(msgspec.Struct, gc=False):
    status: int | None = None


NO_RESPONSE = _Response()


class CommonRecord(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A record with a text body and plain headers, as our receiver writes it, with or without
    the optional fields (logs converted from other tools have none); msgspec checks every
    field's type while parsing, so a line that decodes into this goes the fast way."""

    received_at: str
    method: str
    path: str
    headers: dict[str, str]
    body: str
    remote_addr: str | None = None
    http_version: msgspec.Raw = msgspec.Raw()  # informational: any value
    verdict: msgspec.Raw = msgspec.Raw()  # informational: loading re-verifies
    response: _Response | None = None


_COMMON = msgspec.json.Decoder(CommonRecord)
decode_common = _COMMON.decode
"""One line as a :class:`CommonRecord` (raises for any other shape)."""
decode_common_lines = _COMMON.decode_lines
"""Whitespace-separated JSON texts as :class:`CommonRecord` objects (raises for any other
shape); only for lines known to hold one text each (see ``capture_blocks.block_records``)."""


class BadRecordError(ValueError):
    """A line that is not a usable capture record; the message says why."""


def read_lines(
    lines: Iterable[bytes],
    name: str,
    chunk_size: int = 50_000,
    max_line_bytes: int = MAX_LINE_BYTES,
    first_line: int = 1,
) -> Iterator[DeliveryBatch]:
    """Batches of the lines, each line on its own: the fast way or :func:`careful` (the
    reference for what the block reader, ``capture_blocks``, gives)."""
    batch = DeliveryBatch(FORMAT)
    rows = batch.rows
    for lineno, line in enumerate(lines, start=first_line):
        source = f"{name}:{lineno}"
        try:
            if len(line) > max_line_bytes:
                raise BadRecordError
            rows.append(common_row(common_record(line), source))
        except Exception:
            careful(batch, line, source, max_line_bytes)
        if len(rows) >= chunk_size:
            yield batch
            batch = DeliveryBatch(FORMAT)
            rows = batch.rows
    if rows or batch.rejected:
        yield batch


def common_record(line: bytes) -> CommonRecord:
    """A line in the shape our receiver writes (text body, plain lower-case headers, Stream's
    own POST); raises for anything else, which then takes the careful path
    (:func:`parse_record`)."""
    record = decode_common(line)
    if not common_names("".join(record.headers)):
        raise BadRecordError
    return record


def common_names(names: str) -> bool:
    """Whether a record's header names (joined) are those of a common record: folded (see
    :func:`folded_names`) and without SNS's header (an SNS notification over HTTP is read the
    careful way: :func:`careful`)."""
    return folded_names(names) and SNS_MESSAGE_TYPE not in names


def folded_names(names: str) -> bool:
    """Whether header names (joined) are already as ``normalize_name`` leaves them: lower
    case, no ``_`` (CGI style), no spaces, nothing unprintable."""
    return names == names.lower() and "_" not in names and " " not in names and names.isprintable()


def common_row(record: CommonRecord, source: str, body: bytes | None = None) -> Row:
    """The row for a :func:`common_record` (``body``: its text already encoded)."""
    headers = record.headers
    get = headers.get
    return _new_row(  # a Row, built without the Python-level __new__ (hot path)
        Row,
        (
            source,
            HTTP,
            record.received_at,
            record.method,
            record.path,
            headers,
            record.body.encode() if body is None else body,
            EXACT,
            record.remote_addr,
            http_status((record.response or NO_RESPONSE).status),
            get("x-signature"),
            get("x-api-key"),
            get("x-webhook-id"),
            get("x-webhook-attempt"),
            get("content-encoding"),
        ),
    )


def careful(batch: DeliveryBatch, line: bytes, source: str, max_line_bytes: int) -> None:
    """Load one line the slow way, or reject it with the reason."""
    if len(line) > max_line_bytes:
        batch.reject(source, f"line is longer than {max_line_bytes} bytes")
        return
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if line.strip():
            batch.reject(source, _json_reason(line, exc))
        return
    try:
        row = parse_record(source, record)
    except BadRecordError as exc:
        batch.reject(source, str(exc))
        return
    if type(record.get("body")) in (dict, list):  # a parsed body, rebuilt from what was logged
        unsure = _ambiguity(line)
        if unsure is not None:
            batch.reject(source, unsure)
            return
    if SNS_MESSAGE_TYPE in row.headers and record.get("transport") is None:
        _add_sns_request(batch, row)
    else:
        batch.rows.append(row)


def _ambiguity(line: bytes) -> str | None:
    """Why a record whose body was logged parsed cannot be rebuilt as the body the app read:
    its JSON repeats a key (orjson keeps the last value, other parsers the first) or writes a
    number with more digits than a float keeps (see :func:`marked_json.ambiguity`)."""
    marked = marked_json.parse_marked(line)
    return None if marked is None else marked_json.ambiguity(marked)


def _add_sns_request(batch: DeliveryBatch, row: Row) -> None:
    """A captured POST from SNS (its header, no transport recorded): a notification becomes
    transport ``sns`` with its message as the body; a subscription confirmation is skipped
    (see :func:`http_delivery.add_request`)."""
    try:
        add_request(
            batch,
            row.source,
            headers=row.headers,
            body=row.body,
            fidelity=Fidelity(row.fidelity),
            method=row.method,
            path=row.path,
            received_at=row.received_at,
            remote_addr=row.remote_addr,
            response_status=row.response_status,
        )
    except BadEntryError as exc:
        batch.reject(row.source, str(exc))


def _json_reason(line: bytes, exc: orjson.JSONDecodeError) -> str:
    if not line.endswith(b"\n"):
        return "truncated last line (the writer stopped mid-record); the record is incomplete"
    return f"not valid JSON ({exc.msg} at character {exc.pos + 1})"


def parse_record(source: str, record: Any) -> Row:
    """Validate one decoded capture record and return its row, or raise :class:`BadRecordError`."""
    if type(record) is not dict:
        raise BadRecordError(f"expected a JSON object, got {_json_type(record)}")
    if is_bare_payload(record):
        raise BadRecordError(BARE_PAYLOAD)
    headers = record.get("headers")
    if type(headers) is not dict:
        raise BadRecordError(_field_reason("headers", headers, "an object"))
    try:
        folded: Headers = fold_mapping(headers)
    except TypeError as exc:
        raise BadRecordError(f"field 'headers': {exc}") from None
    body, parsed = _body(record)
    received_at = record.get("received_at")
    if received_at is not None and type(received_at) is not str:
        raise BadRecordError(_field_reason("received_at", received_at, "a string or null"))
    transport = _choice(record, "transport", _TRANSPORTS, HTTP)
    fidelity = _choice(record, "fidelity", _FIDELITIES, EXACT)
    if parsed and fidelity in (EXACT, Fidelity.DECODED):
        fidelity = Fidelity.RECONSTRUCTED.value  # its bytes were not kept
    response = record.get("response")
    if response is not None and type(response) is not dict:
        raise BadRecordError(_field_reason("response", response, "an object"))
    status = response.get("status") if response else None
    return Row(
        source,
        transport,
        received_at,
        _optional_str(record, "method"),
        _optional_str(record, "path"),
        folded,
        None if fidelity == Fidelity.MISSING else body,
        fidelity,
        _optional_str(record, "remote_addr"),
        http_status(status),
        *picked_headers(folded),
    )


def _body(record: dict[str, Any]) -> tuple[bytes, bool]:
    """The body's bytes, and whether they were rebuilt from a parsed payload: a log written
    by an app (``JSON.stringify({headers, body: req.body})``) holds the body as an object."""
    text = record.get("body")
    if type(text) is str:
        return text.encode("utf-8"), False
    if type(text) in (dict, list):
        try:
            return orjson.dumps(text), True
        except TypeError:  # orjson writes at most 255 levels
            raise BadRecordError(
                "field 'body' is parsed JSON nested too deeply to rebuild"
            ) from None
    if text is not None:
        raise BadRecordError(_field_reason("body", text, "a string, or the parsed JSON"))
    encoded = record.get("body_b64")
    if encoded is None:
        raise BadRecordError("record has neither 'body' nor 'body_b64'")
    if type(encoded) is not str:
        raise BadRecordError(_field_reason("body_b64", encoded, "a base64 string"))
    try:
        return base64.b64decode(encoded, validate=True), False
    except (binascii.Error, ValueError):
        raise BadRecordError("field 'body_b64' is not valid base64") from None


def _choice(record: dict[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = record.get(name)
    if value is None:
        return default
    if type(value) is not str or value not in allowed:
        raise BadRecordError(f"field {name!r} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _optional_str(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None or type(value) is str:
        return value
    raise BadRecordError(_field_reason(name, value, "a string"))


def _field_reason(name: str, value: object, expected: str) -> str:
    if value is None:
        return f"field {name!r} is missing (expected {expected})"
    return f"field {name!r} must be {expected}, got {_json_type(value)}"


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)
