"""An SNS notification that our receiver (or any capture tool) recorded as an HTTP POST is an
SNS delivery: transport ``sns``, its message as the body, unsigned; a subscription
confirmation is no delivery; a damaged envelope is rejected by line."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from streamhook_nb import load_log
from streamhook_nb.pipeline.verify_logs import verify_sources
from streamhook_nb.samples.webhooks import DEMO_SECRET, deliveries
from streamhook_nb.verify.secrets import Keyring, Secret

MESSAGE = json.dumps({"type": "message.new", "cid": "messaging:general"})


def _sns(kind: str, body: str, second: int) -> bytes:
    return orjson.dumps(
        {
            "received_at": f"2026-11-26T10:00:{second:02d}Z",
            "method": "POST",
            "path": "/sns",
            "headers": {"x-amz-sns-message-type": kind, "content-type": "text/plain"},
            "body": body,
        }
    )


def test_sns_posts_in_a_capture_log_are_sns_deliveries(tmp_path: Path) -> None:
    envelope = json.dumps(
        {"Type": "Notification", "Message": MESSAGE, "Timestamp": "2026-11-26T09:59:59.000Z"}
    )
    stream = [orjson.dumps(d.capture_record()) for d in deliveries(600, seed=4)]
    lines = [*stream[:300], _sns("Notification", envelope, 1), *stream[300:]]
    lines += [_sns("SubscriptionConfirmation", "{}", 2), _sns("Notification", "not json", 3)]
    log = tmp_path / "capture.jsonl"
    log.write_bytes(b"\n".join(lines) + b"\n")
    loaded = load_log(log)
    sns = loaded.deliveries[loaded.deliveries["transport"] == "sns"]
    assert list(sns["source"]) == [f"{log}:301"]
    assert sns["body"].iloc[0] == MESSAGE.encode()
    assert len(loaded.deliveries) == 601
    assert loaded.skipped == 1
    assert list(loaded.rejected["source"]) == [f"{log}:603"]
    assert "not a JSON envelope" in loaded.rejected["reason"][0]
    ring = Keyring((Secret(DEMO_SECRET, "DEMO"),))
    for workers in (1, 2):
        report = verify_sources(log, ring, workers=workers)
        assert report.reasons["unsigned"] == 1
        assert report.deliveries == 601
        assert report.skipped == 1
        assert [r.source for r in report.rejected] == [f"{log}:603"]


def test_a_recorded_transport_is_kept(tmp_path: Path) -> None:
    record = orjson.loads(_sns("Notification", "{}", 1))
    record["transport"] = "http"
    log = tmp_path / "capture.jsonl"
    log.write_bytes(orjson.dumps(record) + b"\n")
    assert list(load_log(log).deliveries["transport"]) == ["http"]


def test_an_http_delivery_with_the_sns_header_stays_http_when_written_again(
    tmp_path: Path,
) -> None:
    from streamhook_nb import to_capture_jsonl

    record = orjson.loads(_sns("Notification", "{}", 1))
    record["transport"] = "http"
    log = tmp_path / "capture.jsonl"
    log.write_bytes(orjson.dumps(record) + b"\n")
    first = load_log(log).deliveries
    again = tmp_path / "again.jsonl"
    to_capture_jsonl(first, again)
    second = load_log(again).deliveries
    assert list(second["transport"]) == ["http"]
    assert list(second["body"]) == list(first["body"]) == [b"{}"]
    record["transport"] = None  # as if not recorded
    log.write_bytes(orjson.dumps(record) + b"\n")
    assert list(load_log(log).rejected["reason"]) == [
        "not an SNS notification (field 'Type' must be 'Notification')"
    ]


def test_any_spelling_of_a_notification_and_a_gzip_envelope_are_read(tmp_path: Path) -> None:
    import base64
    import gzip

    envelope = json.dumps({"Type": "Notification", "Message": MESSAGE})
    records = [orjson.loads(_sns("notification", envelope, 1))]
    records.append(orjson.loads(_sns("Notification", envelope, 2)))
    records[1]["headers"]["x-amz-sns-message-type"] = ["Notification", "Notification"]
    zipped = orjson.loads(_sns("Notification", "", 3))
    del zipped["body"]
    zipped["body_b64"] = base64.b64encode(gzip.compress(envelope.encode())).decode()
    zipped["headers"]["content-encoding"] = "gzip"
    records.append(zipped)
    log = tmp_path / "capture.jsonl"
    log.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    loaded = load_log(log)
    assert len(loaded.rejected) == 0
    assert list(loaded.deliveries["transport"]) == ["sns"] * 3
    assert list(loaded.deliveries["body"]) == [MESSAGE.encode()] * 3
