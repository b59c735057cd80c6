"""The receiver under faults: disk full, failing fsync, a deleted log, slow clients, odd headers.

Each fault test checks the one promise that matters: every delivery answered 2xx loads back
byte-exact from the log, and nothing half-written is left in it.
"""

from __future__ import annotations

import dataclasses
import errno
import http.client
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import requests
from helpers import free_port, run_cli, start_receiver

from streamhook_nb import Keyring, Secret, load_log, verify_deliveries
from streamhook_nb.capture import log as capture_log
from streamhook_nb.capture.log import CaptureLog
from streamhook_nb.capture.server import CaptureServer, CaptureSettings
from streamhook_nb.errors import UsageError
from streamhook_nb.samples.webhooks import DEMO_SECRET, SampleDelivery, deliveries
from streamhook_nb.verify.signing import sign

RING = Keyring((Secret(DEMO_SECRET, "S"),))


def post(url: str, item: SampleDelivery, timeout: float = 10) -> requests.Response:
    return requests.post(
        f"{url}/webhooks/stream", data=item.body, headers=item.headers, timeout=timeout
    )


def assert_acknowledged_load_back(log: Path, acknowledged: list[bytes]) -> None:
    """Every 2xx-answered body is in the log, byte-exact, and no line is torn."""
    result = load_log(log)
    assert result.rejected.empty, result.rejected
    assert set(acknowledged) <= set(result.deliveries["body"])


class Disk:
    """A file system that can be made full and given room again."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch, real: bool) -> None:
        self.folder = folder
        self.real = real
        self._full = False
        self._ballast = folder / "ballast"
        if not real:
            self._inject(monkeypatch)

    def _inject(self, monkeypatch: pytest.MonkeyPatch) -> None:
        write_all = capture_log._write_all

        def failing(fd: int, data: bytes) -> None:
            if self._full:
                os.write(fd, data[: len(data) // 2])  # part of the record reaches the file
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            write_all(fd, data)

        monkeypatch.setattr(capture_log, "_write_all", failing)
        monkeypatch.setattr(CaptureLog, "_free_bytes", lambda _: 0 if self._full else 1 << 30)

    def fill(self, leave: int) -> None:
        """Leave about ``leave`` bytes free (injected: the next write fails)."""
        if not self.real:
            self._full = True
            return
        chunk = b"\0" * 4096
        fd = os.open(self._ballast, os.O_WRONLY | os.O_CREAT)
        size, error = 0, 0
        try:
            while True:
                size += os.write(fd, chunk)
        except OSError as exc:
            error = exc.errno or 0
        finally:
            os.close(fd)
        assert error == errno.ENOSPC
        os.truncate(self._ballast, max(0, size - leave))

    def free(self) -> None:
        self._full = False
        if self.real:
            self._ballast.unlink()


def _mount_tmpfs(folder: Path) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.fixture(params=["tmpfs", "injected"])
def disk(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Disk]:
    folder = tmp_path / "disk"
    if request.param == "injected":
        folder.mkdir()
        yield Disk(folder, monkeypatch, real=False)
        return
    if not _mount_tmpfs(folder):
        pytest.skip("a small tmpfs needs root (the injected variant covers the logic)")
    try:
        yield Disk(folder, monkeypatch, real=True)
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_disk_full_answers_503_and_leaves_no_half_record(disk: Disk) -> None:
    items = list(deliveries(60, seed=3))
    acknowledged: list[bytes] = []
    log = disk.folder / "log.jsonl"
    with CaptureServer(str(log)) as capture:
        for item in items[:5]:
            assert post(capture.url, item).status_code == 200
            acknowledged.append(item.body)
        disk.fill(leave=12 * 1024)
        refused = []
        for item in items[5:50]:
            response = post(capture.url, item)
            if response.status_code == 200:
                acknowledged.append(item.body)
            else:
                refused.append(response)
        assert refused, "the disk never filled up"
        assert {r.status_code for r in refused} == {503}
        assert all(r.headers["Retry-After"].isdigit() for r in refused)
        health = requests.get(f"{capture.url}/healthz", timeout=10)
        assert health.status_code == 503
        assert "No space left on device" in health.text
        disk.free()
        assert requests.get(f"{capture.url}/healthz", timeout=10).text == "ok"
        for item in items[50:]:
            assert post(capture.url, item).status_code == 200
            acknowledged.append(item.body)
    result = load_log(log)
    assert result.rejected.empty
    assert list(result.deliveries["body"]) == acknowledged  # nothing refused was kept


def test_failing_fsync_is_answered_503_and_the_receiver_stays_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync
    failing = [True]

    def fsync(fd: int) -> None:
        if failing[0]:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_fsync(fd)

    items = list(deliveries(6, seed=4))
    log = tmp_path / "log.jsonl"
    with CaptureServer(str(log), fsync=True) as capture:
        assert post(capture.url, items[0]).status_code == 200
        monkeypatch.setattr(os, "fsync", fsync)
        for item in items[1:3]:
            response = post(capture.url, item)
            assert response.status_code == 503
            assert "Input/output error" in response.text
        assert requests.get(f"{capture.url}/healthz", timeout=10).status_code == 503
        failing[0] = False
        for item in items[3:]:
            assert post(capture.url, item).status_code == 200
        assert requests.get(f"{capture.url}/healthz", timeout=10).text == "ok"
    assert_acknowledged_load_back(log, [items[0].body, *(i.body for i in items[3:])])


def test_a_deleted_or_replaced_log_is_opened_again(tmp_path: Path) -> None:
    items = list(deliveries(6, seed=5))
    log = tmp_path / "log.jsonl"
    with CaptureServer(str(log)) as capture:
        for item in items[:2]:
            assert post(capture.url, item).status_code == 200
        log.unlink()
        assert requests.get(f"{capture.url}/healthz", timeout=10).text == "ok"
        for item in items[2:4]:
            assert post(capture.url, item).status_code == 200
        log.rename(tmp_path / "moved-away.jsonl")
        log.write_bytes(b"")
        for item in items[4:]:
            assert post(capture.url, item).status_code == 200
    assert list(load_log(tmp_path / "moved-away.jsonl").deliveries["body"]) == [
        i.body for i in items[2:4]
    ]
    assert list(load_log(log).deliveries["body"]) == [i.body for i in items[4:]]


def test_capture_logs_are_owner_only(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.jsonl"
    with CaptureServer(str(fresh)) as capture:
        assert post(capture.url, next(deliveries(1))).status_code == 200
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    shared = tmp_path / "shared.jsonl"
    shared.write_bytes(b"")
    shared.chmod(0o644)
    CaptureLog(shared).open()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o600


def test_a_log_path_that_is_not_a_file_fails_by_name(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a directory"):
        CaptureServer(str(tmp_path)).start()
    with pytest.raises(UsageError, match="not a regular file"):
        CaptureLog("/dev/full").open()


def _raw_request(url: str, head: bytes, body: bytes) -> tuple[int, bytes]:
    """Send bytes exactly as given (headers no client library would send) and read the answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1]), answer


