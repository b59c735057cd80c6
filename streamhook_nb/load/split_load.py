"""Big capture logs, or many files, loaded on every core.

Worker processes each read a line-aligned byte range of a big log (``log_ranges``), or a whole
file of any other kind (gzip, another format), into Arrow record batches
(``columns.record_batch_of``) and hand them back without a copy (``shared_batches``). Only the
rejected records travel by pickle. A worker numbers a range's lines from its start; the sources
of the later ranges are then renumbered here (counting the lines first would read the log
twice).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from multiprocessing.pool import Pool
from pathlib import Path

import pyarrow as pa

from streamhook_nb.load import columns, log_ranges, shared_batches, small_batches
from streamhook_nb.load.batch import DeliveryBatch, Rejected, shift_source
from streamhook_nb.load.detect import FORMATS
from streamhook_nb.load.log_ranges import LogRange
from streamhook_nb.load.part_reading import PartBatches
from streamhook_nb.load.sources import Source


@dataclass(frozen=True)
class _Task:
    parts: tuple[LogRange, ...]  # a byte range, or whole files (small ones gathered)
    output: str
    path: str | None  # keep only requests to this path (``load_log(path=...)``)
    chunk: int
    format: str | None = None  # forced, for a whole file


@dataclass(frozen=True)
class _Done:
    rejected: list[Rejected]
    skipped: int
    lines: int  # read from the range, numbered from its start


FILES_MIN_BYTES = 16 * 1024 * 1024
"""Files that cannot be split (gzip, other formats) are loaded one per worker once they hold
about this many bytes in all, inflated (:func:`_frame_bytes`): below it, starting the workers
costs more than it saves."""
GZIP_RATIO = 10
"""About how much bigger a gzip capture log is once inflated (a room estimate, not a limit)."""
SERVED_MIN_BYTES = 64 * 1024 * 1024
"""Where this process cannot fork (a Jupyter kernel), logs of at least this many bytes in all
are still loaded on every core, by workers started from a server process: its first start
costs about half a second, which a smaller load would not win back."""
AHEAD = 2
"""Tasks in flight per worker: one being read, one waiting (a split load's tasks are its
workers' shares; a chunked load's, ranges of :data:`CHUNK_RANGE_BYTES`)."""
CHUNK_RANGE_BYTES = 16 << 20
"""A big log loaded in chunks (``iter_load``) is read in byte ranges of about this size, so
that only a few of them are in memory at a time."""


def plan(
    sources: list[Source],
    format: str | None,
    workers: int | None = None,
    range_bytes: int | None = None,
) -> list[LogRange]:
    """The parts to load side by side (byte ranges of big local capture logs, one per worker
    or of about ``range_bytes``, other files whole), or ``[]`` when loading here is the way:
    one core, one file too small to split, files that are not local, too little in all to pay
    for the workers (:data:`FILES_MIN_BYTES`), or this process cannot fork (it runs threads,
    e.g. a Jupyter kernel) and the logs are too small to pay for starting workers from a
    server process (:data:`SERVED_MIN_BYTES`)."""
    wanted = workers or os.cpu_count() or 1
    if wanted < 2 or not sources or any("://" in source.url for source in sources):
        return []
    if format is not None and format not in FORMATS:
        return []  # loading here says so
    split = [log_ranges.splittable(source, format) for source in sources]
    size = sum(source.size or 0 for source in sources)
    frame = _frame_bytes(sources, split)
    if not all(split) and (len(sources) < 2 or frame < FILES_MIN_BYTES):
        return []
    if not log_ranges.can_fork() and (size < SERVED_MIN_BYTES or not log_ranges.can_serve()):
        return []
    if shared_batches.folder_for(frame) is None:
        return []
    return [
        part
        for source, whole_log in zip(sources, split, strict=True)
        for part in (
            log_ranges.split(source, _ranges(source, wanted, range_bytes))
            if whole_log
            else [LogRange(source)]
        )
    ]


def _ranges(source: Source, workers: int, range_bytes: int | None) -> int:
    """How many byte ranges a big log is read in: one per worker, or of about ``range_bytes``."""
    if range_bytes is None:
        return workers
    return max(workers, -(-(source.size or 0) // range_bytes))


def _frame_bytes(sources: list[Source], split: list[bool]) -> int:
    """About what the loaded frame will hold: a capture log's size; a compressed file's, times
    what gzip usually saves on JSON (the workers' files go to memory)."""
    return sum(
        (source.size or 0) * (1 if whole_log else GZIP_RATIO)
        for source, whole_log in zip(sources, split, strict=True)
    )


def worker_pool(processes: int) -> Pool:
    """Workers forked from here when that is safe, else from a server process."""
    if log_ranges.can_fork():
        return log_ranges.forked_pool(processes)
    return log_ranges.server_pool(processes)


@dataclass
class LoadedPart:
    """One task's deliveries as record batches, with its rejected records and skips."""

    stored: list[pa.RecordBatch]
    rejected: list[Rejected]
    skipped: int
    size: int  # the bytes of the files it covers (for a progress bar)
    one_file: bool  # a byte range or one file: its rows and rejected records are in line order


def loaded_parts(
    parts: list[LogRange],
    *,
    path: str | None,
    chunk: int,
    workers: int | None = None,
    format: str | None = None,
) -> Iterator[LoadedPart]:
    """Each task's record batches (sources renumbered within their files), in order, a few
    tasks in flight at a time."""
    wanted = min(workers or os.cpu_count() or 1, len(parts))
    needed = sum(p.size for p in parts)
    folder = shared_batches.folder_for(needed) or Path(tempfile.gettempdir())
    gathered = log_ranges.gathered(parts, wanted)
    with (
        shared_batches.outputs(len(gathered), folder) as outputs,
        worker_pool(wanted) as pool,
    ):
        tasks = [_Task(p, o, path, chunk, format) for p, o in zip(gathered, outputs, strict=True)]
        lines_before = log_ranges.LinesBefore()
        results = log_ranges.bounded_results(pool, _load_range, tasks, AHEAD * wanted)
        for task, done in zip(tasks, results, strict=True):
            part = task.parts[0]  # a byte range, or whole files (their shift: 0)
            source, shift = part.source, lines_before.take(part, done.lines)
            stored = [
                columns.shift_sources(batch, source.name, shift)
                for batch in shared_batches.read_back(task.output)
            ]
            rejected = [
                Rejected(shift_source(r.source, source.name, shift), r.reason)
                for r in done.rejected
            ]
            size = sum(part.size for part in task.parts)
            yield LoadedPart(stored, rejected, done.skipped, size, len(task.parts) == 1)


def _load_range(task: _Task) -> _Done:
    """In a worker: the task's parts read into record batches written to ``task.output``
    (small batches, such as a file per delivery, made Arrow a group at a time)."""
    parts = [PartBatches(part, task.format, task.chunk, task.path) for part in task.parts]
    rejected, skipped = write_batches(chain.from_iterable(parts), task.output)
    return _Done(rejected, skipped, sum(part.lines for part in parts))


def write_batches(batches: Iterable[DeliveryBatch], output: str) -> tuple[list[Rejected], int]:
    """In a worker: reader batches written to ``output`` as record batches (small ones made
    Arrow a group at a time); returns their rejected records and count of skipped requests."""
    rejected: list[Rejected] = []
    skipped = 0
    with shared_batches.writer(output, columns.STORAGE) as writer:
        for group in small_batches.groups(batches):
            skipped += sum(batch.skipped for batch in group)
            stored, bad = columns.record_batch_of(group)
            rejected += bad
            writer.write_batch(stored)
    return rejected, skipped
