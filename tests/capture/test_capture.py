"""The capture receiver: exact bytes, refusals, verdicts, rotation, torn tails, clean stops."""

from __future__ import annotations

import gzip
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from helpers import free_port, start_receiver

from streamhook_nb import Keyring, Secret, load_log, verify_deliveries
from streamhook_nb.capture.log import CaptureLog
from streamhook_nb.capture.server import CaptureServer, CaptureSettings
from streamhook_nb.load.deliveries import header_dicts
from streamhook_nb.samples.webhooks import DEMO_SECRET, deliveries

RING = Keyring((Secret(DEMO_SECRET, "S"),))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[CaptureServer]:
    with CaptureServer(
        str(tmp_path / "log.jsonl"),
        CaptureSettings(RING, reject_invalid=True, body_limit=64 * 1024),
    ) as capture:
        yield capture


def test_deliveries_are_logged_byte_exact_and_verify(server: CaptureServer) -> None:
    items = list(deliveries(6))
    items.append(items[0])
    session = requests.Session()
    zipped = gzip.compress(items[1].body)
    for item in items:
        assert (
            session.post(
                f"{server.url}/webhooks/stream", data=item.body, headers=item.headers
            ).status_code
            == 200
        )
    gz_headers = {
        **items[1].headers,
        "Content-Encoding": "gzip",
        "Content-Length": str(len(zipped)),
    }
    assert (
        session.post(f"{server.url}/any/path?x=1", data=zipped, headers=gz_headers).status_code
        == 200
    )
    server.stop()
    frame = load_log(server.log.path).deliveries
    assert list(frame["body"]) == [i.body for i in items] + [zipped]
    assert frame["path"].iloc[-1] == "/any/path?x=1"
    assert frame["content_encoding"].iloc[-1] == "gzip"
    assert (verify_deliveries(frame, RING)["reason"] == "ok").all()
    assert frame["response_status"].eq(200).all()
    assert header_dicts(frame["headers"])[0]["x-webhook-id"] == items[0].headers["x-webhook-id"]


def test_bad_signature_gets_401_and_is_still_logged(server: CaptureServer) -> None:
    item = next(deliveries(1))
    forged = {**item.headers, "x-signature": "0" * 64}
    assert requests.post(f"{server.url}/h", data=item.body, headers=forged).status_code == 401
    assert requests.post(f"{server.url}/h", data=item.body, headers={}).status_code == 401
    server.stop()
    frame = load_log(server.log.path).deliveries
    assert len(frame) == 2
    assert list(frame["response_status"]) == [401, 401]
    lines = server.log.path.read_text().splitlines()
    assert '"verdict":"signature_mismatch"' in lines[0]
    assert '"verdict":"missing_signature"' in lines[1]


def test_refusals_and_health(server: CaptureServer) -> None:
    assert requests.get(f"{server.url}/healthz").text == "ok"
    assert requests.get(f"{server.url}/webhooks/stream").status_code == 405
    assert requests.put(f"{server.url}/webhooks/stream", data=b"{}").status_code == 405
    assert requests.post(f"{server.url}/h", data=b"x" * (65 * 1024)).status_code == 413
    assert (
        requests.post(f"{server.url}/h", headers={"X-Long": "y" * 9000}, data=b"{}").status_code
        == 431
    )
    assert requests.get(f"{server.url}/healthz").status_code == 200  # still up
    server.stop()
    assert load_log(server.log.path).deliveries.empty


def test_only_the_configured_path(tmp_path: Path) -> None:
    settings = CaptureSettings(path="/webhooks/stream")
    with CaptureServer(str(tmp_path / "log.jsonl"), settings) as capture:
        assert requests.post(f"{capture.url}/other", data=b"{}").status_code == 404
        assert requests.get(f"{capture.url}/webhooks/stream").status_code == 405
        assert requests.post(f"{capture.url}/webhooks/stream", data=b"{}").status_code == 200


def test_rotation_by_size(tmp_path: Path) -> None:
    log = CaptureLog(tmp_path / "log.jsonl", rotate_bytes=1000)
    for n in range(10):
        log.write(b'{"n":%d,"pad":"%s"}\n' % (n, b"x" * 300))
    log.close()
    files = sorted(tmp_path.glob("log*.jsonl"))
    assert len(files) >= 3
    assert all(f.stat().st_size <= 1000 for f in files)
    numbers = [line for f in files for line in f.read_bytes().splitlines()]
    assert len(numbers) == 10


