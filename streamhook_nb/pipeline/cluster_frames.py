"""Tasks that turn one partition into frames: deliveries, rejected records, verdicts, events.

Each calls the package's own loader, verifier and events builder on its partition (see
:mod:`cluster_parts`), so the rows are those of a local run. A lazy frame's partition is a run of
parts (small whole files gathered, see ``log_ranges.gathered``): one task and one frame for many
small files, with the rows the files give one at a time.
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
    return load_parts((part,), format, path)


def load_parts(
    parts: tuple[LogRange, ...], format: str | None, path: str | None = None
) -> LoadResult:
    """:func:`load_part` for a run of parts: one frame, the parts' rows in order."""
    chunk = DEFAULT_CHUNK_SIZE
    counted = SkipCount(batch for part in parts for batch in batches(part, format, chunk, path))
    frame, rejected = deliveries_frames.from_batches(counted)
    return LoadResult(frame, deliveries_frames.rejected_frame(rejected), counted.skipped)


def deliveries_part(parts: tuple[LogRange, ...], format: str | None) -> pd.DataFrame:
    """The partition's deliveries frame."""
    return load_parts(parts, format).deliveries


def rejected_part(parts: tuple[LogRange, ...], format: str | None) -> pd.DataFrame:
    """The partition's rejected records (``source``, ``reason``)."""
    return load_parts(parts, format).rejected


def verdicts_part(parts: tuple[LogRange, ...], format: str | None, ref: KeyringRef) -> pd.DataFrame:
    """The partition's deliveries with the verdict columns."""
    return verify_deliveries(deliveries_part(parts, format), ref.keyring())


def events_part(
    parts: tuple[LogRange, ...], format: str | None, ref: KeyringRef | None
) -> pd.DataFrame:
    """The partition's events frame (verified when ``ref`` is given)."""
    frame = deliveries_part(parts, format)
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
