"""What ``streamhook-nb load`` reports, counted while streaming: no DataFrame, no pandas."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from streamhook_nb.load.batch import DeliveryBatch, Rejected, source_order, time_rejections
from streamhook_nb.load.detect import FORMATS
from streamhook_nb.load.gc_pause import each_with_paused_gc
from streamhook_nb.load.reading import SourceLike, check_strict, read_sources
from streamhook_nb.load.sources import expand

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
) -> LoadSummary:
    """Read every source and count what a load would give, holding one batch at a time."""
    summary = LoadSummary()
    batches = read_sources(expand(sources), format, strict, progress, CHUNK, path)
    for batch in each_with_paused_gc(batches):
        summary.add(batch, strict)
    return summary