def test_the_receiver_stores_any_header_value(tmp_path: Path) -> None:
    item = next(deliveries(1))
    log = tmp_path / "log.jsonl"
    odd = [b"\xb2", b"9" * 5000]
    with CaptureServer(str(log)) as capture:
        for value in odd:
            head = b"POST /h HTTP/1.1\r\nHost: x\r\nX-Webhook-Attempt: " + value + b"\r\n"
            status, _ = _raw_request(capture.url, head, item.body)
            assert status == 200
    lines = log.read_bytes().splitlines()
    assert len(lines) == 2
    stored = [orjson.loads(line)["headers"]["x-webhook-attempt"] for line in lines]
    assert stored == ["\u00b2", "9" * 5000]  # header bytes are kept as Latin-1 text
    assert [orjson.loads(line)["body"].encode() for line in lines] == [item.body, item.body]


def test_two_signature_headers_get_the_offline_verdict(tmp_path: Path) -> None:
    item = next(deliveries(1))
    signature = item.headers["x-signature"].encode()
    log = tmp_path / "log.jsonl"
    with CaptureServer(str(log), CaptureSettings(RING)) as capture:
        for repeated in (1, 2):
            head = (
                b"POST /h HTTP/1.1\r\nHost: x\r\n" + b"X-Signature: %s\r\n" % signature * repeated
            )
            status, _ = _raw_request(capture.url, head, item.body)
            assert status == 200
    on_arrival = [orjson.loads(line)["verdict"] for line in log.read_bytes().splitlines()]
    offline = list(verify_deliveries(load_log(log).deliveries, RING)["reason"].astype(str))
    assert on_arrival == offline == ["ok", "malformed_signature"]


def test_oversized_headers_get_431(tmp_path: Path) -> None:
    with CaptureServer(str(tmp_path / "log.jsonl")) as capture:
        long_value = requests.post(f"{capture.url}/h", headers={"X-Long": "y" * 9000}, data=b"{}")
        many = requests.post(
            f"{capture.url}/h", headers={f"X-H{n}": "v" for n in range(200)}, data=b"{}"
        )
        assert (long_value.status_code, many.status_code) == (431, 431)
        assert requests.get(f"{capture.url}/healthz").text == "ok"
    assert load_log(tmp_path / "log.jsonl").deliveries.empty


def _slow_clients(port: int, count: int) -> list[socket.socket]:
    """Connections that send half a request head and then nothing."""
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"POST /h HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        sockets.append(sock)
    return sockets


@pytest.mark.timeout(60)
def test_slowloris_cannot_starve_deliveries_or_healthz(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    port = free_port()
    process = start_receiver(log, port, open_files=256)  # room for about 220 connections
    slow: list[socket.socket] = []
    try:
        slow = _slow_clients(port, 400)
        item = next(deliveries(1))
        assert post(f"http://127.0.0.1:{port}", item, timeout=10).status_code == 200
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).text == "ok"
        slow += _slow_clients(port, 100)
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).text == "ok"
    finally:
        for sock in slow:
            sock.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert_acknowledged_load_back(log, [item.body])


