"""Files of logged Lambda events: event files, arrays, JSON Lines, values pretty-printed one
after another, CloudWatch Logs lines and exports; detection, and every command on them."""

from __future__ import annotations

import base64
import csv
import gzip
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
from helpers import run_cli
from lambda_files.make_lambda_files import (
    REACTION,
    READ,
    REQUEST_ID,
    files,
    http_api_event,
    node_line,
    rest_event,
    runtime_lines,
)

from streamhook_nb import load_log, verify_deliveries
from streamhook_nb.load.detect import HEAD_BYTES, JSON_DOCUMENT, classify, sniff
from streamhook_nb.samples.webhooks import DEMO_SECRET
from streamhook_nb.verify.secrets import Keyring, Secret

FILES = Path(__file__).parent / "lambda_files"
TOOL_FILES = Path(__file__).parent / "tool_files"
RING = Keyring((Secret(DEMO_SECRET, "demo"),))
COMMITTED = {
    # name: (deliveries' sources after the file name, reasons, skipped)
    "rest-api-test-event.json": ([":1"], {"ok": 1}, 0),
    "http-api-print.jsonl": ([":1", ":3"], {"ok": 2}, 1),
    "function-url-gzip.json": ([":1"], {"ok": 1}, 0),
    "alb-events.json": (["#1", "#2"], {"ok": 2}, 0),
    "rest-api-gzip-as-text.json": ([":1"], {"unverifiable": 1}, 0),
    "cloudwatch-node.log": ([":2", ":4"], {"ok": 2}, 0),
    "cloudwatch-python.log": ([":3", ":4"], {"ok": 2}, 0),
    "filter-log-events.json": (["#2"], {"ok": 1}, 0),
    "powertools-log-event.jsonl": ([":1"], {"ok": 1}, 0),
}


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _reasons(path: Path, format: str | None = None) -> dict[str, int]:
    frame = verify_deliveries(load_log(path, format=format).deliveries, RING)
    return {str(k): int(v) for k, v in frame["reason"].astype(str).value_counts().items()}


def _rejected(path: Path) -> list[tuple[str, str]]:
    result = load_log(path)
    return [(row.source, row.reason) for row in result.rejected.itertuples()]


def test_the_committed_files_are_what_the_script_writes() -> None:
    for name, text in files().items():
        assert (FILES / name).read_text(encoding="utf-8") == text, name
    assert sorted(files()) == sorted(COMMITTED)


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_each_committed_file(name: str) -> None:
    sources, reasons, skipped = COMMITTED[name]
    path = FILES / name
    result = load_log(path)
    assert result.rejected.empty, result.rejected.to_dict("records")
    assert list(result.deliveries["source"]) == [f"{path}{s}" for s in sources]
    assert set(result.deliveries["format"].astype(str)) == {"aws-lambda"}
    assert result.skipped == skipped
    assert _reasons(path) == reasons


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_detected_by_content_not_by_name(tmp_path: Path, name: str) -> None:
    copy = shutil.copy(FILES / name, tmp_path / "log.txt")
    assert set(load_log(copy).deliveries["format"].astype(str)) == {"aws-lambda"}
    packed = _write(tmp_path, "log.bin", gzip.compress((FILES / name).read_bytes()))
    assert len(load_log(packed).deliveries) == len(COMMITTED[name][0])


def test_no_file_of_another_format_is_taken(data_dir: Path) -> None:
    others = [p for p in [*TOOL_FILES.iterdir(), *data_dir.rglob("*")] if p.is_file()]
    for path in others:
        if path.suffix == ".py":
            continue
        head = path.read_bytes()[:HEAD_BYTES]
        assert sniff(head) != "aws-lambda", path
        try:
            document = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError:
            continue
        assert classify(document) != "aws-lambda", path


def test_an_array_and_values_one_after_another(tmp_path: Path) -> None:
    events = [rest_event(REACTION, "a"), http_api_event(READ, "b")]
    array = _write(tmp_path, "a.json", json.dumps(events, indent=2))
    assert list(load_log(array).deliveries["webhook_id"]) == ["a", "b"]
    pretty = "".join(json.dumps(e, indent=2) + "\n" for e in events)
    after = _write(tmp_path, "b.json", pretty)
    frame = load_log(after).deliveries
    second = pretty.split("\n").index("}") + 2  # the line after the first one's closing brace
    assert list(frame["source"]) == [f"{after}:1", f"{after}:{second}"]
    assert _reasons(after) == {"ok": 2}


