"""Load captured webhook logs in any supported format into a deliveries DataFrame."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from streamhook_nb.errors import UsageError
from streamhook_nb.load import (
    deliveries,
    inflated_split,
    parquet_frame,
    result_chunks,
    split_load,
)
from streamhook_nb.load.batch import DeliveryBatch, Rejected
from streamhook_nb.load.gc_pause import each_with_paused_gc, paused_gc
from streamhook_nb.load.progress import byte_bar
from streamhook_nb.load.reading import SourceLike, check_strict, read_sources
from streamhook_nb.load.sources import Source, expand

DEFAULT_CHUNK_SIZE = 50_000
READ_CHUNK = 512
"""Rows read at a time by :func:`load_log`: each batch's Python objects (header dicts, body
bytes) are turned into Arrow columns and freed before the next is read, so the peak stays
near the frame's own size (about the file's; measured in ``docs/performance.md``)."""


@dataclass(frozen=True)
class LoadResult:
    """What a load produced: the deliveries and every record that was rejected."""

    deliveries: pd.DataFrame
    rejected: pd.DataFrame
    skipped: int = 0
    """Requests read that are not deliveries (not a POST, or not to ``path=``)."""

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
            "skipped": self.skipped,
            "by_format": self.by_format,
            "rejected_records": [
                {"source": s, "reason": r}
                for s, r in zip(self.rejected["source"], self.rejected["reason"], strict=True)
            ],
        }

    def to_arrow(self) -> pa.Table:
        """The deliveries as an Arrow table; the Arrow-backed columns (body, headers, text)
        are handed over without copying."""
        return deliveries.to_arrow(self.deliveries)

    def to_polars(self) -> Any:
        """The deliveries as a polars DataFrame (needs polars), through Arrow without copying
        the bodies."""
        import polars

        return polars.from_arrow(self.to_arrow())

    def _repr_html_(self) -> str:
        from streamhook_nb.display import load_result_html

        return load_result_html(self)

    def __repr__(self) -> str:
        formats = ", ".join(f"{k}: {v}" for k, v in self.by_format.items()) or "none"
        skipped = f", {self.skipped} skipped" if self.skipped else ""
        return (
            f"LoadResult({len(self.deliveries)} deliveries [{formats}], "
            f"{len(self.rejected)} rejected{skipped})"
        )


def load_log(
    sources: SourceLike | Iterable[SourceLike],
    *,
    format: str | None = None,
    strict: bool = False,
    progress: bool | None = None,
    path: str | None = None,
) -> LoadResult:
    """Load every delivery from files, directories, globs or fsspec URLs.

    ``format`` forces one of :data:`FORMATS` instead of detecting it from the content.
    ``strict=True`` raises :class:`RecordError` at the first rejected record instead of
    reporting it. ``progress`` shows a bar (``None``: only for big loads in a terminal or
    notebook). Requests that are not POSTs (or, with ``path``, not sent to that path) are
    not deliveries: they are counted in ``skipped``.

    Big local capture logs are read on every core (:mod:`split_load`; a big gzip one is
    inflated here and parsed by the workers, :mod:`inflated_split`) when the load is not
    strict: by forked workers when forking is safe (this process runs one thread: a script),
    else by workers started from a server process when the logs are big enough to pay for it
    (a Jupyter kernel, from 64 MiB). The result is the same either way. Parquet files that
    ``to_parquet`` wrote are read by Arrow straight into the frame (:mod:`parquet_frame`).
    """
    found = expand(sources)
    parts = None if strict else _loaded_parts(found, format, path)
    if parts is not None:
        return _load_parts(parts, found, progress)
    if path is None and found:
        stored = _stored_parquet(found, progress)
        if stored is not None:
            return LoadResult(deliveries.frame_of(stored), deliveries.rejected_frame([]))
    batches = read_sources(found, format, strict, progress, READ_CHUNK, path)
    counted = SkipCount(batches)
    with paused_gc():
        frame, rejected = deliveries.from_batches(
            counted, on_rejected=lambda bad: check_strict(bad, strict)
        )
    return LoadResult(frame, deliveries.rejected_frame(rejected), counted.skipped)


def _load_parts(
    parts: Iterator[split_load.LoadedPart], sources: list[Source], progress: bool | None
) -> LoadResult:
    """The parts read on every core (:func:`_loaded_parts`) as one result, the same as a load
    in one process gives."""
    stored: list[pa.RecordBatch] = []
    rejected: list[Rejected] = []
    skipped = 0
    with byte_bar(sum(s.size or 0 for s in sources), progress, "loading") as bar:
        for part in parts:
            stored += part.stored
            rejected += part.rejected
            skipped += part.skipped
            bar.update(part.size)
    return LoadResult(deliveries.frame_of(stored), deliveries.rejected_frame(rejected), skipped)


def _stored_parquet(sources: list[Source], progress: bool | None) -> list[pa.RecordBatch] | None:
    """Every source's deliveries when each is a Parquet file that ``to_parquet`` wrote and
    Arrow can read into the frame as it stands (:mod:`parquet_frame`); else None."""
    if not all(map(parquet_frame.is_parquet_file, sources)):
        return None
    stored: list[pa.RecordBatch] = []
    with byte_bar(sum(s.size or 0 for s in sources), progress, "loading") as bar:
        for source in sources:
            batches = parquet_frame.stored_batches(source)
            if batches is None:
                return None
            stored += batches
            bar.update(source.size or 0)
    return stored


class SkipCount:
    """Batches passed through, adding up how many requests each skipped."""

    def __init__(self, batches: Iterator[DeliveryBatch]) -> None:
        self._batches = batches
        self.skipped = 0

    def __iter__(self) -> Iterator[DeliveryBatch]:
        for batch in self._batches:
            self.skipped += batch.skipped
            yield batch


def iter_load(
    sources: SourceLike | Iterable[SourceLike],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    format: str | None = None,
    strict: bool = False,
    progress: bool | None = None,
    path: str | None = None,
) -> Iterator[LoadResult]:
    """Load in chunks of at most ``chunk_size`` deliveries, for logs bigger than memory.

    Capture JSON Lines stream line by line; whole-document formats (HAR, ngrok, SQS) are
    parsed one file at a time. When the load is not strict, big capture logs (in byte ranges
    of about 16 MiB), many files and a big gzip log are read on every core, as by
    :func:`load_log`, with a few parts in memory at a time; the chunks are the same.
    """
    if chunk_size < 1:
        raise UsageError("chunk_size must be at least 1")
    found = expand(sources)
    if not strict:
        parts = _loaded_parts(found, format, path, split_load.CHUNK_RANGE_BYTES)
        if parts is not None:
            with byte_bar(sum(s.size or 0 for s in found), progress, "loading") as bar:
                yield from each_with_paused_gc(_results(_counted(parts, bar), chunk_size))
            return
    read = min(READ_CHUNK, chunk_size)  # Python objects for a few rows at a time
    batches = read_sources(found, format, strict, progress, read, path)
    parts = result_chunks.made_arrow(batches, strict, chunk_size)
    yield from each_with_paused_gc(_results(parts, chunk_size))


def _results(parts: Iterator[split_load.LoadedPart], chunk_size: int) -> Iterator[LoadResult]:
    for frame, rejected, skipped in result_chunks.gathered(parts, chunk_size):
        yield LoadResult(frame, rejected, skipped)


def _loaded_parts(
    found: list[Source], format: str | None, path: str | None, range_bytes: int | None = None
) -> Iterator[split_load.LoadedPart] | None:
    """The parts of a load read on every core (byte ranges of big capture logs, one per
    worker or of about ``range_bytes``, and other files; or a big gzip log's tasks), a few in
    flight at a time; None when loading here is the way."""
    parts = split_load.plan(found, format, range_bytes=range_bytes)
    if parts:
        return split_load.loaded_parts(parts, path=path, chunk=READ_CHUNK, format=format)
    if inflated_split.inflated_log(found, format):
        return inflated_split.loaded_parts(found[0], path=path, chunk=READ_CHUNK)
    return None


def _counted(parts: Iterator[split_load.LoadedPart], bar: Any) -> Iterator[split_load.LoadedPart]:
    for part in parts:
        bar.update(part.size)
        yield part
