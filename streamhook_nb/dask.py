"""Lazy Dask DataFrames of sharded logs: audit a month without loading it.

Each partition is a line-aligned byte range of a big capture log, one file, or several small
files together (a folder of one file per delivery is a few partitions, not thousands); it is
built by the package's own loader, verifier and events builder, so its rows are those a local
run gives (``source`` names the same ``file:line``). With a ``distributed.Client`` current, the
frames compute on its cluster and the keyring is shared with the workers once, in memory (never
in a task) until :func:`disconnect`::

    client = streamhook_nb.dask.connect()          # a LocalCluster; or connect("tcp://...:8786")
    events = streamhook_nb.dask.events("logs/2026-11-*.jsonl", keyring)
    events.groupby("event_type", observed=True).size().compute()

Requires the ``dask`` extra: ``pip install 'streamhook-nb[dask]'``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd
from dask.dataframe.utils import clear_known_categories
from distributed import Client, LocalCluster, default_client

from streamhook_nb.events.frame import events_frame
from streamhook_nb.load.deliveries import empty_frame, rejected_frame
from streamhook_nb.load.log_ranges import LogRange, gathered
from streamhook_nb.load.reading import SourceLike
from streamhook_nb.pipeline import cluster_frames
from streamhook_nb.pipeline.cluster import cluster_threads, numbered_parts
from streamhook_nb.pipeline.cluster_secrets import KeyringRef, forget_keyring, share_keyring
from streamhook_nb.verify.frame import verify_deliveries
from streamhook_nb.verify.secrets import Keyring

Sources = SourceLike | Iterable[SourceLike]

__all__ = [
    "connect",
    "deliveries",
    "disconnect",
    "events",
    "partitions",
    "quiet_shuffle_notes",
    "rejected",
    "verdicts",
]


SHUFFLE_LOGGER = "distributed.shuffle._scheduler_plugin"
"""The logger of Dask's P2P shuffle on the scheduler (in this process for a LocalCluster)."""

SHUFFLE_NOTES = ("Shuffle %s initialized by task", "Shuffle %s deactivated due to stimulus")
"""The start of the informational messages it logs as warnings for every shuffle (a groupby
by two columns shuffles); its other warnings (restarts, failed broadcasts) still show."""


class ShuffleNotes(logging.Filter):
    """Drops the P2P shuffle's routine start and end notes, and nothing else."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith(SHUFFLE_NOTES))


def quiet_shuffle_notes() -> None:
    """Stop every shuffle from printing two red warnings under a notebook cell (idempotent)."""
    logger = logging.getLogger(SHUFFLE_LOGGER)
    if not any(isinstance(f, ShuffleNotes) for f in logger.filters):
        logger.addFilter(ShuffleNotes())


def connect(address: str | None = None, *, workers: int | None = None) -> Client:
    """A client made current: to the scheduler at ``address``, or a new LocalCluster.

    The LocalCluster has ``workers`` single-threaded processes (default: one per core) and
    listens on 127.0.0.1 only. The dashboard link is printed (and shown by the client's repr
    in a notebook). The P2P shuffle's routine notes are not logged (:func:`quiet_shuffle_notes`).
    """
    quiet_shuffle_notes()
    if address:
        client = Client(address)
    else:
        cluster = LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        )
        client = Client(cluster)
    print(f"Dask dashboard: {client.dashboard_link}")
    return client


def disconnect(client: Client) -> None:
    """Remove the keyrings these frames shared from the workers, close the client, and close
    the LocalCluster if :func:`connect` started one (a remote cluster keeps running)."""
    for ref in _SHARED.pop(id(client), []):
        forget_keyring(client, ref)
    cluster = client.cluster
    client.close()
    if isinstance(cluster, LocalCluster):
        cluster.close()


def _current_client() -> Client | None:
    try:
        client: Client = default_client()
    except ValueError:  # no client: Dask's threads in this process
        return None
    return client


def partitions(
    sources: Sources, *, format: str | None = None, blocksize: int | str | None = None
) -> list[LogRange]:
    """The parts the frames read: files, and numbered byte ranges of big capture logs (a
    frame's partition is one of them, or a run of small whole files)."""
    return numbered_parts(_current_client(), sources, format=format, blocksize=blocksize)


def _workers() -> int:
    """Threads that compute the frames: the cluster's, or this machine's cores."""
    client = _current_client()
    if client is None:
        return os.cpu_count() or 1
    return cluster_threads(client)


def _frame(
    function: Callable[..., pd.DataFrame],
    parts: list[LogRange],
    args: tuple[Any, ...],
    meta: pd.DataFrame,
    label: str,
) -> dd.DataFrame:
    """One partition per part, small whole files several to a partition
    (``log_ranges.gathered``; ``expand`` raises when there is none), dtypes kept as built."""
    unknown = [
        name
        for name, dtype in meta.dtypes.items()
        if isinstance(dtype, pd.CategoricalDtype) and len(dtype.categories) == 0
    ]
    meta = clear_known_categories(meta, cols=unknown)  # categories found in the data
    with dask.config.set({"dataframe.convert-string": False}):  # keep the exact bytes
        frame: dd.DataFrame = dd.from_map(
            function,
            gathered(parts, _workers()),
            args=args,
            meta=meta,
            label=label,
            enforce_metadata=False,
        )
    return frame


def deliveries(
    sources: Sources, *, format: str | None = None, blocksize: int | str | None = None
) -> dd.DataFrame:
    """The deliveries frame (``load_log``'s columns), lazily; small files share a partition."""
    parts = partitions(sources, format=format, blocksize=blocksize)
    return _frame(
        cluster_frames.deliveries_part, parts, (format,), empty_frame(), "streamhook-deliveries"
    )


def rejected(
    sources: Sources, *, format: str | None = None, blocksize: int | str | None = None
) -> dd.DataFrame:
    """Every rejected record (``source``, ``reason``), lazily."""
    parts = partitions(sources, format=format, blocksize=blocksize)
    return _frame(
        cluster_frames.rejected_part, parts, (format,), rejected_frame([]), "streamhook-rejected"
    )


_SHARED: dict[int, list[KeyringRef]] = {}
"""Keyrings shared with each client's workers, removed by :func:`disconnect`."""


def _shared(keyring: Keyring) -> KeyringRef:
    client = _current_client()
    ref = share_keyring(client, keyring)
    if client is not None:
        _SHARED.setdefault(id(client), []).append(ref)
    return ref


def verdicts(
    sources: Sources,
    keyring: Keyring,
    *,
    format: str | None = None,
    blocksize: int | str | None = None,
) -> dd.DataFrame:
    """The deliveries with ``valid``, ``reason``, ``matched_secret`` and ``hint``, lazily."""
    parts = partitions(sources, format=format, blocksize=blocksize)
    meta = verify_deliveries(empty_frame(), keyring)
    return _frame(
        cluster_frames.verdicts_part, parts, (format, _shared(keyring)), meta, "streamhook-verdicts"
    )


def events(
    sources: Sources,
    keyring: Keyring | None = None,
    *,
    format: str | None = None,
    blocksize: int | str | None = None,
) -> dd.DataFrame:
    """The events frame (``events_frame``'s columns, verdicts when ``keyring`` is given), lazily.

    ``event_type`` and ``channel_type`` are categoricals whose categories come from the data.
    """
    parts = partitions(sources, format=format, blocksize=blocksize)
    ref = _shared(keyring) if keyring is not None else None
    loaded = empty_frame() if keyring is None else verify_deliveries(empty_frame(), keyring)
    return _frame(
        cluster_frames.events_part, parts, (format, ref), events_frame(loaded), "streamhook-events"
    )