def test_bad_events_are_rejected_by_line_and_the_rest_load(tmp_path: Path) -> None:
    good = json.dumps(http_api_event(READ, "good"))
    lines = [
        good,
        json.dumps(rest_event(REACTION, "x", httpMethod=7)),
        "not json at all",
        json.dumps({"some": "object"}),
        json.dumps([1, 2]),
        good[: len(good) // 2],
        good,
    ]
    path = _write(tmp_path, "events.jsonl", "\n".join(lines) + "\n")
    result = load_log(path)
    assert list(result.deliveries["source"]) == [f"{path}:1", f"{path}:7"]
    rejected = _rejected(path)
    assert [source for source, _ in rejected] == [f"{path}:{n}" for n in (2, 3, 4, 5, 6)]
    assert "field 'httpMethod' has the wrong type (int)" in rejected[0][1]
    assert rejected[1][1].startswith("not valid JSON")
    assert rejected[2][1].startswith("not a Lambda event for an HTTP request")
    assert rejected[3][1].startswith("not a Lambda event for an HTTP request")
    assert "256 KB" in rejected[4][1]


def test_bad_entries_of_an_array_are_rejected_by_number(tmp_path: Path) -> None:
    events: list[Any] = [rest_event(REACTION, "a"), "text", {"httpMethod": "POST", "body": 1}]
    path = _write(tmp_path, "events.json", json.dumps(events))
    assert [s for s, _ in _rejected(path)] == [f"{path}#2", f"{path}#3"]
    assert list(load_log(path).deliveries["source"]) == [f"{path}#1"]


def test_cloudwatch_lines_that_are_no_event_are_passed_over(tmp_path: Path) -> None:
    lines = runtime_lines(
        [
            node_line("signature check failed: {reason}"),
            node_line(json.dumps({"level": "debug", "message": "no event here"})),
            "INIT_START Runtime Version: nodejs:20.v31\tRuntime Version ARN: arn:aws:lambda:x",
            node_line(json.dumps(rest_event(REACTION, "a"))),
        ]
    )
    path = _write(tmp_path, "cw.log", "\n".join(lines) + "\n")
    result = load_log(path)
    assert result.rejected.empty
    assert list(result.deliveries["webhook_id"]) == ["a"]


def test_events_logged_the_wrong_way_say_how_to_log_them(tmp_path: Path) -> None:
    python_repr = str(rest_event(REACTION, "a"))[:300]  # print(event), cut short
    node_inspect = "{\n  resource: '/webhooks/stream',\n  httpMethod: 'POST',\n}"
    cut = json.dumps(rest_event(REACTION, "a"))[:300]
    lines = [
        f"[INFO]\t2026-11-26T10:00:00.456Z\t{REQUEST_ID}\t{python_repr}",
        *node_line(node_inspect).split("\n"),
        node_line(cut),
        node_line(json.dumps(rest_event(READ, "b"))),
    ]
    path = _write(tmp_path, "cw.log", "\n".join(runtime_lines(lines)) + "\n")
    rejected = _rejected(path)
    assert [s for s, _ in rejected] == [f"{path}:2", f"{path}:3", f"{path}:7"]
    assert "print(json.dumps(event))" in rejected[0][1]
    assert "console.log(JSON.stringify(event))" in rejected[1][1]
    assert "256 KB" in rejected[2][1]
    assert list(load_log(path).deliveries["webhook_id"]) == ["b"]


def test_events_logged_after_a_label_as_aws_blueprints_do(tmp_path: Path) -> None:
    # Node.js: console.log('Received event:', JSON.stringify(event, null, 2));
    node = node_line("Received event: " + json.dumps(rest_event(REACTION, "node"), indent=2))
    # Python: print("Received event: " + json.dumps(event, indent=2)), and logging one line
    python = "Received event: " + json.dumps(http_api_event(READ, "python"), indent=2)
    logged = f"[INFO]\t2026-11-26T10:00:00.456Z\t{REQUEST_ID}\tevent: " + json.dumps(
        rest_event(READ, "logging")
    )
    log4js = node_line(
        "[2026-11-26T10:00:00.456] [INFO] default - " + json.dumps(rest_event(READ, "log4js"))
    )
    node_object = node_line("Received event: {\n  httpMethod: 'POST',\n}")
    python_dict = "Received event: " + str(rest_event(REACTION, "dict"))[:400]
    lines = [
        *node.split("\n"),
        *python.split("\n"),
        logged,
        log4js,
        *node_object.split("\n"),
        python_dict,
        node_line('Response: {"statusCode": 200}'),
    ]
    path = _write(tmp_path, "cw.log", "\n".join(runtime_lines(lines)) + "\n")
    result = load_log(path)
    assert list(result.deliveries["webhook_id"]) == ["node", "python", "logging", "log4js"]
    assert _reasons(path) == {"ok": 4}
    rejected = [(row.source, row.reason) for row in result.rejected.itertuples()]
    assert [s for s, _ in rejected] == [f"{path}:{n}" for n in (len(lines) - 3, len(lines))]
    assert "console.log(JSON.stringify(event))" in rejected[0][1]
    assert "print(json.dumps(event))" in rejected[1][1]


def test_events_in_the_json_records_of_node_and_python_loggers(tmp_path: Path) -> None:
    def event(name: str) -> dict[str, Any]:
        return rest_event(REACTION, name)

    when = "2026-11-26T10:00:00.456Z"
    records = [
        # pino: logger.info({ event }, "received"), and a message with the event after a label
        {"level": 30, "time": 1795687200456, "pid": 8, "event": event("pino"), "msg": "received"},
        {"level": 30, "time": 1795687200457, "msg": "Received event: " + json.dumps(event("l"))},
        # winston's json format: logger.info("received", { event })
        {"event": event("winston"), "level": "info", "message": "received"},
        # structlog's JSONRenderer: log.info("received", lambda_event=event)
        {"lambda_event": event("structlog"), "event": "received", "level": "info"},
        # python-json-logger: logger.info("received", extra={"event": event})
        {"asctime": when, "levelname": "INFO", "message": "received", "event": event("pjl")},
        {"level": 30, "time": 1795687200458, "msg": "sent the answer"},  # no event: passed over
    ]
    path = _write(tmp_path, "app.log", "".join(json.dumps(r) + "\n" for r in records))
    assert sniff(path.read_bytes()) == "aws-lambda"
    result = load_log(path)
    assert result.rejected.empty, result.rejected.to_dict("records")
    assert list(result.deliveries["webhook_id"]) == ["pino", "l", "winston", "structlog", "pjl"]
    assert _reasons(path) == {"ok": 5}
    for record in records[:5]:  # each alone, as the first line of a log, is recognised
        assert sniff(json.dumps(record).encode() + b"\n") == "aws-lambda", record


def test_webhook_bodies_logged_without_their_event(tmp_path: Path) -> None:
    """A function that logs only ``event.body`` leaves nothing to verify: each body is a
    rejected record saying what to log instead. Beside the events it came with, a logged body
    is passed over like any other message; in a file of events only it is named as a body."""
    body = REACTION.decode()
    alone = _write(tmp_path, "bodies.log", "\n".join(runtime_lines([node_line(body)] * 2)) + "\n")
    result = load_log(alone)
    assert len(result.deliveries) == 0
    assert list(result.rejected["source"]) == [f"{alone}:2", f"{alone}:3"]
    assert "console.log(JSON.stringify(event))" in result.rejected["reason"].iloc[0]
    event = node_line(json.dumps(rest_event(REACTION, "a")))
    both = _write(tmp_path, "both.log", "\n".join(runtime_lines([event, node_line(body)])) + "\n")
    result = load_log(both)
    assert (list(result.deliveries["webhook_id"]), len(result.rejected)) == (["a"], 0)
    record = {"timestamp": "2026-11-26T10:00:00.456Z", "level": "INFO", "requestId": REQUEST_ID}
    json_log = "\n".join(json.dumps(record | {key: json.loads(body)}) for key in ("message", "b"))
    result = load_log(_write(tmp_path, "json.log", json_log + "\n"))
    assert (len(result.deliveries), len(result.rejected)) == (0, 2)
    events = _write(tmp_path, "events.jsonl", json.dumps(rest_event(READ, "b")) + "\n" + body)
    assert [reason[:40] for _, reason in _rejected(events)] == [
        "a webhook body without its request: no h"
    ]


def _sqs_record(body: str, number: int) -> dict[str, Any]:
    """A record of a Lambda SQS event, as the Lambda developer guide shows one."""
    return {
        "messageId": f"059f36b4-87a3-44ab-83d2-661975830a7{number}",
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1795687200123",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1795687200130",
        },
        "messageAttributes": {},
        "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:stream-hooks",
        "awsRegion": "us-east-1",
    }


