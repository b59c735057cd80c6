"""Loading in chunks on every core (byte ranges of big logs, many files, a big gzip log) gives
the chunks of the load in one process: the same rows, rejected records and skips, in order."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from streamhook_nb import iter_load, load_log
from streamhook_nb.load import block_tasks, inflated_split, log_ranges, split_load

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pipeline"))
from golden_snapshot import corpus


@pytest.fixture
def parts_used(monkeypatch: pytest.MonkeyPatch, forking: None) -> list[str]:
    """Small logs and files read on the workers in small parts; which reader of parts ran."""
    monkeypatch.setattr(log_ranges, "SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(split_load, "FILES_MIN_BYTES", 1)
    monkeypatch.setattr(split_load, "CHUNK_RANGE_BYTES", 100_000)
    monkeypatch.setattr(block_tasks, "MIN_BYTES", 1)
    monkeypatch.setattr(block_tasks, "TASK_BYTES", 50_000)
    used: list[str] = []
    for module in (split_load, inflated_split):
        real = module.loaded_parts

        def spied(*args: Any, _real: Any = real, _name: str = module.__name__, **kw: Any) -> Any:
            used.append(_name.rpartition(".")[2])
            return _real(*args, **kw)

        monkeypatch.setattr(module, "loaded_parts", spied)
    return used


def _here(monkeypatch: pytest.MonkeyPatch, source: object, **options: Any) -> Any:
    with monkeypatch.context() as patch:
        patch.setattr(log_ranges, "can_fork", lambda: False)
        patch.setattr(log_ranges, "can_serve", lambda: False)
        return load_log(source, progress=False, **options)  # type: ignore[arg-type]


def _check(chunks: list[Any], whole: Any, chunk_size: int, one_file: bool) -> None:
    sizes = [len(c.deliveries) for c in chunks]
    assert all(size <= chunk_size for size in sizes)
    if one_file:
        assert sizes[:-1] == [chunk_size] * (len(sizes) - 1)
    frames = pd.concat([c.deliveries for c in chunks], ignore_index=True)
    pd.testing.assert_frame_equal(frames, whole.deliveries)
    rejected = pd.concat([c.rejected for c in chunks], ignore_index=True)
    pd.testing.assert_frame_equal(rejected, whole.rejected)
    assert sum(c.skipped for c in chunks) == whole.skipped
    if one_file:  # each rejected record lies between the rows of the chunks around it
        lines = [_numbers(c.deliveries["source"]) for c in chunks]
        for at, chunk in enumerate(chunks):
            for line in _numbers(chunk.rejected["source"]):
                assert at == 0 or not lines[at - 1] or line > lines[at - 1][-1]
                assert at == len(chunks) - 1 or not lines[at + 1] or line < lines[at + 1][0]


def _numbers(sources: pd.Series) -> list[int]:
    return [int(source.rpartition(":")[2]) for source in sources]


@pytest.mark.parametrize("chunk_size", [7, 500, 50_000])
def test_a_big_log_in_chunks_on_the_workers_is_the_load_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts_used: list[str], chunk_size: int
) -> None:
    lines = corpus(tmp_path)["full"].read_bytes().splitlines(keepends=True)
    lines[5] = lines[5].replace(b'"method":"POST"', b'"method":"GET"')
    log = tmp_path / "mixed.jsonl"
    log.write_bytes(b"".join(lines))
    chunks = list(iter_load(log, chunk_size=chunk_size, progress=False))
    assert parts_used == ["split_load"]
    assert len(split_load.plan([*_sources(log)], None, range_bytes=100_000)) > 5
    _check(chunks, _here(monkeypatch, log), chunk_size, one_file=True)


@pytest.mark.parametrize("chunk_size", [3, 40, 50_000])
def test_many_files_in_chunks_on_the_workers_are_the_load_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts_used: list[str], chunk_size: int
) -> None:
    data = Path(__file__).resolve().parents[2] / "data"
    sources = [data / "capture", data / "har", data / "story" / "stream-2026-11-16.jsonl.gz"]
    chunks = list(iter_load(sources, chunk_size=chunk_size, progress=False))
    assert parts_used == ["split_load"]
    _check(chunks, _here(monkeypatch, sources), chunk_size, one_file=False)


@pytest.mark.parametrize("cut", [False, True])
def test_a_big_gzip_log_in_chunks_on_the_workers_is_the_load_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts_used: list[str], cut: bool
) -> None:
    whole = gzip.compress(corpus(tmp_path)["full"].read_bytes())
    log = tmp_path / "full.jsonl.gz"
    log.write_bytes(whole[: len(whole) * 2 // 3] if cut else whole)
    chunks = list(iter_load(log, chunk_size=300, progress=False))
    assert parts_used == ["inflated_split"]
    _check(chunks, _here(monkeypatch, log), 300, one_file=True)
    reasons = [reason for c in chunks for reason in c.rejected["reason"]]
    assert ("cannot read from this line on" in reasons[-1]) is cut


def test_a_strict_load_in_chunks_stays_here(tmp_path: Path, parts_used: list[str]) -> None:
    from streamhook_nb.errors import RecordError

    with pytest.raises(RecordError):
        list(iter_load(corpus(tmp_path)["full"], chunk_size=100, strict=True))
    assert parts_used == []


def _sources(path: Path) -> Any:
    from streamhook_nb.load.sources import expand

    return expand(path)