@pytest.mark.timeout(60)
def test_read_deadline_closes_slow_headers_and_slow_bodies(tmp_path: Path) -> None:
    with CaptureServer(str(tmp_path / "log.jsonl"), CaptureSettings(read_timeout=0.5)) as capture:
        port = int(capture.url.rsplit(":", 1)[1])
        (slow_head,) = _slow_clients(port, 1)
        assert slow_head.recv(1024) == b""  # closed by the receiver, no request was read
        slow_body = socket.create_connection(("127.0.0.1", port), timeout=10)
        slow_body.sendall(b"POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        answer = slow_body.recv(1024)
        assert answer.startswith(b"HTTP/1.1 408")
        slow_head.close()
        slow_body.close()
    assert load_log(tmp_path / "log.jsonl").deliveries.empty


def test_open_file_limit_is_raised_to_the_hard_limit() -> None:
    code = (
        "import resource\n"
        "from streamhook_nb.capture.limits import raise_open_file_limit\n"
        "print(raise_open_file_limit(), resource.getrlimit(resource.RLIMIT_NOFILE)[0])\n"
    )

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (200, 400))

    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=limit,
    )
    assert done.stdout.split() == ["400", "400"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--out", "{tmp}"], "is a directory"),
        (["--out", "{tmp}/file.txt/log.jsonl"], "cannot write the capture log"),
        (["--out", "/dev/full"], "not a regular file"),
        (["--out", "{tmp}/log.jsonl", "--max-body", "0"], "--max-body must be a positive"),
        (["--out", "{tmp}/log.jsonl", "--max-body", "-5"], "--max-body must be a positive"),
        (["--out", "{tmp}/log.jsonl", "--max-body", "12582912"], "--max-body may be at most"),
        (["--out", "{tmp}/log.jsonl", "--read-timeout", "0"], "--read-timeout must be"),
    ],
)
def test_usage_errors_are_one_line(tmp_path: Path, options: list[str], message: str) -> None:
    (tmp_path / "file.txt").write_text("not a folder")
    args = [o.replace("{tmp}", str(tmp_path)) for o in options]
    done = run_cli("capture", "--port", "0", *args, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_a_port_in_use_is_a_usage_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli(
            "capture", "--port", str(port), "--out", str(tmp_path / "l.jsonl"), timeout=60
        )
    assert done.returncode == 2
    assert "cannot listen" in done.stderr
    assert "Traceback" not in done.stderr


def test_http_client_can_still_talk_keep_alive(tmp_path: Path) -> None:
    """The read deadline does not break ordinary keep-alive use."""
    items = list(deliveries(3, seed=8))
    with CaptureServer(str(tmp_path / "log.jsonl")) as capture:
        host, port = capture.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        for item in items:
            connection.request("POST", "/h", body=item.body, headers=item.headers)
            assert connection.getresponse().read() == b"ok"
        connection.close()
    assert list(load_log(tmp_path / "log.jsonl").deliveries["body"]) == [i.body for i in items]


def test_a_body_of_control_characters_is_logged_as_base64_and_loads_back(tmp_path: Path) -> None:
    """Escaped, each control character takes six bytes: 3 MiB of them (under the 8 MiB limit)
    made an 18 MiB line, answered 200 and then rejected by every loader."""
    body = b"\x01" * (3 * 1024 * 1024)
    sample = next(deliveries(1))
    signed = dataclasses.replace(
        sample, body=body, headers={**sample.headers, "x-signature": sign(body, DEMO_SECRET)}
    )
    with CaptureServer(str(tmp_path / "log.jsonl"), CaptureSettings(RING)) as capture:
        assert post(capture.url, signed).status_code == 200
        assert post(capture.url, next(deliveries(1))).status_code == 200
        capture.stop()
    lines = capture.log.path.read_bytes().splitlines()
    assert b'"body_b64":' in lines[0]
    assert b'"body":' in lines[1]  # text kept where it fits
    result = load_log(capture.log.path)
    assert result.rejected.empty
    assert result.deliveries["body"].iloc[0] == body
    assert (verify_deliveries(result.deliveries, RING)["reason"] == "ok").all()


def test_a_request_too_large_for_a_log_line_gets_413_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamhook_nb.capture import server

    monkeypatch.setattr(server, "MAX_LINE_BYTES", 2000)  # what a log line may hold, made small
    with CaptureServer(str(tmp_path / "log.jsonl"), CaptureSettings()) as capture:
        refused = requests.post(f"{capture.url}/h", data=b"x" * 3000, timeout=10)
        assert refused.status_code == 413
        assert "as a log record" in refused.text
        assert requests.post(f"{capture.url}/h", data=b"{}", timeout=10).status_code == 200
        assert requests.get(f"{capture.url}/healthz", timeout=10).text == "ok"
        capture.stop()
    assert len(load_log(capture.log.path).deliveries) == 1


def test_a_body_limit_above_what_a_log_line_holds_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="body_limit= may be at most 11,534,336 bytes"):
        CaptureSettings(body_limit=12 * 1024 * 1024)
