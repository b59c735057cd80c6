"""A big gzip capture log loaded on every core: inflated here, parsed by the workers.

A gzip file cannot be cut into byte ranges as a plain log is (:mod:`split_load`), so one
process would inflate and parse it alone. Instead this process inflates it and reads its blocks
of lines (:mod:`block_tasks`), and worker processes turn each few megabytes of them into Arrow
record batches, handed back without a copy, as :mod:`split_load`'s workers do. Only a few tasks
are in flight at a time. The result is the one-process load's, rejected records and damage
included.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path

from streamhook_nb.load import block_tasks, log_ranges, shared_batches, split_load
from streamhook_nb.load.batch import Rejected
from streamhook_nb.load.block_tasks import BlockTask, ReadPosition, task_results
from streamhook_nb.load.readers import capture_blocks
from streamhook_nb.load.selection import select
from streamhook_nb.load.sources import Source
from streamhook_nb.load.split_load import LoadedPart


def inflated_log(sources: list[Source], format: str | None, workers: int | None = None) -> bool:
    """Whether the sources are one big local gzip capture log (:func:`block_tasks.big_gzip_log`)
    worth loading on every core here: several cores, forking safe (or the log big enough to
    pay for workers from a server process), and room for the workers' files."""
    wanted = workers or os.cpu_count() or 1
    if wanted < 2 or not block_tasks.big_gzip_log(sources, format):
        return False
    inflated = (sources[0].size or 0) * split_load.GZIP_RATIO
    if not log_ranges.can_fork() and (
        inflated < split_load.SERVED_MIN_BYTES or not log_ranges.can_serve()
    ):
        return False
    return shared_batches.folder_for(inflated) is not None


@dataclass(frozen=True)
class _Task:
    blocks: BlockTask
    name: str
    path: str | None  # keep only requests to this path (``load_log(path=...)``)
    chunk: int
    output: str


@dataclass(frozen=True)
class _Done:
    output: str
    rejected: list[Rejected]
    skipped: int


def loaded_parts(
    source: Source, *, path: str | None, chunk: int, workers: int | None = None
) -> Iterator[LoadedPart]:
    """Each task's record batches, in order, a few tasks in flight at a time. Damage (a file
    cut short) is a last part holding the rejected record of the line where reading stopped,
    after the lines before it, as when one process reads the log."""
    wanted = workers or os.cpu_count() or 1
    needed = (source.size or 0) * split_load.GZIP_RATIO
    folder = shared_batches.folder_for(needed) or Path(tempfile.gettempdir())
    with (
        source.open() as stream,
        shared_batches.numbered_outputs(folder) as output,
        split_load.worker_pool(wanted) as pool,
    ):
        numbers = count()
        position = ReadPosition(stream)

        def task(blocks: BlockTask) -> _Task:
            return _Task(blocks, source.name, path, chunk, output(next(numbers)))

        for done in task_results(stream, source.name, pool, _load_task, wanted, task):
            if isinstance(done, Rejected):  # damage: where reading stopped
                yield LoadedPart([], [done], 0, position.moved(), one_file=True)
                continue
            stored = shared_batches.read_back(done.output)
            yield LoadedPart(stored, done.rejected, done.skipped, position.moved(), one_file=True)


def _load_task(task: _Task) -> _Done:
    """In a worker: the task's lines read as the whole log's reader reads them, written to
    ``task.output``."""
    blocks = task.blocks
    batches = capture_blocks.read(
        iter(blocks.blocks), task.name, first_line=blocks.first_line, chunk_size=task.chunk
    )
    rejected, skipped = split_load.write_batches(
        (select(batch, task.path) for batch in batches), task.output
    )
    return _Done(task.output, rejected, skipped)
