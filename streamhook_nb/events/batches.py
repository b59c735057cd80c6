"""The event columns of a long frame, decoded on every core by forked workers."""

from __future__ import annotations

import os
from itertools import pairwise
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from streamhook_nb.events.fields import EVENT_COLUMNS, event_batch
from streamhook_nb.load import shared_batches
from streamhook_nb.load.deliveries import values as column_values
from streamhook_nb.load.gc_pause import paused_gc
from streamhook_nb.load.log_ranges import can_fork, forked_pool, results
from streamhook_nb.verify.frame import FORK_MIN_ROWS


def event_batches(deliveries: pd.DataFrame, workers: int | None = None) -> list[pa.RecordBatch]:
    """The event columns of every row, as Arrow batches in row order.

    A long frame is split across ``workers`` forked processes (``None``: every core), as
    :func:`~streamhook_nb.verify.frame.verdicts` does: they read the bodies from the frame's
    Arrow buffer and hand their Arrow columns back without a copy (``shared_batches``).
    Otherwise (a short frame, one core, a process with several threads such as a Jupyter
    kernel, or no room in shared memory) the work runs here.
    """
    body = deliveries["body"]
    wanted = workers or os.cpu_count() or 1
    if wanted < 2 or len(body) < FORK_MIN_ROWS or not can_fork():
        return [event_batch(body)]
    folder = shared_batches.folder_for(_body_bytes(body))
    if folder is None:
        return [event_batch(body)]
    bounds = list(pairwise(len(body) * k // wanted for k in range(wanted + 1)))
    _SHARED.update(body=body)
    try:
        with shared_batches.outputs(wanted, folder) as outputs:
            with forked_pool(wanted) as pool:
                list(results(pool, _write_part, zip(bounds, outputs, strict=True)))
            return [batch for output in outputs for batch in shared_batches.read_back(output)]
    finally:
        _SHARED.clear()


_SHARED: dict[str, Any] = {}  # what forked workers inherit: the body column
_SCHEMA = pa.schema(
    [
        (name, pa.timestamp("ns", tz="UTC") if name == "created_at" else pa.large_string())
        for name in EVENT_COLUMNS
    ]
)


def _body_bytes(body: pd.Series) -> int:
    """The bodies' size: the event columns are parts of them (gzip bodies aside)."""
    array = body.array
    if isinstance(array, pd.arrays.ArrowExtensionArray):
        return int(pc.sum(pc.binary_length(pa.array(array))).as_py() or 0)
    return sum(len(b) for b in column_values(body) if b is not None)


def _write_part(part: tuple[tuple[int, int], str]) -> None:
    """In a worker: the event columns of rows ``start:end`` written to ``output``."""
    (start, end), output = part
    with paused_gc():
        batch = event_batch(_SHARED["body"], start, end)
    with shared_batches.writer(output, _SCHEMA) as writer:
        writer.write_batch(batch)