def _sns_envelope(message: str) -> dict[str, Any]:
    return {
        "Type": "Notification",
        "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:stream-hooks",
        "Message": message,
        "Timestamp": "2026-11-26T10:00:00.200Z",
        "SignatureVersion": "1",
    }


def test_lambda_events_of_sqs_messages_and_sns_notifications(tmp_path: Path) -> None:
    """Stream's SQS or SNS hook feeding a function: the events it logs hold queue messages
    (unsigned), each ``file:line#N``; a logged event is read as any other."""
    reaction = REACTION.decode()
    gzipped = base64.b64encode(gzip.compress(READ)).decode()
    sqs = {
        "Records": [
            _sqs_record(reaction, 1),
            _sqs_record(gzipped, 2),
            _sqs_record(json.dumps(_sns_envelope(reaction)), 3),  # SNS to SQS
            _sqs_record("neither JSON nor base64!", 4),
        ]
    }
    sns = {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:stream-hooks:2bcfbf39",
                "EventSource": "aws:sns",
                "Sns": _sns_envelope(READ.decode()),
            }
        ]
    }
    s3 = {"Records": [{"eventSource": "aws:s3", "s3": {}}]}  # not a queue: passed over
    lines = [node_line(json.dumps(sqs)), node_line(json.dumps(s3)), node_line(json.dumps(sns))]
    path = _write(tmp_path, "queue.log", "\n".join(runtime_lines(lines)) + "\n")
    result = load_log(path)
    frame = result.deliveries
    assert list(frame["source"]) == [f"{path}:2#{n}" for n in (1, 2, 3)] + [f"{path}:4#1"]
    assert list(frame["transport"].astype(str)) == ["sqs", "sqs", "sns", "sns"]
    assert [gzip.decompress(b) if b[:2] == b"\x1f\x8b" else b for b in frame["body"]] == [
        REACTION,
        READ,
        REACTION,
        READ,
    ]
    assert str(frame["received_at"][0]) == "2026-11-26 10:00:00.123000+00:00"
    assert _reasons(path) == {"unsigned": 4}
    assert [s for s, _ in _rejected(path)] == [f"{path}:2#4"]
    events = _write(tmp_path, "sqs-event.json", json.dumps(sqs, indent=2))
    assert sniff(events.read_bytes()) == JSON_DOCUMENT
    assert classify(json.loads(events.read_bytes())) == "aws-lambda"
    assert len(load_log(events).deliveries) == 3


