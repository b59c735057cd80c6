"""The receiver against hostile clients and a log path swapped under it: it answers, stays up,
says what happened in one line (never a traceback, never the request's bytes), and keeps every
acknowledged delivery byte-exact."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from helpers import free_port, run_cli, start_receiver

from streamhook_nb import load_log
from streamhook_nb.capture.server import CaptureServer, CaptureSettings
from streamhook_nb.errors import UsageError
from streamhook_nb.samples.webhooks import deliveries

MARKER = b"PAYLOAD-BYTES-NOT-FOR-THE-TERMINAL"


def _send(port: int, data: bytes, *, close_early: bool = False) -> bytes:
    """Send raw bytes; read the answer (or hang up at once with ``close_early``)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        if close_early:
            time.sleep(0.2)
            return b""
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer:
                break
    return answer


def _wait_for_healthz(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except requests.ConnectionError:
            assert process.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.1)


MALFORMED = {
    "content-length and chunked": b"POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n5\r\n" + MARKER[:5] + b"\r\n0\r\n\r\n",
    "two content-lengths": b"POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 34\r\n"
    b"Content-Length: 3\r\n\r\n" + MARKER,
    "obs-fold": b"POST /h HTTP/1.1\r\nHost: x\r\nX-Signature: ab\r\n " + MARKER + b"\r\n\r\n",
    "bare LF": b"POST /h HTTP/1.1\nHost: x\nContent-Length: 34\n\n" + MARKER,
    "path too long": b"POST /" + MARKER * 300 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "NUL in a header": b"POST /h HTTP/1.1\r\nHost: x\r\nX-A: \x00" + MARKER + b"\r\n\r\n",
}


