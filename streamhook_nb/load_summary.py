"""What ``streamhook-nb load`` reports, counted while streaming: no DataFrame, no pandas."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .batch import DeliveryBatch, Rejected, bad_time_reason, source_order
from .detect import FORMATS
from .gc_pause import each_with_paused_gc
from .reading import SourceLike, check_strict, read_sources
from .sources import expand
from .timestamps import invalid_times

CHUNK = 4096
"""Deliveries held at a time: counting needs only one small batch in memory."""


@dataclass
class LoadSummary:
    """Deliveries per format and every rejected record, as :func:`load_log` would report them."""

    deliveries: int = 0
    by_format: Counter[str] = field(default_factory=Counter)
    rejected: list[Rejected] = field(default_factory=list)

    def add(self, batch: DeliveryBatch, strict: bool = False) -> None:
        """Count one reader batch; a row whose received_at is not a time is rejected, as
        loading rejects it (``strict``: raise instead)."""
        rows = batch.rows
        bad = invalid_times([row[2] for row in rows])
        rejected = list(batch.rejected)
        if bad:
            rejected += [Rejected(rows[i][0], bad_time_reason(rows[i][2])) for i in bad]
            rejected.sort(key=lambda r: source_order(r.source))
        check_strict(rejected, strict)
        self.add_counts(len(rows) - len(bad), {batch.format: len(rows) - len(bad)}, rejected)

    def add_counts(
        self, deliveries: int, by_format: dict[str, int], rejected: list[Rejected]
    ) -> None:
        """Count deliveries and rejected records found some other way (a loaded chunk)."""
        self.deliveries += deliveries
        self.by_format.update({name: n for name, n in by_format.items() if n})
        self.rejected += rejected

    def as_json(self) -> dict[str, Any]:
        """The ``streamhook-nb load --json`` shape (DESIGN.md §3), as ``LoadResult.summary``."""
        return {
            "deliveries": self.deliveries,
            "rejected": len(self.rejected),
            "by_format": {name: self.by_format[name] for name in FORMATS if self.by_format[name]},
            "rejected_records": [{"source": r.source, "reason": r.reason} for r in self.rejected],
        }


def summarize(
    sources: SourceLike | Iterable[SourceLike],
    *,
    format: str | None = None,
    strict: bool = False,
    progress: bool | None = None,
) -> LoadSummary:
    """Read every source and count what a load would give, holding one batch at a time."""
    summary = LoadSummary()
    batches = read_sources(expand(sources), format, strict, progress, CHUNK)
    for batch in each_with_paused_gc(batches):
        summary.add(batch, strict)
    return summary