def test_aws_logs_tail_in_its_short_format(tmp_path: Path) -> None:
    """``aws logs tail --format short``: the time to the second, without its zone, and the
    message (a pretty-printed one goes on in the lines after it, as the CLI prints it)."""
    pretty = "Received event: " + json.dumps(http_api_event(READ, "print"), indent=2)
    messages = [node_line(json.dumps(rest_event(REACTION, "node"))), pretty]
    lines = [f"2026-11-26T10:00:00 {line}" for line in runtime_lines(messages)]
    path = _write(tmp_path, "short.txt", "\n".join(lines) + "\n")
    assert sniff(path.read_bytes()) == "aws-lambda"
    result = load_log(path)
    assert result.rejected.empty, result.rejected.to_dict("records")
    assert list(result.deliveries["webhook_id"]) == ["node", "print"]
    assert list(result.deliveries["source"]) == [f"{path}:2", f"{path}:3"]
    assert _reasons(path) == {"ok": 2}


def test_events_printed_as_python_dicts_are_read_exactly(tmp_path: Path) -> None:
    """``print(event)`` and ``logger.info(event)`` write a dict's repr; a string's repr gives
    back the very string, so the body is exact. It is read as a literal, never run."""
    body = REACTION.replace(b"new stuff", "new 'stuff' \\ é \u2028 \x00".encode())
    event = rest_event(body, "print")
    logged = f"[INFO]\t2026-11-26T10:00:00.456Z\t{REQUEST_ID}\t{event!r}"
    json_log = {"timestamp": "t", "level": "INFO", "requestId": REQUEST_ID, "message": repr(event)}
    lines = [
        repr(event),
        logged,
        "Received event: " + repr(http_api_event(READ, "label")),
        node_line(json.dumps(json_log)),
        "{'__import__': __import__('os').system('true')}",  # not a literal: passed over
    ]
    path = _write(tmp_path, "printed.log", "\n".join(runtime_lines(lines)) + "\n")
    result = load_log(path)
    assert result.rejected.empty, result.rejected.to_dict("records")
    assert list(result.deliveries["webhook_id"]) == ["print", "print", "label", "print"]
    assert result.deliveries["body"][0] == body
    assert _reasons(path) == {"ok": 4}


