"""Files written by other tools (see ``tool_files/make_tool_files.py``): each is detected, its
deliveries load with the signed bytes, and what is no delivery is skipped, not rejected."""

from __future__ import annotations

import gzip
import shutil
from collections import Counter
from pathlib import Path

import orjson
import pandas as pd
import pytest

from streamhook_nb import SourceError, load_log, verify_deliveries
from streamhook_nb.load.detect import HEAD_BYTES
from streamhook_nb.samples.webhooks import DEMO_SECRET
from streamhook_nb.verify.secrets import Keyring, Secret

FILES = Path(__file__).parent / "tool_files"
RING = Keyring((Secret(DEMO_SECRET, "demo"),))


def unzipped(body: bytes) -> bytes:
    return gzip.decompress(body) if body.startswith(b"\x1f\x8b") else body


@pytest.mark.parametrize(
    ("name", "format", "reasons", "skipped"),
    [
        ("follow-tcp-stream.http", "raw-http", {"ok": 2}, 0),
        ("sns-http-subscription.http", "raw-http", {"unsigned": 3}, 1),
        ("sns-lines.jsonl", "sns", {"unsigned": 1}, 1),
        ("sns-confirmation.json", None, {}, 1),
        ("sqs-receive-lines.jsonl", "sqs", {"unsigned": 2}, 0),
        ("sqs-messages.jsonl", "sqs", {"unsigned": 2}, 1),
        ("sqs-one-message.json", "sqs", {"unsigned": 1}, 0),
        ("sqs-powershell-utf16.json", "sqs", {"unsigned": 1}, 0),
        ("curl-verbose.log", "raw-http", {"unverifiable": 1}, 0),
        ("sqs-jq-messages.json", "sqs", {"unsigned": 2}, 1),
        ("sns-envelopes.json", "sns", {"unsigned": 1}, 1),
        ("mitmproxy.har", "har", {"ok": 2, "missing_signature": 1}, 1),
        ("mitmproxy.zhar", "har", {"ok": 2, "missing_signature": 1}, 1),
        ("http-toolkit-gzip.har", "har", {"unverifiable": 1}, 0),
    ],
)
def test_tool_file_loads_every_delivery(
    name: str, format: str | None, reasons: dict[str, int], skipped: int
) -> None:
    result = load_log(FILES / name)
    assert list(result.rejected["reason"]) == []
    assert result.skipped == skipped
    verified = verify_deliveries(result.deliveries, RING)
    assert dict(Counter(verified["reason"].astype(str))) == reasons
    assert set(result.deliveries["format"].astype(str)) == ({format} if format else set())
    frame = result.deliveries
    lost = frame["fidelity"].isin(["reconstructed", "missing"])
    kept = frame[(frame["path"] != "/upload") & ~lost]
    for body in kept["body"]:  # every payload kept is a Stream event
        assert unzipped(body).startswith(b'{"')
        assert b'"type":"' in unzipped(body)


def test_conversation_dump_keeps_requests_and_passes_over_answers() -> None:
    frame = load_log(FILES / "follow-tcp-stream.http").deliveries
    assert list(frame["source"].str.rsplit(":", n=1).str[1]) == ["1", "20"]
    assert list(frame["fidelity"].astype(str)) == ["exact", "exact"]
    assert b"HTTP/1.1 100" not in frame["body"].iloc[0]


def test_sns_raw_message_delivery_over_http_is_the_message() -> None:
    frame = load_log(FILES / "sns-http-subscription.http").deliveries
    assert list(frame["transport"].astype(str)) == ["sns", "sns", "sns"]
    assert list(frame["fidelity"].astype(str)) == ["decoded", "decoded", "exact"]
    assert unzipped(frame["body"].iloc[0]) == unzipped(frame["body"].iloc[1])
    assert frame["received_at"].iloc[0] == pd.Timestamp("2026-11-26T10:00:00.123Z")


def test_sqs_lines_name_their_line(tmp_path: Path) -> None:
    copy = shutil.copy(FILES / "sqs-messages.jsonl", tmp_path / "q.jsonl")
    with open(copy, "ab") as log:
        log.write(b'{"Messages": [{"Body": "{}"}, {"Body": "{}"}]}\n{"MessageId": "x"}\n')
        log.write(b"{broken\n")
    result = load_log(copy)
    assert list(result.deliveries["source"].str.rsplit("/", n=1).str[1]) == [
        "q.jsonl:1",
        "q.jsonl:3",
        "q.jsonl:4#1",
        "q.jsonl:4#2",
    ]
    assert [(s.rsplit("/", 1)[1], r) for s, r in result.rejected.itertuples(index=False)] == [
        (
            "q.jsonl:5",
            "neither an SQS message (no field 'Body') nor a receive-message response "
            "(no field 'Messages')",
        ),
        ("q.jsonl:6", "not valid JSON (unexpected character, expected a string key)"),
    ]


def test_sqs_line_longer_than_the_detection_head(tmp_path: Path) -> None:
    """SQS holds messages up to 256 KiB: a first line longer than what detection reads."""
    lines = (FILES / "sqs-messages.jsonl").read_bytes().splitlines(keepends=True)
    padded = lines[0].replace(b'"Attributes"', b'"Padding": "' + b"x" * 70_000 + b'", "Attributes"')
    path = tmp_path / "big.jsonl"
    assert len(padded) > HEAD_BYTES
    path.write_bytes(padded + lines[2])
    result = load_log(path)
    assert (len(result.deliveries), len(result.rejected)) == (2, 0)


