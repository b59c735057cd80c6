"""Load captured webhook logs in any supported format into a deliveries DataFrame."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import orjson
import pandas as pd

from . import deliveries
from .batch import DeliveryBatch, Rejected
from .detect import HEAD_BYTES, JSON_DOCUMENT, classify, sniff
from .errors import RecordError, SourceError, UsageError
from .gc_pause import each_with_paused_gc, paused_gc
from .progress import byte_bar
from .readers import capture_jsonl, har, ngrok, queue, raw_http
from .sources import Source, expand

SourceLike = str | os.PathLike[str]
DEFAULT_CHUNK_SIZE = 50_000
FORMATS = deliveries.FORMATS


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
    with paused_gc():
        frame, rejected = deliveries.from_batches(
            _batches(expand(sources), format, strict, progress, DEFAULT_CHUNK_SIZE)
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
    batches = _batches(expand(sources), format, strict, progress, chunk_size)
    yield from each_with_paused_gc(_results(batches, strict))


def _results(batches: Iterator[DeliveryBatch], strict: bool) -> Iterator[LoadResult]:
    for batch in batches:
        frame, rejected = deliveries.from_batch(batch)
        _check_strict(rejected, strict)
        yield LoadResult(frame, deliveries.rejected_frame(rejected))


def _batches(
    sources: list[Source], format: str | None, strict: bool, progress: bool | None, chunk: int
) -> Iterator[DeliveryBatch]:
    if format is not None and format not in FORMATS:
        raise UsageError(f"unknown format {format!r}", fix=f"Use one of: {', '.join(FORMATS)}")
    sizes = [s.size for s in sources]
    total = sum(s for s in sizes if s is not None) if all(s is not None for s in sizes) else None
    with byte_bar(total, progress, "loading") as bar:
        for source in sources:
            for batch in read_batches(source, format, chunk):
                _check_strict(batch.rejected, strict)
                yield batch
            bar.update(source.size or 0)


def _check_strict(rejected: list[Rejected], strict: bool) -> None:
    if strict and rejected:
        first = rejected[0]
        raise RecordError(
            first.reason,
            source=first.source,
            fix="Fix or remove the record, or load without strict",
        )


def read_batches(source: Source, format: str | None, chunk: int) -> Iterator[DeliveryBatch]:
    """Raw reader batches (rows, not yet a DataFrame) for one source."""
    with source.open() as stream:
        try:
            head = stream.read(HEAD_BYTES)
            stream.seek(0)
        except (OSError, EOFError) as exc:
            raise _unreadable(source, exc) from exc
        kind = format or sniff(head)
        if kind is None:
            raise _unknown_format(source, "its content")
        try:
            yield from _dispatch(kind, stream, source, chunk)
        except (OSError, EOFError) as exc:
            raise _unreadable(source, exc) from exc


def _dispatch(kind: str, stream: IO[bytes], source: Source, chunk: int) -> Iterator[DeliveryBatch]:
    name = source.name
    if kind == "capture-jsonl":
        yield from capture_jsonl.read(stream, name, chunk_size=chunk)
        return
    data = stream.read()
    if kind == "raw-http":
        yield from raw_http.read(data, name)
        return
    if kind == "sns":
        yield from queue.read_sns(data, name)
        return
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SourceError(
            f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})",
            source=name,
            fix=f"Formats tried: {', '.join(FORMATS)}",
        ) from None
    if kind == JSON_DOCUMENT:
        kind = classify(document) or ""
    readers = {
        "har": har.read,
        "ngrok": ngrok.read,
        "sqs": queue.read_sqs,
        "sns": queue.read_sns_document,
    }
    if kind not in readers:
        raise _unknown_format(source, "its JSON document")
    try:
        yield from readers[kind](document, name)
    except ValueError as exc:  # the document's top level is not what the format requires
        raise SourceError(f"not a {kind} document ({exc})", source=name) from None


def _unreadable(source: Source, exc: BaseException) -> SourceError:
    return SourceError(
        f"cannot read ({exc})",
        source=source.name,
        fix="The file may be damaged or cut short (a gzip file must be complete)",
    )


def _unknown_format(source: Source, what: str) -> SourceError:
    return SourceError(
        f"not a known capture format (recognised none in {what}; tried {', '.join(FORMATS)})",
        source=source.name,
        fix="Pass format=... (CLI: --format) if you know the format",
    )