def test_aws_logs_tail_and_the_json_log_format(tmp_path: Path) -> None:
    stream = "2026/11/26/[$LATEST]0123456789abcdef0123456789abcdef"
    tail = [
        f"2026-11-26T10:00:00.456000+00:00 {stream} {line}"
        for line in runtime_lines([node_line(json.dumps(rest_event(REACTION, "tail")))])
    ]
    tail_file = _write(tmp_path, "tail.txt", "\n".join(tail) + "\n")
    assert list(load_log(tail_file).deliveries["webhook_id"]) == ["tail"]
    records = [
        {"time": "2026-11-26T10:00:00.000Z", "type": "platform.start", "record": {}},
        {
            "timestamp": "2026-11-26T10:00:00.456Z",
            "level": "INFO",
            "requestId": REQUEST_ID,
            "message": json.dumps(http_api_event(READ, "json-log")),
        },
        {"timestamp": "2026-11-26T10:00:00.457Z", "level": "INFO", "message": "done"},
    ]
    json_log = _write(tmp_path, "json.log", "".join(json.dumps(r) + "\n" for r in records))
    assert sniff(json_log.read_bytes()) == "aws-lambda"
    result = load_log(json_log)
    assert (list(result.deliveries["webhook_id"]), len(result.rejected)) == (["json-log"], 0)


def test_a_logs_insights_export(tmp_path: Path) -> None:
    rows = [
        {"@timestamp": "2026-11-26 10:00:00.456", "@message": node_line(json.dumps(e))}
        for e in (rest_event(REACTION, "a"), http_api_event(READ, "b"))
    ]
    path = _write(tmp_path, "insights.json", json.dumps(rows))
    frame = load_log(path).deliveries
    assert list(frame["source"]) == [f"{path}#1", f"{path}#2"]
    assert _reasons(path) == {"ok": 2}


def test_a_first_event_longer_than_the_head_is_detected(tmp_path: Path) -> None:
    event = rest_event(REACTION, "big")
    event["requestContext"]["padding"] = "x" * HEAD_BYTES
    path = _write(tmp_path, "big.jsonl", json.dumps(event) + "\n" + json.dumps(event) + "\n")
    assert sniff(path.read_bytes()[:HEAD_BYTES]) == "aws-lambda"
    assert _reasons(path) == {"ok": 2}


def test_detection(tmp_path: Path) -> None:
    rest = json.dumps(rest_event(REACTION, "a"))
    assert sniff(rest.encode() + b"\n") == "aws-lambda"
    assert sniff(json.dumps(rest_event(REACTION, "a"), indent=2).encode()) == JSON_DOCUMENT
    assert classify(rest_event(REACTION, "a")) == "aws-lambda"
    assert classify([http_api_event(READ, "b")]) == "aws-lambda"
    assert sniff(node_line(rest).encode()) == "aws-lambda"
    assert sniff(f"START RequestId: {REQUEST_ID} Version: $LATEST\n".encode()) == "aws-lambda"


def test_format_can_be_forced(tmp_path: Path) -> None:
    path = _write(tmp_path, "events.jsonl", json.dumps(rest_event(REACTION, "a")) + "\n")
    assert _reasons(path, format="aws-lambda") == {"ok": 1}
    capture = _write(tmp_path, "capture.jsonl", json.dumps({"method": "POST", "body": "{}"}))
    forced = load_log(capture, format="aws-lambda")
    assert forced.deliveries.empty
    assert list(forced.rejected["reason"]) == [
        "not a Lambda event for an HTTP request (none of the fields httpMethod, requestContext, "
        "rawPath)"
    ]


def test_every_command_reads_the_format(tmp_path: Path) -> None:
    env = {**os.environ, "STREAM_API_SECRET": DEMO_SECRET}
    source = str(FILES / "cloudwatch-node.log")
    loaded = run_cli("load", source, "--json", env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout)["by_format"] == {"aws-lambda": 2}
    checked = run_cli("verify", source, "--json", "--details", env=env)
    assert checked.returncode == 0, checked.stderr
    summary = json.loads(checked.stdout)
    assert (summary["valid"], summary["reasons"]) == (2, {"ok": 2})
    events = run_cli("events", source, "--json", "--format", "aws-lambda", env=env)
    assert events.returncode == 0, events.stderr
    assert set(json.loads(events.stdout)["event_types"]) == {"reaction.new", "message.read"}
    report = run_cli("report", source, "-o", str(tmp_path / "r.html"), env=env)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "r.html").stat().st_size > 0
    parquet = tmp_path / "out.parquet"
    converted = run_cli("load", source, "--to-parquet", str(parquet), env=env)
    assert converted.returncode == 0, converted.stderr
    again = run_cli("verify", str(parquet), "--json", "--details", env=env)
    assert json.loads(again.stdout) == summary  # same verdicts, same sources
    back = load_log(parquet).deliveries
    original = load_log(source).deliveries
    pd.testing.assert_series_equal(back["body"], original["body"])
    assert list(back["format"].astype(str)) == ["aws-lambda"] * 2
    assert list(back["source"]) == list(original["source"])


