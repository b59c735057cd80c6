"""Arrow record batches that forked workers hand back to this process without a copy.

Each worker writes its batches as an Arrow IPC file in shared memory (``/dev/shm``; else the
temporary folder); this process maps the file, takes the batches (views of the mapping) and
deletes the file at once: its pages live as long as the last column that uses them. Nothing
but the file names crosses the process boundary.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

SHARED_MEMORY = Path("/dev/shm")
_HEADROOM = 1.25


def folder_for(needed: int) -> Path | None:
    """Where the workers' files go: shared memory, else the temporary folder, whichever has
    room for about ``needed`` bytes; None when neither has (then work in one process)."""
    for folder in (SHARED_MEMORY, Path(tempfile.gettempdir())):
        try:
            if shutil.disk_usage(folder).free > needed * _HEADROOM:
                return folder
        except OSError:  # no such folder on this system
            continue
    return None


@contextmanager
def outputs(count: int, folder: Path) -> Iterator[list[str]]:
    """Names for ``count`` workers' files in ``folder``, all deleted on the way out, whatever
    happened (a worker that failed halfway leaves nothing behind). Files that a killed process
    left there (its number no longer running) are deleted first: in shared memory they would
    hold memory until the machine restarts."""
    with numbered_outputs(folder) as name:
        yield [name(index) for index in range(count)]


@contextmanager
def numbered_outputs(folder: Path) -> Iterator[Callable[[int], str]]:
    """:func:`outputs` for workers' files whose number is not known ahead (the tasks of a
    stream): the name of file ``index``; every one is deleted on the way out."""
    remove_stale(folder)
    prefix = f"streamhook-{os.getpid()}-{id(object())}"
    try:
        yield lambda index: str(folder / f"{prefix}-{index}.arrow")
    finally:
        for path in folder.glob(f"{prefix}-*.arrow"):
            path.unlink(missing_ok=True)


def remove_stale(folder: Path) -> None:
    """Delete the workers' files of processes that are gone (killed before they could)."""
    for path in folder.glob("streamhook-*-*.arrow"):
        owner = path.name.split("-")[1]
        if owner.isdigit() and not _running(int(owner)):
            path.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: running
        return True
    return True


@contextmanager
def writer(output: str, schema: pa.Schema) -> Iterator[pa.ipc.RecordBatchFileWriter]:
    """In a worker: write record batches of ``schema`` to ``output``."""
    with pa.OSFile(output, "wb") as sink, pa.ipc.new_file(sink, schema) as batches:
        yield batches


def read_back(output: str) -> list[pa.RecordBatch]:
    """The record batches a worker wrote, mapped without copying; the file is deleted."""
    reader = pa.ipc.open_file(pa.memory_map(output))
    batches = [reader.get_batch(i) for i in range(reader.num_record_batches)]
    Path(output).unlink()
    return batches
