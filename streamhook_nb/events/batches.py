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
from streamhook_nb.load.deliveries import values as column_values
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
    shared = _shared_memory(offsets[-1])
    parts = list(zip(pairwise(bounds), offsets, rooms, strict=False))
    _SHARED.update(body=body, memory=shared)
    try:
        with multiprocessing.get_context("fork").Pool(wanted) as pool:
            written = pool.map(_write_part, parts)
    finally:
        _SHARED.clear()
    memory = None if shared is None else pa.py_buffer(shared)
    return [
        part if isinstance(part, pa.RecordBatch) else _read(memory, offset, part)
        for part, offset in zip(written, offsets, strict=False)
    ]


def _read(memory: pa.Buffer | None, offset: int, size: int) -> pa.RecordBatch:
    """The batch a worker wrote at ``offset`` of the shared memory (not copied)."""
    if memory is None:
        raise RuntimeError("a worker wrote into shared memory that does not exist")
    return pa.ipc.read_record_batch(memory.slice(offset, size), _SCHEMA)


_SHARED: dict[str, Any] = {}  # what forked workers inherit: the body column, shared memory
_SCHEMA = pa.schema(
    [
        (name, pa.timestamp("ns", tz="UTC") if name == "created_at" else pa.large_string())
        for name in EVENT_COLUMNS
    ]
)
_ROW_ROOM = 256
"""Bytes reserved per row in shared memory beyond its body: offsets, validity, the time, and
the channel type and id split from ``cid``."""
_PART_ROOM = 1 << 16
"""Bytes reserved per part beyond its rows: the Arrow message's header and padding."""
_ALIGN = 64


def _shared_memory(size: int) -> mmap.mmap | None:
    """Anonymous memory shared with the forked workers; only the pages written take memory,
    and it is freed with the last column that reads from it. None when the system refuses to
    reserve that much: the columns then come back through the pool's pipe."""
    try:
        return mmap.mmap(-1, size)
    except (OSError, ValueError, OverflowError):
        return None


def _room(body: pd.Series, start: int, end: int) -> int:
    """Shared memory reserved for the columns of rows ``start:end``. The fields are parts of
    each body (JSON escapes only shrink them), so the bodies' bytes and a little per row hold
    them, unless some body is gzip and inflates (then see :func:`_write_part`)."""
    array = body.array[start:end]
    if isinstance(array, pd.arrays.ArrowExtensionArray):
        size = pc.sum(pc.binary_length(pa.array(array))).as_py() or 0
    else:
        size = sum(len(b) for b in column_values(body.iloc[start:end]) if b is not None)
    room = int(size) + _ROW_ROOM * (end - start) + _PART_ROOM
    return -(-room // _ALIGN) * _ALIGN  # each part starts aligned, as Arrow buffers expect


def _write_part(part: tuple[tuple[int, int], int, int]) -> int | pa.RecordBatch:
    """In a worker: the event columns of rows ``start:end`` written as one Arrow IPC message
    at ``offset`` of the shared memory; its length is returned (or, when it does not fit,
    the batch itself, pickled to the parent)."""
    (start, end), offset, room = part
    with paused_gc():
        batch = event_batch(_SHARED["body"], start, end)
    if _SHARED["memory"] is None:
        return batch
    message = batch.serialize()
    if message.size > room:
        return batch
    _SHARED["memory"][offset : offset + message.size] = message
    return message.size
