"""Deliveries as Parquet: written from a frame, read back by every command with the same
verdicts (the exact bytes, headers, fidelity, transport and ``file:line`` sources are kept).

The schema is documented in ``docs/columns.md``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from itertools import accumulate
from typing import IO, TYPE_CHECKING, Any

from streamhook_nb.errors import SourceError, UsageError
from streamhook_nb.load import parquet_rows
from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.detect import FORMATS
from streamhook_nb.load.parquet_rows import SCHEMA_KEY, SCHEMA_VERSION, STORED

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

MAGIC = b"PAR1"
"""The first (and last) four bytes of every Parquet file."""


READ_ROWS = 512
"""Rows a big row group is read in (then gathered into the caller's chunks): a damaged group
keeps the rows of the reads before the damage, so every reader and command keeps the same
rows, whatever its chunk size."""
ROW_GROUP_ROWS = 50_000
"""Deliveries per row group at most (about 75 MB of them): ``verify``, ``events`` and a Dask
cluster share a file out over the cores by row groups."""


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
        self._writer = pq.ParquetWriter(
            self._path, schema, compression="zstd", write_page_checksum=True
        )
        return self

    def write(self, deliveries: pd.DataFrame) -> None:
        """Append the frame's deliveries."""
        _check_columns(deliveries)
        if len(deliveries):
            self._writer.write_table(_table(deliveries), row_group_size=ROW_GROUP_ROWS)

    def __exit__(self, *exc: object) -> None:
        self._writer.close()


def _check_columns(deliveries: pd.DataFrame) -> None:
    missing = [name for name in STORED if name not in deliveries]
    if missing:
        raise UsageError(
            f"not a deliveries frame: no column {', '.join(map(repr, missing))}",
            fix="Pass the frame load_log returned (or one with the same columns)",
        )


def _table(deliveries: pd.DataFrame) -> pa.Table:
    from streamhook_nb.load.deliveries import to_arrow

    table = to_arrow(deliveries[list(STORED)])
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
    treats them the same way.

    A file written by another tool (DuckDB, polars, Spark, pandas) from a file of deliveries
    is read too when it has every column; a row whose values are not a delivery's is rejected
    as ``file#row``, and the other rows load. A row group that cannot be read is one rejected
    record naming its rows; the other groups load.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(stream, pre_buffer=False, page_checksum_verification=True)
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(f"not a readable Parquet file ({exc})", source=name) from None
    parquet_rows.check_schema(parquet.schema_arrow, name)
    groups = _Groups(parquet, name, chunk_size)
    for run in groups.runs(range(groups.count) if row_groups is None else row_groups):
        if len(run) == 1:  # a group of its own is streamed, a chunk at a time
            yield from groups.streamed(run[0])
            continue
        try:
            batches = groups.joined(run)
        except (pa.ArrowException, OSError):  # which group is damaged: one at a time
            for group in run:
                yield from groups.streamed(group)
            continue
        yield from groups.batches(run[0], batches)


class _Groups:
    """The row groups of one Parquet file of deliveries, read a run at a time."""

    def __init__(self, parquet: Any, name: str, chunk_size: int) -> None:
        metadata = parquet.metadata
        self.parquet, self.name, self.chunk_size = parquet, name, chunk_size
        self.count = metadata.num_row_groups
        self.sizes = [metadata.row_group(g).num_rows for g in range(self.count)]
        self.firsts = list(accumulate(self.sizes, initial=1))  # each group's first row

    def runs(self, groups: Iterable[int]) -> Iterator[list[int]]:
        """Consecutive small groups read together until they hold a chunk of rows (a file of
        many tiny groups costs a read per chunk, not per group); a big group on its own."""
        run: list[int] = []
        held = 0
        for group in groups:
            big = self.sizes[group] >= self.chunk_size
            if run and (big or group != run[-1] + 1 or held >= self.chunk_size):
                yield run
                run, held = [], 0
            run.append(group)
            held += self.sizes[group]
        if run:
            yield run

    def joined(self, run: list[int]) -> list[pa.RecordBatch]:
        """The rows of a run of small groups (at most about two chunks), as few batches."""
        import pyarrow as pa

        batches = self.parquet.iter_batches(
            batch_size=self.chunk_size, columns=list(STORED), row_groups=run, use_threads=False
        )
        table = pa.Table.from_batches(list(batches)).combine_chunks()
        parts: list[pa.RecordBatch] = table.to_batches(max_chunksize=self.chunk_size)
        return parts

    def batches(self, group: int, batches: list[pa.RecordBatch]) -> Iterator[DeliveryBatch]:
        """Rows read from ``group`` on as reader batches, numbered by their row in the file."""
        row = self.firsts[group]
        for record_batch in batches:
            yield from parquet_rows.batches(record_batch, self.name, row)
            row += record_batch.num_rows

    def streamed(self, group: int) -> Iterator[DeliveryBatch]:
        """One group's rows, a chunk at a time, read :data:`READ_ROWS` at a time; damage
        rejects the rows not read yet (the same rows whatever the chunk size)."""
        import pyarrow as pa

        row, chunk = self.firsts[group], self.chunk_size
        held: list[pa.RecordBatch] = []
        count = 0
        try:
            for record_batch in self.parquet.iter_batches(
                batch_size=READ_ROWS, columns=list(STORED), row_groups=[group], use_threads=False
            ):
                held.append(record_batch)
                count += record_batch.num_rows
                if count >= chunk:
                    table = pa.Table.from_batches(held)
                    while table.num_rows >= chunk:
                        yield from parquet_rows.batches(table.slice(0, chunk), self.name, row)
                        row += chunk
                        table = table.slice(chunk)
                    held, count = table.to_batches(), table.num_rows
        except (pa.ArrowException, OSError) as exc:
            if count:
                yield from parquet_rows.batches(pa.Table.from_batches(held), self.name, row)
                row += count
            yield self.damaged(group, row, exc)
            return
        if count:
            yield from parquet_rows.batches(pa.Table.from_batches(held), self.name, row)

    def damaged(self, group: int, first: int, exc: Exception) -> DeliveryBatch:
        """The rejected record of rows from ``first`` on that a damaged group kept unread."""
        last = self.firsts[group] + self.sizes[group] - 1
        damaged = DeliveryBatch(FORMATS[0])
        damaged.reject(
            f"{self.name}#{first}",
            f"damaged Parquet data in row group {group + 1} ({exc}): rows {first} to {last} "
            "are not loaded",
        )
        return damaged
