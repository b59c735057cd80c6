"""Capture JSONL at the edges (issue #10): every stored value loads the same on every path."""

from __future__ import annotations

import gzip
import json
import re
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from helpers import DATA, capture_line

from streamhook_nb import build_report, events_frame, keyring, load_log, verify_sources
from streamhook_nb.cli.main import main
from streamhook_nb.samples.webhooks import deliveries

WriteFile = Callable[[str, bytes], Path]
SECRETS = str(DATA / "demo-secrets.toml")


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    secrets = ["--secrets-file", SECRETS] if args[0] != "load" else []
    code = main([*args, *secrets, "--json"])
    return code, json.loads(capsys.readouterr().out)


def _signed_lines(count: int) -> bytes:
    return b"".join(
        json.dumps(d.capture_record()).encode() + b"\n" for d in deliveries(count, seed=2)
    )


def test_byte_order_mark_on_a_log_split_across_workers(
    write_file: WriteFile, split_logs: None
) -> None:
    path = write_file("bom.jsonl", b"\xef\xbb\xbf" + _signed_lines(40))
    report = verify_sources(path, keyring(secrets_file=SECRETS, dotenv=None), workers=2)
    assert report.rejected == []
    assert report.deliveries == 40
    assert len(load_log(path).rejected) == 0


def test_a_huge_line_in_a_small_gzip_is_cut_while_reading(write_file: WriteFile) -> None:
    huge = b'{"body": "' + b"a" * (64 << 20) + b'"}\n'
    content = gzip.compress(capture_line() + huge + capture_line(), compresslevel=1)
    path = write_file("bomb.jsonl.gz", content)
    assert len(content) < 1 << 20
    tracemalloc.start()
    try:
        result = load_log(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.deliveries["source"].tolist() == [f"{path}:1", f"{path}:3"]
    assert result.rejected["reason"].tolist() == ["line is longer than 16777216 bytes"]
    assert result.rejected["source"].tolist() == [f"{path}:2"]
    assert peak < 40 << 20  # the 64 MB line was never held whole


@pytest.mark.parametrize("when", ["2300-01-01T00:00:00Z", "1500-06-01T12:00:00+02:00"])
def test_received_at_beyond_pandas_is_rejected_the_same_everywhere(
    when: str, write_file: WriteFile, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_file("far.jsonl", capture_line() + capture_line(received_at=when))
    expected = [
        {
            "source": f"{path}:2",
            "reason": "field 'received_at' is outside the times pandas can hold "
            f"(1677-09-21 to 2262-04-11 UTC): {when!r}",
        }
    ]
    assert load_log(path).summary()["rejected_records"] == expected
    code, loaded = _cli(capsys, "load", str(path))
    assert (code, loaded["rejected_records"]) == (1, expected)
    code, verified = _cli(capsys, "verify", str(path))
    assert (code, verified["deliveries"], verified["rejected"]) == (1, 1, 1)


@pytest.mark.parametrize("status", [2**63, 2**70, -1, 99, 1000])
def test_response_status_that_is_no_http_status_loads_as_na(
    status: int, write_file: WriteFile
) -> None:
    line = capture_line(response={"status": 0}, remote_addr="a", http_version="1.1")
    careful = capture_line(response={"status": 0}, transport="http")
    line, careful = (
        x.replace(b'"status":0', f'"status":{status}'.encode()) for x in (line, careful)
    )
    path = write_file("status.jsonl", line + careful)
    frame = load_log(path).deliveries
    assert frame["response_status"].isna().all()
    assert len(frame) == 2


@pytest.mark.parametrize("attempt", ["\xb2", "٣", "9" * 5000, "99999999999999999999", "-1"])
def test_odd_attempt_header_loads_as_na_everywhere(
    attempt: str, write_file: WriteFile, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    line = capture_line(headers={"x-signature": "ab" * 32, "x-webhook-attempt": attempt})
    path = write_file("attempt.jsonl", line + capture_line())
    frame = load_log(path).deliveries
    assert frame["attempt"].isna().all()
    _, verified = _cli(capsys, "verify", str(path), "--details")
    assert [d["attempt"] for d in verified["details"]] == [None, None]  # type: ignore[union-attr]
    _, events = _cli(capsys, "events", str(path))
    assert events["deliveries"] == 2
    assert "<html" in build_report(events_frame(frame)).lower()
    assert (
        main(["report", str(path), "-o", str(tmp_path / "r.html"), "--secrets-file", SECRETS]) == 1
    )


def test_a_plain_attempt_still_loads() -> None:
    from streamhook_nb.load.batch import whole_number

    assert [whole_number(v) for v in ("1", " 2 ", "9" * 18, "9" * 19, "", None)] == [
        1,
        2,
        int("9" * 18),
        None,
        None,
        None,
    ]
    assert pd.array([whole_number("9" * 18)], dtype="Int64")[0] == int("9" * 18)


def test_a_gzip_damaged_midway_keeps_the_same_rows_in_every_reader(tmp_path: Path) -> None:
    from streamhook_nb import iter_load
    from streamhook_nb.pipeline.load_summary import summarize

    story = Path(__file__).resolve().parents[2] / "data" / "story" / "stream-2026-11-20.jsonl.gz"
    data = bytearray(story.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # the deflate stream breaks here
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "damaged.jsonl.gz").write_bytes(bytes(data))
    loaded = load_log(folder, progress=False)
    damage = loaded.rejected.iloc[-1]
    assert damage["reason"].startswith("cannot read from this line on (")
    assert "the lines before it are loaded" in damage["reason"]
    assert re.fullmatch(r".*damaged\.jsonl\.gz:\d+", damage["source"])
    assert len(loaded.deliveries) > 0
    named = load_log(folder / "damaged.jsonl.gz", progress=False)  # raised, losing every row
    pd.testing.assert_frame_equal(named.deliveries, loaded.deliveries)
    pd.testing.assert_frame_equal(named.rejected, loaded.rejected)
    counted = summarize(folder, workers=1)
    assert counted.deliveries == len(loaded.deliveries)
    assert len(counted.rejected) == len(loaded.rejected)
    ring = keyring(secrets_file=story.parent / "secrets.toml", dotenv=None)
    assert verify_sources(folder, ring, workers=1).deliveries == len(loaded.deliveries)
    chunks = iter_load(folder, chunk_size=7, progress=False)
    assert sum(len(chunk.deliveries) for chunk in chunks) == len(loaded.deliveries)


def test_a_small_gzip_log_cut_short_is_named_at_its_line_not_refused_whole(
    tmp_path: Path,
) -> None:
    """Cut within its first 64 KiB, a gzip log could not be recognised at all: refused whole
    (exit 2) when named, for every format. Its head is now what precedes the damage, and the
    damage is a rejected record as for a longer log."""
    import gzip
    import random

    noise = random.Random(3).randbytes
    lines = [capture_line(noise(200).hex().encode()) for _ in range(40)]
    packed = gzip.compress(b"".join(lines), mtime=0)
    path = tmp_path / "small.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    loaded = load_log(path, progress=False)
    [damage] = loaded.rejected.itertuples()
    assert damage.source == f"{path}:{len(loaded.deliveries) + 1}"
    assert "cannot read from this line on" in damage.reason
