"""A big capture log loaded on every core.

Forked workers each read a line-aligned byte range of the log (``log_ranges``) into Arrow
record batches (``columns.record_batch``) and write them to an Arrow IPC file in shared
memory; this process maps each file back without copying and deletes it at once (the pages
live as long as the frame that uses them). Only the rejected records travel by pickle.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from streamhook_nb.load import columns, log_ranges
from streamhook_nb.load.batch import Rejected
from streamhook_nb.load.log_ranges import LogRange
from streamhook_nb.load.readers import capture_blocks
from streamhook_nb.load.selection import select
from streamhook_nb.load.sources import Source

_SHARED_MEMORY = Path("/dev/shm")


@dataclass(frozen=True)
class _Task:
    part: LogRange
    output: str
    path: str | None  # keep only requests to this path (``load_log(path=...)``)
    chunk: int


@dataclass(frozen=True)
class _Done:
    output: str
    rejected: list[Rejected]
    skipped: int


def plan(sources: list[Source], format: str | None, workers: int | None = None) -> list[LogRange]:
    """The byte ranges to load side by side, or ``[]`` when loading here is the way: forking
    is unsafe (more than one thread, e.g. a Jupyter kernel), one core, or some source is not a
    big local capture log."""
    wanted = workers or os.cpu_count() or 1
    if wanted < 2 or not sources or not log_ranges.can_fork():
        return []
    if not all(log_ranges.splittable(source, format) for source in sources):
        return []
    return [part for source in sources for part in log_ranges.split(source, wanted)]


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
    with _outputs(len(parts)) as outputs:
        context = multiprocessing.get_context("fork")
        with context.Pool(wanted) as pool:
            parts = log_ranges.number_lines(parts, pool.map(log_ranges.count_lines, parts))
            tasks = [_Task(p, o, path, chunk) for p, o in zip(parts, outputs, strict=True)]
            for task, done in zip(tasks, pool.imap(_load_range, tasks), strict=True):
                stored.extend(_read_back(done.output))
                on_part(done.rejected, done.skipped, (task.part.end or 0) - task.part.start)
    return stored


@contextmanager
def _outputs(count: int) -> Iterator[list[str]]:
    """Names for the workers' IPC files (in shared memory when the system has it), all
    deleted on the way out, whatever happened."""
    folder = _SHARED_MEMORY if _SHARED_MEMORY.is_dir() else Path(tempfile.gettempdir())
    prefix = f"streamhook-load-{os.getpid()}-{id(object())}"
    names = [str(folder / f"{prefix}-{index}.arrow") for index in range(count)]
    try:
        yield names
    finally:
        for name in names:
            Path(name).unlink(missing_ok=True)


def _load_range(task: _Task) -> _Done:
    """In a worker: one byte range read into record batches written to ``task.output``."""
    part = task.part
    lines = log_ranges.range_lines(part)
    batches = capture_blocks.read_lines(
        lines, part.source.name, chunk_size=task.chunk, first_line=part.first_line
    )
    rejected: list[Rejected] = []
    skipped = 0
    with pa.OSFile(task.output, "wb") as sink, pa.ipc.new_file(sink, columns.STORAGE) as writer:
        for batch in batches:
            batch = select(batch, task.path)
            skipped += batch.skipped
            stored, bad = columns.record_batch(batch)
            rejected += bad
            writer.write_batch(stored)
    return _Done(task.output, rejected, skipped)


def _read_back(output: str) -> list[Any]:
    """The record batches a worker wrote, mapped without copying; the file is deleted (its
    pages stay until the last batch that uses them is gone)."""
    reader = pa.ipc.open_file(pa.memory_map(output))
    batches = [reader.get_batch(i) for i in range(reader.num_record_batches)]
    Path(output).unlink()
    return batches
