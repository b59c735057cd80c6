"""What ``streamhook-nb load`` reports, counted while streaming: no DataFrame, no pandas."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from streamhook_nb.errors import UsageError
from streamhook_nb.load import block_tasks, log_ranges
from streamhook_nb.load.batch import (
    DeliveryBatch,
    Rejected,
    shift_source,
    source_order,
    time_rejections,
)
from streamhook_nb.load.block_tasks import BlockTask, ReadPosition, task_results
from streamhook_nb.load.detect import FORMATS
from streamhook_nb.load.gc_pause import each_with_paused_gc
from streamhook_nb.load.log_ranges import LinesBefore, LogRange
from streamhook_nb.load.part_reading import PartBatches
from streamhook_nb.load.progress import byte_bar
from streamhook_nb.load.readers import capture_blocks
from streamhook_nb.load.reading import SourceLike, check_strict, read_sources
from streamhook_nb.load.selection import select
from streamhook_nb.load.sources import Source, expand

if TYPE_CHECKING:
    from streamhook_nb.load.loading import LoadResult

CHUNK = 4096
"""Deliveries held at a time: counting needs only one small batch in memory."""


@dataclass
class LoadSummary:
    """Deliveries per format and every rejected record, as :func:`load_log` would report them."""

    deliveries: int = 0
    by_format: Counter[str] = field(default_factory=Counter)
    rejected: list[Rejected] = field(default_factory=list)
    skipped: int = 0

    def add(self, batch: DeliveryBatch, strict: bool = False) -> None:
        """Count one reader batch; a row whose received_at is not a time is rejected, as
        loading rejects it (``strict``: raise instead)."""
        bad, late = time_rejections(batch)
        rejected = batch.rejected + late
        if late:
            rejected.sort(key=lambda r: source_order(r.source))
        check_strict(rejected, strict)
        kept = len(batch) - len(bad)
        self._add(kept, {batch.format: kept}, rejected)
        self.skipped += batch.skipped

    def add_loaded(self, result: LoadResult) -> None:
        """Count a chunk that was loaded into a frame (when converting)."""
        records = zip(result.rejected["source"], result.rejected["reason"], strict=True)
        rejected = [Rejected(str(source), str(reason)) for source, reason in records]
        self._add(len(result.deliveries), result.by_format, rejected)
        self.skipped += result.skipped

    def merge(self, other: LoadSummary) -> None:
        """Add another part's counts (a cluster partition's)."""
        self._add(other.deliveries, other.by_format, other.rejected)
        self.skipped += other.skipped

    def shift_lines(self, name: str, lines: int) -> None:
        """Renumber this part's ``name:line`` sources by ``lines`` (a worker numbered a byte
        range's lines from its start)."""
        if lines:
            self.rejected = [
                Rejected(shift_source(r.source, name, lines), r.reason) for r in self.rejected
            ]

    def _add(self, deliveries: int, by_format: dict[str, int], rejected: list[Rejected]) -> None:
        self.deliveries += deliveries
        self.by_format.update({name: n for name, n in by_format.items() if n})
        self.rejected += rejected

    def as_json(self) -> dict[str, Any]:
        """The ``streamhook-nb load --json`` shape (DESIGN.md §3), as ``LoadResult.summary``."""
        return {
            "deliveries": self.deliveries,
            "rejected": len(self.rejected),
            "skipped": self.skipped,
            "by_format": {name: self.by_format[name] for name in FORMATS if self.by_format[name]},
            "rejected_records": [{"source": r.source, "reason": r.reason} for r in self.rejected],
        }


