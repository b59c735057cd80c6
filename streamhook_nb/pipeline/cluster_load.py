"""``load`` on a Dask cluster: the summary, or the deliveries to convert, in input order."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from distributed import Client

from streamhook_nb.load import log_ranges
from streamhook_nb.load.batch import Rejected
from streamhook_nb.load.log_ranges import LogRange
from streamhook_nb.load.reading import SourceLike, check_strict
from streamhook_nb.pipeline import cluster_parts
from streamhook_nb.pipeline.cluster import cluster_threads, numbered_parts, run_parts
from streamhook_nb.pipeline.load_summary import CHUNK, LoadSummary
from streamhook_nb.pipeline.task_errors import UserErrorResult, for_each_part, raised

if TYPE_CHECKING:
    from streamhook_nb.load.loading import LoadResult


def summary_part(part: LogRange, format: str | None, path: str | None = None) -> LoadSummary:
    """What ``load`` counts in one partition (a bad time rejects its row, as loading does)."""
    summary = LoadSummary()
    for batch in cluster_parts.batches(part, format, CHUNK, path):
        summary.add(batch)
    return summary


def summarize_on_cluster(
    sources: SourceLike | Iterable[SourceLike],
    client: Client,
    *,
    format: str | None = None,
    strict: bool = False,
    path: str | None = None,
    progress: bool | None = None,
) -> LoadSummary:
    """What :func:`load_summary.summarize` returns, counted by the cluster's workers."""
    parts = numbered_parts(client, sources, format=format)
    found = run_parts(
        client, summary_part, parts, format, path, progress=progress, description="loading"
    )
    total = LoadSummary()
    for part in found:
        check_strict(part.rejected, strict)
        total.merge(part)
    return total


def iter_load_on_cluster(
    sources: SourceLike | Iterable[SourceLike],
    client: Client,
    *,
    format: str | None = None,
    strict: bool = False,
    path: str | None = None,
) -> Iterator[LoadResult]:
    """Each partition's deliveries and rejected records, loaded by the workers, in input order
    (what ``iter_load`` yields, a partition at a time; ``strict`` raises at the first reject).

    Workers load ahead, small whole files several to a task; each task's results leave the
    cluster once they have been handed on.
    """
    from streamhook_nb.pipeline import cluster_frames

    parts = numbered_parts(client, sources, format=format)
    groups = log_ranges.gathered(parts, cluster_threads(client))
    count = len(groups)
    pending = deque(
        client.map(
            for_each_part(cluster_frames.load_part),
            groups,
            [format] * count,
            [path] * count,
            pure=False,
        )
    )
    try:
        while pending:
            future = pending.popleft()
            results: list[LoadResult | UserErrorResult] = future.result()
            future.release()  # handed on: the cluster may forget it
            for outcome in results:
                result = raised(outcome)
                records = zip(result.rejected["source"], result.rejected["reason"], strict=True)
                check_strict([Rejected(str(s), str(r)) for s, r in records], strict)
                yield result
    finally:
        client.cancel(list(pending))
