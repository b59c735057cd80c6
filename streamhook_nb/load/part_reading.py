"""The reader batches of one unit of work: a byte range of a capture log, a share of a Parquet
file's row groups, or a whole file of any kind.

Workers on every core (``split_load``, the streaming ``load`` summary) and on a Dask cluster
read their part through here, so each part is read the way the whole file would be.
"""

from __future__ import annotations

from collections.abc import Iterator

from streamhook_nb.load import parquet
from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.line_blocks import LineBlock
from streamhook_nb.load.log_ranges import LogRange, range_blocks
from streamhook_nb.load.readers import capture_blocks
from streamhook_nb.load.reading import read_batches
from streamhook_nb.load.selection import select


class PartBatches:
    """Iterate the part's batches, deliveries only (see :func:`select`); afterwards ``lines``
    holds the lines a byte range read (numbered from its ``first_line``), 0 for other parts."""

    def __init__(self, part: LogRange, format: str | None, chunk: int, path: str | None) -> None:
        self.part, self.format, self.chunk, self.path = part, format, chunk, path
        self.lines = 0

    def __iter__(self) -> Iterator[DeliveryBatch]:
        part = self.part
        if part.row_groups is not None:
            with part.source.open() as stream:
                for batch in parquet.read(stream, part.source.name, self.chunk, part.row_groups):
                    yield select(batch, self.path)
            return
        if part.end is None:
            yield from read_batches(part.source, self.format, self.chunk, self.path)
            return
        blocks = capture_blocks.read(
            self._counted(range_blocks(part)),
            part.source.name,
            first_line=part.first_line,
            chunk_size=self.chunk,
        )
        for batch in blocks:
            yield select(batch, self.path)

    def _counted(self, blocks: Iterator[LineBlock]) -> Iterator[LineBlock]:
        for block in blocks:
            self.lines += block.count
            yield block
