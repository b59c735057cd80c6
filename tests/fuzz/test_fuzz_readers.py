"""Random and damaged input for every reader: no exception escapes, nothing hangs, every record
is a delivery, a skipped non-delivery or a rejected record with a reason, and the command line
agrees with ``load_log`` (see ``fuzzing.load_case``)."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from fuzzing import FUZZ, JSON_VALUES, dumps, json_lines, load_case, maybe, mutated
from helpers import DATA
from hypothesis import given
from hypothesis import strategies as st

BODY = b'{"type":"message.new","message":{"text":"hi \\u003cb\\u003e"}}'
TIMES = st.sampled_from(
    [
        "2026-11-26T10:00:00.123456Z",
        "2026-11-26T10:00:00+01:00",
        "1677-01-01T00:00:00Z",  # before pandas' nanosecond range
        "9999-12-31T23:59:59Z",
        "yesterday",
        "",
    ]
)
METHODS = st.sampled_from(["POST", "POST", "GET", "OPTIONS", "post", "PUT"])
STATUSES = st.sampled_from([200, 0, -1, 2**63, 2**64 - 1, 2**70, 1.5, True])
TARGETS = st.sampled_from(["/hook", "/hook?x=1", "/", "http://h.test/hook", "*", "/%zz", "/a b"])


def _lines(content: bytes) -> int:
    """Records a line-based log holds: its non-blank lines."""
    return sum(1 for line in content.removeprefix(b"\xef\xbb\xbf").split(b"\n") if line.strip())


def _accounted(outcome: Any, records: int) -> None:
    total = outcome.deliveries + outcome.rejected + outcome.skipped
    assert total == records, f"{records} records in, {total} accounted for ({outcome})"


# --- capture JSON Lines -------------------------------------------------------------------

CAPTURE_RECORDS = st.fixed_dictionaries(
    {
        "received_at": maybe("2026-11-26T10:00:00.123456Z") | TIMES,
        "method": maybe("POST") | METHODS,
        "path": maybe("/hook"),
        "headers": maybe({"x-signature": "ab" * 32, "x-webhook-attempt": "1"})
        | st.dictionaries(
            st.sampled_from(["x-signature", "X-Webhook-Attempt", "HTTP_X_API_KEY", "x-webhook-id"]),
            st.text(max_size=12)
            | st.sampled_from(["\xb2", "\u0663", "9" * 5000, "-1"])
            | st.lists(st.text(max_size=5), max_size=2),
            max_size=4,
        ),
    },
    optional={
        "body": maybe(BODY.decode()),
        "body_b64": maybe(base64.b64encode(gzip.compress(BODY, mtime=0)).decode()),
        "response": maybe({"status": 200}) | st.fixed_dictionaries({"status": JSON_VALUES}),
        "transport": maybe("sqs"),
        "fidelity": maybe("truncated"),
        "remote_addr": maybe("203.0.113.5"),
    },
)
GOOD_LINE = dumps(
    {
        "received_at": "2026-11-26T10:00:00.123456Z",
        "method": "POST",
        "path": "/hook",
        "remote_addr": "203.0.113.5",
        "http_version": "1.1",
        "headers": {"x-signature": "ab" * 32},
        "body": BODY.decode(),
        "response": {"status": 200},
    }
)


@FUZZ
@given(
    lines=st.lists(
        CAPTURE_RECORDS.map(dumps) | mutated(GOOD_LINE) | JSON_VALUES.map(dumps),
        min_size=1,
        max_size=6,
    ),
    ending=st.sampled_from([b"\n", b"\r\n"]),
)
def test_capture_log_lines(lines: list[bytes], ending: bytes) -> None:
    content = b"".join(line + ending for line in lines)
    outcome = load_case("capture.jsonl", content, format="capture-jsonl")
    _accounted(outcome, _lines(content))


# --- HAR ----------------------------------------------------------------------------------

HAR_HEADERS = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.sampled_from(
                ["X-Signature", "Content-Encoding", "x-amz-sns-message-type", ":authority", "Host"]
            ),
            "value": st.sampled_from(["ab" * 32, "gzip", "Notification", "h.test", "\u00b2"]),
        }
    ),
    max_size=4,
)
HAR_POST_DATA = st.fixed_dictionaries(
    {},
    optional={
        "text": maybe(BODY.decode())
        | st.just(dumps({"Type": "Notification", "Message": BODY.decode()}).decode()),
        "encoding": maybe("base64"),
        "params": maybe([{"name": "a", "value": "%20b"}]),
    },
)
HAR_ENTRIES = st.fixed_dictionaries(
    {
        "request": maybe({"method": "POST", "url": "http://h.test/hook"})
        | st.fixed_dictionaries(
            {
                "method": maybe("POST") | METHODS,
                "url": maybe("http://h.test/hook")
                | st.sampled_from(["http://[::1/x", "", "hook", "http://h.test:99999/x"]),
            },
            optional={
                "headers": maybe([]) | HAR_HEADERS,
                "postData": maybe({"text": "{}"}) | HAR_POST_DATA,
                "bodySize": maybe(2),
            },
        ),
    },
    optional={
        "startedDateTime": maybe("2026-11-26T10:00:00.000Z") | TIMES,
        "response": maybe({"status": 200}) | STATUSES.map(lambda status: {"status": status}),
        "_transport": maybe("sqs"),
        "_fidelity": maybe("truncated"),
    },
)


@FUZZ
@given(entries=st.lists(HAR_ENTRIES | JSON_VALUES, max_size=5), bom=st.booleans())
def test_har_entries(entries: list[Any], bom: bool) -> None:
    document = dumps({"log": {"version": "1.2", "entries": entries}})
    outcome = load_case("export.har", b"\xef\xbb\xbf" * bom + document)
    _accounted(outcome, len(entries))


@FUZZ
@given(content=mutated((DATA / "har" / "devtools-export.har").read_bytes()))
def test_damaged_har_file(content: bytes) -> None:
    load_case("export.har", content)


# --- raw HTTP and ngrok -------------------------------------------------------------------

HEADER_LINES = st.sampled_from(
    [
        b"Host: h.test",
        b"X-Signature: " + b"ab" * 32,
        b"Content-Length: 2",
        b"Content-Length: 40",
        b"Content-Length: \xb2",
        b"Content-Length: -1",
        b"Content-Length: " + b"9" * 30,
        b"Transfer-Encoding: chunked",
        b"x-amz-sns-message-type: Notification",
        b"x-amz-sns-message-type: SubscriptionConfirmation",
        b" folded",
        b"no colon",
    ]
)
CHUNKS = st.lists(
    st.sampled_from([b"2", b"-5", b"0x2", b"ffffffffffffffffffff", b"1_0", b"2;ext=1", b"\xb2"]),
    max_size=3,
).map(lambda sizes: b"".join(size + b"\r\n{}\r\n" for size in sizes) + b"0\r\n\r\n")
REQUESTS = st.tuples(
    METHODS.map(str.encode),
    TARGETS.map(str.encode),
    st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2", b""]),
    st.lists(HEADER_LINES, max_size=4),
    st.sampled_from([b"\r\n\r\n", b"\n\n", b"\r\n", b""]),
    st.sampled_from([b"{}", BODY, b"", b'{"Type":"Notification","Message":"{}"}']) | CHUNKS,
).map(lambda p: b" ".join(p[:3]) + b"\r\n" + b"\r\n".join(p[3]) + p[4] + p[5] + b"\r\n")


def _request_lines(content: bytes) -> int:
    """Lines the reader could take for a request line: three words, the last ``HTTP/1.``..."""
    words = (line.removesuffix(b"\r").split(b" ") for line in content.split(b"\n"))
    return sum(1 for w in words if len(w) == 3 and w[2].startswith(b"HTTP/1."))


@FUZZ
@given(requests=st.lists(REQUESTS, min_size=1, max_size=5))
def test_raw_http_requests(requests: list[bytes]) -> None:
    content = b"".join(requests)
    outcome = load_case("dump.http", content, format="raw-http")
    assert outcome.deliveries + outcome.skipped <= _request_lines(content)
    assert outcome.deliveries + outcome.skipped + outcome.rejected >= 1


@FUZZ
@given(content=mutated((DATA / "raw-http" / "two-requests.http").read_bytes()))
def test_damaged_raw_http_file(content: bytes) -> None:
    load_case("dump.http", content)


NGROK_REQUESTS = st.fixed_dictionaries(
    {
        "request": maybe({"method": "GET", "uri": "/", "headers": {"Host": ["h.test"]}})
        | REQUESTS.map(lambda raw: {"raw": base64.b64encode(raw).decode()})
        | st.fixed_dictionaries({"raw": maybe("not base64!")}),
    },
    optional={
        "start": maybe("2026-11-26T10:00:00Z") | TIMES,
        "remote_addr": maybe("203.0.113.5"),
        "response": maybe({"status_code": 200})
        | STATUSES.map(lambda status: {"status_code": status}),
    },
)


@FUZZ
@given(requests=st.lists(NGROK_REQUESTS | JSON_VALUES, max_size=5))
def test_ngrok_requests(requests: list[Any]) -> None:
    outcome = load_case("requests.json", dumps({"requests": requests}))
    _accounted(outcome, len(requests))


@FUZZ
@given(content=mutated((DATA / "ngrok" / "requests.json").read_bytes()))
def test_damaged_ngrok_file(content: bytes) -> None:
    load_case("requests.json", content)


# --- SQS and SNS --------------------------------------------------------------------------

QUEUE_BODIES = st.sampled_from(
    [
        BODY.decode(),
        base64.b64encode(BODY).decode(),
        base64.b64encode(gzip.compress(BODY, mtime=0)).decode(),
        base64.b64encode(gzip.compress(BODY, mtime=0)[:-6]).decode(),
        "%%%",
        dumps({"Type": "Notification", "Message": BODY.decode()}).decode(),
    ]
)
SQS_MESSAGES = st.fixed_dictionaries(
    {"MessageId": maybe("m1"), "Body": maybe(BODY.decode()) | QUEUE_BODIES},
    optional={
        "Attributes": st.fixed_dictionaries(
            {"SentTimestamp": maybe("1795687200000") | st.integers().map(str)}
        )
    },
)
SNS_ENVELOPES = st.fixed_dictionaries(
    {"Type": maybe("Notification"), "Message": maybe(BODY.decode()) | QUEUE_BODIES},
    optional={"Timestamp": maybe("2026-11-26T10:00:00.000Z") | TIMES, "MessageId": maybe("m")},
)


@FUZZ
@given(messages=st.lists(SQS_MESSAGES | JSON_VALUES, min_size=1, max_size=5))
def test_sqs_messages(messages: list[Any]) -> None:
    outcome = load_case("received.json", dumps({"Messages": messages}), format="sqs")
    _accounted(outcome, len(messages))


@FUZZ
@given(envelopes=st.lists(SNS_ENVELOPES | JSON_VALUES, min_size=1, max_size=5), lines=st.booleans())
def test_sns_envelopes(envelopes: list[Any], lines: bool) -> None:
    # One envelope per line, as a subscription's log keeps them, or one array.
    content = json_lines(envelopes) if lines else dumps(envelopes)
    try:  # a whole document: one record per item of an array, else the one object
        document = json.loads(content)
        records = len(document) if isinstance(document, list) else 1
    except ValueError:
        records = _lines(content)
    outcome = load_case("notifications.json", content, format="sns")
    _accounted(outcome, records)


@FUZZ
@given(
    content=mutated((DATA / "sqs" / "receive-message.json").read_bytes())
    | mutated((DATA / "sns" / "notification.json").read_bytes())
)
def test_damaged_queue_files(content: bytes) -> None:
    load_case("queue.json", content)