def test_converted_to_a_capture_log_and_back(tmp_path: Path) -> None:
    source = FILES / "function-url-gzip.json"
    out = tmp_path / "capture.jsonl"
    assert run_cli("load", str(source), "--to-jsonl", str(out)).returncode == 0
    assert load_log(out).deliveries["body"].tolist() == load_log(source).deliveries["body"].tolist()
    assert _reasons(out) == {"ok": 1}


def test_strict_stops_at_the_first_bad_event(tmp_path: Path) -> None:
    path = _write(tmp_path, "events.jsonl", '{"httpMethod": 1}\n')
    refused = run_cli("load", str(path), "--strict")
    assert refused.returncode == 2
    assert f"{path}:1" in refused.stderr
    assert "field 'httpMethod' has the wrong type (int)" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_bad_format_name_is_refused() -> None:
    refused = run_cli("load", str(FILES / "alb-events.json"), "--format", "lambda")
    assert refused.returncode == 2
    assert "aws-lambda" in refused.stderr


def test_a_log_that_starts_with_the_functions_own_output(tmp_path: Path) -> None:
    lines = [
        "Loading function",  # print() at import time: no prefix
        *runtime_lines([node_line(json.dumps(rest_event(REACTION, "a")))]),
    ]
    path = _write(tmp_path, "function.txt", "\n".join(lines) + "\n")
    assert sniff(path.read_bytes()) == "aws-lambda"
    assert list(load_log(path).deliveries["webhook_id"]) == ["a"]


def test_json_logs_without_an_event_in_the_head_are_still_lambda_logs(tmp_path: Path) -> None:
    noise = {
        "timestamp": "2026-11-26T10:00:00.456Z",
        "level": "INFO",
        "requestId": REQUEST_ID,
        "message": "x" * 1000,
    }
    inspected = noise | {"message": "{\n  resource: '/webhooks/stream',\n  httpMethod: 'POST'\n}"}
    lines = [json.dumps(noise)] * 80 + [json.dumps(inspected)]
    path = _write(tmp_path, "json.log", "\n".join(lines) + "\n")
    assert sniff(path.read_bytes()[:HEAD_BYTES]) == "aws-lambda"
    (rejected,) = _rejected(path)
    assert rejected[0] == f"{path}:81"
    assert "console.log(JSON.stringify(event))" in rejected[1]


def test_a_text_file_is_not_taken_for_a_log(tmp_path: Path) -> None:
    notes = _write(tmp_path, "notes.txt", "Notes\nEND of the week\nSTART again\n")
    assert sniff(notes.read_bytes()) is None


def test_a_time_given_as_digits_in_a_string(tmp_path: Path) -> None:
    event = rest_event(REACTION, "a")
    event["requestContext"]["requestTimeEpoch"] = "1795687200123"
    path = _write(tmp_path, "e.json", json.dumps(event))
    assert list(load_log(path).deliveries["received_at"]) == [
        pd.Timestamp("2026-11-26T10:00:00.123Z")
    ]


