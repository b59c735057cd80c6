"""The command line on files from other tools and hostile input: counts, exit codes, messages."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import orjson
import pytest
from helpers import capture_line, run_cli

from streamhook_nb import load_log
from streamhook_nb.cli.main import main

MIXED = (
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    b"POST /api/login HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"
    b"POST /hook HTTP/1.1\r\nX-Signature: " + b"ab" * 32 + b"\r\nContent-Length: 2\r\n\r\n{}"
)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env={"PATH": "/usr/bin:/bin"})


def test_skipped_requests_in_json_and_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mixed.http"
    path.write_bytes(MIXED)
    assert main(["load", str(path), "--json"]) == 0
    summary = orjson.loads(capsys.readouterr().out)
    assert (summary["deliveries"], summary["rejected"], summary["skipped"]) == (2, 0, 1)
    assert main(["load", str(path), "--path", "/hook"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("1 delivery loaded, 0 rejected\n")
    assert "2 requests skipped: not deliveries (not a POST, not to --path, an SNS" in text


def test_converting_counts_skipped_requests_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mixed.http"
    path.write_bytes(MIXED)
    out = tmp_path / "hooks.jsonl"
    assert main(["load", str(path), "--path", "/hook", "--to-jsonl", str(out), "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)["skipped"] == 2
    assert len(load_log(out).deliveries) == 1


def test_one_unreadable_file_in_a_directory_exits_1_not_2(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(capture_line())
    (tmp_path / "b.har").write_bytes(b'{"log": {"entries": [')
    done = run("load", str(tmp_path), "--json")
    assert done.returncode == 1, done.stderr
    summary = orjson.loads(done.stdout)
    assert (summary["deliveries"], summary["rejected"]) == (1, 1)
    assert summary["rejected_records"][0]["source"] == str(tmp_path / "b.har")
    named = run("load", str(tmp_path / "b.har"))
    assert named.returncode == 2
    assert "Traceback" not in named.stderr


@pytest.mark.parametrize(
    "content",
    [
        b"POST /h HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nabc\r\n0\r\n\r\n",
        b"POST /h HTTP/1.1\r\nContent-Length: \xb2\r\n\r\n{}",
        b'{"Messages": [{"Body": "{}", "Attributes": {"SentTimestamp": "' + b"9" * 40 + b'"}}]}',
        b'\xef\xbb\xbf{"log": {"entries": [{"request": {"method": "POST", "url": "http://[x"}}]}}',
    ],
)
def test_hostile_files_give_rejected_records_without_a_traceback(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "hostile"
    path.write_bytes(content)
    done = run("load", str(path), "--json")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert orjson.loads(done.stdout)["rejected"] == 1


def test_secrets_file_dev_zero_and_a_binary_dotenv_are_usage_errors(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(capture_line())
    done = run("verify", str(log), "--secrets-file", "/dev/zero")
    assert done.returncode == 2
    assert "larger than 1024 KiB: not a secrets file" in done.stderr
    assert "Traceback" not in done.stderr
    (tmp_path / ".env").write_bytes(b"STREAM_API_SECRET=\xff\xfe\n")
    done = run("verify", str(log), cwd=tmp_path)
    assert done.returncode == 2
    assert ".env file is not UTF-8 text" in done.stderr
    assert "Traceback" not in done.stderr


def test_verify_never_calls_a_page_load_a_missing_signature(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamhook_nb.verify.signing import sign

    monkeypatch.setenv("STREAM_API_SECRET", "demo-secret")
    monkeypatch.chdir(tmp_path)
    body = b'{"type":"message.new"}'
    signed = (
        b"POST /hook HTTP/1.1\r\nX-Signature: " + sign(body, "demo-secret").encode() + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    page = b"GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n"
    (tmp_path / "browser.http").write_bytes(page + signed + page)
    assert main(["verify", str(tmp_path / "browser.http"), "--json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert (report["deliveries"], report["valid"], report["reasons"]) == (1, 1, {"ok": 1})


def test_a_named_gzip_log_cut_short_keeps_its_lines_before_the_cut(tmp_path: Path) -> None:
    """A log copied while it was being written: the lines before the cut load and the cut is
    a rejected record naming its line (exit 1), as inside a folder; before, the named file
    was refused whole (exit 2) and every line was lost."""
    import gzip
    import random

    noise = random.Random(5).randbytes  # bodies gzip cannot shrink: the cut lands past the head
    lines = [capture_line(noise(300).hex().encode()) for _ in range(400)]
    packed = gzip.compress(b"".join(lines), mtime=0)
    path = tmp_path / "today.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    from streamhook_nb.samples.webhooks import DEMO_SECRET

    env = {**os.environ, "STREAM_API_SECRET": DEMO_SECRET}
    for command in ("load", "verify", "events"):
        done = run_cli(command, str(path), "--json", env=env)
        assert done.returncode == 1, done.stderr
        summary = orjson.loads(done.stdout)
        assert 0 < summary["deliveries"] < 400
    loaded = load_log(path, progress=False)
    [damage] = loaded.rejected.itertuples()
    assert damage.source == f"{path}:{len(loaded.deliveries) + 1}"
    assert "the lines before it are loaded" in damage.reason