def test_torn_last_line_does_not_swallow_the_next_record(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    item = next(deliveries(1))
    import orjson

    from streamhook_nb.samples.webhooks import SampleDelivery  # noqa: F401 - shape reference

    good = orjson.dumps(item.capture_record()) + b"\n"
    path.write_bytes(good + good[:50])  # the writer died mid-record
    log = CaptureLog(path)
    log.write(good)
    log.close()
    result = load_log(path)
    assert len(result.deliveries) == 2
    assert len(result.rejected) == 1
    assert result.rejected["source"].iloc[0].endswith(":2")


def test_fsync_mode_groups_commits(tmp_path: Path) -> None:
    with CaptureServer(str(tmp_path / "log.jsonl"), fsync=True) as capture:
        session = requests.Session()
        for item in deliveries(5):
            assert (
                session.post(f"{capture.url}/h", data=item.body, headers=item.headers).status_code
                == 200
            )
    assert len(load_log(tmp_path / "log.jsonl").deliveries) == 5


def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    process = start_receiver(tmp_path / "log.jsonl", port)
    item = next(deliveries(1))
    assert requests.post(f"http://127.0.0.1:{port}/h", data=item.body, headers=item.headers).ok
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert len(load_log(tmp_path / "log.jsonl").deliveries) == 1


@pytest.mark.timeout(120)
def test_kill_9_under_load_loses_nothing_that_got_a_200(tmp_path: Path) -> None:
    import threading

    log = tmp_path / "log.jsonl"
    port = free_port()
    process = start_receiver(log, port)
    items = list(deliveries(3000, seed=9))
    acknowledged: list[bytes] = []
    lock = threading.Lock()
    cursor = iter(items)

    def client() -> None:
        session = requests.Session()
        for item in cursor:
            try:
                response = session.post(
                    f"http://127.0.0.1:{port}/h", data=item.body, headers=item.headers, timeout=5
                )
            except requests.RequestException:
                continue
            if response.status_code == 200:
                with lock:
                    acknowledged.append(item.body)

    workers = [threading.Thread(target=client) for _ in range(8)]
    for worker in workers:
        worker.start()
    time.sleep(1.0)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    time.sleep(0.2)
    process = start_receiver(log, port)  # restart on the same log; the clients carry on
    for worker in workers:
        worker.join(timeout=60)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    result = load_log(log)
    logged = set(result.deliveries["body"])
    assert len(acknowledged) > 100
    assert set(acknowledged) <= logged
    assert len(result.rejected) <= 1
    verified = verify_deliveries(result.deliveries, RING)
    assert (verified["reason"] == "ok").all()


def test_live_counts_headless(tmp_path: Path) -> None:
    from streamhook_nb.widgets.live_counts import LiveCountsView, counts_by_type

    log = tmp_path / "live.jsonl"
    assert counts_by_type(log).empty  # nothing written yet
    with CaptureServer(str(log)) as capture:
        view = LiveCountsView(log, RING)
        assert view.status.value == "0 deliveries so far"
        for item in deliveries(4):
            requests.post(f"{capture.url}/h", data=item.body, headers=item.headers)
        view.refresh_button.click()
        assert view.status.value == "4 deliveries so far"
        assert counts_by_type(log, RING)["valid"].sum() == 4


def test_daily_rotation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamhook_nb.capture import log as capture_log

    day = ["2026-11-26"]
    monkeypatch.setattr(capture_log, "_today", lambda: day[0])
    log = CaptureLog(tmp_path / "log.jsonl", rotate_daily=True)
    log.write(b'{"n":1}\n')
    log.write(b'{"n":2}\n')
    day[0] = "2026-11-27"
    log.write(b'{"n":3}\n')
    log.close()
    files = sorted(tmp_path.glob("log*.jsonl"))
    assert len(files) == 2
    assert (tmp_path / "log.jsonl").read_bytes() == b'{"n":3}\n'
    rotated = next(f for f in files if f.name != "log.jsonl")
    assert rotated.read_bytes() == b'{"n":1}\n{"n":2}\n'
