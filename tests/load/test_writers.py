"""Every format converts to capture JSONL and HAR and back with the bytes unchanged."""

from __future__ import annotations

import base64
import io
import warnings
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers import capture_line

from streamhook_nb import load_log, to_capture_jsonl, to_har
from streamhook_nb.load.writers import CaptureLineWarning, HarLossWarning, HarWriter

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


@pytest.mark.filterwarnings("ignore::streamhook_nb.load.writers.HarLossWarning")
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


@pytest.mark.filterwarnings("ignore::streamhook_nb.load.writers.HarLossWarning")
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


@pytest.mark.filterwarnings("ignore::streamhook_nb.load.writers.HarLossWarning")
def test_har_entries_carry_custom_transport_and_fidelity_fields(data_dir: Path) -> None:
    buffer = io.BytesIO()
    to_har(load_log(data_dir / "sqs").deliveries, buffer)
    entries = orjson.loads(buffer.getvalue())["log"]["entries"]
    assert {e["_transport"] for e in entries} == {"sqs", "sns"}
    assert all(e["_fidelity"] in ("exact", "decoded") for e in entries)


@pytest.mark.filterwarnings("ignore::streamhook_nb.load.writers.HarLossWarning")
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


@pytest.mark.filterwarnings("ignore::streamhook_nb.load.writers.HarLossWarning")
@pytest.mark.parametrize("writer", [to_capture_jsonl, to_har])
def test_nanoseconds_survive_both_conversions(tmp_path: Path, writer: Any) -> None:
    times = ["2026-11-26T10:00:00.123456789Z", "2026-11-26T10:00:00.5+02:00", None]
    lines = [capture_line(received_at=when) for when in times]
    (tmp_path / "nanos.jsonl").write_bytes(b"".join(lines))
    original = load_log(tmp_path / "nanos.jsonl").deliveries
    writer(original, tmp_path / "out")
    again = load_log(tmp_path / "out").deliveries
    assert again["received_at"].iloc[0].nanosecond == 789
    assert again["received_at"].iloc[:2].tolist() == original["received_at"].iloc[:2].tolist()


def test_capture_jsonl_writes_six_digits_unless_there_are_nanoseconds(tmp_path: Path) -> None:
    times = ["2026-11-26T10:00:00.5Z", "2026-11-26T10:00:00.000000001Z"]
    (tmp_path / "t.jsonl").write_bytes(b"".join(capture_line(received_at=t) for t in times))
    buffer = io.BytesIO()
    to_capture_jsonl(load_log(tmp_path / "t.jsonl").deliveries, buffer)
    written = [orjson.loads(line)["received_at"] for line in buffer.getvalue().splitlines()]
    assert written == ["2026-11-26T10:00:00.500000Z", "2026-11-26T10:00:00.000000001Z"]


@pytest.mark.parametrize(
    ("sample", "said"),
    [
        ("sqs", "7 have no method or path (queue messages), written as POST /"),
        ("raw-http", "3 have no arrival time, written as 1970-01-01T00:00:00Z"),
    ],
)
def test_har_warns_of_values_it_must_make_up(data_dir: Path, sample: str, said: str) -> None:
    with pytest.warns(HarLossWarning, match="HAR cannot hold") as caught:
        to_har(load_log(data_dir / sample).deliveries, io.BytesIO())
    assert said in str(caught[0].message)


def test_har_counts_client_addresses_it_cannot_hold(data_dir: Path) -> None:
    deliveries = load_log(data_dir / "ngrok").deliveries
    with HarWriter(io.BytesIO()) as har:
        har.write(deliveries)
    assert har.lost == {"remote_addr": 5}
    assert "5 carry the client's address (remote_addr)" in har.loss_message()
    to_har(deliveries, io.BytesIO())  # read back as unknown, not as a false value: no warning


HOSTILE_BODIES = [
    b'{"type":"message.new","text":"\\u003cb\\u003e \xc3\xa9"}',
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab\xae\x05\x00C\xbf\xa6\xa3\x02\x00\x00\x00",
    b'{"text":"caf\xe9"}',  # not UTF-8
    '{"text":"a\u2028b\u2029c"}'.encode(),
    b'{"text":"a\\u0000b"}\x00',
    b'{"type":"x",\r\n"text":"y"}\r\n',
    b"",
]
HOSTILE_FIELDS: list[dict[str, Any]] = [
    {"received_at": None},
    {"received_at": "2026-11-26T10:00:00.987654321-05:30"},
    {"fidelity": "truncated"},
    {"fidelity": "reconstructed"},
    {"fidelity": "decoded"},
    {"fidelity": "missing"},
    {"transport": "sqs", "method": None, "path": None},
    {"transport": "sns"},
    {"remote_addr": "10.0.0.1:5555", "response": {"status": 500}},
    {"path": "/hôok?x=1&y=%20z", "method": "post"},
]


