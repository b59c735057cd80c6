"""The rows of a Parquet file of deliveries: its schema checked, its values read as reader rows.

A file that ``to_parquet`` wrote carries the schema metadata ``streamhook-nb: deliveries/1``.
A file that another tool wrote from one (``COPY (SELECT * ...) TO`` in DuckDB, polars,
Spark, pandas) loses that key and may change the Arrow types (``string`` for ``large_string``,
microsecond times, plain text for the categories): it is read when it has every column, each
column in a type that holds its values. A row whose values cannot be a delivery's (an unknown
format, transport or fidelity, headers that are not a JSON object) is rejected as
``file#row``; the other rows load.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import TYPE_CHECKING, Any

import msgspec

from streamhook_nb.errors import SourceError
from streamhook_nb.load.batch import (
    ROW_FIELDS,
    DeliveryBatch,
    Rejected,
    Row,
    bad_time_reason,
    http_status,
)
from streamhook_nb.load.detect import FORMATS
from streamhook_nb.load.fidelity import Fidelity, Transport
from streamhook_nb.load.timestamps import invalid_times

if TYPE_CHECKING:
    import pyarrow as pa

SCHEMA_KEY = b"streamhook-nb"
SCHEMA_VERSION = b"deliveries/1"
"""Schema metadata that marks a Parquet file of deliveries (and its layout's version)."""
STORED = (
    "source",
    "format",
    "transport",
    "received_at",
    "method",
    "path",
    "headers",
    "body",
    "fidelity",
    "signature",
    "api_key",
    "webhook_id",
    "attempt",
    "content_encoding",
    "remote_addr",
    "response_status",
)
"""The columns of a Parquet file of deliveries, in order."""
_CATEGORIES = {
    "format": frozenset(FORMATS),
    "transport": frozenset(t.value for t in Transport),
    "fidelity": frozenset(f.value for f in Fidelity),
}
_WRITE_IT = "Write it with to_parquet() or 'streamhook-nb load ... --to-parquet OUT'"


def check_schema(schema: pa.Schema, name: str) -> None:
    """Raise :class:`SourceError` unless the file holds deliveries: our key, or (written by
    another tool) every column, each in a type that can hold its values."""
    version = (schema.metadata or {}).get(SCHEMA_KEY)
    if version is not None and version != SCHEMA_VERSION:
        raise SourceError(
            f"a Parquet file of deliveries in a newer layout ({version.decode(errors='replace')})",
            source=name,
            fix="Upgrade streamhook-nb to read it",
        )
    missing = [column for column in STORED if column not in schema.names]
    if missing:
        raise SourceError(
            "a Parquet file, but not one of deliveries: no column " + ", ".join(map(repr, missing)),
            source=name,
            fix=f"{_WRITE_IT}; from another tool, keep every column (select *)",
        )
    for column in STORED:
        if len(schema.get_all_field_indices(column)) > 1:
            raise SourceError(
                f"a Parquet file with two columns named {column!r}",
                source=name,
                fix=f"{_WRITE_IT}; from another tool, keep one column of each name",
            )
        kind = schema.field(column).type
        if not _KINDS[column](kind):
            raise SourceError(
                f"column {column!r} is {kind}, which cannot hold {_MEANING[column]}",
                source=name,
                fix=_WRITE_IT,
            )


def batches(
    record_batch: pa.RecordBatch | pa.Table, name: str, first_row: int
) -> Iterator[DeliveryBatch]:
    """One :class:`DeliveryBatch` per run of rows of the same format (rows numbered from
    ``first_row`` in the file); the rows that are no delivery go with the first as rejected."""
    lists = {column: _values(record_batch.column(column), column) for column in STORED}
    reasons = _bad_rows(lists)
    rejected = [Rejected(f"{name}#{first_row + at}", reasons[at]) for at in sorted(reasons)]
    good = [at for at in range(record_batch.num_rows) if at not in reasons]
    if rejected:
        lists = {column: [values[at] for at in good] for column, values in lists.items()}
    sources = lists["source"]
    for at, source in enumerate(sources):
        if not source:  # a tool may have dropped it: the row in this file stands in
            sources[at] = f"{name}#{first_row + good[at]}"
    formats: list[str] = lists.pop("format")
    rows = [Row(*values) for values in zip(*(lists[f] for f in ROW_FIELDS), strict=True)]
    start = 0
    for kind, run in groupby(formats):
        count = sum(1 for _ in run)
        batch = DeliveryBatch(kind, rows[start : start + count], rejected=rejected)
        batch.time_field = "received_at"  # the file's column, whatever the format
        yield batch
        rejected = []
        start += count
    if rejected:  # no row of this batch is a delivery
        yield DeliveryBatch(FORMATS[0], [], rejected=rejected)


def _bad_rows(lists: dict[str, list[Any]]) -> dict[int, str]:
    """Why each row that is no delivery is not one (the first reason found, checked in this
    order: the categories, the headers, text that is not UTF-8, the time), by row; a column at
    a time."""
    reasons: dict[int, str] = {}
    for column, allowed in _CATEGORIES.items():
        values = lists[column]
        if not allowed.issuperset(values):
            for at, value in enumerate(values):
                if value not in allowed:
                    reasons.setdefault(
                        at,
                        f"column {column!r} is {value!r}, not one of: {', '.join(sorted(allowed))}",
                    )
    headers = lists["headers"]
    if None in headers:
        for at, value in enumerate(headers):
            if value is None:
                reasons.setdefault(
                    at, "column 'headers' is not a JSON object of header names and text values"
                )
    for column, values in lists.items():
        if NOT_TEXT in values:  # compared by identity first: text never equals it
            for at, value in enumerate(values):
                if value is NOT_TEXT:
                    reasons.setdefault(at, f"column {column!r} holds bytes that are not UTF-8 text")
    times = [None if value is NOT_TEXT else value for value in lists["received_at"]]
    for at in invalid_times(times):  # named here by row: the stored source is another file
        reasons.setdefault(at, bad_time_reason(times[at], "received_at"))
    return reasons


NOT_TEXT = object()
"""Stands for a text value whose bytes are not UTF-8 (the row is rejected)."""


def _values(column: pa.ChunkedArray | pa.Array, name: str) -> list[Any]:
    """A column's values as the reader rows hold them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
        column = column.cast(kind)
    if name == "received_at" and pa.types.is_timestamp(kind):
        if kind.tz is not None:  # the same instants, written in UTC
            column = column.cast(pa.timestamp(kind.unit, "UTC"))
        column = pc.strftime(column, format="%Y-%m-%dT%H:%M:%SZ", locale="C")
    elif name == "body" and _text(kind):  # the bytes as they are, UTF-8 or not
        return column.cast(pa.large_binary()).to_pylist()  # type: ignore[no-any-return]
    elif name == "attempt" and pa.types.is_integer(kind):
        return [None if n is None else str(n) for n in column.to_pylist()]
    elif name == "response_status":  # an HTTP status or nothing, as the capture reader has it
        return [http_status(n) for n in column.to_pylist()]
    values = _texts(column) if _text(column.type) else column.to_pylist()
    if name == "headers":
        return [NOT_TEXT if text is NOT_TEXT else headers_of(text) for text in values]
    return values


def _texts(column: pa.ChunkedArray | pa.Array) -> list[Any]:
    """A text column's values; :data:`NOT_TEXT` for one whose bytes are not UTF-8."""
    import pyarrow as pa

    try:
        values: list[Any] = column.to_pylist()
    except UnicodeDecodeError:  # some value is not UTF-8: find which
        return [_text_or_not(raw) for raw in column.cast(pa.large_binary()).to_pylist()]
    return values


def _text_or_not(raw: bytes | None) -> object:
    try:
        return None if raw is None else raw.decode()
    except UnicodeDecodeError:
        return NOT_TEXT


_HEADERS = msgspec.json.Decoder(dict[str, str | list[str]]).decode
"""Headers as the frame holds them: names to text, or to lists of text (a repeated header)."""


def headers_of(text: str | bytes | memoryview | None) -> dict[str, Any] | None:
    """The headers JSON as a dict of text values, or None when it is not one (what the loader
    and ``to_har``/``to_capture_jsonl`` can take)."""
    if text is None:
        return None
    try:
        return _HEADERS(text)
    except (msgspec.DecodeError, ValueError):
        return None


def _text(kind: pa.DataType) -> bool:
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or str(kind) == "string_view"
        or pa.types.is_null(kind)
    )


def _bytes(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or str(kind) == "binary_view"
        or _text(kind)
    )


def _time(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_timestamp(kind) or _text(kind))


def _number(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_integer(kind) or pa.types.is_null(kind))


def _whole_number(kind: pa.DataType) -> bool:
    return _number(kind) or _text(kind)  # X-Webhook-Attempt as it was sent, or as a number


_KINDS = dict.fromkeys(STORED, _text) | {
    "body": _bytes,
    "received_at": _time,
    "response_status": _number,
    "attempt": _whole_number,
}
_MEANING = dict.fromkeys(STORED, "text") | {
    "body": "bytes",
    "received_at": "times",
    "response_status": "whole numbers",
    "attempt": "whole numbers",
}