def summarize(
    sources: SourceLike | Iterable[SourceLike],
    *,
    format: str | None = None,
    strict: bool = False,
    progress: bool | None = None,
    path: str | None = None,
    workers: int | None = None,
) -> LoadSummary:
    """Read every source and count what a load would give, holding one batch at a time.

    Big capture logs (as byte ranges), Parquet files (as shares of row groups) and the other
    files are counted by ``workers`` forked processes (``None``: every core) when forking is
    safe and the load is not strict; the summary is the same.
    """
    if format is not None and format not in FORMATS:
        raise UsageError(f"unknown format {format!r}", fix=f"Use one of: {', '.join(FORMATS)}")
    found = expand(sources)
    wanted = workers or os.cpu_count() or 1
    if not strict and wanted > 1 and log_ranges.can_fork():
        if block_tasks.big_gzip_log(found, format):
            return _summarize_inflated(found[0], path, progress, wanted)
        parts = log_ranges.streaming_parts(found, format, wanted)
        if len(parts) > 1:
            return _summarize_parts(parts, format, path, progress, min(wanted, len(parts)))
    summary = LoadSummary()
    batches = read_sources(found, format, strict, progress, CHUNK, path)
    for batch in each_with_paused_gc(batches):
        summary.add(batch, strict)
    return summary


def _summarize_parts(
    parts: list[LogRange],
    format: str | None,
    path: str | None,
    progress: bool | None,
    workers: int,
) -> LoadSummary:
    """The parts counted side by side, merged in order (a byte range's lines renumbered)."""
    summary = LoadSummary()
    lines_before = LinesBefore()
    groups = log_ranges.gathered(parts, workers)  # small files: several a task
    tasks = [(group, format, path) for group in groups]
    done = [  # what each part accounts for in the bar, by position (a file may be listed twice)
        log_ranges.done_bytes(part, parts[at + 1] if at + 1 < len(parts) else None)
        for at, part in enumerate(parts)
    ]
    at = 0
    total = sum(source.size or 0 for source in {part.source: None for part in parts})
    with byte_bar(total, progress, "loading") as bar, log_ranges.forked_pool(workers) as pool:
        for group, (counted, lines) in zip(
            groups, log_ranges.results(pool, _summarize_parts_of, tasks), strict=True
        ):
            part = group[0]
            if part.end is not None:
                counted.shift_lines(part.source.name, lines_before.take(part, lines))
            summary.merge(counted)
            bar.update(sum(done[at : at + len(group)]))
            at += len(group)
    return summary


def _summarize_inflated(
    source: Source, path: str | None, progress: bool | None, workers: int
) -> LoadSummary:
    """A big gzip capture log inflated here and counted by the workers a few MB of lines at a
    time (:mod:`~streamhook_nb.load.block_tasks`), as one process counts it."""
    summary = LoadSummary()
    with (
        byte_bar(source.size, progress, "loading") as bar,
        source.open() as stream,
        log_ranges.forked_pool(workers) as pool,
    ):
        position = ReadPosition(stream)

        def task(blocks: BlockTask) -> tuple[BlockTask, str, str | None]:
            return blocks, source.name, path

        for counted in task_results(stream, source.name, pool, _summarize_blocks, workers, task):
            if isinstance(counted, Rejected):  # damage: where reading stopped
                summary.rejected.append(counted)
            else:
                summary.merge(counted)
            bar.update(position.moved())
    return summary


def _summarize_blocks(task: tuple[BlockTask, str, str | None]) -> LoadSummary:
    """In a worker: a task's lines counted as the whole log's reader reads them."""
    blocks, name, path = task
    summary = LoadSummary()
    batches = capture_blocks.read(
        iter(blocks.blocks), name, first_line=blocks.first_line, chunk_size=CHUNK
    )
    for batch in each_with_paused_gc(batches):
        summary.add(select(batch, path))
    return summary


def _summarize_parts_of(
    task: tuple[tuple[LogRange, ...], str | None, str | None],
) -> tuple[LoadSummary, int]:
    """In a worker: a task's parts counted, and the lines read (a byte range's, alone)."""
    group, format, path = task
    summary = LoadSummary()
    lines = 0
    for part in group:
        batches = PartBatches(part, format, CHUNK, path)
        for batch in each_with_paused_gc(iter(batches)):
            summary.add(batch)
        lines += batches.lines
    return summary, lines
