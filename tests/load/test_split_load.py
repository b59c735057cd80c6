"""A big capture log loaded on every core gives exactly what loading it here gives."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from streamhook_nb import load_log
from streamhook_nb.load import log_ranges, shared_batches, split_load
from streamhook_nb.load.sources import expand

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pipeline"))
from golden_snapshot import corpus


def _serial(monkeypatch: pytest.MonkeyPatch, log: Path, **options: object) -> object:
    with monkeypatch.context() as patch:
        patch.setattr(log_ranges, "can_fork", lambda: False)
        return load_log(log, progress=False, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["full", "bare"])
def test_split_load_equals_the_load_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split_logs: None, kind: str
) -> None:
    path = corpus(tmp_path)[kind]
    assert len(split_load.plan(expand(path), None)) > 1
    split = load_log(path, progress=False)
    serial = _serial(monkeypatch, path)
    pd.testing.assert_frame_equal(split.deliveries, serial.deliveries)  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(split.rejected, serial.rejected)  # type: ignore[attr-defined]
    assert len(split.rejected) > 3
    assert split.deliveries["source"].is_unique
    assert list(Path("/dev/shm").glob("streamhook-*.arrow")) == []


def test_split_load_skips_the_same_requests_and_keeps_line_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split_logs: None
) -> None:
    lines = corpus(tmp_path)["bare"].read_bytes().splitlines(keepends=True)
    lines[5] = lines[5].replace(b'"method":"POST"', b'"method":"GET"')
    lines[-3] = lines[-3].replace(b'"path":"', b'"path":"/elsewhere')
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join(lines))
    split = load_log(path, progress=False, path="/webhooks/stream")
    serial = _serial(monkeypatch, path, path="/webhooks/stream")
    assert split.skipped == serial.skipped == 2  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(split.deliveries, serial.deliveries)  # type: ignore[attr-defined]
    assert split.deliveries["source"].iloc[-1] == f"{path}:{len(lines)}"


def test_small_logs_one_core_and_threads_keep_the_load_in_one_process(
    tmp_path: Path, forking: None
) -> None:
    paths = corpus(tmp_path)
    assert split_load.plan(expand(paths["full"]), None) == []  # below the size worth splitting
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(log_ranges, "SPLIT_MIN_BYTES", 1)
        assert len(split_load.plan(expand(tmp_path), None, workers=2)) == 4
        assert split_load.plan(expand(paths["full"]), None, workers=1) == []
        assert split_load.plan(expand(paths["full"]), "har") == []
        patch.setattr(log_ranges, "can_fork", lambda: False)
        assert split_load.plan(expand(paths["full"]), None) == []


def test_strict_load_of_a_big_log_still_stops_at_the_first_bad_line(
    tmp_path: Path, split_logs: None
) -> None:
    from streamhook_nb.errors import RecordError

    with pytest.raises(RecordError, match=r"full.jsonl:\d+"):
        load_log(corpus(tmp_path)["full"], progress=False, strict=True)


def test_without_room_for_the_workers_files_the_load_stays_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split_logs: None
) -> None:
    import shutil

    path = corpus(tmp_path)["full"]
    full = shutil.disk_usage(tmp_path)._replace(free=100)
    monkeypatch.setattr(shared_batches.shutil, "disk_usage", lambda folder: full)
    assert split_load.plan(expand(path), None) == []
    assert len(load_log(path, progress=False).rejected) > 3


def test_a_failing_worker_leaves_no_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split_logs: None
) -> None:
    from streamhook_nb.load import columns

    def broken(batch: object) -> object:
        raise MemoryError("worker ran out of memory")

    monkeypatch.setattr(columns, "record_batch", broken)
    before = set(Path("/dev/shm").glob("streamhook-*.arrow"))
    with pytest.raises(MemoryError, match="worker ran out"):
        load_log(corpus(tmp_path)["full"], progress=False)
    assert set(Path("/dev/shm").glob("streamhook-*.arrow")) == before


def test_a_log_listed_twice_loads_with_the_same_line_numbers_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split_logs: None
) -> None:
    path = corpus(tmp_path)["full"]
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # no newline at the end
    assert len(split_load.plan(expand([path, path]), None)) > 2
    split = load_log([path, path], progress=False)
    serial = _serial(monkeypatch, [path, path])  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(split.deliveries, serial.deliveries)  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(split.rejected, serial.rejected)  # type: ignore[attr-defined]
