"""A Parquet file that ``to_parquet`` wrote, read by Arrow straight into the frame's columns.

The row reader (:mod:`parquet_rows`) turns every value into a Python object and back; a file in
exactly the schema ``to_parquet`` writes needs none of that: its columns are the frame's
storage already (categories as dictionaries, times in UTC nanoseconds). Every row is still
checked as the row reader checks it: a file with any row the row reader would reject, skip or
change (an unknown category, a request that is not a POST, headers that are not a JSON object
of text, text that is not UTF-8, a number out of range) is left to the row reader. The
headers' JSON text is kept as written (the row reader writes each parsed object again).
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from streamhook_nb.errors import SourceError
from streamhook_nb.load import columns, parquet
from streamhook_nb.load.batch import MAX_DIGITS
from streamhook_nb.load.parquet_rows import SCHEMA_KEY, SCHEMA_VERSION, STORED, headers_of
from streamhook_nb.load.sources import DAMAGE_ERRORS, Source

_CODES = columns.CATEGORIES
_FIRST_YEAR, _LAST_YEAR = 1678, 2261
"""``received_at`` years the row reader parses the quick way (the others: see
:func:`columns.received_stamps`)."""
_UNREADABLE = (*DAMAGE_ERRORS, SourceError)
"""What opening or reading a damaged source raises: the readers then say why."""
_NUMBERS = {"attempt": (0, 10**MAX_DIGITS - 1), "response_status": (100, 999)}
"""Stored numbers that read back as themselves (:func:`batch.whole_number`,
:func:`batch.http_status`)."""


def is_parquet_file(source: Source) -> bool:
    """Whether the source opens and starts as a Parquet file does."""
    try:
        with source.open() as stream:
            return parquet.is_parquet(stream.read(4))
    except _UNREADABLE:
        return False


def stored_batches(source: Source) -> list[pa.RecordBatch] | None:
    """The file's deliveries as record batches in :data:`columns.STORAGE`, or None when the
    file needs the row reader (not written by ``to_parquet``, unreadable, or a row it would
    treat otherwise)."""
    try:
        with source.open() as stream:  # (not Parquet: Arrow refuses it, below)
            file = pq.ParquetFile(  # read as asked (no pre-buffering): twice as fast here
                stream, pre_buffer=False, page_checksum_verification=True
            )
            schema = file.schema_arrow
            if (schema.metadata or {}).get(SCHEMA_KEY) != SCHEMA_VERSION:
                return None
            if sorted(schema.names) != sorted(STORED) or not all(
                _as_written(schema.field(name)) for name in STORED
            ):
                return None
            table = file.read(columns=list(STORED))
    except (pa.ArrowException, *_UNREADABLE):
        return None
    batches = table.to_batches()
    if len(batches) > 1 + table.num_rows // _FEW_ROWS:
        batches = table.combine_chunks().to_batches()  # many tiny row groups: checked at once
    stored = []
    for batch in batches:
        converted = _stored(batch)
        if converted is None:
            return None
        stored.append(converted)
    return stored


def _as_written(field: pa.Field) -> bool:
    """Whether a column has the type ``to_parquet`` writes (the storage type, but categories
    as dictionaries and times as a UTC timestamp)."""
    kind = field.type
    if field.name in _CODES:
        return bool(
            pa.types.is_dictionary(kind)
            and kind.value_type in (pa.string(), pa.large_string())
            and pa.types.is_integer(kind.index_type)
        )
    if field.name == "received_at":
        return bool(kind == pa.timestamp("ns", "UTC"))
    return bool(kind == columns.STORAGE.field(field.name).type)


def _stored(batch: pa.RecordBatch) -> pa.RecordBatch | None:
    """One batch in the storage schema, or None when a row needs the row reader."""
    arrays: dict[str, pa.Array] = {}
    for name in _CODES:
        codes = _codes(batch.column(name), _CODES[name])
        if codes is None:
            return None
        arrays[name] = codes
    source, method = batch.column("source"), batch.column("method")
    if source.null_count or pc.any(pc.equal(source, "")).as_py():
        return None  # the row reader names such a row by its place in the file
    if not pc.all(pc.fill_null(pc.equal(method, "POST"), True)).as_py():
        return None  # the row reader keeps "post" and skips a GET
    received = batch.column("received_at")
    years = pc.year(received)
    if received.null_count < len(received) and not (
        pc.min(years).as_py() >= _FIRST_YEAR and pc.max(years).as_py() <= _LAST_YEAR
    ):
        return None
    for name, (least, most) in _NUMBERS.items():  # what the row reader keeps as it is
        numbers = batch.column(name)
        if numbers.null_count < len(numbers):
            low, high = pc.min(numbers).as_py(), pc.max(numbers).as_py()
            if low < least or high > most:
                return None
    try:
        batch.validate(full=True)  # text is UTF-8 (the row reader rejects a row that is not)
    except pa.ArrowInvalid:
        return None
    headers = batch.column("headers")
    if not _json_objects(headers):
        return None
    body = batch.column("body")
    arrays |= {
        "received_at": pc.fill_null(received.cast(pa.int64()), columns.NAT),
        "content_encoding": columns.content_encoding(batch.column("content_encoding"), body),
    }
    return pa.RecordBatch.from_arrays(
        [arrays.get(field.name, batch.column(field.name)) for field in columns.STORAGE],
        schema=columns.STORAGE,
    )


def _codes(column: pa.DictionaryArray, categories: list[str]) -> pa.Array | None:
    """A dictionary column as ``int8`` codes in ``categories`` order (None: a null or a value
    that is no category, which the row reader rejects)."""
    if column.null_count:
        return None
    values = column.dictionary.to_pylist()
    mapping = [categories.index(v) if v in categories else -1 for v in values]
    if -1 in mapping:
        return None
    indices = column.indices.to_numpy(zero_copy_only=False)
    return pa.array(np.asarray(mapping, dtype=np.int8)[indices])


def _json_objects(headers: pa.Array) -> bool:
    """Whether every row's headers are a JSON object of text values, as the row reader
    requires (:func:`parquet_rows.headers_of`)."""
    if headers.null_count:
        return False
    _, offsets, data = headers.buffers()
    bounds = np.frombuffer(offsets, np.int64, count=len(headers) + 1, offset=8 * headers.offset)
    whole = memoryview(data) if data is not None else memoryview(b"")
    for at in range(0, len(headers), _WINDOW):
        window = bounds[at : at + _WINDOW + 1].tolist()
        first = window[0]
        text = whole[first : window[-1]].tobytes()  # bytes parse faster than views
        for a, b in pairwise(window):
            if headers_of(text[a - first : b - first]) is None:
                return False
    return True


_FEW_ROWS = 10_000
"""Rows per row group below which a file's groups are joined before they are checked."""
_WINDOW = 4096
"""Rows of headers copied out of the Arrow buffer at a time to be parsed."""
