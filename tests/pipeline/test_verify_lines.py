"""Streaming verification of lines, a block at a time, counts exactly what verifying rows does."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpers import DATA, capture_line_variants, lines_one_at_a_time, record_line
from hypothesis import given, settings
from hypothesis import strategies as st

from streamhook_nb import keyring
from streamhook_nb.load import line_blocks
from streamhook_nb.load.readers import capture_jsonl
from streamhook_nb.pipeline.verify_logs import (
    _new_report,
    verify_batch,
    verify_lines,
    verify_sources,
)
from streamhook_nb.samples.webhooks import deliveries

_RING = keyring(secrets_file=str(DATA / "demo-secrets.toml"), dotenv=None)
_RECORDS = [d.capture_record() for d in deliveries(10, seed=4)]
_FORGED = {**_RECORDS[0], "body": _RECORDS[0]["body"] + " "}  # type: ignore[operator]
_ODD_BODY = record_line(_RECORDS[1]).replace(b'"body":"', b'"body":"\\ud800', 1)  # lone surrogate
_LINES = [
    *(line for record in _RECORDS[:2] for line in capture_line_variants(record)),
    record_line(_FORGED),
    _ODD_BODY,
]


def _by_rows(data: bytes, path: str | None) -> dict[str, object]:
    report = _new_report("failures", True)
    lines = lines_one_at_a_time(data, capture_jsonl.MAX_LINE_BYTES)
    for batch in capture_jsonl.read_lines(lines, "log.jsonl", chunk_size=7):
        verify_batch(batch, _RING, report, path)
    return report.as_json()


def _by_lines(data: bytes, path: str | None) -> dict[str, object]:
    report = _new_report("failures", True)
    blocks = line_blocks.read_blocks(io.BytesIO(data), capture_jsonl.MAX_LINE_BYTES)
    verify_lines(blocks, "log.jsonl", 1, _RING, report, path)
    return report.as_json()


@settings(max_examples=60, deadline=None)
@given(
    picks=st.lists(st.integers(0, len(_LINES) - 1), max_size=30),
    good=st.lists(st.integers(0, len(_RECORDS) - 1), max_size=30),
    path=st.sampled_from([None, "/webhooks/stream", "/elsewhere"]),
    shuffle=st.randoms(use_true_random=False),
)
def test_streamed_lines_verify_as_rows_do(
    picks: list[int], good: list[int], path: str | None, shuffle: object
) -> None:
    lines = [_LINES[i] for i in picks] + [record_line(_RECORDS[i]) for i in good]
    shuffle.shuffle(lines)  # type: ignore[attr-defined]
    data = b"".join(lines)
    assert _by_lines(data, path) == _by_rows(data, path)


def test_a_clean_log_verifies_in_whole_blocks_and_a_forgery_is_named() -> None:
    lines = [record_line(r) for r in _RECORDS] * 500  # several blocks
    lines[4321] = record_line(_FORGED)
    report = _by_lines(b"".join(lines), None)
    assert report["deliveries"] == 5000
    assert [d["source"] for d in report["details"]] == ["log.jsonl:4322"]  # type: ignore[index]


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.usefixtures("split_logs")
def test_a_log_split_across_workers_names_the_same_lines(tmp_path: Path, workers: int) -> None:
    lines = [record_line(r) for r in _RECORDS] * 300
    odd = [b"{not json\n", record_line(_FORGED), *_LINES]
    for k, at in enumerate(range(97, len(lines), 211)):  # failures, rejects in every range
        lines[at] = odd[k % len(odd)]
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"\xef\xbb\xbf" + b"".join(lines))
    (split, whole) = (
        verify_sources(log, _RING, workers=n, details="failures", tally=True) for n in (workers, 1)
    )
    assert split.rejected == whole.rejected
    assert split.details == whole.details
    assert split.as_json() == whole.as_json()
    assert split.tally is not None
    assert whole.tally is not None
    assert split.tally.as_json() == whole.tally.as_json()
    numbers = [int(r.source.rpartition(":")[2]) for r in whole.rejected]
    assert max(numbers) > 2000  # the last range's are numbered after the earlier ranges' lines


@pytest.mark.parametrize("details", ["failures", False, True])
@pytest.mark.usefixtures("split_logs")
def test_a_log_listed_twice_is_numbered_from_its_first_line_each_time(
    tmp_path: Path, details: bool | str
) -> None:
    lines = [record_line(r) for r in _RECORDS] * 6
    lines[20], lines[41] = b"{not json\n", record_line(_FORGED)
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"".join(lines)[:-1])  # no newline at the end
    (split, whole) = (
        verify_sources([log, log], _RING, workers=n, details=details)  # type: ignore[arg-type]
        for n in (2, 1)
    )
    assert [r.source for r in split.rejected] == [f"{log}:21"] * 2
    assert split.rejected == whole.rejected
    assert split.details == whole.details


@pytest.fixture
def inflated_logs(monkeypatch: pytest.MonkeyPatch, forking: None) -> None:
    """Verify every gzip capture log on the workers, a few lines a task."""
    from streamhook_nb.load import block_tasks

    monkeypatch.setattr(block_tasks, "MIN_BYTES", 1)
    monkeypatch.setattr(block_tasks, "TASK_BYTES", 20_000)


@pytest.mark.parametrize("details", ["failures", False, True])
@pytest.mark.usefixtures("inflated_logs")
def test_a_gzip_log_inflated_here_verifies_on_the_workers_as_in_one_process(
    tmp_path: Path, details: bool | str
) -> None:
    import gzip

    from streamhook_nb.load import inflated_split
    from streamhook_nb.load.sources import expand

    lines = [record_line(r) for r in _RECORDS] * 300
    odd = [b"{not json\n", record_line(_FORGED), *_LINES]
    for k, at in enumerate(range(97, len(lines), 211)):  # failures and rejects in every task
        lines[at] = odd[k % len(odd)]
    log = tmp_path / "log.jsonl.gz"
    whole = gzip.compress(b"\xef\xbb\xbf" + b"".join(lines))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) * 3 // 4])
    log.write_bytes(whole)
    for path in (log, cut):
        assert inflated_split.inflated_log(expand(path), None)
        (inflated, here) = (
            verify_sources(path, _RING, workers=n, details=details, tally=True)  # type: ignore[arg-type]
            for n in (2, 1)
        )
        assert inflated.as_json() == here.as_json()
        assert inflated.rejected == here.rejected
        assert inflated.tally is not None
        assert here.tally is not None
        assert inflated.tally.as_json() == here.tally.as_json()
    assert "cannot read from this line on" in inflated.rejected[-1].reason
