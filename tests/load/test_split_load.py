"""A big capture log loaded on every core gives exactly what loading it here gives."""

from __future__ import annotations

import os
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
    assert list(_ours()) == []


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

    monkeypatch.setattr(columns, "record_batch_of", broken)
    before = set(_ours())
    with pytest.raises(MemoryError, match="worker ran out"):
        load_log(corpus(tmp_path)["full"], progress=False)
    assert set(_ours()) == before


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


STORY = Path(__file__).resolve().parents[2] / "data" / "story"
"""A week of daily gzip capture logs."""


@pytest.fixture
def many_files(monkeypatch: pytest.MonkeyPatch, split_logs: None) -> None:
    """Share out files that cannot be split, however small."""
    monkeypatch.setattr(split_load, "FILES_MIN_BYTES", 1)


def test_many_files_of_every_kind_load_one_per_worker_as_here(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, many_files: None
) -> None:
    import gzip
    import shutil

    folder = tmp_path / "logs"
    shutil.copytree(data_dir, folder, ignore=shutil.ignore_patterns("*.toml", "*.md"))
    damaged = gzip.compress((data_dir / "capture" / "stream-2026-11-26.jsonl").read_bytes())
    (folder / "capture" / "cut.jsonl.gz").write_bytes(damaged[: len(damaged) // 2])
    sources = expand(folder)
    parts = split_load.plan(sources, None)
    assert sum(part.end is None for part in parts) == 8  # gzip, HAR, ngrok, SQS... whole
    assert any(part.end is not None for part in parts)  # and the capture logs in ranges
    split = load_log(folder, progress=False)
    serial = _serial(monkeypatch, folder)
    pd.testing.assert_frame_equal(split.deliveries, serial.deliveries)  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(split.rejected, serial.rejected)  # type: ignore[attr-defined]
    assert split.skipped == serial.skipped  # type: ignore[attr-defined]
    assert any("cut.jsonl.gz" in source for source in split.rejected["source"])
    assert list(_ours()) == []
    story = load_log(STORY, progress=False, path="/webhooks/stream")
    assert len(split_load.plan(expand(STORY), None)) == 7  # six days and the secrets file
    pd.testing.assert_frame_equal(
        story.deliveries,
        _serial(monkeypatch, STORY, path="/webhooks/stream").deliveries,  # type: ignore[attr-defined]
    )


def test_a_named_file_that_cannot_be_read_fails_as_here(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, many_files: None
) -> None:
    from streamhook_nb.errors import SourceError

    bad = tmp_path / "cut.jsonl.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 40)
    named = [data_dir / "har" / "devtools-export.har", bad]
    assert len(split_load.plan(expand(named), None)) == 2
    with pytest.raises(SourceError) as split:
        load_log(named, progress=False)
    with pytest.raises(SourceError) as serial:
        _serial(monkeypatch, named)  # type: ignore[arg-type]
    assert str(split.value) == str(serial.value)
    assert split.value.shell_message() == serial.value.shell_message()
    assert split.value.source == str(bad)


def test_files_that_gain_nothing_from_workers_load_here(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, split_logs: None
) -> None:
    assert split_load.plan(expand(data_dir), None) == []  # little in all: below FILES_MIN_BYTES
    sources = expand(STORY)
    assert len(split_load.plan(sources, None)) == 7  # a week of gzip logs: worth the workers
    monkeypatch.setattr(split_load, "FILES_MIN_BYTES", 1)
    assert split_load.plan(sources[:1], None) == []  # one gzip file: nothing to share
    assert split_load.plan(sources, "no-such-format") == []  # loading here says why


def _ours() -> list[Path]:
    """This process's workers' files in shared memory (another test run on the machine has
    its own, named by its process)."""
    return sorted(Path("/dev/shm").glob(f"streamhook-{os.getpid()}-*.arrow"))
