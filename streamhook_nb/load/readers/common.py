"""Small helpers shared by the readers of JSON-document formats."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.fidelity import Fidelity
from streamhook_nb.load.headers import Headers, joined
from streamhook_nb.load.sources import GZIP_MAGIC


class BadEntryError(ValueError):
    """One entry of a document cannot be loaded; the message says why."""


def entries_batch(
    format: str,
    name: str,
    entries: Iterable[Any],
    add: Callable[[DeliveryBatch, str, Any], None],
    *,
    numbered: bool = True,
) -> DeliveryBatch:
    """One delivery per entry of a document, sources ``file#N`` from 1 (``name`` itself when
    not ``numbered``); ``add`` raises :class:`BadEntryError` for an entry it cannot use, which
    is then rejected with the reason."""
    batch = DeliveryBatch(format)
    for number, entry in enumerate(entries, start=1):
        add_or_reject(batch, f"{name}#{number}" if numbered else name, add, entry)
    return batch


def add_or_reject(
    batch: DeliveryBatch,
    source: str,
    add: Callable[[DeliveryBatch, str, Any], None],
    entry: Any,
    what: str = "entry",
) -> None:
    """``add(batch, source, entry)``; an entry it cannot use (:class:`BadEntryError`, or a
    value of an unexpected shape) is rejected with the reason instead."""
    try:
        add(batch, source, entry)
    except BadEntryError as exc:
        batch.reject(source, str(exc))
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        batch.reject(source, f"cannot read this {what} ({type(exc).__name__}: {exc})")


def parse_document(data: bytes) -> Any:
    """Parse a JSON document; raises ``orjson.JSONDecodeError`` as orjson does.

    mitmproxy writes a body that is not UTF-8 as text decoded with ``surrogateescape``, so its
    HAR holds lone surrogates (``"\\udc8b"``), which orjson refuses: such a document is parsed
    with the standard library instead, and :func:`text_bytes` turns that text back into the
    exact bytes.
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "surrogate" not in exc.msg:
            raise
        try:
            return json.loads(data)
        except ValueError:
            raise exc from None
        except RecursionError:  # nested deeper than the standard library parses
            raise orjson.JSONDecodeError("nested too deeply", exc.doc, exc.pos) from None


def json_values(data: bytes) -> Iterator[tuple[int, Any, str | None]]:
    """The JSON values of a file holding several: one per line (JSON Lines), or pretty-printed
    one after another (what ``jq '.Messages[]'`` prints). Yields ``(line, value, None)``, or
    ``(line, None, reason)`` for one that cannot be read; the line is where the value starts.
    """
    lines = data.splitlines()
    first = next((line for line in lines if line.strip()), b"")
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        yield from _concatenated(data)
        return
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, orjson.loads(line), None
        except orjson.JSONDecodeError as exc:
            yield number, None, f"not valid JSON ({exc.msg})"


def _concatenated(data: bytes) -> Iterator[tuple[int, Any, str | None]]:
    """Pretty-printed values back to back; after one that does not parse, nothing more can be
    told apart, so the rest is that one rejected value."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield 1 + data.count(b"\n", 0, exc.start), None, "not UTF-8 text"
        return
    decoder = json.JSONDecoder()
    position, line = 0, 1
    while True:
        start = len(text) - len(text[position:].lstrip())
        line += text.count("\n", position, start)
        if start >= len(text):
            return
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            yield line, None, f"not valid JSON ({exc.msg}); nothing after it could be read"
            return
        yield line, value, None
        line += text.count("\n", start, end)
        position = end


def text_bytes(text: str, field: str) -> bytes:
    """A body kept as text, as bytes: UTF-8, with mitmproxy's escaped bytes (lone surrogates
    U+DC80 to U+DCFF) restored; raises :class:`BadEntryError` for any other lone surrogate."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raise BadEntryError(
            f"field {field!r} holds a lone UTF-16 surrogate, which no byte sequence gives"
        ) from None


