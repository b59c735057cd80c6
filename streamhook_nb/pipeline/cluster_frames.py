"""Tasks that turn one partition into frames: deliveries, rejected records, verdicts, events.

Each calls the package's own loader, verifier and events builder on its partition (see
:mod:`cluster_parts`), so the rows are those of a local run.
"""

from __future__ import annotations

import pandas as pd

from streamhook_nb.events.frame import events_frame
from streamhook_nb.load import deliveries as deliveries_frames
from streamhook_nb.load.loading import DEFAULT_CHUNK_SIZE, LoadResult, SkipCount
from streamhook_nb.load.log_ranges import LogRange
from streamhook_nb.pipeline.cluster_parts import batches
from streamhook_nb.pipeline.cluster_secrets import KeyringRef
from streamhook_nb.verify.frame import verify_deliveries


def load_part(part: LogRange, format: str | None, path: str | None = None) -> LoadResult:
    """Load one partition into a deliveries frame and its rejected records (requests that are
    not deliveries only counted, as ``load_log`` does)."""
    counted = SkipCount(batches(part, format, DEFAULT_CHUNK_SIZE, path))
    frame, rejected = deliveries_frames.from_batches(counted)
    return LoadResult(frame, deliveries_frames.rejected_frame(rejected), counted.skipped)


def deliveries_part(part: LogRange, format: str | None) -> pd.DataFrame:
    """The partition's deliveries frame."""
    return load_part(part, format).deliveries


def rejected_part(part: LogRange, format: str | None) -> pd.DataFrame:
    """The partition's rejected records (``source``, ``reason``)."""
    return load_part(part, format).rejected


def verdicts_part(part: LogRange, format: str | None, ref: KeyringRef) -> pd.DataFrame:
    """The partition's deliveries with the verdict columns."""
    return verify_deliveries(deliveries_part(part, format), ref.keyring())


def events_part(part: LogRange, format: str | None, ref: KeyringRef | None) -> pd.DataFrame:
    """The partition's events frame (verified when ``ref`` is given)."""
    frame = deliveries_part(part, format)
    return events_frame(frame if ref is None else verify_deliveries(frame, ref.keyring()))


def audit_part(
    part: LogRange, format: str | None, ref: KeyringRef | None, path: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The partition's events frame, its rejected records and how many requests were not
    deliveries: what ``report`` gathers."""
    loaded = load_part(part, format, path)
    frame = loaded.deliveries
    events = events_frame(frame if ref is None else verify_deliveries(frame, ref.keyring()))
    return events, loaded.rejected, loaded.skipped