def test_mitmproxy_binary_body_comes_back_byte_for_byte() -> None:
    """mitmproxy keeps a body that is not UTF-8 as surrogate-escaped text; orjson refuses the
    lone surrogates, which once made the whole HAR unreadable."""
    frame = load_log(FILES / "mitmproxy.har").deliveries
    upload = frame[frame["path"] == "/upload"]
    assert upload["body"].iloc[0] == bytes(range(256))
    assert list(frame["fidelity"].astype(str)) == ["decoded", "exact", "exact"]


def test_har_text_with_a_surrogate_no_tool_writes_is_rejected(tmp_path: Path) -> None:
    har = (FILES / "mitmproxy.har").read_text().replace("\\udc80\\udc81", "\\ud800A", 1)
    path = tmp_path / "odd.har"
    path.write_text(har)
    result = load_log(path)
    assert list(result.rejected["reason"]) == [
        "field 'request.postData.text' holds a lone UTF-16 surrogate, which no byte sequence gives"
    ]
    assert len(result.deliveries) == 2


def test_gzip_replaced_by_text_is_reconstructed_not_decoded() -> None:
    frame = load_log(FILES / "http-toolkit-gzip.har").deliveries
    assert frame["fidelity"].astype(str).iloc[0] == "reconstructed"


def test_cut_zhar_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.zhar"
    path.write_bytes((FILES / "mitmproxy.zhar").read_bytes()[:500])
    with pytest.raises(SourceError, match=r"cut\.zhar: cannot read \(its zlib compression ends"):
        load_log(path)


def test_utf16_sqs_output_keeps_the_payload_bytes() -> None:
    frame = load_log(FILES / "sqs-powershell-utf16.json").deliveries
    lines = (FILES / "sqs-messages.jsonl").read_bytes().splitlines()
    assert frame["body"].iloc[0] == load_log_line_body(lines[0])


def load_log_line_body(line: bytes) -> bytes:
    body: str = orjson.loads(line)["Body"]
    return body.encode()


def test_utf16_that_is_not_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    path.write_bytes(b"\xff\xfe{\x00\x00\xd8")  # a lone high surrogate, cut
    with pytest.raises(SourceError, match=r"odd\.json: cannot read \(it starts as UTF-16"):
        load_log(path)


def test_curl_verbose_log_lists_the_request_without_a_body() -> None:
    """curl -v never prints the body it sends: the request is listed, its body missing."""
    row = load_log(FILES / "curl-verbose.log").deliveries.iloc[0]
    assert row["source"].endswith("curl-verbose.log:8")
    assert (row["method"], row["path"], row["fidelity"]) == ("POST", "/webhooks/stream", "missing")
    assert pd.isna(row["body"])
    assert row["webhook_id"] == "6f1c2a57-7d3e-4c55-9b8e-2f0a61d1c0aa"


def test_sns_line_longer_than_the_detection_head(tmp_path: Path) -> None:
    lines = (FILES / "sns-lines.jsonl").read_bytes().splitlines(keepends=True)
    padded = lines[1].replace(b'"Signature"', b'"Padding": "' + b"x" * 70_000 + b'", "Signature"')
    assert len(padded) > HEAD_BYTES
    path = tmp_path / "big.jsonl"
    path.write_bytes(padded + lines[0] + lines[1])
    result = load_log(path)
    assert (len(result.deliveries), len(result.rejected), result.skipped) == (2, 0, 1)


def test_sns_raw_delivery_sent_chunked_is_decoded_too(tmp_path: Path) -> None:
    """The body of a raw message delivery is the message, however the request framed it."""
    requests = (FILES / "sns-http-subscription.http").read_bytes().split(b"POST /sns")
    raw_b64 = b"POST /sns" + requests[3]  # raw delivery of base64(gzip(payload))
    head, _, body = raw_b64.partition(b"\r\n\r\n")
    head = head.replace(b"Content-Length: %d" % len(body), b"Transfer-Encoding: chunked")
    chunked = head + b"\r\n\r\n" + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
    path = tmp_path / "chunked.http"
    path.write_bytes(chunked)
    row = load_log(path).deliveries.iloc[0]
    assert (row["transport"], row["fidelity"]) == ("sns", "decoded")
    assert unzipped(row["body"]).startswith(b'{"')


def test_pretty_values_one_after_another_name_where_each_starts(tmp_path: Path) -> None:
    text = (FILES / "sqs-jq-messages.json").read_text()
    starts = [n for n, line in enumerate(text.splitlines(), start=1) if line == "{"]
    frame = load_log(FILES / "sqs-jq-messages.json").deliveries
    assert [int(s.rsplit(":", 1)[1]) for s in frame["source"]] == [starts[0], starts[2]]
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index("{", len(text) // 2)] + '{"MessageId": oops\n' + text)
    result = load_log(path)
    assert len(result.deliveries) == 1
    assert list(result.rejected["reason"]) == [
        "not valid JSON (Expecting value); nothing after it could be read"
    ]
