"""Fuzzing the aws-lambda reader: any field of an event may hold anything, any line of a
CloudWatch log may be damaged, and the file may be cut anywhere."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from fuzzing import FUZZ, JSON_VALUES, dumps, json_lines, load_case, maybe, mutated
from hypothesis import given
from hypothesis import strategies as st

BODY = '{"type":"message.new","message":{"text":"hi \\u003cb\\u003e"}}'
GZIPPED = base64.b64encode(gzip.compress(BODY.encode(), mtime=0)).decode()
HEADERS = {"X-Signature": "ab" * 32, "Content-Length": str(len(BODY))}
STRANGE_TEXT = st.sampled_from(["", "\ufffd", "\x1f\ufffd\x08", "\ud800x", "=" * 9, "A" * 4097])
STRANGE_BASE64 = st.sampled_from([GZIPPED, GZIPPED[:-8], "!!", "QQ", "QQ==", "A" * 40001])
V1 = st.fixed_dictionaries(
    {"httpMethod": maybe("POST") | st.sampled_from(["GET", "post", ""])},
    optional={
        "path": maybe("/hook"),
        "headers": maybe(HEADERS)
        | st.dictionaries(st.sampled_from(["X-Signature", "content-length"]), JSON_VALUES),
        "multiValueHeaders": maybe({"x-signature": ["ab" * 32, "cd" * 32]})
        | st.dictionaries(st.text(max_size=4), st.lists(st.text(max_size=4), max_size=2)),
        "body": maybe(BODY) | STRANGE_TEXT | STRANGE_BASE64,
        "isBase64Encoded": maybe(False) | st.just(True),
        "requestContext": maybe({"requestTimeEpoch": 1_795_687_200_123})
        | st.fixed_dictionaries(
            {"requestTimeEpoch": maybe(0) | st.sampled_from([-(2**62), 2**62, "1795687200123"])}
        )
        | st.fixed_dictionaries({"elb": JSON_VALUES, "identity": JSON_VALUES}),
    },
)
V2 = st.fixed_dictionaries(
    {"version": maybe("2.0")},
    optional={
        "rawPath": maybe("/hook"),
        "rawQueryString": maybe("a=1"),
        "headers": maybe({"x-signature": "ab" * 32}),
        "cookies": maybe(["a=1"]),
        "body": maybe(GZIPPED) | STRANGE_TEXT | STRANGE_BASE64,
        "isBase64Encoded": maybe(True),
        "requestContext": maybe({"http": {"method": "POST"}, "timeEpoch": 1_795_687_200_123})
        | st.fixed_dictionaries({"http": maybe({"method": "POST", "sourceIp": "1.2.3.4"})}),
    },
)
EVENTS = V1 | V2
PREFIXES = st.sampled_from(
    [
        "",
        "2026-11-26T10:00:00.123Z\tc6af9ac6-7b61-11e6-9a41-93e8deadbeef\tINFO\t",
        "[INFO]\t2026-11-26T10:00:00.123Z\tc6af9ac6-7b61-11e6-9a41-93e8deadbeef\t",
        "2026-11-26T10:00:00.123000+00:00 2026/11/26/[$LATEST]abc ",
    ]
)


@FUZZ
@given(events=st.lists(EVENTS, min_size=1, max_size=4))
def test_an_array_of_events(events: list[Any]) -> None:
    outcome = load_case("events.json", dumps(events), format="aws-lambda")
    assert outcome.records == len(events)


@FUZZ
@given(events=st.lists(EVENTS | JSON_VALUES, min_size=1, max_size=4))
def test_one_event_per_line(events: list[Any]) -> None:
    load_case("events.jsonl", json_lines(events), format="aws-lambda")


@FUZZ
@given(
    lines=st.lists(
        st.tuples(PREFIXES, EVENTS | JSON_VALUES | st.text(max_size=30), st.booleans()),
        min_size=1,
        max_size=5,
    )
)
def test_cloudwatch_lines(lines: list[tuple[str, Any, bool]]) -> None:
    text = "START RequestId: c6af9ac6 Version: $LATEST\n"
    for prefix, value, pretty in lines:
        message = (
            value if isinstance(value, str) else json.dumps(value, indent=2 if pretty else None)
        )
        text += prefix + message + "\n"
    outcome = load_case("function.log", text.encode("utf-8", "surrogatepass"))
    assert outcome.deliveries + outcome.rejected + outcome.skipped <= len(lines)


SEED = (
    "START RequestId: c6af9ac6 Version: $LATEST\n"
    + "2026-11-26T10:00:00.123Z\tc6af9ac6\tINFO\t"
    + json.dumps(
        {
            "resource": "/hook",
            "path": "/hook",
            "httpMethod": "POST",
            "headers": HEADERS,
            "multiValueHeaders": {k: [v] for k, v in HEADERS.items()},
            "requestContext": {"requestTimeEpoch": 1_795_687_200_123},
            "body": BODY,
            "isBase64Encoded": False,
        },
        indent=2,
    )
    + "\nEND RequestId: c6af9ac6\n"
).encode()


@FUZZ
@given(content=mutated(SEED))
def test_damaged_log(content: bytes) -> None:
    load_case("function.log", content)


@FUZZ
@given(content=mutated(SEED.split(b"\t", 3)[3].rsplit(b"\nEND", 1)[0]))
def test_damaged_event_file(content: bytes) -> None:
    load_case("event.json", content)


CSV_SEED = (
    "@timestamp,@message,@logStream\n"
    + '2026-11-26 10:00:00.123,"'
    + SEED.decode().split("\n", 1)[1].rsplit("\nEND", 1)[0].replace('"', '""')
    + '",2026/11/26/[$LATEST]abc\n'
).encode()


@FUZZ
@given(content=mutated(CSV_SEED))
def test_damaged_csv_export(content: bytes) -> None:
    load_case("insights.log", content)  # a directory walk skips .csv files (name them)


SUBSCRIPTION_SEED = (
    json.dumps(
        {
            "messageType": "DATA_MESSAGE",
            "owner": "123456789012",
            "logEvents": [
                {"id": "1", "timestamp": 1, "message": message}
                for message in SEED.decode()
                .replace("\n", "\n\0", 1)
                .replace("\nEND", "\n\0END")
                .split("\0")
            ],
        }
    )
    * 2
).encode()


@FUZZ
@given(content=mutated(SUBSCRIPTION_SEED))
def test_damaged_subscription_messages(content: bytes) -> None:
    load_case("firehose-object", content)