@pytest.mark.timeout(90)
def test_malformed_requests_get_one_line_each_and_no_traceback(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    port = free_port()
    errors = tmp_path / "stderr.txt"
    command = [sys.executable, "-m", "streamhook_nb", "capture", "--port", str(port)]
    with errors.open("wb") as stderr:
        process = subprocess.Popen(
            [*command, "--out", str(log)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        _wait_for_healthz(port, process)
        for name, data in MALFORMED.items():
            assert _send(port, data).startswith(b"HTTP/1.0 400"), name
        went_away = b"POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + MARKER
        _send(port, went_away, close_early=True)
        item = next(deliveries(1))
        answer = requests.post(
            f"http://127.0.0.1:{port}/h", data=item.body, headers=item.headers, timeout=10
        )
        assert answer.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    said = errors.read_bytes()
    assert b"Traceback" not in said
    assert MARKER not in said
    assert MARKER[:12] not in said
    lines = said.decode().splitlines()
    assert len(lines) == len(MALFORMED) + 1, lines
    assert all(line.startswith("Error handling request from 127.0.0.1: ") for line in lines)
    assert "answered 400: Duplicate Content-Length" in lines[1]
    assert "went away before the request was complete" in lines[-1]
    assert list(load_log(log).deliveries["body"]) == [item.body]


def test_a_log_path_turned_into_a_directory_is_answered_503_until_it_is_a_file(
    tmp_path: Path,
) -> None:
    items = list(deliveries(3, seed=11))
    log = tmp_path / "log.jsonl"
    with CaptureServer(str(log)) as capture:
        url = f"{capture.url}/webhooks/stream"
        assert requests.post(url, data=items[0].body, headers=items[0].headers).ok
        log.rename(tmp_path / "earlier.jsonl")
        log.mkdir()
        refused = requests.post(url, data=items[1].body, headers=items[1].headers)
        assert refused.status_code == 503
        assert refused.headers["Retry-After"]
        assert "is a directory" in refused.text
        assert requests.get(f"{capture.url}/healthz").status_code == 503
        log.rmdir()
        assert requests.post(url, data=items[2].body, headers=items[2].headers).ok
    assert list(load_log(tmp_path / "earlier.jsonl").deliveries["body"]) == [items[0].body]
    assert list(load_log(log).deliveries["body"]) == [items[2].body]


def test_expect_100_continue_over_the_limit_gets_413_before_the_body(tmp_path: Path) -> None:
    item = next(deliveries(1))
    log = tmp_path / "log.jsonl"
    with CaptureServer(str(log)) as capture:
        port = int(capture.url.rsplit(":", 1)[1])
        head = b"POST /h HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
        too_big = _send(port, head + b"Content-Length: %d\r\n\r\n" % (100 * 1024 * 1024))
        assert too_big.startswith(b"HTTP/1.1 413 "), too_big[:40]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(head + b"Content-Length: %d\r\n\r\n" % len(item.body))
            assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
            sock.sendall(item.body)
            assert sock.recv(100).startswith(b"HTTP/1.1 200 OK")
    assert list(load_log(log).deliveries["body"]) == [item.body]


def test_a_request_line_of_another_http_version_is_answered_505_and_not_logged(
    tmp_path: Path,
) -> None:
    """``POST /h`` alone (HTTP/0.9) or ``HTTP/2.0`` in an HTTP/1 request line is no delivery:
    such requests used to be logged (as a bodiless POST, or as HTTP 2.0)."""
    log = tmp_path / "log.jsonl"
    with CaptureServer(str(log)) as capture:
        port = int(capture.url.rsplit(":", 1)[1])
        for line in (b"POST /h HTTP/2.0\r\n", b"POST /h HTTP/0.9\r\n", b"POST /h\r\n"):
            answer = _send(port, line + b"Host: x\r\nContent-Length: 2\r\n\r\n{}")
            assert b" 505 " in answer.split(b"\r\n", 1)[0], (line, answer[:40])
        item = next(deliveries(1))
        assert requests.post(f"{capture.url}/h", data=item.body, headers=item.headers).ok
    assert list(load_log(log).deliveries["body"]) == [item.body]


def test_the_request_target_is_stored_as_sent(tmp_path: Path) -> None:
    """``//host/h`` used to be stored as ``////host/h``; an absolute-form target keeps its path
    and query."""
    targets = {
        b"//evil.example/h": "//evil.example/h",
        b"///x?y=%00": "///x?y=%00",
        b"/a%2Fb/../c?z=%20": "/a%2Fb/../c?z=%20",
        b"http://evil.example/hook?q=1": "/hook?q=1",
    }
    log = tmp_path / "log.jsonl"
    with CaptureServer(str(log)) as capture:
        port = int(capture.url.rsplit(":", 1)[1])
        for target in targets:
            answer = _send(
                port, b"POST " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
            )
            assert answer.startswith(b"HTTP/1.1 200"), answer[:40]
    assert list(load_log(log).deliveries["path"]) == list(targets.values())


def test_a_secret_with_whitespace_around_it_is_warned_about_at_start(tmp_path: Path) -> None:
    """With --reject-invalid every delivery would get a 401: say so before the first one."""
    port = free_port()
    env = {**os.environ, "PADDED_SECRET": " a-secret-with-a-space-before-it"}
    options = ["--secret-env", "PADDED_SECRET", "--reject-invalid"]
    process = start_receiver(
        tmp_path / "log.jsonl", port, *options, env=env, stderr=subprocess.PIPE
    )
    process.send_signal(signal.SIGTERM)
    first = process.communicate(timeout=30)[1].decode().split("\n")[0]
    assert "$PADDED_SECRET has whitespace around it" in first
    assert "secret_whitespace and get a 401" in first
    assert "a-secret-with" not in first


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("hook", "--path must start with / (every request's path does), such as /hook"),
        ("/h?x=1", "--path is a path only, without ?query or #fragment"),
    ],
)
def test_a_path_no_request_can_have_is_refused(tmp_path: Path, path: str, says: str) -> None:
    """``--path hook`` used to answer 404 to every delivery, silently."""
    done = run_cli(
        "capture", "--out", str(tmp_path / "l.jsonl"), "--port", "0", "--path", path, timeout=30
    )
    assert done.returncode == 2
    assert says in done.stderr
    with pytest.raises(UsageError, match="path= "):
        CaptureSettings(path=path)
