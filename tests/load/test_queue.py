"""SQS receive-message output and SNS envelopes: unsigned, raw JSON / base64 / base64+gzip."""

from __future__ import annotations

import base64
import gzip
from collections.abc import Callable
from pathlib import Path

import orjson

from streamhook_nb import load_log

WriteFile = Callable[[str, bytes], Path]
PAYLOAD = b'{"type":"message.new","cid":"messaging:general"}'


def envelope(message: str) -> dict[str, str]:
    return {
        "Type": "Notification",
        "MessageId": "m",
        "Message": message,
        "Timestamp": "2026-11-26T10:00:00.000Z",
    }


def test_sqs_bodies_in_every_encoding(write_file: WriteFile) -> None:
    bodies = [
        PAYLOAD.decode(),
        base64.b64encode(PAYLOAD).decode(),
        base64.b64encode(gzip.compress(PAYLOAD, mtime=0)).decode(),
        orjson.dumps(envelope(base64.b64encode(PAYLOAD).decode())).decode(),
    ]
    messages = [
        {"MessageId": f"id{n}", "Body": b, "Attributes": {"SentTimestamp": "1795687200000"}}
        for n, b in enumerate(bodies)
    ]
    path = write_file("q.json", orjson.dumps({"Messages": messages}))
    frame = load_log(path).deliveries
    assert list(frame["transport"]) == ["sqs", "sqs", "sqs", "sns"]
    assert list(frame["fidelity"]) == ["exact", "decoded", "decoded", "decoded"]
    assert frame["body"].iloc[0] == PAYLOAD
    assert frame["body"].iloc[1] == PAYLOAD
    assert gzip.decompress(frame["body"].iloc[2]) == PAYLOAD
    assert list(frame["content_encoding"].fillna("")) == ["", "", "gzip", ""]
    assert frame["signature"].isna().all()
    assert str(frame["received_at"].iloc[0]) == "2026-11-26 10:00:00+00:00"
    assert orjson.loads(frame["headers"].iloc[0]) == {"x-queue-message-id": "id0"}


def test_bad_messages_are_rejected(write_file: WriteFile) -> None:
    messages = [
        {"MessageId": "a", "Body": "%%%"},
        {"MessageId": "b"},
        "nope",
        {"Body": PAYLOAD.decode()},
    ]
    path = write_file("q.json", orjson.dumps({"Messages": messages}))
    result = load_log(path)
    assert list(result.deliveries["source"]) == [f"{path}#4"]
    assert list(result.rejected["reason"]) == [
        "field 'Body' is neither JSON nor base64",
        "field 'Body' is missing",
        "message is not an object",
    ]


def test_sns_file_forms(write_file: WriteFile) -> None:
    one = envelope(base64.b64encode(gzip.compress(PAYLOAD)).decode())
    single = load_log(
        write_file("one.json", orjson.dumps(one, option=orjson.OPT_INDENT_2))
    ).deliveries
    assert single["transport"].iloc[0] == "sns"
    assert gzip.decompress(single["body"].iloc[0]) == PAYLOAD
    lines = orjson.dumps(one) + b"\n" + orjson.dumps(one) + b"\n{broken\n"
    result = load_log(write_file("many.jsonl", lines))
    assert len(result.deliveries) == 2
    assert next(iter(result.rejected["source"])).endswith("many.jsonl:3")


def test_sample_queue_dumps(data_dir: Path) -> None:
    frame = load_log([data_dir / "sqs", data_dir / "sns"]).deliveries
    assert frame["transport"].value_counts().to_dict() == {"sqs": 6, "sns": 2, "http": 0}
