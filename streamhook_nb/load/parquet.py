"""Deliveries as Parquet: written from a frame, read back by every command with the same
verdicts (the exact bytes, headers, fidelity, transport and ``file:line`` sources are kept).

The schema is documented in ``docs/columns.md``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import groupby
from typing import IO, TYPE_CHECKING, Any

import orjson

from streamhook_nb.errors import SourceError, UsageError
from streamhook_nb.load.batch import ROW_FIELDS, DeliveryBatch, Row
from streamhook_nb.load.detect import FORMATS

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

MAGIC = b"PAR1"
"""The first (and last) four bytes of every Parquet file."""
SCHEMA_KEY = b"streamhook-nb"
SCHEMA_VERSION = b"deliveries/1"
"""Schema metadata that marks a Parquet file of deliveries (and its layout's version)."""
_STORED = (
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


def is_parquet(head: bytes) -> bool:
    """True for the first bytes of a Parquet file."""
    return head.startswith(MAGIC)


def to_parquet(deliveries: pd.DataFrame, path: str | os.PathLike[str] | IO[bytes]) -> int:
    """Write the deliveries (the columns of a deliveries frame; verdict or event columns are
    left out: they are recomputed on reading) as Parquet, zstd-compressed. Returns rows written.
    """
    _check_columns(deliveries)  # before the file is created
    with ParquetDeliveriesWriter(path) as writer:
        writer.write(deliveries)
    return len(deliveries)


class ParquetDeliveriesWriter:
    """A Parquet file of deliveries written frame by frame (one row group each), for logs
    bigger than memory."""

    def __init__(self, path: str | os.PathLike[str] | IO[bytes]) -> None:
        self._path = path
        self._writer: Any = None

    def __enter__(self) -> ParquetDeliveriesWriter:
        import pyarrow.parquet as pq

        from streamhook_nb.load.deliveries import empty_frame

        schema = _table(empty_frame()).schema
        self._writer = pq.ParquetWriter(self._path, schema, compression="zstd")
        return self

    def write(self, deliveries: pd.DataFrame) -> None:
        """Append the frame's deliveries."""
        _check_columns(deliveries)
        if len(deliveries):
            self._writer.write_table(_table(deliveries))

    def __exit__(self, *exc: object) -> None:
        self._writer.close()


def _check_columns(deliveries: pd.DataFrame) -> None:
    missing = [name for name in _STORED if name not in deliveries]
    if missing:
        raise UsageError(
            f"not a deliveries frame: no column {', '.join(map(repr, missing))}",
            fix="Pass the frame load_log returned (or one with the same columns)",
        )


def _table(deliveries: pd.DataFrame) -> pa.Table:
    from streamhook_nb.load.deliveries import to_arrow

    table = to_arrow(deliveries[list(_STORED)])
    metadata = {**(table.schema.metadata or {}), SCHEMA_KEY: SCHEMA_VERSION}
    return table.replace_schema_metadata(metadata)


def row_group_count(path: str) -> int:
    """How many row groups a Parquet file has (0 when it is not readable: the reader says why)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(path).num_row_groups)
    except (pa.ArrowException, OSError):
        return 0


def read(
    stream: IO[bytes], name: str, chunk_size: int, row_groups: tuple[int, ...] | None = None
) -> Iterator[DeliveryBatch]:
    """Batches of the deliveries in a Parquet file (or only in ``row_groups``), as the reader
    that first loaded them made them (their format, source and columns), so every command
    treats them the same way."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(stream)
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(f"not a readable Parquet file ({exc})", source=name) from None
    metadata = parquet.schema_arrow.metadata or {}
    if metadata.get(SCHEMA_KEY) != SCHEMA_VERSION:
        raise SourceError(
            "a Parquet file, but not one of deliveries",
            source=name,
            fix="Write it with to_parquet() or 'streamhook-nb load ... --to-parquet OUT'",
        )
    batches = parquet.iter_batches(
        batch_size=chunk_size, columns=list(_STORED), row_groups=row_groups
    )
    for record_batch in batches:
        yield from _batches(record_batch, name)


def _batches(record_batch: pa.RecordBatch, name: str) -> Iterator[DeliveryBatch]:
    """One :class:`DeliveryBatch` per run of rows of the same format."""
    import pyarrow.compute as pc

    columns = {n: record_batch.column(n) for n in _STORED}
    columns["received_at"] = pc.strftime(
        columns["received_at"], format="%Y-%m-%dT%H:%M:%SZ", locale="C"
    )
    lists: dict[str, list[Any]] = {n: columns[n].to_pylist() for n in _STORED}
    formats = [str(f) for f in lists.pop("format")]
    lists["headers"] = [orjson.loads(h) for h in lists["headers"]]
    lists["attempt"] = [None if a is None else str(a) for a in lists["attempt"]]
    for bad in {f for f in formats if f not in FORMATS}:
        raise SourceError(f"unknown format {bad!r} in column 'format'", source=name)
    rows = [Row(*values) for values in zip(*(lists[f] for f in ROW_FIELDS), strict=True)]
    start = 0
    for kind, run in groupby(formats):
        count = sum(1 for _ in run)
        yield DeliveryBatch(kind, rows[start : start + count])
        start += count
