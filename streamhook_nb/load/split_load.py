"""A big capture log loaded on every core.

Worker processes each read a line-aligned byte range of the log (``log_ranges``) into Arrow
record batches (``columns.record_batch``) and hand them back without a copy
(``shared_batches``). Only the rejected records travel by pickle. A worker numbers its lines
from its range's start; the sources of the later ranges are then renumbered here (counting
the lines first would read the log twice).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import Pool
from pathlib import Path

import pyarrow as pa

from streamhook_nb.load import columns, log_ranges, shared_batches
from streamhook_nb.load.batch import Rejected, shift_source
from streamhook_nb.load.line_blocks import LineBlock
from streamhook_nb.load.log_ranges import LogRange
from streamhook_nb.load.readers import capture_blocks
from streamhook_nb.load.selection import select
from streamhook_nb.load.sources import Source


@dataclass(frozen=True)
class _Task:
    part: LogRange
    output: str
    path: str | None  # keep only requests to this path (``load_log(path=...)``)
    chunk: int


@dataclass(frozen=True)
class _Done:
    rejected: list[Rejected]
    skipped: int
    lines: int  # read from the range, numbered from its start


SERVED_MIN_BYTES = 64 * 1024 * 1024
"""Where this process cannot fork (a Jupyter kernel), logs of at least this many bytes in all
are still loaded on every core, by workers started from a server process: its first start
costs about half a second, which a smaller load would not win back."""


def plan(sources: list[Source], format: str | None, workers: int | None = None) -> list[LogRange]:
    """The byte ranges to load side by side, or ``[]`` when loading here is the way: one
    core, some source is not a big local capture log, or this process cannot fork (it runs
    threads, e.g. a Jupyter kernel) and the logs are too small to pay for starting workers
    from a server process (:data:`SERVED_MIN_BYTES`)."""
    wanted = workers or os.cpu_count() or 1
    if wanted < 2 or not sources:
        return []
    if not all(log_ranges.splittable(source, format) for source in sources):
        return []
    size = sum(source.size or 0 for source in sources)
    if not log_ranges.can_fork() and (size < SERVED_MIN_BYTES or not log_ranges.can_serve()):
        return []
    if shared_batches.folder_for(size) is None:
        return []
    return [part for source in sources for part in log_ranges.split(source, wanted)]


def _pool(processes: int) -> Pool:
    """Workers forked from here when that is safe, else from a server process."""
    if log_ranges.can_fork():
        return log_ranges.forked_pool(processes)
    return log_ranges.server_pool(processes)


def load(
    parts: list[LogRange],
    *,
    path: str | None,
    chunk: int,
    on_part: Callable[[list[Rejected], int, int], None],
    workers: int | None = None,
) -> list[pa.RecordBatch]:
    """The record batches of every range, in order; ``on_part`` gets each range's rejected
    records, its count of skipped requests and its size in bytes as it arrives."""
    wanted = min(workers or os.cpu_count() or 1, len(parts))
    stored: list[pa.RecordBatch] = []
    needed = sum((p.end or 0) - p.start for p in parts)
    folder = shared_batches.folder_for(needed) or Path(tempfile.gettempdir())
    with (
        shared_batches.outputs(len(parts), folder) as outputs,
        _pool(wanted) as pool,
    ):
        tasks = [_Task(p, o, path, chunk) for p, o in zip(parts, outputs, strict=True)]
        lines_before = log_ranges.LinesBefore()
        for task, done in zip(tasks, pool.imap(_load_range, tasks), strict=True):
            source, shift = task.part.source, lines_before.take(task.part, done.lines)
            for batch in shared_batches.read_back(task.output):
                stored.append(columns.shift_sources(batch, source.name, shift))
            rejected = [
                Rejected(shift_source(r.source, source.name, shift), r.reason)
                for r in done.rejected
            ]
            on_part(rejected, done.skipped, (task.part.end or 0) - task.part.start)
    return stored


class _Counted:
    """The blocks of a range, their lines counted as they are read."""

    def __init__(self, blocks: Iterator[LineBlock]) -> None:
        self.blocks = blocks
        self.count = 0

    def __iter__(self) -> Iterator[LineBlock]:
        for block in self.blocks:
            self.count += block.count
            yield block


def _load_range(task: _Task) -> _Done:
    """In a worker: one byte range read into record batches written to ``task.output``."""
    part = task.part
    blocks = _Counted(log_ranges.range_blocks(part))
    batches = capture_blocks.read(blocks, part.source.name, chunk_size=task.chunk)
    rejected: list[Rejected] = []
    skipped = 0
    with shared_batches.writer(task.output, columns.STORAGE) as writer:
        for batch in batches:
            batch = select(batch, task.path)
            skipped += batch.skipped
            stored, bad = columns.record_batch(batch)
            rejected += bad
            writer.write_batch(stored)
    return _Done(rejected, skipped, blocks.count)
