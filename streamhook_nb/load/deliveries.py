"""The deliveries DataFrame: one row per captured HTTP request, raw bytes kept."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from streamhook_nb.load import columns, small_batches
from streamhook_nb.load.batch import DeliveryBatch, Rejected
from streamhook_nb.load.detect import FORMATS
from streamhook_nb.load.headers import Headers

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


def from_batches(
    batches: Iterable[DeliveryBatch],
    *,
    on_rejected: Callable[[list[Rejected]], None] | None = None,
) -> tuple[pd.DataFrame, list[Rejected]]:
    """Concatenate reader batches into one typed deliveries frame plus the rejected records.

    Each batch becomes Arrow columns as soon as it is read (:func:`columns.record_batch_of`;
    small ones, such as a file per delivery, a group at a time: :mod:`small_batches`), so its
    Python objects are freed before the next one is parsed; the pandas frame is built once,
    over the Arrow chunks, at the end (:func:`frame_of`).
    ``on_rejected`` sees each batch's rejected records (a strict load raises there).
    """
    stored: list[pa.RecordBatch] = []
    rejected: list[Rejected] = []
    for group in small_batches.groups(batches):
        part, bad = columns.record_batch_of(group)
        stored.append(part)
        if on_rejected is not None:
            on_rejected(bad)
        rejected.extend(bad)
    return frame_of(stored), rejected


def from_batch(*batches: DeliveryBatch) -> tuple[pd.DataFrame, list[Rejected]]:
    """Build the typed frame for a batch (or a group of small ones of one format:
    :mod:`small_batches`); an unparseable ``received_at`` rejects its row."""
    part, rejected = columns.record_batch_of(batches)
    return frame_of([part]), rejected


_DTYPES = {name: pd.CategoricalDtype(values) for name, values in columns.CATEGORIES.items()}


def frame_of(stored: list[pa.RecordBatch]) -> pd.DataFrame:
    """The deliveries frame over record batches in the :data:`columns.STORAGE` schema: text,
    headers and bodies are taken without copying; codes, times and numbers become numpy."""
    table = pa.Table.from_batches(stored, schema=columns.STORAGE)
    del stored[:]  # the table holds the batches now

    def category(name: str) -> pd.Categorical:
        codes = table.column(name).to_numpy()
        return pd.Categorical.from_codes(codes, dtype=_DTYPES[name])

    def number(name: str) -> pd.arrays.IntegerArray:
        column = table.column(name)
        values = pc.fill_null(column, 0).to_numpy()
        return pd.arrays.IntegerArray(values, column.is_null().to_numpy())

    stamps = table.column("received_at").to_numpy()
    received = pd.array(stamps.view("datetime64[ns]")).tz_localize("UTC")
    frame: dict[str, Any] = {}
    for field in columns.STORAGE:
        name = field.name
        if name in _DTYPES:
            frame[name] = category(name)
        elif name == "received_at":
            frame[name] = received
        elif field.type == pa.int64():
            frame[name] = number(name)
        elif name == "body":
            frame[name] = pd.arrays.ArrowExtensionArray(table.column(name))
        else:
            frame[name] = pd.arrays.ArrowStringArray(table.column(name))
    return pd.DataFrame(frame, copy=False)


def body_array(bodies: Sequence[bytes | None]) -> pd.api.extensions.ExtensionArray:
    """The exact bytes as an Arrow binary array (None: no body)."""
    array: pd.api.extensions.ExtensionArray = pd.array(
        columns.binary(bodies, pa.large_binary()), dtype=BODY
    )
    return array


def headers_text(headers: Sequence[Headers]) -> pd.api.extensions.ExtensionArray:
    """Each row's headers as JSON object text (names lower-cased, a repeated header a list)."""
    array: pd.api.extensions.ExtensionArray = pd.array(columns.headers_arrow(headers), dtype=STRING)
    return array


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
