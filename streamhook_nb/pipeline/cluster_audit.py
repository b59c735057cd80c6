"""The audit (events frame and rejected records) of sharded logs on a Dask cluster."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from distributed import Client

from streamhook_nb.events.frame import events_frame
from streamhook_nb.load.batch import Rejected
from streamhook_nb.load.deliveries import empty_frame, rejected_frame
from streamhook_nb.load.loading import LoadResult
from streamhook_nb.load.reading import SourceLike, check_strict
from streamhook_nb.pipeline import cluster_frames
from streamhook_nb.pipeline.audit import Audit, concat_events
from streamhook_nb.pipeline.cluster import numbered_parts, run_parts
from streamhook_nb.pipeline.cluster_secrets import forget_keyring, share_keyring
from streamhook_nb.verify.frame import verify_deliveries
from streamhook_nb.verify.secrets import Keyring


def audit_on_cluster(
    sources: SourceLike | Iterable[SourceLike],
    keyring: Keyring | None,
    client: Client,
    *,
    format: str | None = None,
    strict: bool = False,
    path: str | None = None,
    blocksize: int | str | None = None,
    progress: bool | None = None,
) -> Audit:
    """What ``audit(..., keep_deliveries=False)`` returns, computed on the cluster's workers.

    Only the events frames and the rejected records travel back; deliveries stay on the
    workers. ``strict`` raises for the first rejected record, as a local load does.
    """
    parts = numbered_parts(client, sources, format=format, blocksize=blocksize)
    ref = share_keyring(client, keyring) if keyring is not None else None
    try:
        results = run_parts(
            client,
            cluster_frames.audit_part,
            parts,
            format,
            ref,
            path,
            progress=progress,
            description="auditing",
        )
    finally:
        if ref is not None:
            forget_keyring(client, ref)
    events = [frame for frame, _, _ in results]
    rejected = [frame for _, frame, _ in results]
    skipped = sum(count for _, _, count in results)
    if not events:  # no source had a record: typed empty frames, as a local audit gives
        nothing = empty_frame() if keyring is None else verify_deliveries(empty_frame(), keyring)
        events, rejected = [events_frame(nothing)], [rejected_frame([])]
    loaded = LoadResult(empty_frame(), pd.concat(rejected, ignore_index=True), skipped)
    records = zip(loaded.rejected["source"], loaded.rejected["reason"], strict=True)
    check_strict([Rejected(str(s), str(r)) for s, r in records], strict)
    return Audit(loaded, concat_events(events), keyring is not None)
