"""Load, verify (when a secret is at hand) and build the events frame: the audit's first step."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from streamhook_nb.events import tables
from streamhook_nb.events.frame import events_frame
from streamhook_nb.load.deliveries import empty_frame, rejected_frame
from streamhook_nb.load.loading import LoadResult, iter_load, load_log
from streamhook_nb.load.reading import SourceLike
from streamhook_nb.verify.frame import verify_deliveries
from streamhook_nb.verify.secrets import Keyring

if TYPE_CHECKING:
    from distributed import Client


@dataclass(frozen=True)
class Audit:
    """The loaded log, its events frame (verified when a keyring was given) and its rejects."""

    loaded: LoadResult
    events: pd.DataFrame
    verified: bool

    def summary(self) -> dict[str, Any]:
        """The ``streamhook-nb events --json`` shape (DESIGN.md §3)."""
        table = tables.by_type(self.events)
        return {
            "deliveries": len(self.events),
            "events": int(tables.event_keys(self.events).nunique()),
            "event_types": {
                str(kind): {column: int(row[column]) for column in table.columns}
                for kind, row in table.iterrows()
            },
        }


def audit(
    sources: SourceLike | Iterable[SourceLike],
    keyring: Keyring | None,
    *,
    format: str | None = None,
    strict: bool = False,
    keep_deliveries: bool = True,
    path: str | None = None,
    client: Client | None = None,
) -> Audit:
    """Load the sources and build the events frame, verified when ``keyring`` is given.

    ``keep_deliveries=False`` is for logs bigger than memory: the log is loaded, verified and
    reduced to its events a chunk at a time, and ``loaded.deliveries`` stays empty (no bodies
    or headers are kept).
    ``path`` keeps only the requests sent to that path (see ``load_log``).
    ``client`` (a ``distributed.Client``) builds the events on its Dask cluster, as with
    ``keep_deliveries=False`` (``pipeline.cluster``).
    """
    if client is not None:
        from streamhook_nb.pipeline.cluster_audit import audit_on_cluster

        return audit_on_cluster(sources, keyring, client, format=format, strict=strict, path=path)
    if keep_deliveries:
        loaded = load_log(sources, format=format, strict=strict, path=path)
        return Audit(loaded, _events(loaded.deliveries, keyring), keyring is not None)
    events: list[pd.DataFrame] = []
    rejected: list[pd.DataFrame] = []
    skipped = 0
    chunks = iter_load(sources, chunk_size=AUDIT_CHUNK, format=format, strict=strict, path=path)
    for chunk in chunks:
        events.append(_events(chunk.deliveries, keyring))
        rejected.append(chunk.rejected)
        skipped += chunk.skipped
    if not events:  # no record at all: typed empty frames
        events, rejected = [_events(empty_frame(), keyring)], [rejected_frame([])]
    loaded = LoadResult(empty_frame(), pd.concat(rejected, ignore_index=True), skipped)
    return Audit(loaded, concat_events(events), keyring is not None)


AUDIT_CHUNK = 50_000
"""Deliveries verified and reduced to events at a time when the deliveries are not kept."""


def _events(deliveries: pd.DataFrame, keyring: Keyring | None) -> pd.DataFrame:
    if keyring is not None:
        deliveries = verify_deliveries(deliveries, keyring)
    return events_frame(deliveries)


def concat_events(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Events frames of consecutive chunks as one, categories merged (kept categorical)."""
    if len(frames) == 1:
        return frames[0]
    merged = {
        name: sorted(set().union(*(frame[name].cat.categories for frame in frames)))
        for name in ("event_type", "channel_type")
    }
    recoded = [  # assign shares the other columns' data (copy on write)
        frame.assign(**{name: frame[name].cat.set_categories(c) for name, c in merged.items()})
        for frame in frames
    ]
    return pd.concat(recoded, ignore_index=True)
