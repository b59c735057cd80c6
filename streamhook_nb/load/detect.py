"""Recognise a capture format from a file's first bytes or its parsed JSON document."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from streamhook_nb.load.line_blocks import BOM
from streamhook_nb.load.readers import (
    aws_lambda,
    cloudwatch_csv,
    lambda_logs,
    mitmproxy_flows,
    platform_logs,
)
from streamhook_nb.load.readers.app_log_lines import (
    APP_LOG_LINE,
    APP_LOG_LINE_IN,
    is_json_log_record,
)

FORMATS = (
    "capture-jsonl",
    "har",
    "ngrok",
    "raw-http",
    "sqs",
    "sns",
    "pcap",
    "webhook-site",
    "aws-lambda",
    mitmproxy_flows.FORMAT,
)
"""Every format a log can be read in (each can be forced instead of detected); a new one goes
last, so that the codes stored for the others (the frame's ``format`` category) stay."""
HEAD_BYTES = 64 * 1024
_REQUEST_LINE = re.compile(rb"[A-Z][A-Z-]{1,15} \S+ HTTP/1\.[01]\r?\n")
CURL_VERBOSE = re.compile(rb"(?:(?:\*|Note:| |\r)[^\n]*\n)*> [A-Z][A-Z-]{1,15} \S+ HTTP/[12]")
"""``curl -v`` output (what it prints on stderr): info lines (``* ``, ``Note: ``), perhaps its
progress meter (lines starting with spaces), then the request head, each line after ``> ``."""
_CAPTURE_KEYS = ("body", "body_b64")
_CAPTURE_START = re.compile(
    rb'\{\s*"(received_at|method|path|headers|body|body_b64|transport|fidelity|remote_addr)"\s*:'
)
"""A capture record's opening, whose first key only a capture record has."""
_SQS_START = re.compile(rb'\{\s*"(MessageId|ReceiptHandle|MD5OfBody|Body|Attributes|Messages)"\s*:')
"""An SQS message's (or ``receive-message`` response's) opening, as the AWS CLI and boto3
write them: a first record longer than the head (a message holds up to 256 KiB)."""
_SNS_TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")
_SNS_START = re.compile(
    rb'\{\s*"Type"\s*:\s*"(Notification|SubscriptionConfirmation|UnsubscribeConfirmation)"'
)
"""An SNS envelope's opening (SNS writes ``Type`` first), for a first envelope longer than the
head: a message holds up to 256 KiB."""
_LAMBDA_START = re.compile(
    rb"""\{\s*(?:(["'])(?:resource|httpMethod|rawPath|routeKey|requestContext"""
    rb"""|multiValueHeaders|isBase64Encoded)\1\s*:|(["'])version\2\s*:\s*(["'])[12]\.0\3)"""
)
"""A Lambda event's opening (API Gateway writes ``resource`` or ``version`` first), as JSON or
as Python prints a dict (``print(event)``: single quotes), for a first event longer than the
head (a Stream payload may be bigger than 64 KiB) or lines that are not JSON."""
JSON_DOCUMENT = "json-document"  # decided once the whole document is parsed
PCAP_MAGICS = {
    b"\xa1\xb2\xc3\xd4": (False, 10**6),
    b"\xd4\xc3\xb2\xa1": (True, 10**6),
    b"\xa1\xb2\x3c\x4d": (False, 10**9),
    b"\x4d\x3c\xb2\xa1": (True, 10**9),
}
"""A libpcap file's magic number: (little-endian, time units per second)."""
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
PCAPNG_BYTE_ORDERS = {b"\x4d\x3c\x2b\x1a": True, b"\x1a\x2b\x3c\x4d": False}
"""A pcapng section header's byte-order magic (bytes 8-11): little-endian or not."""


def is_capture(head: bytes) -> bool:
    """Whether ``head`` starts a libpcap file (either byte order, micro- or nanosecond
    timestamps) or a pcapng file (a section header block with its byte-order magic)."""
    return head[:4] in PCAP_MAGICS or (
        head[:4] == PCAPNG_MAGIC and head[8:12] in PCAPNG_BYTE_ORDERS
    )


def sniff(head: bytes) -> str | None:
    """Guess the format from a file's first bytes (``JSON_DOCUMENT``: parse, then classify)."""
    if is_capture(head):  # tcpdump, Wireshark, tshark: recognised by the magic number alone
        return "pcap"
    if mitmproxy_flows.is_flow_file(head):  # mitmdump -w: tnetstrings, no BOM, no whitespace
        return mitmproxy_flows.FORMAT
    text = head.removeprefix(BOM).lstrip()
    if not text:  # an empty log (a receiver that got nothing yet): no records, no error
        return "capture-jsonl"
    if _REQUEST_LINE.match(text) or CURL_VERBOSE.match(head.removeprefix(BOM)):
        return "raw-http"
    if lambda_logs.LOG_LINE.match(text) or cloudwatch_csv.is_export(text):
        return aws_lambda.FORMAT  # a Lambda function's CloudWatch Logs, or their CSV export
    if APP_LOG_LINE.match(text):  # an application's log: [2026-11-26 10:00:00 +0000] [1] ...
        return aws_lambda.FORMAT
    if text.startswith(b"["):
        return JSON_DOCUMENT
    lines = text.split(b"\n")
    complete = [line for line in lines[:-1] if line.strip()]
    if not text.startswith(b"{"):
        # a Lambda function's log whose first lines are its own output (``print``), an
        # application's log (a logger's or a server's lines), or lines printed as they are
        # holding a request or an event
        prefixed = (
            lambda_logs.LOG_LINE_IN.search(text)
            or APP_LOG_LINE_IN.search(text)
            or platform_logs.WRANGLER_LINE.match(text)
        )
        return aws_lambda.FORMAT if prefixed or _holds_delivery(complete) else None
    logged = any(APP_LOG_LINE.match(line) for line in complete)
    records = log_records = 0
    for line in complete:
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(record, dict):
            kind = _classify_object(record)
            if kind == "capture-jsonl" and logged:
                return aws_lambda.FORMAT  # requests logged among a logger's lines: a log
            if kind in ("capture-jsonl", "sns", "sqs", "webhook-site", aws_lambda.FORMAT):
                return kind
            records += 1
            log_records += is_json_log_record(record)
    if any(_LAMBDA_START.match(line.lstrip()) for line in complete):
        return aws_lambda.FORMAT  # events one per line, none readable: each is rejected
    if log_records and log_records == records:
        return aws_lambda.FORMAT  # a JSON logger's records (pino, winston, structlog): a log
    if len(complete) > 1 and all(line.lstrip().startswith(b"{") for line in complete):
        return "capture-jsonl"  # one object per line, none readable: each line is rejected
    if not complete and _LAMBDA_START.match(text):
        return aws_lambda.FORMAT
    if not complete and _CAPTURE_START.match(text):
        return "capture-jsonl"  # a first record longer than the head
    if not complete and _SQS_START.match(text):
        return "sqs"
    if not complete and _SNS_START.match(text):
        return "sns"
    return JSON_DOCUMENT


def _holds_delivery(lines: list[bytes]) -> bool:
    """Whether a line, after a label, holds a JSON request or event (lines printed without a
    logger: ``Received {"headers": ..., "body": ...}``)."""
    for line in lines:
        start = line.find(b"{", 0, 201)
        if start < 0:
            continue
        try:
            record = orjson.loads(line[start:])
        except orjson.JSONDecodeError:
            continue
        if isinstance(record, dict) and _classify_object(record) in (
            "capture-jsonl",
            aws_lambda.FORMAT,
        ):
            return True
    return False


def classify(document: Any) -> str | None:
    """Name the format of a parsed JSON document (HAR, ngrok, SQS, SNS), or ``None``."""
    if isinstance(document, dict):
        return _classify_object(document)
    if isinstance(document, list) and document and isinstance(document[0], dict):
        kind = _classify_object(document[0])
        if kind in ("sns", "ngrok", "sqs", "webhook-site", aws_lambda.FORMAT):
            return kind
    return None


FIRST_VALUE_BYTES = 1 << 20


def classify_first_value(data: bytes) -> str | None:
    """The format of the first JSON value of a file holding several one after another (one
    per line, or pretty-printed as ``jq '.Messages[]'`` prints them), or None; only the first
    MiB is looked at."""
    head = data[:FIRST_VALUE_BYTES].decode("utf-8", "replace")
    try:
        value, _ = json.JSONDecoder().raw_decode(head, len(head) - len(head.lstrip()))
    except json.JSONDecodeError:
        return None
    return classify(value)


def _is_webhook_site(record: dict[str, Any]) -> bool:
    """A webhook.site request (``uuid`` and ``token_id``) or its API's page of requests."""
    if "uuid" in record and "token_id" in record:
        return True
    data = record.get("data")
    if not isinstance(data, list) or "per_page" not in record:
        return False
    return not data or (isinstance(data[0], dict) and "token_id" in data[0])


def _is_lambda(record: dict[str, Any]) -> bool:
    """A Lambda event, a log record holding one, a Lambda runtime's JSON log record, a
    CloudWatch Logs response or a row of a Logs Insights export."""
    return (
        aws_lambda.is_event(record)
        or lambda_logs.is_log_record(record)
        or lambda_logs.is_log_response(record)
        or ("@message" in record and "@timestamp" in record)
        or lambda_logs.is_platform_record(record)
    )


def _classify_object(record: dict[str, Any]) -> str | None:
    if _is_lambda(record):  # before the capture rule: an event has a body and headers
        return aws_lambda.FORMAT
    if _is_webhook_site(record):  # before the capture rule: a request has headers and method
        return "webhook-site"
    if any(key in record for key in _CAPTURE_KEYS) or ("headers" in record and "method" in record):
        return "capture-jsonl"
    if isinstance(record.get("log"), dict) and "entries" in record["log"]:
        return "har"
    if isinstance(record.get("requests"), list) or (
        isinstance(record.get("request"), dict) and "raw" in record["request"]
    ):
        return "ngrok"
    if "Messages" in record or (
        "Body" in record and ("MessageId" in record or "ReceiptHandle" in record)
    ):
        return "sqs"
    if record.get("Type") in _SNS_TYPES and "Message" in record:
        return "sns"
    return None