@pytest.mark.parametrize("writer", ["jsonl", "parquet"])
def test_hostile_deliveries_survive_conversion_column_for_column(
    tmp_path: Path, writer: str
) -> None:
    from streamhook_nb import to_parquet

    headers = {"X-Signature": "ab" * 32, "HTTP_X_WEBHOOK_ID": "w", "x-dup": ["1", "1", "2"]}
    lines = [capture_line(body, headers) for body in HOSTILE_BODIES]
    lines += [capture_line(HOSTILE_BODIES[0], headers, **fields) for fields in HOSTILE_FIELDS]
    (tmp_path / "hostile.jsonl").write_bytes(b"".join(lines))
    original = load_log(tmp_path / "hostile.jsonl").deliveries
    assert len(original) == len(lines)
    target = tmp_path / f"out.{writer}"
    (to_capture_jsonl if writer == "jsonl" else to_parquet)(original, target)
    again = load_log(target).deliveries
    for column in original.columns.drop(["source", "format"]):
        assert again[column].astype(object).tolist() == original[column].astype(object).tolist(), (
            column
        )


def test_har_urls_keep_every_path_they_can_and_count_the_others(tmp_path: Path) -> None:
    kept = ["/h", "/a b?x=ü", "//twice/h"]
    changed = ["/h#frag", "hook", "*", "http://other/x", "/h?", ""]
    hosts = [None, "a/b", "user@h", "h:notaport", "[::1]:8080"]
    records = [capture_line(path=path) for path in kept + changed]
    records += [capture_line(path="/h", headers={"host": host} if host else {}) for host in hosts]
    (tmp_path / "paths.jsonl").write_bytes(b"".join(records))
    original = load_log(tmp_path / "paths.jsonl").deliveries
    with pytest.warns(HarLossWarning, match="6 have a path a URL cannot carry as it is"):
        to_har(original, tmp_path / "paths.har")
    again = load_log(tmp_path / "paths.har").deliveries
    paths = dict(zip(original["path"], again["path"], strict=False))
    assert all(paths[path] == path for path in kept)
    assert again["path"].tolist()[-len(hosts) :] == ["/h"] * len(
        hosts
    )  # an odd Host never moves it
    assert again["headers"].tolist() == original["headers"].tolist()


def test_a_record_too_long_for_a_capture_line_is_written_and_warned_of(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamhook_nb.load import writers

    monkeypatch.setattr(writers, "MAX_LINE_BYTES", 400)  # what the reader takes, made small
    (tmp_path / "in.jsonl").write_bytes(capture_line(b"x" * 500) + capture_line(b"{}"))
    deliveries = load_log(tmp_path / "in.jsonl").deliveries
    with pytest.warns(CaptureLineWarning, match="1 delivery makes a capture-log line longer"):
        assert to_capture_jsonl(deliveries, tmp_path / "out.jsonl") == 2
    assert (tmp_path / "out.jsonl").read_bytes().count(b"\n") == 2  # written all the same


@pytest.mark.filterwarnings("ignore::streamhook_nb.load.writers.HarLossWarning")
def test_a_chain_of_conversions_keeps_bytes_headers_and_verdicts(
    data_dir: Path, tmp_path: Path
) -> None:
    from streamhook_nb import to_parquet, verify_deliveries
    from streamhook_nb.verify.secrets import keyring

    ring = keyring(secrets_file=data_dir / "demo-secrets.toml")
    original = load_log([data_dir / sample for sample in SAMPLES]).deliveries
    frame = original
    for step, writer in enumerate([to_har, to_capture_jsonl, to_parquet, to_capture_jsonl]):
        target = tmp_path / f"step{step}"
        writer(frame, target)
        frame = load_log(target).deliveries
    for column in ("body", "headers", "fidelity", "transport", "response_status"):
        assert frame[column].tolist() == original[column].tolist(), column
    before, after = verify_deliveries(original, ring), verify_deliveries(frame, ring)
    assert after["reason"].tolist() == before["reason"].tolist()


def test_a_body_of_control_characters_is_written_as_base64_and_reads_back(
    tmp_path: Path,
) -> None:
    """Escaped, 3 MiB of control characters is an 18 MiB line, which the loaders reject."""
    body = b"\x1f" * (3 * 1024 * 1024)
    record = orjson.loads(capture_line(b"{}"))
    del record["body"]
    record["body_b64"] = base64.b64encode(body).decode("ascii")
    (tmp_path / "in.jsonl").write_bytes(orjson.dumps(record) + b"\n" + capture_line(b"{}"))
    deliveries = load_log(tmp_path / "in.jsonl").deliveries
    with warnings.catch_warnings():
        warnings.simplefilter("error", CaptureLineWarning)
        assert to_capture_jsonl(deliveries, tmp_path / "out.jsonl") == 2
    again = load_log(tmp_path / "out.jsonl")
    assert again.rejected.empty
    assert again.deliveries["body"].tolist() == [body, b"{}"]
    assert b'"body":"{}"' in (tmp_path / "out.jsonl").read_bytes()  # text kept where it fits
