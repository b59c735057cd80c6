"""Record batches written by one process come back in another without a copy, and no file stays."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pyarrow as pa
import pytest

from streamhook_nb.load import shared_batches

_SCHEMA = pa.schema([("body", pa.large_binary()), ("n", pa.int64())])


def _write(output: str) -> None:
    with shared_batches.writer(output, _SCHEMA) as writer:
        for start in (0, 3):
            bodies = [b"x" * (start + i) for i in range(3)]
            writer.write_batch(
                pa.record_batch(
                    [pa.array(bodies, pa.large_binary()), pa.array(range(start, start + 3))],
                    _SCHEMA,
                )
            )


def test_batches_written_by_a_forked_worker_come_back_in_order(tmp_path: Path) -> None:
    with shared_batches.outputs(2, tmp_path) as outputs:
        with multiprocessing.get_context("fork").Pool(2) as pool:
            pool.map(_write, outputs)
        batches = [b for output in outputs for b in shared_batches.read_back(output)]
        assert list(tmp_path.iterdir()) == []  # each file is deleted once mapped
    table = pa.Table.from_batches(batches)
    assert table.column("n").to_pylist() == [0, 1, 2, 3, 4, 5] * 2
    assert table.column("body")[5].as_py() == b"xxxxx"


def _fail_after_writing(folder: Path) -> None:
    with shared_batches.outputs(3, folder) as outputs:
        _write(outputs[0])
        raise RuntimeError("a worker failed")


def test_files_left_by_a_failure_are_deleted(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="failed"):
        _fail_after_writing(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_folder_needs_room_for_the_files() -> None:
    assert shared_batches.folder_for(1024) is not None
    assert shared_batches.folder_for(1 << 60) is None  # an exabyte fits nowhere here


def test_files_of_a_killed_process_are_deleted_before_new_ones(tmp_path: Path) -> None:
    import subprocess
    import sys

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tmp_path / f"streamhook-{gone.stdout.strip()}-1-0.arrow"
    mine = tmp_path / f"streamhook-{os.getpid()}-1-0.arrow"  # a running process's file stays
    other = tmp_path / "streamhook-notes.arrow"
    for path in (stale, mine, other):
        path.write_bytes(b"x")
    with shared_batches.outputs(1, tmp_path):
        assert not stale.exists()
    assert mine.exists()
    assert other.exists()
