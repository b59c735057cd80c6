"""The ``load`` summary counted by workers on every core is the summary counted here."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from streamhook_nb import load_log, to_parquet
from streamhook_nb.load import log_ranges
from streamhook_nb.load.sources import expand
from streamhook_nb.pipeline import load_summary
from streamhook_nb.pipeline.load_summary import summarize

sys.path.insert(0, str(Path(__file__).resolve().parent))
from golden_snapshot import corpus


def _parts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many parts each parallel summary was counted in."""
    counts: list[int] = []
    real = load_summary._summarize_parts

    def counted(parts: list[log_ranges.LogRange], *args: object) -> load_summary.LoadSummary:
        counts.append(len(parts))
        return real(parts, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(load_summary, "_summarize_parts", counted)
    return counts


def test_workers_count_what_one_process_counts(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split_logs: None
) -> None:
    logs = corpus(tmp_path)
    parquet = tmp_path / "d.parquet"
    monkeypatch.setattr("streamhook_nb.load.parquet.ROW_GROUP_ROWS", 40)
    to_parquet(load_log(data_dir).deliveries, parquet)
    lines = logs["bare"].read_bytes().splitlines(keepends=True)
    lines[5] = lines[5].replace(b'"method":"POST"', b'"method":"GET"')
    lines[-3] = lines[-3].replace(b'"path":"', b'"path":"/elsewhere')
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(b"".join(lines))
    parts = _parts(monkeypatch)
    for sources, options in (
        (logs["full"], {}),
        ([logs["bare"], logs["bare"]], {}),
        (data_dir, {}),
        (parquet, {}),
        (mixed, {"path": "/webhooks/stream"}),
    ):
        parallel = summarize(sources, workers=2, **options).as_json()  # type: ignore[arg-type]
        serial = summarize(sources, workers=1, **options).as_json()  # type: ignore[arg-type]
        assert parallel == serial, sources
        assert parallel == load_log(sources, **options).summary()  # type: ignore[arg-type]
    assert all(count > 1 for count in parts)
    assert len(parts) == 5
    assert summarize(mixed, workers=2, path="/webhooks/stream").skipped == 2


def test_strict_and_one_core_count_here(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split_logs: None
) -> None:
    from streamhook_nb.errors import RecordError

    parts = _parts(monkeypatch)
    summarize(data_dir, workers=1)
    with pytest.raises(RecordError):
        summarize(data_dir, workers=2, strict=True)
    monkeypatch.setattr(log_ranges, "can_fork", lambda: False)
    summarize(data_dir, workers=2)
    assert parts == []
    assert len(log_ranges.streaming_parts(expand(data_dir), None, 2)) > 1


def test_a_file_that_cannot_be_opened_is_named_as_in_one_process(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split_logs: None
) -> None:
    import builtins

    from streamhook_nb.errors import SourceError

    locked = tmp_path / "locked.jsonl"
    locked.write_bytes((data_dir / "capture" / "stream-2026-11-26.jsonl").read_bytes())
    real_open = builtins.open

    def refusing(file: object, *args: object, **kwargs: object) -> object:
        if str(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", refusing)
    errors = []
    for workers in (1, 2):
        with pytest.raises(SourceError) as caught:
            summarize([data_dir / "capture", locked], workers=workers)
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert errors[0].startswith(f"{locked}: cannot open (Permission denied)")


def test_workers_count_a_big_gzip_log_inflated_here_as_one_process_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forking: None
) -> None:
    import gzip

    from streamhook_nb.load import block_tasks

    monkeypatch.setattr(block_tasks, "MIN_BYTES", 1)
    monkeypatch.setattr(block_tasks, "TASK_BYTES", 20_000)
    lines = corpus(tmp_path)["bare"].read_bytes().splitlines(keepends=True)
    lines[5] = lines[5].replace(b'"method":"POST"', b'"method":"GET"')
    lines[-3] = lines[-3].replace(b'"path":"', b'"path":"/elsewhere')
    whole = gzip.compress(b"".join(lines))
    log, cut = tmp_path / "mixed.jsonl.gz", tmp_path / "cut.jsonl.gz"
    log.write_bytes(whole)
    cut.write_bytes(whole[: len(whole) // 2])
    inflated: list[object] = []
    real = load_summary._summarize_inflated
    monkeypatch.setattr(
        load_summary, "_summarize_inflated", lambda *a: inflated.append(a) or real(*a)
    )
    for source in (log, cut):
        parallel = summarize(source, workers=2, path="/webhooks/stream").as_json()
        serial = summarize(source, workers=1, path="/webhooks/stream").as_json()
        assert parallel == serial
        assert parallel == load_log(source, path="/webhooks/stream").summary()
    assert len(inflated) == 2
    assert parallel["skipped"] >= 1
    assert "cannot read from this line on" in parallel["rejected_records"][-1]["reason"]  # type: ignore[index]
