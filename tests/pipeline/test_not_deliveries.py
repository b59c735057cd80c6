"""Requests that are not deliveries (not a POST, or not to ``--path``) are skipped and counted
alike by every path: load, streaming verify (serial and split across workers), events, report."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers import capture_line, run_cli

from streamhook_nb import Keyring, Secret, load_log, sign, verify_sources
from streamhook_nb.samples.webhooks import DEMO_SECRET

BODY = b'{"type":"message.new","message":{"id":"m1"}}'


def _mixed_log(path: Path, copies: int = 40) -> Path:
    """Signed POSTs to /hook, POSTs to /other, and page loads (GET), interleaved."""
    good = capture_line(BODY, {"x-signature": sign(BODY, DEMO_SECRET)})
    other = capture_line(BODY, {"x-signature": sign(BODY, DEMO_SECRET)}, path="/other?x=1")
    page = capture_line(b"", {"accept": "text/html"}, method="GET", path="/")
    path.write_bytes((good + other + page) * copies)
    return path


RING = Keyring((Secret(DEMO_SECRET, "STREAM_API_SECRET"),))


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"STREAM_API_SECRET": DEMO_SECRET, "PATH": "/usr/bin:/bin"}
    return run_cli(*args, env=env, cwd=cwd)


@pytest.mark.parametrize("path", [None, "/hook"])
def test_split_verify_skips_like_the_serial_one(
    tmp_path: Path, path: str | None, split_logs: None
) -> None:
    log = _mixed_log(tmp_path / "mixed.jsonl")
    serial = verify_sources(log, RING, workers=1, path=path)
    split = verify_sources(log, RING, workers=2, path=path)
    expected = 80 if path is None else 40
    for report in (serial, split):
        counts = (report.deliveries, report.valid, report.skipped)
        assert counts == (expected, expected, 120 - expected)
        assert report.invalid == 0
    assert load_log(log, path=path).skipped == 120 - expected


def test_path_option_on_every_command(tmp_path: Path) -> None:
    _mixed_log(tmp_path / "mixed.jsonl", copies=3)
    verify = _cli("verify", "mixed.jsonl", "--path", "/hook", "--json", cwd=tmp_path)
    assert verify.returncode == 0, verify.stderr
    assert json.loads(verify.stdout)["deliveries"] == 3
    text = _cli("verify", "mixed.jsonl", "--path", "/hook", cwd=tmp_path)
    assert "6 requests skipped (not deliveries)" in text.stdout
    events = _cli("events", "mixed.jsonl", "--path", "/hook", "--json", cwd=tmp_path)
    assert json.loads(events.stdout)["deliveries"] == 3
    everything = _cli("events", "mixed.jsonl", "--json", cwd=tmp_path)
    assert json.loads(everything.stdout)["deliveries"] == 6  # the GETs are never deliveries
    load = _cli("load", "mixed.jsonl", "--path", "/hook", "--json", cwd=tmp_path)
    assert json.loads(load.stdout)["skipped"] == 6
    report = _cli("report", "mixed.jsonl", "--path", "/hook", "-o", "r.html", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "r.html").read_text().count("message.new") >= 1
