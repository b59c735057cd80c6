"""Capture JSON Lines: exact bytes, every kind of bad record, gzip, and property tests."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import orjson
import pandas as pd
import pytest
from helpers import capture_line
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamhook_nb import RecordError, load_log, to_capture_jsonl
from streamhook_nb.load.readers import capture_blocks, capture_jsonl

WriteFile = Callable[[str, bytes], Path]


def _rejections(path: Path) -> dict[str, str]:
    result = load_log(path)
    return dict(zip(result.rejected["source"], result.rejected["reason"], strict=True))


def test_common_record_loads_with_every_column(write_file: WriteFile) -> None:
    headers = {
        "x-signature": "ab" * 32,
        "x-api-key": "key1",
        "x-webhook-id": "hook-1",
        "x-webhook-attempt": "2",
        "content-type": "application/json",
    }
    line = capture_line(b'{"type":"message.new","text":"\\u003cb\\u003e"}', headers)
    record = orjson.loads(line)
    record.update(remote_addr="203.0.113.9", http_version="1.1", response={"status": 200})
    path = write_file("log.jsonl", orjson.dumps(record) + b"\n")
    row = load_log(path).deliveries.iloc[0]
    assert row["body"] == b'{"type":"message.new","text":"\\u003cb\\u003e"}'
    assert row["source"] == f"{path}:1"
    assert row["format"] == "capture-jsonl"
    assert row["transport"] == "http"
    assert row["fidelity"] == "exact"
    assert row["received_at"] == pd.Timestamp("2026-11-26T10:00:00.123456Z")
    assert (row["signature"], row["api_key"], row["webhook_id"]) == ("ab" * 32, "key1", "hook-1")
    assert row["attempt"] == 2
    assert row["remote_addr"] == "203.0.113.9"
    assert row["response_status"] == 200
    assert orjson.loads(row["headers"]) == headers


def test_body_b64_keeps_non_utf8_bytes(write_file: WriteFile) -> None:
    body = gzip.compress(b'{"type":"message.new"}', mtime=0)
    path = write_file("log.jsonl", capture_line(body, {"content-encoding": "gzip"}))
    frame = load_log(path).deliveries
    assert frame["body"].iloc[0] == body
    assert frame["content_encoding"].iloc[0] == "gzip"


def test_header_names_are_folded_and_repeats_kept(write_file: WriteFile) -> None:
    headers = {"X-Signature": "aa" * 32, "HTTP_X_WEBHOOK_ID": "w1", "X-Forwarded-For": ["1", "2"]}
    path = write_file("log.jsonl", capture_line(headers=headers))
    row = load_log(path).deliveries.iloc[0]
    assert orjson.loads(row["headers"]) == {
        "x-signature": "aa" * 32,
        "x-webhook-id": "w1",
        "x-forwarded-for": ["1", "2"],
    }
    assert row["signature"] == "aa" * 32
    assert row["webhook_id"] == "w1"


def test_repeated_signature_header_is_joined_not_guessed(write_file: WriteFile) -> None:
    path = write_file("log.jsonl", capture_line(headers={"x-signature": ["aa", "bb"]}))
    assert load_log(path).deliveries["signature"].iloc[0] == "aa, bb"


def test_gzip_file_is_read_transparently(write_file: WriteFile) -> None:
    path = write_file("log.jsonl.gz", gzip.compress(capture_line() * 3))
    result = load_log(path)
    assert len(result.deliveries) == 3
    assert list(result.deliveries["source"]) == [f"{path}:{n}" for n in (1, 2, 3)]


def test_gzip_detected_by_content_not_name(write_file: WriteFile) -> None:
    path = write_file("log.bin", gzip.compress(capture_line()))
    assert len(load_log(path).deliveries) == 1


BAD_LINES = {
    b"{not json}\n": "not valid JSON",
    b"[1, 2]\n": "expected a JSON object, got an array",
    b'{"headers": {}, "method": "POST"}\n': "record has neither 'body' nor 'body_b64'",
    capture_line(headers="x-signature: 1"): "field 'headers' must be an object, got a string",  # type: ignore[arg-type]
    capture_line(body=b"x", method=5): "field 'method' must be a string, got a number",
    capture_line(received_at=17): "field 'received_at' must be a string or null, got a number",
    capture_line(received_at="yesterday"): "field 'received_at' is not an ISO 8601 time",
    capture_line(headers={"x-signature": 5}): "header 'x-signature' must be a string",
    capture_line(transport="carrier-pigeon"): "field 'transport' must be one of http, sqs, sns",
    capture_line(response=[200]): "field 'response' must be an object, got an array",
    b'{"headers": {}, "body_b64": "***"}\n': "field 'body_b64' is not valid base64",
    b'{"headers": {}, "body": 12}\n': (
        "field 'body' must be a string, or the parsed JSON, got a number"
    ),
}


@pytest.mark.parametrize(("line", "reason"), list(BAD_LINES.items()))
def test_each_bad_record_is_rejected_with_its_reason_and_nothing_else_is_lost(
    write_file: WriteFile, line: bytes, reason: str
) -> None:
    good = capture_line()
    path = write_file("log.jsonl", good + line + good)
    result = load_log(path)
    assert list(result.deliveries["source"]) == [f"{path}:1", f"{path}:3"]
    assert list(result.rejected["source"]) == [f"{path}:2"]
    assert reason in result.rejected["reason"].iloc[0]


def test_truncated_last_line_is_reported_as_torn(write_file: WriteFile) -> None:
    path = write_file("log.jsonl", capture_line() + capture_line()[:40])
    assert _rejections(path) == {
        f"{path}:2": "truncated last line (the writer stopped mid-record); the record is incomplete"
    }


def test_non_utf8_line_is_rejected(write_file: WriteFile) -> None:
    path = write_file("log.jsonl", capture_line() + b'{"body": "\xff\xfe"}\n')
    assert "not valid JSON" in _rejections(path)[f"{path}:2"]


def test_oversized_line_is_rejected(write_file: WriteFile, tmp_path: Path) -> None:
    big = capture_line(b"x" * 2000)
    with open(write_file("log.jsonl", capture_line() + big), "rb") as stream:
        batches = list(capture_blocks.read(stream, "log.jsonl", max_line_bytes=1000))
    assert len(batches[0]) == 1
    assert batches[0].rejected[0].reason == "line is longer than 1000 bytes"


def test_blank_lines_are_not_records(write_file: WriteFile) -> None:
    path = write_file("log.jsonl", capture_line() + b"\n  \n" + capture_line())
    result = load_log(path)
    assert len(result.deliveries) == 2
    assert len(result.rejected) == 0
    assert list(result.deliveries["source"]) == [f"{path}:1", f"{path}:4"]


def test_strict_names_file_and_line(write_file: WriteFile) -> None:
    path = write_file("log.jsonl", capture_line() + b"oops\n")
    with pytest.raises(RecordError, match=rf"^{path}:2: not valid JSON"):
        load_log(path, strict=True)


def test_strict_stops_at_a_bad_received_at_too(write_file: WriteFile) -> None:
    from streamhook_nb import iter_load
    from streamhook_nb.pipeline.load_summary import summarize

    path = write_file("log.jsonl", capture_line() + capture_line(received_at="yesterday"))
    expected = rf"^{path}:2: field 'received_at' is not an ISO 8601 time: 'yesterday'"
    for load in (
        lambda: load_log(path, strict=True),
        lambda: list(iter_load(path, strict=True)),
        lambda: summarize(path, strict=True),
    ):
        with pytest.raises(RecordError, match=expected):
            load()


def test_missing_fidelity_means_no_body(write_file: WriteFile) -> None:
    path = write_file("log.jsonl", capture_line(b"", fidelity="missing"))
    row = load_log(path).deliveries.iloc[0]
    assert row["body"] is pd.NA
    assert row["fidelity"] == "missing"


def test_sqs_transport_survives_a_capture_log(write_file: WriteFile) -> None:
    path = write_file("log.jsonl", capture_line(transport="sqs", fidelity="decoded"))
    row = load_log(path).deliveries.iloc[0]
    assert (row["transport"], row["fidelity"]) == ("sqs", "decoded")


header_names = st.from_regex(r"\A[a-z][a-z0-9\-]{0,20}\Z")
header_values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bodies=st.lists(
        st.binary(max_size=300) | st.text(max_size=200).map(str.encode), min_size=1, max_size=5
    ),
    headers=st.dictionaries(header_names, header_values, max_size=6),
)
def test_any_body_and_headers_round_trip_byte_exact(
    tmp_path: Path, bodies: list[bytes], headers: dict[str, str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"".join(capture_line(b, headers) for b in bodies))
    first = load_log(source).deliveries
    assert list(first["body"]) == bodies
    assert all(orjson.loads(h) == headers for h in first["headers"])
    copy = tmp_path / "out.jsonl"
    assert to_capture_jsonl(first, copy) == len(bodies)
    second = load_log(copy).deliveries
    assert list(second["body"]) == bodies
    assert list(second["headers"]) == list(first["headers"])
    assert list(second["received_at"]) == list(first["received_at"])


def test_byte_order_mark_and_crlf_line_ends(write_file: WriteFile) -> None:
    path = write_file("notepad.jsonl", b"\xef\xbb\xbf" + capture_line().replace(b"\n", b"\r\n") * 2)
    result = load_log(path)
    assert len(result.deliveries) == 2
    assert len(result.rejected) == 0


_COMMON = {
    "received_at": "2026-11-26T10:00:00.123456Z",
    "method": "POST",
    "path": "/hook",
    "remote_addr": "203.0.113.10",
    "http_version": "1.1",
    "headers": {"x-signature": "ab" * 32, "x-api-key": "k", "x-webhook-attempt": "2"},
    "body": '{"type":"message.new","text":"h\\u00e9 \\"q\\" </b> \\ud83d\\ude00"}',
    "response": {"status": 200, "duration_ms": 1.5},
}


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"response": {"status": 200.0}},
        {"response": {"status": True}},
        {"response": None},
        {"received_at": None},
        {"verdict": "ok"},
        {"http_version": 2},
        {"headers": {"X-Signature": "ab" * 32, "X-Api-Key": "k"}},
        {"headers": {"http_x_signature": "ab" * 32}},
        {"headers": {"x_custom": "1", "x-signature": "ab" * 32}},
        {"headers": {" x-custom ": "1", "x-signature": "ab" * 32}},
        {"headers": {"x-custom\u00a0": "1", "x-signature": "ab" * 32}},
        {"headers": {"x-signature": ["ab" * 32, "cd" * 32]}},
        {"headers": {}},
        {"remote_addr": None},
        {"response": {"status": 2**63 - 1, "duration_ms": "x"}},
        {"response": {"status": "200"}},
        {"verdict": {"reason": "ok"}},
        {"method": None},
    ],
)
def test_fast_and_careful_paths_give_the_same_row(change: dict[str, object]) -> None:
    record = {**_COMMON, **change}
    line = orjson.dumps(record) + b"\n"
    (batch,) = capture_jsonl.read_lines([line], "log.jsonl")
    assert batch.rows == [capture_jsonl.parse_record("log.jsonl:1", orjson.loads(line))]
    status = (change.get("response") or {}).get("status", 0)  # type: ignore[attr-defined]
    fast = (
        set(change) <= {"http_version", "verdict", "remote_addr", "response"}
        or change == {"headers": {}}
    ) and (type(status) is int)  # the receiver's shape, with or without the optional fields
    # (or without any header), skips the careful path
    try:
        capture_jsonl.common_record(line)
    except Exception:
        assert not fast
    else:
        assert fast


@pytest.mark.parametrize(
    "dropped",
    [("http_version",), ("remote_addr", "http_version", "response"), ("response",)],
)
def test_a_record_without_the_optional_fields_takes_the_fast_path(dropped: tuple[str]) -> None:
    record = {k: v for k, v in _COMMON.items() if k not in dropped}
    line = orjson.dumps(record) + b"\n"
    (batch,) = capture_jsonl.read_lines([line], "log.jsonl")
    assert batch.rows[0].body == _COMMON["body"].encode()  # type: ignore[union-attr]
    assert batch.rows == [capture_jsonl.parse_record("log.jsonl:1", orjson.loads(line))]
    capture_jsonl.common_record(line)  # raises if the line would take the careful path


def test_repeated_keys_take_the_last_value_on_both_paths() -> None:
    line = (
        b'{"received_at":"2026-11-26T10:00:00Z","method":"POST","path":"/h",'
        b'"remote_addr":"1.2.3.4","http_version":"1.1",'
        b'"headers":{"x-signature":"a","x-signature":"b"},"body":"first","body":"second",'
        b'"response":{"status":200}}\n'
    )
    (batch,) = capture_jsonl.read_lines([line], "log.jsonl")
    assert batch.rows == [capture_jsonl.parse_record("log.jsonl:1", orjson.loads(line))]
    assert batch.rows[0].body == b"second"


def test_a_body_logged_as_parsed_json_is_rebuilt_not_rejected(tmp_path: Path) -> None:
    """An app's own log (``JSON.stringify({headers: req.headers, body: req.body})``) holds the
    parsed body: its compact JSON is kept as ``reconstructed`` (no verdict unless a Stream
    encoding of it matches), never rejected or taken for the signed bytes."""
    parsed = {"type": "message.new", "message": {"text": "a <b> & c"}}
    line = orjson.dumps({"headers": {"X-Signature": "ab" * 32}, "body": parsed}) + b"\n"
    listed = orjson.dumps({"headers": {}, "body": [1, 2], "fidelity": "truncated"}) + b"\n"
    path = tmp_path / "app.log.jsonl"
    path.write_bytes(line + listed)
    result = load_log(path)
    assert len(result.rejected) == 0
    assert list(result.deliveries["body"]) == [orjson.dumps(parsed), b"[1,2]"]
    assert list(result.deliveries["fidelity"]) == ["reconstructed", "truncated"]


def test_a_parsed_body_nested_too_deeply_to_rebuild_is_rejected(tmp_path: Path) -> None:
    """orjson reads 1024 levels but writes 255: the rebuild raised a TypeError traceback."""
    deep: dict[str, object] = {}
    inner = deep
    for _ in range(300):
        inner["a"] = {}
        inner = inner["a"]  # type: ignore[assignment]
    path = tmp_path / "deep.jsonl"
    path.write_bytes(orjson.dumps({"headers": {}, "body": [1]}) + b"\n" + _deep_line(deep))
    result = load_log(path)
    assert len(result.deliveries) == 1
    assert list(result.rejected["reason"]) == [
        "field 'body' is parsed JSON nested too deeply to rebuild"
    ]


def _deep_line(body: object) -> bytes:
    import json

    return json.dumps({"headers": {}, "body": body}).encode() + b"\n"


def test_a_parsed_body_whose_json_repeats_a_key_or_cuts_a_number_is_rejected(
    tmp_path: Path,
) -> None:
    """An app's JSON lines of ``{"headers", "body": {...}}`` read as capture records: a body
    rebuilt from logged JSON that repeats a key (orjson keeps the last value, the app may have
    read the first) or writes more digits than a float keeps could be other content than what
    was signed, so it is rejected, never ``body_reserialized``."""
    from streamhook_nb import Keyring, Secret, verify_deliveries
    from streamhook_nb.samples.webhooks import DEMO_API_KEY, DEMO_SECRET
    from streamhook_nb.verify.signing import sign
    from streamhook_nb.verify.stream_json import encode

    body = {"type": "reaction.new", "cid": "messaging:general", "score": 1.5}
    signed = encode(body)
    headers = {"x-signature": sign(signed, DEMO_SECRET), "x-api-key": DEMO_API_KEY}
    plain = orjson.dumps({"headers": headers, "body": body}).decode()
    repeated = plain.replace(
        '"type":"reaction.new"', '"type":"message.deleted","type":"reaction.new"'
    )
    long_number = plain.replace('"score":1.5', '"score":1.50000000000000000001')
    log = tmp_path / "app.jsonl"
    log.write_text("\n".join([plain, repeated, long_number]) + "\n")
    result = load_log(log)
    assert result.deliveries["source"].tolist() == [f"{log}:1"]
    assert result.rejected["source"].tolist() == [f"{log}:2", f"{log}:3"]
    reasons = result.rejected["reason"].tolist()
    assert "repeats a key ('type')" in reasons[0]
    assert "more digits than a parser keeps (1.50000000000000000001)" in reasons[1]
    ring = Keyring((Secret(DEMO_SECRET, "DEMO"),))
    assert verify_deliveries(result.deliveries, ring)["reason"].tolist() == ["body_reserialized"]