def b64(text: object, field: str) -> bytes:
    """Decode a base64 field strictly, or raise :class:`BadEntryError` naming the field."""
    if not isinstance(text, str):
        raise BadEntryError(f"field {field!r} must be a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadEntryError(f"field {field!r} is not valid base64") from None


def listed(document: Any, key: str) -> list[Any]:
    """The items of a document that is a page of them (a list under ``key``), a list of them,
    or one of them."""
    if isinstance(document, dict) and key in document:
        items: list[Any] = field(document, key, list)
        return items
    return document if isinstance(document, list) else [document]


def field(mapping: Any, path: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
    """Follow a dotted ``path`` into nested dicts, checking the leaf's type."""
    value = mapping
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        if required:
            raise BadEntryError(f"field {path!r} is missing")
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
        raise BadEntryError(f"field {path!r} has the wrong type ({type(value).__name__})")
    return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def epoch_ms_to_iso(value: object, field: str) -> str | None:
    """SQS ``SentTimestamp`` (epoch milliseconds, as a string) -> ISO 8601 UTC.

    Raises :class:`BadEntryError` for a value that is not a time the deliveries frame can
    hold (ASCII digits, years 1678 to 2261, as pandas' nanosecond timestamps).
    """
    if value is None:
        return None
    text = str(value)
    if _EPOCH_MS.fullmatch(text):
        when = datetime.fromtimestamp(int(text) / 1000, UTC)
        if when.year in _FRAME_YEARS:
            return when.isoformat().replace("+00:00", "Z")
    shown = text if len(text) <= 30 else f"{text[:27]}..."
    raise BadEntryError(f"field {field!r} is not a time in epoch milliseconds: {shown!r}")


_EPOCH_MS = re.compile(r"-?[0-9]{1,14}")
"""Epoch milliseconds with at most 14 digits: well inside what ``datetime`` can hold."""
_FRAME_YEARS = range(1678, 2262)


def http_status(value: object) -> int | None:
    """A response status code (100 to 999), or None for anything else: HAR writes 0 or -1 for
    "no response", and a huge number must not overflow the frame's ``Int64`` column."""
    if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 999:
        return value
    return None


def content_decoded(headers: Headers, body: bytes) -> bool:
    """True when headers announce gzip but the tool kept the decompressed body."""
    encoding = headers.get("content-encoding")
    text = ", ".join(encoding) if isinstance(encoding, list) else (encoding or "")
    return "gzip" in text.lower() and not body.startswith(GZIP_MAGIC)


def declared_length(headers: Headers) -> int | None:
    """The ``Content-Length`` a request announced, when it is a plain decimal number."""
    value = (joined(headers.get("content-length")) or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


REPLACED_GZIP = GZIP_MAGIC[:1] + "\ufffd".encode()
"""Gzip's magic after a tool decoded the bytes as UTF-8 with replacement (0x8b is no UTF-8
start byte): HTTP Toolkit and others write a binary request body so in a HAR."""


def body_fidelity(headers: Headers, body: bytes, declared_size: int | None) -> Fidelity:
    """Exact, decoded (tool gunzipped it), reconstructed (tool replaced the gzip bytes it could
    not decode as text) or truncated (shorter than the size on the wire)."""
    if body.startswith(REPLACED_GZIP):
        return Fidelity.RECONSTRUCTED
    if content_decoded(headers, body):
        return Fidelity.DECODED
    if declared_size is not None and declared_size > len(body):
        return Fidelity.TRUNCATED
    return Fidelity.EXACT


def check_text(headers: Headers, **fields: str | None) -> None:
    """Raise :class:`BadEntryError` naming a delivery's field that holds a lone UTF-16
    surrogate (``"\\ud800"`` in a JSON document): no bytes sent over HTTP or a queue give one,
    and no text column can hold it."""
    named = [(f"header {name[:80]!r}", name) for name in headers]
    for name, value in headers.items():
        values = value if isinstance(value, list) else [value]
        named += [(f"header {name[:80]!r}", item) for item in values]
    named += [(name, value) for name, value in fields.items() if value is not None]
    for what, text in named:
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise BadEntryError(
                    f"the delivery's {what} holds a lone UTF-16 surrogate "
                    f"({text[exc.start]!r}), which no bytes sent over HTTP or a queue give"
                ) from None
