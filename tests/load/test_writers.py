"""Every format converts to capture JSONL and HAR and back with the bytes unchanged."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from streamhook_nb import load_log, to_capture_jsonl, to_har

SAMPLES = ["capture", "har", "ngrok", "raw-http", "sqs", "sns"]
KEPT = [
    "body",
    "headers",
    "transport",
    "fidelity",
    "signature",
    "webhook_id",
    "attempt",
    "received_at",
]


@pytest.mark.parametrize("sample", SAMPLES)
def test_round_trip_through_capture_jsonl(data_dir: Path, tmp_path: Path, sample: str) -> None:
    original = load_log(data_dir / sample).deliveries
    target = tmp_path / "converted.jsonl"
    assert to_capture_jsonl(original, target) == len(original)
    again = load_log(target).deliveries
    for column in KEPT:
        assert again[column].tolist() == original[column].tolist(), column


@pytest.mark.parametrize("sample", SAMPLES)
def test_round_trip_through_har(data_dir: Path, tmp_path: Path, sample: str) -> None:
    original = load_log(data_dir / sample).deliveries
    target = tmp_path / "converted.har"
    to_har(original, target)
    again = load_log(target).deliveries
    assert again["body"].tolist() == original["body"].tolist()
    assert again["signature"].tolist() == original["signature"].tolist()


def test_har_is_valid_har_1_2(data_dir: Path) -> None:
    buffer = io.BytesIO()
    to_har(load_log(data_dir / "capture" / "stream-2026-11-26.jsonl").deliveries, buffer)
    log = orjson.loads(buffer.getvalue())["log"]
    assert log["version"] == "1.2"
    assert log["creator"]["name"] == "streamhook-nb"
    entry = log["entries"][0]
    for key in ("startedDateTime", "time", "request", "response", "cache", "timings"):
        assert key in entry
    for key in (
        "method",
        "url",
        "httpVersion",
        "cookies",
        "headers",
        "queryString",
        "headersSize",
        "bodySize",
    ):
        assert key in entry["request"]
    assert entry["request"]["url"] == "http://hooks.example.com/webhooks/stream"


def test_writer_leaves_a_borrowed_stream_open(data_dir: Path) -> None:
    buffer = io.BytesIO()
    to_capture_jsonl(load_log(data_dir / "har").deliveries, buffer)
    assert not buffer.closed
    assert buffer.getvalue().count(b"\n") == 9


@pytest.mark.parametrize("sample", SAMPLES)
def test_har_round_trip_keeps_transport_fidelity_and_every_verdict(
    data_dir: Path, tmp_path: Path, sample: str
) -> None:
    from streamhook_nb import verify_deliveries
    from streamhook_nb.verify.secrets import keyring

    ring = keyring(secrets_file=data_dir / "demo-secrets.toml")
    original = load_log(data_dir / sample).deliveries
    target = tmp_path / "converted.har"
    to_har(original, target)
    again = load_log(target).deliveries
    assert again["transport"].tolist() == original["transport"].tolist()
    assert again["fidelity"].tolist() == original["fidelity"].tolist()
    before, after = verify_deliveries(original, ring), verify_deliveries(again, ring)
    assert after["reason"].tolist() == before["reason"].tolist()


def test_har_entries_carry_custom_transport_and_fidelity_fields(data_dir: Path) -> None:
    buffer = io.BytesIO()
    to_har(load_log(data_dir / "sqs").deliveries, buffer)
    entries = orjson.loads(buffer.getvalue())["log"]["entries"]
    assert {e["_transport"] for e in entries} == {"sqs", "sns"}
    assert all(e["_fidelity"] in ("exact", "decoded") for e in entries)


def test_sns_over_http_survives_both_conversions(tmp_path: Path) -> None:
    envelope = orjson.dumps({"Type": "Notification", "MessageId": "m", "Message": '{"type":"x"}'})
    raw = (
        b"POST /sns HTTP/1.1\r\nx-amz-sns-message-type: Notification\r\n"
        b"Content-Length: " + str(len(envelope)).encode() + b"\r\n\r\n" + envelope
    )
    source = tmp_path / "sns.http"
    source.write_bytes(raw)
    original = load_log(source).deliveries
    assert (original["transport"].iloc[0], original["body"].iloc[0]) == ("sns", b'{"type":"x"}')
    to_har(original, tmp_path / "sns.har")
    to_capture_jsonl(original, tmp_path / "sns.jsonl")
    for converted in ("sns.har", "sns.jsonl"):
        again = load_log(tmp_path / converted).deliveries
        assert again["transport"].tolist() == ["sns"], converted
        assert again["body"].tolist() == [b'{"type":"x"}'], converted
