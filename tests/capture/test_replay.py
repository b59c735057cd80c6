"""Replay: exact bytes arrive at a second receiver; filters, rate limit, re-signing, dry run."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from helpers import record_line, run_cli

from streamhook_nb import Keyring, Secret, events_frame, load_log, verify_deliveries
from streamhook_nb.capture.replay import (
    IN_FLIGHT,
    ReplayInterrupted,
    Selection,
    replay,
    replay_headers,
)
from streamhook_nb.capture.server import CaptureServer
from streamhook_nb.cli.main import main
from streamhook_nb.load.deliveries import header_dicts
from streamhook_nb.samples.webhooks import DEMO_SECRET

STAGING_SECRET = "staging-secret-for-the-replay-test-only"
TOOL_FILES = Path(__file__).parent.parent / "load" / "tool_files"


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[CaptureServer]:
    with CaptureServer(str(tmp_path / "second.jsonl")) as capture:
        yield capture


@pytest.fixture
def source(data_dir: Path) -> pd.DataFrame:
    return load_log(data_dir / "capture" / "stream-2026-11-26.jsonl").deliveries


def test_exact_bytes_and_headers_arrive(source: pd.DataFrame, receiver: CaptureServer) -> None:
    results = replay(source, f"{receiver.url}/webhooks/stream")
    assert results["status"].eq(200).all()
    receiver.stop()
    arrived = load_log(receiver.log.path).deliveries
    assert list(arrived["body"]) == list(source["body"])
    assert list(arrived["signature"]) == list(source["signature"])
    assert list(arrived["webhook_id"]) == list(source["webhook_id"])
    verdicts = verify_deliveries(arrived, Keyring((Secret(DEMO_SECRET, "S"),)))["reason"]
    original = verify_deliveries(source, Keyring((Secret(DEMO_SECRET, "S"),)))["reason"]
    assert list(verdicts) == list(original)


def test_filters_by_type_and_time(source: pd.DataFrame) -> None:
    kinds = events_frame(source)["event_type"].astype(str)
    chosen = Selection(types=("message.new", "reaction.new")).apply(source)
    assert len(chosen) == int(kinds.isin(["message.new", "reaction.new"]).sum())
    since, until = pd.Timestamp("2026-11-26T00:30Z"), pd.Timestamp("2026-11-26T01:00Z")
    window = Selection(since=since, until=until).apply(source)
    assert window["received_at"].between(since, until, inclusive="left").all()
    assert len(window) == int(source["received_at"].between(since, until, inclusive="left").sum())


def test_queue_and_bodyless_deliveries_are_not_replayed(data_dir: Path) -> None:
    frame = load_log([data_dir / "sqs", data_dir / "har"]).deliveries
    chosen = Selection().apply(frame)
    assert set(chosen["transport"]) == {"http"}
    assert chosen["body"].notna().all()
    assert len(chosen) == 8


def test_rate_limit(source: pd.DataFrame, receiver: CaptureServer) -> None:
    clock = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    replay(source.head(5), f"{receiver.url}/h", rate=2, clock=lambda: clock[0], sleep=sleep)
    assert waits == pytest.approx([0.5, 0.5, 0.5, 0.5], abs=0.01)


def test_rate_limit_in_real_time(source: pd.DataFrame, receiver: CaptureServer) -> None:
    import time

    started = time.monotonic()
    replay(source.head(6), f"{receiver.url}/h", rate=10)
    assert time.monotonic() - started >= 0.45


def test_dry_run_sends_nothing(source: pd.DataFrame, receiver: CaptureServer) -> None:
    results = replay(source.head(3), f"{receiver.url}/h", dry_run=True)
    assert results["status"].isna().all()
    assert set(results["error"]) == {"dry run: not sent"}
    receiver.stop()
    assert not receiver.log.path.exists() or receiver.log.path.stat().st_size == 0


def test_resigning_for_a_staging_app(source: pd.DataFrame, receiver: CaptureServer) -> None:
    replay(source.head(4), f"{receiver.url}/h", resign=Secret(STAGING_SECRET, "STAGING"))
    receiver.stop()
    arrived = load_log(receiver.log.path).deliveries
    verdicts = verify_deliveries(arrived, Keyring((Secret(STAGING_SECRET, "STAGING"),)))
    assert (verdicts["reason"] == "ok").all()


def test_hop_by_hop_headers_are_dropped() -> None:
    headers = {
        "host": "a",
        "content-length": "3",
        "connection": "close",
        "x-signature": "s",
        "x-many": ["1", "2"],
    }
    assert replay_headers(headers, b"abc", None) == [
        ("x-signature", "s"),
        ("x-many", "1"),
        ("x-many", "2"),
    ]


def test_unreachable_target_is_a_result_not_a_crash(source: pd.DataFrame) -> None:
    results = replay(source.head(2), "http://127.0.0.1:9/h")
    assert results["status"].isna().all()
    assert set(results["error"]) == {
        "connection refused: nothing listens at that address. Start the receiver there, or "
        "correct the host or port in the URL"
    }


def test_cli(tmp_path: Path, receiver: CaptureServer, data_dir: Path) -> None:
    env = {**os.environ, "STAGING": STAGING_SECRET}
    args = ["replay", str(data_dir / "ngrok"), "--to", f"{receiver.url}/h"]
    refused = run_cli(*args, env=env)
    assert refused.returncode == 2
    assert "pass --yes" in refused.stderr
    dry = run_cli(*args, "--dry-run", env=env)
    assert dry.returncode == 0
    assert "dry run: 5 deliveries would be sent" in dry.stdout
    sent = run_cli(
        *args, "--yes", "--type", "message.new", "--resign-secret-env", "STAGING", env=env
    )
    assert sent.returncode == 0, sent.stderr
    receiver.stop()
    arrived = load_log(receiver.log.path).deliveries
    assert len(arrived) == int(
        (events_frame(load_log(data_dir / "ngrok").deliveries)["event_type"] == "message.new").sum()
    )
    bad = run_cli(*args, "--since", "yesterday-ish", "--dry-run")
    assert bad.returncode == 2


def test_dry_run_and_url_errors_never_show_credentials(data_dir: Path) -> None:
    password, token = "hunter2-pw", "s3cr3t-token"
    shown = ""
    for to in (
        f"http://me:{password}@127.0.0.1:9/h?token={token}",
        f"ftp://me:{password}@127.0.0.1/h?token={token}",
    ):
        done = run_cli("replay", str(data_dir / "ngrok"), "--to", to, "--dry-run")
        shown += done.stdout + done.stderr
    assert "dry run: 5 deliveries would be sent to http://***@127.0.0.1:9/h?token=***" in shown
    assert "is not a valid webhook URL" in shown
    assert password not in shown
    assert token not in shown


def test_only_the_deliverys_own_headers_are_sent(
    source: pd.DataFrame, receiver: CaptureServer
) -> None:
    """No header of the HTTP client's own (User-Agent, Accept, Accept-Encoding, Connection)
    is added: the second receiver sees the original headers, a new Host and Content-Length."""
    original = source.head(3)
    assert replay(original, f"{receiver.url}/webhooks/stream")["status"].eq(200).all()
    receiver.stop()
    arrived = load_log(receiver.log.path).deliveries
    pairs = zip(header_dicts(original["headers"]), header_dicts(arrived["headers"]), strict=True)
    for sent, got in pairs:
        assert set(got) - {"host", "content-length"} == set(sent) - {"host", "content-length"}
        assert {k: v for k, v in got.items() if k in sent and k != "host"} == {
            k: v for k, v in sent.items() if k != "host"
        }


class _InterruptedOnCall(requests.Session):
    """A session whose request number ``at`` is interrupted (Ctrl-C) while on the wire."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at, self.calls = at, 0

    def send(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return super().send(*args, **kwargs)


def test_ctrl_c_keeps_the_rows_so_far_and_flags_the_one_on_the_wire(
    source: pd.DataFrame, receiver: CaptureServer
) -> None:
    with pytest.raises(ReplayInterrupted) as caught:
        replay(source, f"{receiver.url}/h", session=_InterruptedOnCall(3))
    assert caught.value.total == len(source)
    rows = caught.value.results
    assert list(rows["status"].iloc[:2]) == [200, 200]
    assert rows["status"].iloc[2] is pd.NA
    assert rows["error"].iloc[2] == IN_FLIGHT
    assert list(rows["source"]) == list(source["source"].iloc[:3])


def test_ctrl_c_while_waiting_for_the_rate_flags_nothing(
    source: pd.DataFrame, receiver: CaptureServer
) -> None:
    def interrupted(_: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(ReplayInterrupted) as caught:
        replay(source, f"{receiver.url}/h", rate=0.001, sleep=interrupted)
    assert list(caught.value.results["status"]) == [200]  # the second waited, never sent


def test_ctrl_c_at_the_command_line_prints_what_was_sent(
    data_dir: Path, receiver: CaptureServer, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    calls = []
    real_send = requests.Session.send

    def send(self: requests.Session, *args: Any, **kwargs: Any) -> requests.Response:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "send", send)
    code = main(["replay", str(data_dir / "ngrok"), "--to", f"{receiver.url}/h", "--yes"])
    assert code == 130
    out, err = capsys.readouterr()
    assert IN_FLIGHT in out
    assert "interrupted: 2 of 5 deliveries were handled (1 got a 2xx)" in err
    assert "Traceback" not in err


def _log_of(path: Path, records: list[dict[str, Any]]) -> pd.DataFrame:
    path.write_bytes(b"".join(record_line(record) for record in records))
    return load_log(path).deliveries


def test_a_repeated_header_arrives_repeated(tmp_path: Path, receiver: CaptureServer) -> None:
    headers = {"x-signature": "ab" * 32, "x-forwarded-for": ["10.0.0.1", "10.0.0.2"]}
    record = {"received_at": None, "method": "POST", "path": "/h", "headers": headers}
    source = _log_of(tmp_path / "repeated.jsonl", [{**record, "body": '{"type":"x"}'}])
    assert replay(source, f"{receiver.url}/h")["status"].tolist() == [200]
    receiver.stop()
    (arrived,) = header_dicts(load_log(receiver.log.path).deliveries["headers"])
    assert arrived["x-forwarded-for"] == ["10.0.0.1", "10.0.0.2"]  # two lines, not "a, b"


@pytest.mark.parametrize("fidelity", ["truncated", "reconstructed"])
def test_a_body_not_as_delivered_is_not_sent(
    tmp_path: Path, receiver: CaptureServer, fidelity: str
) -> None:
    record = {"received_at": None, "method": "POST", "path": "/h", "headers": {}, "body": "{}"}
    source = _log_of(tmp_path / "cut.jsonl", [{**record, "fidelity": fidelity}, record])
    results = replay(source, f"{receiver.url}/h")
    assert results["status"].tolist() == [pd.NA, 200]
    assert (
        f"not sent: the capture did not keep the bytes Stream sent (fidelity {fidelity})"
        in (results["error"].iloc[0])
    )
    receiver.stop()
    assert load_log(receiver.log.path).deliveries["source"].str.endswith(":1").tolist() == [True]
    planned = replay(source, f"{receiver.url}/h", dry_run=True)["error"].tolist()
    assert planned == [results["error"].iloc[0], "dry run: not sent"]


def test_a_body_a_tool_inflated_goes_out_gzip_again(receiver: CaptureServer) -> None:
    # mitmproxy's HAR keeps "Content-Encoding: gzip" over the body it inflated (fidelity decoded)
    source = load_log(TOOL_FILES / "mitmproxy.har").deliveries
    source = source[source["fidelity"] == "decoded"].reset_index(drop=True)
    (inflated,) = source["body"]
    assert not inflated.startswith(b"\x1f\x8b")
    assert replay(source, f"{receiver.url}/h")["status"].tolist() == [200]
    receiver.stop()
    arrived = load_log(receiver.log.path).deliveries
    (body,) = arrived["body"]
    assert gzip.decompress(body) == inflated  # what Stream sent: gzip over the signed bytes
    verdicts = verify_deliveries(arrived, Keyring((Secret(DEMO_SECRET, "S"),)))
    assert verdicts["reason"].tolist() == ["ok"]


def test_queue_messages_and_bodiless_deliveries_are_never_posted(
    receiver: CaptureServer, data_dir: Path
) -> None:
    """The Python API took every row: a delivery without a body raised TypeError (even in a
    dry run), and an SQS message would have been POSTed as if Stream had sent it."""
    source = load_log([data_dir / "har" / "devtools-export.har", data_dir / "sqs"]).deliveries
    planned = replay(source, f"{receiver.url}/h", dry_run=True)
    errors = planned["error"].tolist()
    assert errors[8] == "not sent: the capture kept no body"
    assert pd.isna(planned["bytes"].iloc[8])
    assert all(e.startswith("not sent: delivered over S") for e in errors[9:])
    results = replay(source, f"{receiver.url}/h")
    assert results["status"].notna().sum() == 7  # the HAR's whole bodies, nothing else
    receiver.stop()
    assert len(load_log(receiver.log.path).deliveries) == 7
