"""The deliveries DataFrame: one row per captured HTTP request, raw bytes kept."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import orjson
import pandas as pd
import pyarrow as pa

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

STRING = pd.StringDtype("pyarrow")
"""Text columns: Arrow-backed strings."""
BODY = pd.ArrowDtype(pa.large_binary())
"""The body column: Arrow binary holding the exact bytes (one buffer, no Python object each)."""

COLUMNS: dict[str, str] = {
    "source": "string",
    "format": "category",
    "transport": "category",
    "received_at": "datetime64[ns, UTC]",
    "method": "string",
    "path": "string",
    "headers": "string",
    "body": "large_binary[pyarrow]",
    "fidelity": "category",
    "signature": "string",
    "api_key": "string",
    "webhook_id": "string",
    "attempt": "Int64",
    "content_encoding": "string",
    "remote_addr": "string",
    "response_status": "Int64",
}
"""Column name -> dtype of every deliveries frame, in order (``string`` is Arrow-backed;
``headers`` holds each row's headers as a JSON object, see :func:`header_dicts`)."""

REJECTED_COLUMNS: dict[str, str] = {"source": "string", "reason": "string"}

_TRANSPORT_DTYPE = pd.CategoricalDtype([t.value for t in Transport])
_FIDELITY_DTYPE = pd.CategoricalDtype([f.value for f in Fidelity])
_FORMAT_DTYPE = pd.CategoricalDtype(list(FORMATS))


def from_batches(
    batches: Iterable[DeliveryBatch],
    *,
    on_rejected: Callable[[list[Rejected]], None] | None = None,
) -> tuple[pd.DataFrame, list[Rejected]]:
    """Concatenate reader batches into one typed deliveries frame plus the rejected records.

    Each batch becomes Arrow (and numpy) columns as soon as it is read, so its intermediate
    lists are freed before the next one is parsed (a lower peak than one big frame at the
    end); the pandas frame is built once, over the chunks, at the end.
    ``on_rejected`` sees each batch's rejected records (a strict load raises there).
    """
    parts = _Parts()
    rejected: list[Rejected] = []
    for batch in batches:
        bad = parts.add(batch)
        if on_rejected is not None:
            on_rejected(bad)
        rejected.extend(bad)
    return parts.frame(), rejected


def from_batch(batch: DeliveryBatch) -> tuple[pd.DataFrame, list[Rejected]]:
    """Build the typed frame for one batch; an unparseable ``received_at`` rejects its row."""
    parts = _Parts()
    rejected = parts.add(batch)
    return parts.frame(), rejected


_TEXT_COLUMNS = ("source", "method", "path", "signature", "api_key", "webhook_id", "remote_addr")
_TRANSPORT_CODES = {t.value: i for i, t in enumerate(Transport)}
_FIDELITY_CODES = {f.value: i for i, f in enumerate(Fidelity)}


class _Parts:
    """The columns of the batches read so far: Arrow chunks and numpy pieces, one per batch."""

    def __init__(self) -> None:
        self.text: dict[str, list[pa.Array]] = {name: [] for name in _TEXT_COLUMNS}
        self.text["headers"] = []
        self.text["content_encoding"] = []
        self.body: list[pa.Array] = []
        self.codes: dict[str, list[npt.NDArray[np.int8]]] = {
            "format": [],
            "transport": [],
            "fidelity": [],
        }
        self.received: list[npt.NDArray[np.int64]] = []
        self.numbers: dict[str, list[tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]]] = {
            "attempt": [],
            "response_status": [],
        }

    def add(self, batch: DeliveryBatch) -> list[Rejected]:
        """Append one batch's columns; return its rejected records (an unparseable
        ``received_at`` rejects its row)."""
        data = batch.columns()
        n = len(batch)
        times, received, bad_time = parse_received_at(data["received_at"])
        keep = None
        rejected = list(batch.rejected)
        if bad_time.any():
            keep = ~bad_time
            for source, value in zip(
                np.asarray(data["source"], dtype=object)[bad_time], times[bad_time], strict=True
            ):
                rejected.append(Rejected(str(source), bad_time_reason(value)))
            rejected.sort(key=lambda r: source_order(r.source))
        mask = None if keep is None else pa.array(keep)

        def arrow(array: pa.Array) -> pa.Array:
            return array if mask is None else array.filter(mask)

        def numpy(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
            return array if keep is None else array[keep]

        for name in _TEXT_COLUMNS:
            self.text[name].append(arrow(pa.array(data[name], type=pa.large_string())))
        self.text["headers"].append(arrow(_headers_arrow(data["headers"])))
        self.text["content_encoding"].append(
            arrow(
                pa.array(
                    _content_encoding(data["content_encoding"], data["body"]),
                    type=pa.large_string(),
                )
            )
        )
        self.body.append(arrow(_binary(data["body"], pa.large_binary())))
        self.codes["format"].append(numpy(np.full(n, FORMATS.index(batch.format), dtype=np.int8)))
        self.codes["transport"].append(numpy(_codes(data["transport"], _TRANSPORT_CODES)))
        self.codes["fidelity"].append(numpy(_codes(data["fidelity"], _FIDELITY_CODES)))
        self.received.append(numpy(np.asarray(received.array.asi8)))
        for name, array in (
            ("attempt", attempts(data["attempt"])),
            ("response_status", pd.array(data["response_status"], dtype="Int64")),
        ):
            self.numbers[name].append(
                (numpy(array.to_numpy(dtype=np.int64, na_value=0)), numpy(array.isna()))
            )
        return rejected

    def frame(self) -> pd.DataFrame:
        """The deliveries frame over every batch added (one pandas frame, built once)."""

        # Each column's pieces are dropped as soon as they are joined, and the frame takes
        # the joined arrays without copying: the peak stays one column above the frame.
        def text(name: str) -> pd.api.extensions.ExtensionArray:
            chunks = pa.chunked_array(self.text.pop(name), type=pa.large_string())
            return pd.arrays.ArrowStringArray(chunks)

        def category(name: str, dtype: pd.CategoricalDtype) -> pd.Categorical:
            pieces = self.codes.pop(name)
            codes = np.concatenate(pieces) if pieces else np.empty(0, np.int8)
            del pieces[:]
            return pd.Categorical.from_codes(codes, dtype=dtype)

        def number(name: str) -> pd.arrays.IntegerArray:
            pieces = self.numbers.pop(name)
            if not pieces:
                return pd.array([], dtype="Int64")
            values = np.concatenate([p[0] for p in pieces])
            missing = np.concatenate([p[1] for p in pieces])
            del pieces[:]
            return pd.arrays.IntegerArray(values, missing)

        stamps = np.concatenate(self.received) if self.received else np.empty(0, np.int64)
        self.received = []
        received = pd.array(stamps.view("datetime64[ns]")).tz_localize("UTC")
        del stamps
        columns = {
            "source": text("source"),
            "format": category("format", _FORMAT_DTYPE),
            "transport": category("transport", _TRANSPORT_DTYPE),
            "received_at": received,
            "method": text("method"),
            "path": text("path"),
            "headers": text("headers"),
            "body": pd.arrays.ArrowExtensionArray(
                pa.chunked_array(self.body, type=pa.large_binary())
            ),
            "fidelity": category("fidelity", _FIDELITY_DTYPE),
            "signature": text("signature"),
            "api_key": text("api_key"),
            "webhook_id": text("webhook_id"),
            "attempt": number("attempt"),
            "content_encoding": text("content_encoding"),
            "remote_addr": text("remote_addr"),
            "response_status": number("response_status"),
        }
        return pd.DataFrame(columns, copy=False)


def _codes(values: list[str], codes: dict[str, int]) -> npt.NDArray[np.int8]:
    """Category codes of ``values`` (-1: not a category, as pandas would make it missing)."""
    get = codes.get
    return np.fromiter((get(v, -1) for v in values), dtype=np.int8, count=len(values))


def parse_received_at(
    values: Sequence[str | None],
) -> tuple[pd.Series, pd.Series, npt.NDArray[np.bool_]]:
    """The raw values, their UTC times, and a mask of values that are not ISO 8601 times."""
    times = pd.Series(list(values), dtype="object")
    received = pd.to_datetime(times, format="ISO8601", utc=True, errors="coerce")
    bad = (out_of_range(received) & times.notna()).to_numpy()
    return times, received.where(~bad).astype("datetime64[ns, UTC]"), bad


_SMALL_NUMBERS = {str(i): i for i in range(1, 100)}


def attempts(values: list[str | None]) -> pd.arrays.IntegerArray:
    """``X-Webhook-Attempt`` as Int64; anything but a whole number becomes NA."""
    small = _SMALL_NUMBERS
    numbers = [small[v] if v in small else whole_number(v) for v in values]
    return pd.array(numbers, dtype="Int64")


def _content_encoding(announced: list[str | None], bodies: list[bytes | None]) -> list[str | None]:
    """The ``Content-Encoding`` header, or ``gzip`` for a headerless body with the gzip magic."""
    first = GZIP_MAGIC[0]  # checked first: cheaper than startswith on every body
    return [
        "gzip"
        if value is None and body and body[0] == first and body.startswith(GZIP_MAGIC)
        else value
        for value, body in zip(announced, bodies, strict=True)
    ]


def body_array(bodies: Sequence[bytes | None]) -> pd.api.extensions.ExtensionArray:
    """The exact bytes as an Arrow binary array (None: no body)."""
    array: pd.api.extensions.ExtensionArray = pd.array(
        _binary(bodies, pa.large_binary()), dtype=BODY
    )
    return array


def headers_text(headers: Sequence[Headers]) -> pd.api.extensions.ExtensionArray:
    """Each row's headers as JSON object text (names lower-cased, a repeated header a list)."""
    array: pd.api.extensions.ExtensionArray = pd.array(_headers_arrow(headers), dtype=STRING)
    return array


def _headers_arrow(headers: Sequence[Headers]) -> pa.Array:
    """:func:`headers_text` as an Arrow string array."""
    dumps = orjson.dumps
    try:
        texts = [dumps(h) for h in headers]
    except TypeError:  # a lone surrogate that orjson will not write: escape to ASCII instead
        texts = [json.dumps(h, separators=(",", ":")).encode() for h in headers]
    # orjson and json.dumps write valid UTF-8: the bytes are the strings, unchecked.
    return _binary(texts, pa.large_string())


def _binary(items: Sequence[bytes | None], kind: pa.DataType) -> pa.Array:
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


def header_dicts(column: pd.Series) -> list[Headers]:
    """The ``headers`` column as one dict per row (repeated headers as lists)."""
    loads = orjson.loads
    return [loads(text) for text in values(column)]


def values(column: pd.Series) -> list[Any]:
    """A column as plain Python objects, None where missing (bytes for ``body``)."""
    array = column.array
    if isinstance(array, pd.arrays.ArrowExtensionArray | pd.arrays.ArrowStringArray):
        return pa.array(array).to_pylist()  # type: ignore[no-any-return]
    return column.astype(object).where(column.notna(), None).tolist()


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """A deliveries (or verified, or events) frame as an Arrow table, Arrow-backed columns
    handed over without copying (categoricals become dictionary arrays)."""
    return pa.Table.from_pandas(frame, preserve_index=False)


def empty_frame() -> pd.DataFrame:
    """A deliveries frame with no rows and every column typed."""
    return from_batch(DeliveryBatch(FORMATS[0]))[0]


def rejected_frame(rejected: list[Rejected]) -> pd.DataFrame:
    """Rejected records as a two-column frame (``source``, ``reason``)."""
    return pd.DataFrame(
        {
            "source": pd.array([r.source for r in rejected], dtype=STRING),
            "reason": pd.array([r.reason for r in rejected], dtype=STRING),
        }
    )
