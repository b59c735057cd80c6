"""Parts of a load (record batches, rejected records, skips) gathered into results of a chunk
size, for :func:`~streamhook_nb.load.loading.iter_load`.

A result holds ``chunk_size`` deliveries (the last fewer): the parts' record batches are
gathered, and one is cut where a result is full. Each rejected record goes in the result its
line puts it in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pandas as pd
import pyarrow as pa

from streamhook_nb.load import columns, deliveries, small_batches
from streamhook_nb.load.batch import DeliveryBatch, Rejected, source_order
from streamhook_nb.load.reading import check_strict
from streamhook_nb.load.split_load import LoadedPart


def made_arrow(
    batches: Iterator[DeliveryBatch], strict: bool, chunk_size: int
) -> Iterator[LoadedPart]:
    """Reader batches made Arrow as they are read (small ones a group at a time)."""
    for group in small_batches.groups(batches, most=chunk_size):
        part, bad = columns.record_batch_of(group)
        check_strict(bad, strict)
        skipped = sum(batch.skipped for batch in group)
        yield LoadedPart([part], bad, skipped, 0, one_file=len(group) == 1)


def gathered(
    parts: Iterable[LoadedPart], chunk_size: int
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame, int]]:
    """The deliveries, rejected records and skips of each result, in order (where a rejected
    record goes: :func:`_rejected_before`)."""
    chunk = _Chunk()
    for part in parts:
        rows = pa.Table.from_batches(part.stored, schema=columns.STORAGE)
        bad, skipped = part.rejected, part.skipped
        while chunk.rows == chunk_size or chunk.rows + rows.num_rows > chunk_size:
            take = chunk_size - chunk.rows  # 0 for a full chunk: it takes the records before
            head, rows = rows.slice(0, take), rows.slice(take)  # the next one's first row
            before = _rejected_before(part, bad, head, rows)
            bad = bad[len(before) :]
            chunk.add(head, before, skipped)
            skipped = 0
            yield chunk.result()
            chunk = _Chunk()
        chunk.add(rows, bad, skipped)
    if chunk.rows or chunk.rejected or chunk.skipped:
        yield chunk.result()


def _rejected_before(
    part: LoadedPart, bad: list[Rejected], head: pa.Table, rest: pa.Table
) -> list[Rejected]:
    """Which of a part's rejected records go with ``head``, its rows in a full result: in one
    file, those before the first row of ``rest`` (all, when nothing is left); in several small
    files (whose order the sources' names cannot tell), all, with the part's first rows."""
    if not part.one_file:
        return bad if head.num_rows else []
    if not rest.num_rows:
        return bad
    boundary = source_order(rest["source"][0].as_py())
    return [r for r in bad if source_order(r.source) < boundary]


class _Chunk:
    """Record batches, rejected records and skipped requests gathered for one result."""

    def __init__(self) -> None:
        self.stored: list[pa.RecordBatch] = []
        self.rejected: list[Rejected] = []
        self.rows = self.skipped = 0

    def add(self, rows: pa.Table, rejected: list[Rejected], skipped: int) -> None:
        """Gather rows with the rejected records and skips that go with them."""
        if rows.num_rows:
            self.stored += rows.to_batches()
            self.rows += rows.num_rows
        self.rejected += rejected
        self.skipped += skipped

    def result(self) -> tuple[pd.DataFrame, pd.DataFrame, int]:
        """The gathered deliveries and rejected records as frames, and the skips."""
        frame = deliveries.frame_of(self.stored)
        return frame, deliveries.rejected_frame(self.rejected), self.skipped