def test_nesting_too_deep_is_a_rejected_record_not_a_crash(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    line = '{"httpMethod": "POST", "body": "\\udc80", "x": ' + deep + "}"
    path = _write(tmp_path, "deep.jsonl", line + "\n" + line + "\n")
    reason = "not valid JSON (nested too deeply)"
    assert _rejected(path) == [(f"{path}:{n}", reason) for n in (1, 2)]
    forced = _write(tmp_path, "deep.json", '["\\udc80", ' + deep + "]")
    assert len(load_log(forced, format="aws-lambda").rejected) == 1


def test_a_go_functions_log(tmp_path: Path) -> None:
    event = json.dumps(http_api_event(READ, "go"), separators=(",", ":"))
    lines = runtime_lines([f"2026/11/26 10:00:00 {event}", "2026/11/26 10:00:00 verified: false"])
    path = _write(tmp_path, "go.log", "\n".join(lines) + "\n")
    assert _reasons(path) == {"ok": 1}
    assert list(load_log(path).deliveries["source"]) == [f"{path}:2"]


def test_events_one_per_line_all_damaged_are_still_events(tmp_path: Path) -> None:
    line = json.dumps(rest_event(REACTION, "a"))
    path = _write(tmp_path, "cut.jsonl", "".join(line[: 100 + n] + "\n" for n in range(3)))
    assert sniff(path.read_bytes()) == "aws-lambda"
    rejected = _rejected(path)
    assert [source for source, _ in rejected] == [f"{path}:{n}" for n in (1, 2, 3)]
    assert all("ends too soon" in reason for _, reason in rejected)


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def test_csv_exports_of_insights_and_of_the_console(tmp_path: Path) -> None:
    pretty = node_line(json.dumps(rest_event(REACTION, "a"), indent=2))  # several lines
    insights = [
        ["@timestamp", "@message", "@logStream", "@log"],
        ["2026-11-26 10:00:00.456", pretty, "2026/11/26/[$LATEST]ab", "123456789012:/aws/lambda/f"],
        ["2026-11-26 10:00:00.457", f"END RequestId: {REQUEST_ID}\n", "s", "l"],
        ["2026-11-26 10:00:00.458", node_line(json.dumps(http_api_event(READ, "b"))), "s", "l"],
        ["2026-11-26 10:00:00.459"],
    ]
    path = _write(tmp_path, "insights.csv", _csv(insights))
    assert sniff(path.read_bytes()) == "aws-lambda"
    result = load_log(path)
    end = 3 + pretty.count("\n")  # the first row spans its message's lines, END's two
    assert list(result.deliveries["source"]) == [f"{path}:2", f"{path}:{end + 2}"]
    assert _reasons(path) == {"ok": 2}
    assert _rejected(path) == [
        (f"{path}:{end + 3}", "a row without a message (1 of the header's 4 columns)")
    ]
    console = [["timestamp", "message"], ["1795687200456", node_line(json.dumps(READ_EVENT))]]
    exported = _write(tmp_path, "console.csv", _csv(console))
    assert _reasons(exported) == {"ok": 1}


READ_EVENT = http_api_event(READ, "c")


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "utf-8-sig"), ("\t", "utf-16"), (",", "utf-8-sig")],
    ids=["excel-semicolon-locale", "excel-unicode-text", "excel-csv-utf8"],
)
def test_a_csv_export_saved_again_by_excel(tmp_path: Path, delimiter: str, encoding: str) -> None:
    """Excel writes CRLF, a byte order mark, and its locale's list separator (semicolons where
    the comma is the decimal mark; tabs in UTF-16 for "Unicode Text")."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["@timestamp", "@message", "@logStream"])
    pretty = node_line(json.dumps(rest_event(REACTION, "a"), indent=2))
    writer.writerow(["26/11/2026 10:00", pretty, "s;t\tu"])
    writer.writerow(["26/11/2026 10:00", node_line(json.dumps(READ_EVENT)), "s"])
    path = _write(tmp_path, "saved.csv", out.getvalue().encode(encoding))
    result = load_log(path)
    assert result.rejected.empty, result.rejected.to_dict("records")
    assert list(result.deliveries["webhook_id"]) == ["a", "c"]
    assert list(result.deliveries["source"]) == [f"{path}:2", f"{path}:{3 + pretty.count(chr(10))}"]
    assert _reasons(path) == {"ok": 2}


def test_a_damaged_csv_export(tmp_path: Path) -> None:
    good = node_line(json.dumps(READ_EVENT))
    text = _csv([["@timestamp", "@message"], ["t", good]]) + 't,"unterminated\n'
    path = _write(tmp_path, "bad.csv", text)
    assert len(load_log(path).deliveries) == 1
    (rejected,) = _rejected(path)
    assert rejected[0] == f"{path}:3"
    assert rejected[1].startswith("not valid CSV")
    no_message = _write(tmp_path, "odd.csv", '"timestamp,message"\nx\n')
    assert _rejected(no_message) == [
        (f"{no_message}:1", "a CSV header without a 'message' or '@message' column")
    ]
    big = node_line(json.dumps(rest_event(REACTION, "big") | {"pad": "x" * 200_000}))
    large = _write(tmp_path, "large.csv", _csv([["timestamp", "message"], ["t", big]]))
    assert _reasons(large) == {"ok": 1}


def _subscription(messages: list[str], kind: str = "DATA_MESSAGE") -> dict[str, Any]:
    """A CloudWatch Logs subscription message, as Firehose and Kinesis deliver it."""
    return {
        "messageType": kind,
        "owner": "123456789012",
        "logGroup": "/aws/lambda/stream-webhooks",
        "logStream": "2026/11/26/[$LATEST]0123456789abcdef0123456789abcdef",
        "subscriptionFilters": ["to-s3"],
        "logEvents": [
            {"id": f"3817{n:052d}", "timestamp": 1_795_687_200_456, "message": message}
            for n, message in enumerate(messages)
        ],
    }


def test_subscription_messages_as_firehose_writes_them_to_s3(tmp_path: Path) -> None:
    control = _subscription(["CWL CONTROL MESSAGE: Checking health of destination"], "CONTROL")
    data = _subscription(
        [
            f"START RequestId: {REQUEST_ID} Version: $LATEST\n",
            node_line(json.dumps(rest_event(REACTION, "a"))) + "\n",
            node_line(json.dumps(http_api_event(READ, "b"))) + "\n",
        ]
    )
    objects = json.dumps(control) + json.dumps(data) + json.dumps(data)  # no separator
    path = _write(tmp_path, "stream-webhooks-1-2026-11-26", gzip.compress(objects.encode()))
    result = load_log(path)
    assert result.rejected.empty
    assert list(result.deliveries["source"]) == [f"{path}:1#{n}" for n in (2, 3, 2, 3)]
    assert _reasons(path) == {"ok": 4}
    one = _write(tmp_path, "one.json", json.dumps(data, indent=2))
    assert list(load_log(one).deliveries["source"]) == [f"{one}#2", f"{one}#3"]
    bad = _write(tmp_path, "bad.json", json.dumps(data) + "\n" + '{"messageType": 1}\n{"x"')
    assert [s for s, _ in _rejected(bad)] == [f"{bad}:2", f"{bad}:3"]


def test_a_log_group_exported_to_s3(tmp_path: Path) -> None:
    lines = runtime_lines(
        [
            node_line(json.dumps(rest_event(REACTION, "a"))),
            json.dumps(http_api_event(READ, "b")),  # a Python print
        ]
    )
    exported = [f"2026-11-26T10:00:00.460Z {line}" for line in lines]
    path = _write(tmp_path, "000000.gz", gzip.compress(("\n".join(exported) + "\n").encode()))
    assert list(load_log(path).deliveries["webhook_id"]) == ["a", "b"]
    assert _reasons(path) == {"ok": 2}


def test_logs_insights_query_results_from_the_cli_and_rows_per_line(tmp_path: Path) -> None:
    messages = [node_line(json.dumps(rest_event(REACTION, "a"))), "text", None]
    results = {
        "results": [
            [
                {"field": "@timestamp", "value": "2026-11-26 10:00:00.456"},
                {"field": "@message", "value": message},
            ]
            for message in messages
        ]
        + [[{"field": "@timestamp", "value": "x"}]],
        "statistics": {"recordsMatched": 4.0, "recordsScanned": 10.0, "bytesScanned": 2048.0},
        "status": "Complete",
    }
    path = _write(tmp_path, "query.json", json.dumps(results, indent=4))
    result = load_log(path)
    assert (list(result.deliveries["source"]), len(result.rejected)) == ([f"{path}#1"], 0)
    rows = [{"@timestamp": "t", "@message": m} for m in messages[:2]]
    lines = _write(tmp_path, "rows.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    assert list(load_log(lines).deliveries["source"]) == [f"{lines}:1"]
    other = _write(tmp_path, "api.json", json.dumps({"status": "ok", "results": [1, 2]}))
    assert classify(json.loads(other.read_text())) is None


def test_a_printed_dict_longer_than_a_log_event_is_rejected_not_parsed(tmp_path: Path) -> None:
    """Reading a Python literal costs about 240 bytes of memory per byte: the 8 MB the reader
    took made a hostile line cost 2 GB and 6 s. Past what a CloudWatch event holds (256 KB)
    it is rejected with the advice to log JSON."""
    huge = rest_event(REACTION.replace(b"new stuff", b"x" * 300_000), "huge")
    lines = [f"[INFO]\t2026-11-26T10:00:00.456Z\t{REQUEST_ID}\t{huge!r}"]
    lines.append(f"[INFO]\t2026-11-26T10:00:00.456Z\t{REQUEST_ID}\t{rest_event(READ, 'b')!r}")
    path = _write(tmp_path, "big.log", "\n".join(runtime_lines(lines)) + "\n")
    result = load_log(path)
    assert list(result.deliveries["webhook_id"]) == ["b"]
    [(source, reason)] = _rejected(path)
    assert source == f"{path}:2"
    assert "print(json.dumps(event))" in reason
