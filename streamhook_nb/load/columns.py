"""A reader batch as Arrow columns: the storage form of the deliveries frame.

One :class:`pyarrow.RecordBatch` per reader batch, in the schema :data:`STORAGE`: text and
bytes as Arrow large strings and binary, categories as ``int8`` codes, ``received_at`` as UTC
nanoseconds. Record batches can be written to an Arrow IPC file by a worker process and read
back without copying; :func:`streamhook_nb.load.deliveries.frame_of` turns them into the frame.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

import msgspec
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from streamhook_nb.load.batch import (
    DeliveryBatch,
    Rejected,
    bad_time_reason,
    source_order,
    whole_number,
)
from streamhook_nb.load.detect import FORMATS
from streamhook_nb.load.fidelity import Fidelity, Transport
from streamhook_nb.load.headers import Headers
from streamhook_nb.load.sources import GZIP_MAGIC
from streamhook_nb.load.timestamps import out_of_range

_TEXT = pa.large_string()
STORAGE = pa.schema(
    [
        ("source", _TEXT),
        ("format", pa.int8()),
        ("transport", pa.int8()),
        ("received_at", pa.int64()),
        ("method", _TEXT),
        ("path", _TEXT),
        ("headers", _TEXT),
        ("body", pa.large_binary()),
        ("fidelity", pa.int8()),
        ("signature", _TEXT),
        ("api_key", _TEXT),
        ("webhook_id", _TEXT),
        ("attempt", pa.int64()),
        ("content_encoding", _TEXT),
        ("remote_addr", _TEXT),
        ("response_status", pa.int64()),
    ]
)
"""The frame's columns as stored: codes for categories (see ``CATEGORIES``), UTC ns times
(``NAT`` where unknown), headers as JSON object text."""

CATEGORIES: dict[str, list[str]] = {
    "format": list(FORMATS),
    "transport": [t.value for t in Transport],
    "fidelity": [f.value for f in Fidelity],
}
"""The categories behind each ``int8`` code column, in code order."""
NAT = np.iinfo(np.int64).min
"""The stored ``received_at`` of a delivery whose time is unknown (pandas' NaT)."""

_TEXT_COLUMNS = ("source", "method", "path", "signature", "api_key", "webhook_id", "remote_addr")
_CODES = {name: {value: i for i, value in enumerate(values)} for name, values in CATEGORIES.items()}


def record_batch_of(batches: Sequence[DeliveryBatch]) -> tuple[pa.RecordBatch, list[Rejected]]:
    """Reader batches of one format and time field in the :data:`STORAGE` schema (small ones,
    each of one file, converted as one: a conversion costs about 0.6 ms however few its rows),
    with the rejected records each would have had on its own, in order (a row whose
    ``received_at`` is not a time is rejected here, as loading rejects it)."""
    batch = batches[0]
    if len(batches) > 1:
        batch = DeliveryBatch(batch.format)
        batch.time_field = batches[0].time_field
        for part in batches:
            batch.extend(part)
    data = batch.columns()
    stamps, bad_time = received_stamps(data["received_at"])
    rejected: list[Rejected] = []
    first = 0
    for part in batches:
        end = first + len(part)
        rejected += _rejected_in_order(part, data, np.flatnonzero(bad_time[first:end]) + first)
        first = end
    body = binary(data["body"], pa.large_binary())
    announced = pa.array(data["content_encoding"], type=_TEXT)
    columns: dict[str, pa.Array] = {
        name: pa.array(data[name], type=_TEXT) for name in _TEXT_COLUMNS
    }
    columns |= {
        "format": pa.array(np.full(len(batch), FORMATS.index(batch.format), dtype=np.int8)),
        "transport": pa.array(_codes(data["transport"], _CODES["transport"])),
        "received_at": pa.array(stamps),
        "headers": headers_arrow(data["headers"]),
        "body": body,
        "fidelity": pa.array(_codes(data["fidelity"], _CODES["fidelity"])),
        "attempt": attempts(data["attempt"]),
        "content_encoding": content_encoding(announced, body),
        "response_status": pa.array(data["response_status"], type=pa.int64()),
    }
    stored = pa.RecordBatch.from_arrays([columns[f.name] for f in STORAGE], schema=STORAGE)
    if bad_time.any():
        stored = stored.filter(pa.array(~bad_time))
    return stored, rejected


def _rejected_in_order(
    batch: DeliveryBatch, data: dict[str, list[Any]], bad_rows: npt.NDArray[np.intp]
) -> list[Rejected]:
    """A reader batch's rejected records, plus its rows at ``bad_rows`` (their time is not a
    time), in the order of their sources."""
    rejected = list(batch.rejected)
    if len(bad_rows):
        for index in bad_rows.tolist():
            value = data["received_at"][index]
            rejected.append(
                Rejected(str(data["source"][index]), bad_time_reason(value, batch.time_field))
            )
        rejected.sort(key=lambda r: source_order(r.source))
    return rejected


def _codes(values: list[str], codes: dict[str, int]) -> npt.NDArray[np.int8]:
    """Category codes of ``values`` (-1: not a category, as pandas would make it missing)."""
    get = codes.get
    if values and values.count(values[0]) == len(values):  # one value throughout (common)
        return np.full(len(values), get(values[0], -1), dtype=np.int8)
    return np.fromiter((get(v, -1) for v in values), dtype=np.int8, count=len(values))


def parse_received_at(
    values: Sequence[str | None],
) -> tuple[pd.Series, pd.Series, npt.NDArray[np.bool_]]:
    """The raw values, their UTC times, and a mask of values that are not ISO 8601 times."""
    times = pd.Series(list(values), dtype="object")
    received = pd.to_datetime(times, format="ISO8601", utc=True, errors="coerce")
    bad = (out_of_range(received) & times.notna()).to_numpy()
    return times, received.where(~bad).astype("datetime64[ns, UTC]"), bad


_PLAIN_TIME = (
    r"^(16(7[89]|[89]\d)|1[7-9]\d\d|2[01]\d\d|22[0-5]\d|226[01])"  # years ns times hold whole
    r"-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$"
)
_UTC_NS = pa.timestamp("ns", "UTC")


def received_stamps(
    values: Sequence[str | None],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """``received_at`` as UTC nanoseconds (:data:`NAT` when missing or not a time) and a mask
    of the values that are not ISO 8601 times.

    Values all in the form capture tools write (``2026-11-26T09:15:02.123Z``, any offset) are
    parsed by Arrow in one call; anything else, or a date Arrow refuses (``02-30``), by pandas,
    the loader's reference parser (:func:`parse_received_at`).
    """
    strings = pa.array(values, type=pa.string())
    if pc.all(pc.match_substring_regex(strings, _PLAIN_TIME)).as_py() is not False:
        try:
            parsed = pc.cast(strings, _UTC_NS)
        except pa.ArrowInvalid:
            pass
        else:
            stamps = pc.fill_null(parsed.cast(pa.int64()), NAT).to_numpy()
            return stamps, np.zeros(len(values), dtype=bool)
    _, received, bad = parse_received_at(values)
    return np.asarray(received.array.asi8), bad


_SMALL_NUMBERS = {str(i): i for i in range(1, 100)}


def attempts(values: list[str | None]) -> pa.Array:
    """``X-Webhook-Attempt`` as Arrow int64; anything but a whole number becomes null."""
    small = _SMALL_NUMBERS
    numbers = [small[v] if v in small else whole_number(v) for v in values]
    return pa.array(numbers, type=pa.int64())


_GZIP_MAGIC = pa.scalar(GZIP_MAGIC, type=pa.large_binary())


def content_encoding(announced: pa.Array, body: pa.Array) -> pa.Array:
    """The ``Content-Encoding`` header, or ``gzip`` for a headerless body with the gzip magic."""
    if announced.null_count == 0:
        return announced
    magic = pc.equal(pc.binary_slice(body, 0, len(GZIP_MAGIC)), _GZIP_MAGIC)
    guessed = pc.and_(pc.is_null(announced), pc.fill_null(magic, False))
    if not pc.any(guessed).as_py():
        return announced
    return pc.if_else(guessed, pa.scalar("gzip", _TEXT), announced)


def headers_arrow(headers: Sequence[Headers]) -> pa.Array:
    """Each row's headers as JSON object text (names lower-cased, a repeated header a list)."""
    encode = msgspec.json.encode  # the bytes orjson.dumps writes, about 4x as fast on these
    try:
        texts = [encode(h) for h in headers]
    except UnicodeEncodeError:  # a lone surrogate, which UTF-8 cannot hold: escape to ASCII
        texts = [json.dumps(h, separators=(",", ":")).encode() for h in headers]
    # msgspec and json.dumps write valid UTF-8: the bytes are the strings, unchecked.
    return binary(texts, _TEXT)


def binary(items: Sequence[bytes | None], kind: pa.DataType) -> pa.Array:
    """An Arrow (large) binary or string array built from one joined buffer: one copy of the
    bytes, no per-item append (several times faster than ``pa.array`` on big bodies)."""
    missing = [i for i, item in enumerate(items) if item is None]
    present = [b"" if x is None else x for x in items] if missing else cast(list[bytes], items)
    offsets = np.zeros(len(present) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, present), dtype=np.int64, count=len(present)), out=offsets[1:])
    validity = None
    if missing:
        valid = np.ones(len(present), dtype=bool)
        valid[missing] = False
        validity = pa.array(valid).buffers()[1]
    return pa.Array.from_buffers(
        kind,
        len(present),
        [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(present))],
        null_count=len(missing),
    )


def shift_sources(batch: pa.RecordBatch, name: str, lines: int) -> pa.RecordBatch:
    """The batch with its ``name:line`` sources numbered ``lines`` further (every source of a
    batch read from a range of the log ``name`` has that form; see :func:`batch.shift_source`)."""
    if not lines or not batch.num_rows:
        return batch
    prefix = f"{name}:"
    numbers = pc.cast(pc.utf8_slice_codeunits(batch["source"], len(prefix)), pa.int64())
    shifted = pc.cast(pc.add(numbers, lines), _TEXT)
    sources = pc.binary_join_element_wise(pa.scalar(prefix, _TEXT), shifted, pa.scalar("", _TEXT))
    return batch.set_column(batch.schema.get_field_index("source"), "source", sources)
