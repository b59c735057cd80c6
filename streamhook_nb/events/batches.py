"""The event columns of a long frame, decoded on every core by forked workers."""

from __future__ import annotations

import mmap
import multiprocessing
import os
from itertools import accumulate, pairwise
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from streamhook_nb.events.fields import EVENT_COLUMNS, event_batch
from streamhook_nb.load.gc_pause import paused_gc
from streamhook_nb.load.log_ranges import can_fork
from streamhook_nb.verify.frame import FORK_MIN_ROWS


def event_batches(deliveries: pd.DataFrame, workers: int | None = None) -> list[pa.RecordBatch]:
    """The event columns of every row, as Arrow batches in row order.

    A long frame is split across ``workers`` forked processes (``None``: every core), as
    :func:`~streamhook_nb.verify.frame.verdicts` does: they read the bodies from the frame's
    Arrow buffer and write their Arrow columns into memory shared with this process, which
    reads them without a copy (see :func:`_write_part`). Otherwise (a short frame, one core,
    or a process with several threads such as a Jupyter kernel) the work runs here.
    """
    body = deliveries["body"]
    wanted = workers or os.cpu_count() or 1
    if wanted < 2 or len(body) < FORK_MIN_ROWS or not can_fork():
        return [event_batch(body)]
    bounds = [len(body) * k // wanted for k in range(wanted + 1)]
    rooms = [_room(body, start, end) for start, end in pairwise(bounds)]
    offsets = [0, *accumulate(rooms)]
    shared = mmap.mmap(-1, offsets[-1])  # freed with the last column that reads from it
    parts = list(zip(pairwise(bounds), offsets, rooms, strict=False))
    _SHARED.update(body=body, memory=shared)
    try:
        with multiprocessing.get_context("fork").Pool(wanted) as pool:
            written = pool.map(_write_part, parts)
    finally:
        _SHARED.clear()
    memory = pa.py_buffer(shared)
    return [
        part
        if isinstance(part, pa.RecordBatch)
        else pa.ipc.read_record_batch(memory.slice(offset, part), _SCHEMA)
        for part, offset in zip(written, offsets, strict=False)
    ]


_SHARED: dict[str, Any] = {}  # what forked workers inherit: the body column, shared memory
_SCHEMA = pa.schema(
    [
        (name, pa.timestamp("ns", tz="UTC") if name == "created_at" else pa.large_string())
        for name in EVENT_COLUMNS
    ]
)
_ROW_ROOM = 256
"""Bytes reserved per row in shared memory beyond twice its body: offsets, validity, time."""
_PART_ROOM = 1 << 16
"""Bytes reserved per part beyond its rows: the Arrow message's header and padding."""


def _room(body: pd.Series, start: int, end: int) -> int:
    """Shared memory reserved for the columns of rows ``start:end``: the fields are copies of
    parts of each body (``cid`` twice, split into type and id), so twice the bodies' bytes
    and a little per row hold them unless some bodies are gzip (then see :func:`_write_part`).
    Only the pages written take memory."""
    lengths = pc.binary_length(pa.array(body.array[start:end]))
    return 2 * int(pc.sum(lengths).as_py() or 0) + _ROW_ROOM * (end - start) + _PART_ROOM


def _write_part(part: tuple[tuple[int, int], int, int]) -> int | pa.RecordBatch:
    """In a worker: the event columns of rows ``start:end`` written as one Arrow IPC message
    at ``offset`` of the shared memory; its length is returned (or, when it does not fit,
    the batch itself, pickled to the parent)."""
    (start, end), offset, room = part
    with paused_gc():
        batch = event_batch(_SHARED["body"], start, end)
    message = batch.serialize()
    if message.size > room:
        return batch
    _SHARED["memory"][offset : offset + message.size] = message
    return message.size
