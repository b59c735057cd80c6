"""Partitions of a sharded log and the pure tasks that verify each, on any Dask worker.

No pandas here, so that ``verify --scheduler`` starts fast; the tasks that build frames are in
:mod:`cluster_frames`.

A partition is a :class:`LogRange`: a whole file (every format, gzip included), a
line-aligned byte range of a big uncompressed capture log that knows the number of its first
line, or a share of the row groups of a big Parquet file of deliveries. Each task reads its own
partition and calls the package's readers, verifier and events builder on it, so a cluster run
gives what a local run gives. Tasks are pure and idempotent: a lost worker's tasks simply run
again elsewhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Literal

import dask.config
from dask.utils import parse_bytes

from streamhook_nb.errors import UsageError
from streamhook_nb.load import log_ranges
from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.detect import FORMATS
from streamhook_nb.load.log_ranges import LogRange, range_blocks
from streamhook_nb.load.part_reading import PartBatches
from streamhook_nb.load.reading import SourceLike
from streamhook_nb.load.sources import expand
from streamhook_nb.pipeline.cluster_secrets import KeyringRef
from streamhook_nb.pipeline.event_tally import EventTally
from streamhook_nb.pipeline.verify_logs import STREAM_CHUNK, verify_batch, verify_lines
from streamhook_nb.pipeline.verify_report import VerifyReport

DEFAULT_BLOCKSIZE = "64 MiB"
"""Bytes of a capture log per partition (bigger logs are split at line boundaries; a Parquet
file's row groups are shared out by the same size).

Dask's config ``streamhook.blocksize`` (env ``DASK_STREAMHOOK__BLOCKSIZE``) overrides it.
"""
PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")
"""Names of the files whose row groups are shared out (other Parquet files are read whole,
so that planning opens no other file)."""

Details = bool | Literal["failures"]


def plan(
    sources: SourceLike | Iterable[SourceLike],
    *,
    format: str | None = None,
    blocksize: int | str | None = None,
) -> list[LogRange]:
    """One partition per file; uncompressed local capture logs as ``blocksize`` byte ranges,
    Parquet files (named ``*.parquet``) as shares of their row groups of about that size.

    ``blocksize`` is bytes or a size such as ``"64 MiB"`` (default: :func:`blocksize_setting`).

    The ranges are not numbered yet: count the lines of those followed by another range of
    their file (:func:`needs_count`, :func:`count_lines`) and pass the counts to
    :func:`log_ranges.number_lines`.
    """
    if format is not None and format not in FORMATS:
        raise UsageError(f"unknown format {format!r}", fix=f"Use one of: {', '.join(FORMATS)}")
    block = _bytes(blocksize if blocksize is not None else blocksize_setting())
    parts: list[LogRange] = []
    for source in expand(sources):
        size = source.size or 0
        if size > 0 and log_ranges.line_log(source, format):  # even one range takes the fast path
            parts.extend(log_ranges.split(source, math.ceil(size / block)))
        elif source.url.lower().endswith(PARQUET_SUFFIXES):
            parts.extend(log_ranges.parquet_shares(source, block))
        else:
            parts.append(LogRange(source))
    return parts


def blocksize_setting() -> int | str:
    """Dask's config ``streamhook.blocksize``, else :data:`DEFAULT_BLOCKSIZE`."""
    value: int | str = dask.config.get("streamhook.blocksize", DEFAULT_BLOCKSIZE)
    return value


def _bytes(size: int | str) -> int:
    try:
        block = parse_bytes(size)
    except (ValueError, TypeError):
        block = 0
    if block < 1:
        raise UsageError(
            f"the block size {size!r} is not a positive size",
            fix="Use bytes or a size such as '64 MiB' (Dask config streamhook.blocksize)",
        )
    return block


def needs_count(parts: list[LogRange]) -> list[bool]:
    """Which parts' lines must be counted: byte ranges followed by a range of the same file
    (a whole file numbers its own lines; a file's last range numbers nothing after it)."""
    return [
        part.end is not None
        and index + 1 < len(parts)
        and parts[index + 1].source == part.source
        and parts[index + 1].start > 0  # not the same file listed again
        for index, part in enumerate(parts)
    ]


def count_lines(part: LogRange) -> int:
    """Lines in a byte range (0 for a whole file: it numbers its own lines)."""
    return 0 if part.end is None else log_ranges.count_lines(part)


def batches(
    part: LogRange, format: str | None, chunk: int, path: str | None = None
) -> Iterator[DeliveryBatch]:
    """The partition's reader batches, sources numbered as in the whole file; requests that
    are not deliveries are left out and counted (see :func:`select`)."""
    return iter(PartBatches(part, format, chunk, path))


def verify_part(
    part: LogRange,
    ref: KeyringRef,
    format: str | None,
    details: Details,
    tally: bool,
    path: str | None = None,
) -> VerifyReport:
    """Verify one partition, streaming, into its own report (what ``verify`` merges)."""
    keyring = ref.keyring()
    report = VerifyReport(
        details=[] if details else None,
        failures_only=details == "failures",
        tally=EventTally() if tally else None,
    )
    if part.end is not None and (report.details is None or report.failures_only):
        name = part.source.name
        verify_lines(range_blocks(part), name, part.first_line, keyring, report, path)
        return report
    for batch in batches(part, format, STREAM_CHUNK, path):
        verify_batch(batch, keyring, report, path)
    return report
