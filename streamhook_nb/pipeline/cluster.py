"""Verify and audit sharded logs on a Dask cluster, with results identical to a local run.

``verify_on_cluster`` (here) and ``cluster_audit.audit_on_cluster`` are what
``verify_sources(..., client=)`` and ``audit(..., client=)`` (and the CLI's ``--scheduler``)
run: the log is planned into partitions (:mod:`cluster_parts`), the keyring is shared once
(:mod:`cluster_secrets`), every partition is a task, and the partial results are merged here
in input order.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import dask
from distributed import Client, LocalCluster, as_completed

from streamhook_nb.errors import UsageError
from streamhook_nb.load import log_ranges
from streamhook_nb.load.log_ranges import LogRange, number_lines
from streamhook_nb.load.progress import byte_bar
from streamhook_nb.load.reading import SourceLike
from streamhook_nb.pipeline import cluster_parts
from streamhook_nb.pipeline.cluster_parts import Details
from streamhook_nb.pipeline.cluster_secrets import forget_keyring, share_keyring
from streamhook_nb.pipeline.task_errors import for_each_part, raised, returning_user_errors
from streamhook_nb.pipeline.verify_report import VerifyReport
from streamhook_nb.verify.secrets import Keyring

LOCAL = "local"
"""The scheduler address that means: a LocalCluster of processes on this machine."""

T = TypeVar("T")


@contextmanager
def connect(scheduler: str | Client, *, workers: int | None = None) -> Iterator[Client]:
    """A client for ``scheduler``: a running client, an address, or ``"local"``.

    ``"local"`` starts a LocalCluster of ``workers`` single-threaded processes (default: one
    per core) listening on 127.0.0.1 only, and stops it on exit.
    """
    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler == LOCAL:
        with (
            LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",  # any free port: 8787 may be taken
                scheduler_kwargs={"dashboard": False},
                # the workers' own logs stay off the terminal: a heartbeat in flight as the
                # cluster stops logged a traceback; a task's failure is raised here anyway
                silence_logs=logging.CRITICAL,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    timeout = dask.config.get("distributed.comm.timeouts.connect")
    try:
        client = Client(scheduler, timeout=timeout)
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(
            f"cannot reach the Dask scheduler at {scheduler} ({exc})",
            fix="Start one (dask scheduler) and pass its address, e.g. tcp://127.0.0.1:8786, "
            "or pass --scheduler local",
        ) from None
    with client:
        yield client


def cluster_threads(client: Client) -> int:
    """How many tasks the cluster runs at once (at least one)."""
    threads: int = sum(client.nthreads().values())
    return max(1, threads)


def numbered_parts(
    client: Client | None,
    sources: SourceLike | Iterable[SourceLike],
    *,
    format: str | None = None,
    blocksize: int | str | None = None,
) -> list[LogRange]:
    """The partitions of the sources, each byte range knowing the number of its first line.

    Line counting runs on the cluster (``client``), or in this process without one.
    """
    parts = cluster_parts.plan(sources, format=format, blocksize=blocksize)
    needed = cluster_parts.needs_count(parts)
    counted = [part for part, need in zip(parts, needed, strict=True) if need]
    if client is None or not counted:
        found = [cluster_parts.count_lines(part) for part in counted]
    else:
        counting = returning_user_errors(cluster_parts.count_lines)
        found = [raised(n) for n in client.gather(client.map(counting, counted, pure=False))]
    counts = iter(found)
    return number_lines(parts, [next(counts) if need else 0 for need in needed])


def run_parts(
    client: Client,
    function: Callable[..., T],
    parts: list[LogRange],
    *args: Any,
    progress: bool | None = None,
    description: str = "partitions",
) -> list[T]:
    """``function(part, *args)`` for every partition on the cluster; results in input order.

    A progress bar over partitions (stderr, or the notebook) shows while they complete;
    ``progress=None`` shows it only in a terminal or notebook.
    """
    groups = log_ranges.gathered(parts, cluster_threads(client))
    task = for_each_part(function)  # small whole files: several a task
    futures = client.map(task, groups, *[[arg] * len(groups) for arg in args], pure=False)
    sizes = {future.key: len(group) for future, group in zip(futures, groups, strict=True)}
    with byte_bar(len(parts), progress, description, unit="part", threshold=1) as bar:
        for done in as_completed(futures):
            bar.update(sizes[done.key])
    return [raised(result) for results in client.gather(futures) for result in results]


def verify_on_cluster(
    sources: SourceLike | Iterable[SourceLike],
    keyring: Keyring,
    client: Client,
    *,
    format: str | None = None,
    details: Details = False,
    tally: bool = False,
    path: str | None = None,
    blocksize: int | str | None = None,
    progress: bool | None = None,
) -> VerifyReport:
    """What :func:`verify_sources` returns, computed on the cluster's workers."""
    parts = numbered_parts(client, sources, format=format, blocksize=blocksize)
    ref = share_keyring(client, keyring)
    try:
        reports = run_parts(
            client,
            cluster_parts.verify_part,
            parts,
            ref,
            format,
            details,
            tally,
            path,
            progress=progress,
            description="verifying",
        )
    finally:
        forget_keyring(client, ref)
    merged = reports[0] if reports else VerifyReport()
    for report in reports[1:]:
        merged.merge(report)
    return merged
