"""Load captured webhook logs in any supported format into a deliveries DataFrame."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from streamhook_nb.errors import UsageError
from streamhook_nb.load import deliveries
from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.gc_pause import each_with_paused_gc, paused_gc
from streamhook_nb.load.reading import SourceLike, check_strict, read_sources
from streamhook_nb.load.sources import expand

DEFAULT_CHUNK_SIZE = 50_000


@dataclass(frozen=True)
class LoadResult:
    """What a load produced: the deliveries and every record that was rejected."""

    deliveries: pd.DataFrame
    rejected: pd.DataFrame

    @property
    def by_format(self) -> dict[str, int]:
        """Number of deliveries per format found."""
        counts = self.deliveries["format"].value_counts(sort=False)
        return {str(k): int(v) for k, v in counts.items() if v}

    def summary(self) -> dict[str, Any]:
        """The ``streamhook-nb load --json`` shape (DESIGN.md §3)."""
        return {
            "deliveries": len(self.deliveries),
            "rejected": len(self.rejected),
            "by_format": self.by_format,
            "rejected_records": [
                {"source": s, "reason": r}
                for s, r in zip(self.rejected["source"], self.rejected["reason"], strict=True)
            ],
        }

    def _repr_html_(self) -> str:
        from streamhook_nb.display import load_result_html

        return load_result_html(self)

    def __repr__(self) -> str:
        formats = ", ".join(f"{k}: {v}" for k, v in self.by_format.items()) or "none"
        return (
            f"LoadResult({len(self.deliveries)} deliveries [{formats}], "
            f"{len(self.rejected)} rejected)"
        )


def load_log(
    sources: SourceLike | Iterable[SourceLike],
    *,
    format: str | None = None,
    strict: bool = False,
    progress: bool | None = None,
) -> LoadResult:
    """Load every delivery from files, directories, globs or fsspec URLs.

    ``format`` forces one of :data:`FORMATS` instead of detecting it from the content.
    ``strict=True`` raises :class:`RecordError` at the first rejected record instead of
    reporting it. ``progress`` shows a bar (``None``: only for big loads in a terminal or
    notebook).
    """
    batches = read_sources(expand(sources), format, strict, progress, DEFAULT_CHUNK_SIZE)
    with paused_gc():
        frame, rejected = deliveries.from_batches(
            batches, on_rejected=lambda bad: check_strict(bad, strict)
        )
    return LoadResult(frame, deliveries.rejected_frame(rejected))


def iter_load(
    sources: SourceLike | Iterable[SourceLike],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    format: str | None = None,
    strict: bool = False,
    progress: bool | None = None,
) -> Iterator[LoadResult]:
    """Load in chunks of at most ``chunk_size`` deliveries, for logs bigger than memory.

    Capture JSON Lines stream line by line; whole-document formats (HAR, ngrok, SQS) are
    parsed one file at a time.
    """
    if chunk_size < 1:
        raise UsageError("chunk_size must be at least 1")
    batches = read_sources(expand(sources), format, strict, progress, chunk_size)
    yield from each_with_paused_gc(_results(batches, strict))


def _results(batches: Iterator[DeliveryBatch], strict: bool) -> Iterator[LoadResult]:
    for batch in batches:
        frame, rejected = deliveries.from_batch(batch)
        check_strict(rejected, strict)
        yield LoadResult(frame, deliveries.rejected_frame(rejected))
