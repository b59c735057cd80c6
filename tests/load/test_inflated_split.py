"""A big gzip capture log, inflated here and parsed on every core, loads as it loads here."""

from __future__ import annotations

import gzip
import sys
import zlib
from pathlib import Path

import orjson
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamhook_nb import load_log
from streamhook_nb.load import block_tasks, inflated_split, log_ranges, split_load
from streamhook_nb.load.block_tasks import BlockTasks
from streamhook_nb.load.line_blocks import LineBlock
from streamhook_nb.load.sources import expand
from streamhook_nb.samples import webhooks as sample_webhooks

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pipeline"))
from golden_snapshot import corpus


@pytest.fixture
def inflated_logs(monkeypatch: pytest.MonkeyPatch, forking: None) -> None:
    """Load every gzip capture log on the workers, in tasks of a few lines."""
    monkeypatch.setattr(block_tasks, "MIN_BYTES", 1)
    monkeypatch.setattr(block_tasks, "TASK_BYTES", 20_000)


def _here(monkeypatch: pytest.MonkeyPatch, log: Path, **options: object) -> object:
    with monkeypatch.context() as patch:
        patch.setattr(log_ranges, "can_fork", lambda: False)
        patch.setattr(log_ranges, "can_serve", lambda: False)
        return load_log(log, progress=False, **options)  # type: ignore[arg-type]


def _same(first: object, second: object) -> None:
    pd.testing.assert_frame_equal(first.deliveries, second.deliveries)  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(first.rejected, second.rejected)  # type: ignore[attr-defined]
    assert first.skipped == second.skipped  # type: ignore[attr-defined]


def _gzip(path: Path, data: bytes) -> Path:
    target = path.with_name(path.name + ".gz")
    target.write_bytes(gzip.compress(data))
    return target


@pytest.mark.parametrize("kind", ["full", "bare"])
def test_an_inflated_load_equals_the_load_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inflated_logs: None, kind: str
) -> None:
    plain = corpus(tmp_path)[kind]
    log = _gzip(plain, b"\xef\xbb\xbf" + plain.read_bytes())  # a byte order mark too
    assert inflated_split.inflated_log(expand(log), None)
    assert split_load.plan(expand(log), None) == []  # a gzip file: no byte ranges
    inflated = load_log(log, progress=False)
    _same(inflated, _here(monkeypatch, log))
    assert len(inflated.rejected) > 3
    assert inflated.deliveries["source"].is_unique
    lines = plain.read_bytes().count(b"\n")
    assert inflated.deliveries["source"].iloc[-1] == f"{log}:{lines}"


def test_an_inflated_load_skips_the_same_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inflated_logs: None
) -> None:
    lines = corpus(tmp_path)["bare"].read_bytes().splitlines(keepends=True)
    lines[5] = lines[5].replace(b'"method":"POST"', b'"method":"GET"')
    lines[-3] = lines[-3].replace(b'"path":"', b'"path":"/elsewhere')
    lines[40] = b'{"received_at":null,"body":"' + b"x" * 30_000 + b'"}\n'  # a line over a task
    log = _gzip(tmp_path / "mixed.jsonl", b"".join(lines))
    inflated = load_log(log, progress=False, path="/webhooks/stream")
    _same(inflated, _here(monkeypatch, log, path="/webhooks/stream"))
    assert inflated.skipped == 2


def test_a_gzip_log_cut_short_keeps_its_lines_and_names_the_damage_as_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inflated_logs: None
) -> None:
    plain = corpus(tmp_path)["full"]
    whole = gzip.compress(plain.read_bytes())
    log = tmp_path / "cut.jsonl.gz"
    log.write_bytes(whole[: len(whole) * 2 // 3])
    inflated = load_log(log, progress=False)
    _same(inflated, _here(monkeypatch, log))
    last = inflated.rejected.iloc[-1]
    assert "cannot read from this line on" in last["reason"]
    kept = zlib.decompressobj(31).decompress(log.read_bytes())  # what zlib inflates of it
    whole_lines = kept.count(b"\n")
    assert last["source"] == f"{log}:{whole_lines + 1}"


def test_logs_that_gain_nothing_load_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forking: None
) -> None:
    plain = corpus(tmp_path)["full"]
    log = _gzip(plain, plain.read_bytes())
    assert not inflated_split.inflated_log(expand(log), None)  # small
    monkeypatch.setattr(block_tasks, "MIN_BYTES", 1)
    assert inflated_split.inflated_log(expand(log), None)
    assert not inflated_split.inflated_log(expand(log), None, workers=1)
    assert not inflated_split.inflated_log(expand(log), "har")
    assert not inflated_split.inflated_log(expand(plain), None)  # not gzip: byte ranges
    assert not inflated_split.inflated_log(expand([log, log]), None)
    other = _gzip(tmp_path / "export.har", b'{"log": {"entries": []}}')
    assert not inflated_split.inflated_log(expand(other), None)
    monkeypatch.setattr(log_ranges, "can_fork", lambda: False)
    monkeypatch.setattr(log_ranges, "can_serve", lambda: True)
    assert not inflated_split.inflated_log(expand(log), None)  # a kernel: too small to serve


def test_tasks_hold_whole_blocks_numbered_from_their_first_line() -> None:
    blocks = [LineBlock(b'{"n":%d}\n' % n * 3) for n in range(5)] + [LineBlock(lines=[b"x" * 9])]
    tasks = list(BlockTasks(iter(blocks), first_line=10, task_bytes=48))
    assert [task.first_line for task in tasks] == [10, 16, 22]
    assert [len(task.blocks) for task in tasks] == [2, 2, 2]
    assert sum(block.count for task in tasks for block in task.blocks) == 16


def test_damage_goes_out_after_the_blocks_read_before_it() -> None:
    def blocks():  # type: ignore[no-untyped-def]
        yield LineBlock(b"{}\n{}\n")
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")

    tasks = BlockTasks(blocks(), task_bytes=1 << 20)
    seen = iter(tasks)
    assert next(seen).first_line == 1
    with pytest.raises(EOFError):
        next(seen)
    assert tasks.next_line == 3


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.floats(0.05, 1.0), st.integers(0, 255), st.booleans())
def test_a_gzip_log_damaged_anywhere_loads_on_the_workers_as_here(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    inflated_logs: None,
    at: float,
    byte: int,
    cut: bool,
) -> None:
    """Cut short or with a byte changed anywhere, the log gives on the workers exactly what
    one process gives: the lines before the damage, then the damage named at its line."""
    folder = tmp_path_factory.mktemp("damaged")
    whole = gzip.compress(_LOG)
    position = min(int(len(whole) * at), len(whole) - 1)
    damaged = whole[:position] if cut else whole[:position] + bytes([byte]) + whole[position + 1 :]
    log = folder / "log.jsonl.gz"
    log.write_bytes(damaged)
    fanned = inflated_split.inflated_log(expand(log), None)
    assert fanned or at < 0.3  # past its first 64 KiB of lines (about 15% of it) the head reads
    if fanned:  # (else its head is unreadable: it is read here, as any damaged file)
        _same(load_log(log, progress=False), _here(monkeypatch, log))


_LOG = b"".join(
    orjson.dumps(d.capture_record()) + b"\n" for d in sample_webhooks.deliveries(300, seed=3)
)
