"""HAR 1.2: bodies from postData.text, base64 bodies, header case, fidelity, HAR writer."""

from __future__ import annotations

import base64
import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
from helpers import capture_line
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamhook_nb import load_log, to_har

WriteFile = Callable[[str, bytes], Path]


def har(*requests: dict[str, Any]) -> bytes:
    entries = [
        {
            "startedDateTime": "2026-11-26T10:00:00.000+01:00",
            "time": 1,
            "request": r,
            "response": {"status": 200},
        }
        for r in requests
    ]
    return orjson.dumps({"log": {"version": "1.2", "creator": {"name": "t"}, "entries": entries}})


def post(text: str | None = None, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": "POST",
        "url": "https://hooks.example.com/stream?key=1",
        "httpVersion": "HTTP/2.0",
        "headers": [
            {"name": ":authority", "value": "hooks.example.com"},
            {"name": "X-SIGNATURE", "value": "ab" * 32},
            {"name": "x-webhook-id", "value": "w1"},
        ],
    }
    if text is not None:
        request["postData"] = {"mimeType": "application/json", "text": text}
    request.update(extra)
    return request


def test_post_data_text_is_the_body(write_file: WriteFile) -> None:
    path = write_file("x.har", har(post('{"type":"message.new","t":"\\u0026"}')))
    row = load_log(path).deliveries.iloc[0]
    assert row["body"] == b'{"type":"message.new","t":"\\u0026"}'
    assert orjson.loads(row["headers"]) == {"x-signature": "ab" * 32, "x-webhook-id": "w1"}
    assert (row["path"], row["fidelity"], row["response_status"]) == ("/stream?key=1", "exact", 200)
    assert str(row["received_at"]) == "2026-11-26 09:00:00+00:00"
    assert row["source"] == f"{path}#1"


def test_base64_post_data(write_file: WriteFile) -> None:
    body = gzip.compress(b'{"type":"x"}', mtime=0)
    request = post()
    request["postData"] = {
        "mimeType": "application/json",
        "text": base64.b64encode(body).decode(),
        "encoding": "base64",
    }
    assert load_log(write_file("x.har", har(request))).deliveries["body"].iloc[0] == body


def test_fidelity_from_body_size(write_file: WriteFile) -> None:
    truncated = post('{"type":"mess', bodySize=400)
    gunzipped = post('{"type":"message.new"}', bodySize=30)
    gunzipped["headers"].append({"name": "Content-Encoding", "value": "gzip"})
    missing = post(bodySize=120)
    frame = load_log(write_file("x.har", har(truncated, gunzipped, missing))).deliveries
    assert list(frame["fidelity"]) == ["truncated", "decoded", "missing"]
    assert frame["body"].iloc[2] is pd.NA


def test_bad_entries_are_rejected_others_kept(write_file: WriteFile) -> None:
    bad_b64 = post("***")
    bad_b64["postData"]["encoding"] = "base64"
    no_url = post("{}")
    del no_url["url"]
    path = write_file("x.har", har(post("{}"), bad_b64, no_url))
    result = load_log(path)
    assert list(result.deliveries["source"]) == [f"{path}#1"]
    assert dict(zip(result.rejected["source"], result.rejected["reason"], strict=True)) == {
        f"{path}#2": "field 'request.postData.text' is not valid base64",
        f"{path}#3": "field 'url' is missing",
    }


def test_sample_har(data_dir: Path) -> None:
    frame = load_log(data_dir / "har").deliveries
    assert frame["fidelity"].value_counts().to_dict() == {
        "exact": 7,
        "truncated": 1,
        "missing": 1,
        "decoded": 0,
        "reconstructed": 0,
    }
    assert frame["body"].map(lambda b: b[:2] == b"\x1f\x8b", na_action="ignore").sum() == 1


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bodies=st.lists(
        st.binary(max_size=300) | st.text(max_size=100).map(str.encode), min_size=1, max_size=4
    )
)
def test_har_writer_round_trips_bodies(tmp_path: Path, bodies: list[bytes]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        b"".join(capture_line(b, {"x-signature": "cd" * 32, "host": "h.test"}) for b in bodies)
    )
    frame = load_log(source).deliveries
    target = tmp_path / "out.har"
    assert to_har(frame, target) == len(bodies)
    again = load_log(target).deliveries
    assert list(again["format"]) == ["har"] * len(bodies)
    assert list(again["body"]) == bodies
    assert list(again["signature"]) == ["cd" * 32] * len(bodies)
    assert list(again["received_at"]) == list(frame["received_at"])


def test_entry_with_an_unparsable_url_is_rejected_alone(write_file: WriteFile) -> None:
    path = write_file("x.har", har(post("{}"), post("{}", url="http://[::1/hook"), post("{}")))
    result = load_log(path)
    assert list(result.deliveries["source"]) == [f"{path}#1", f"{path}#3"]
    assert list(result.rejected["source"]) == [f"{path}#2"]
    assert result.rejected["reason"].iloc[0].startswith("field 'request.url' is not a URL")


def test_fiddler_har_with_a_byte_order_mark(write_file: WriteFile) -> None:
    path = write_file("fiddler.har", b"\xef\xbb\xbf" + har(post("{}")))
    assert len(load_log(path).deliveries) == 1
    assert len(load_log(path, format="har").deliveries) == 1


def test_form_params_are_not_encoded_twice(write_file: WriteFile) -> None:
    request = post()
    request["postData"] = {
        "mimeType": "application/x-www-form-urlencoded",
        "params": [
            {"name": "payload", "value": "%7B%22a%22%3A1%7D"},
            {"name": "x", "value": "a b"},
        ],
    }
    row = load_log(write_file("form.har", har(request))).deliveries.iloc[0]
    assert (row["body"], row["fidelity"]) == (b"payload=%7B%22a%22%3A1%7D&x=a%20b", "reconstructed")


def test_page_loads_are_skipped_and_path_selects_the_endpoint(write_file: WriteFile) -> None:
    page = post(method="GET", url="https://app.example.com/")
    icon = post(method="GET", url="https://app.example.com/favicon.ico")
    login = post("{}", url="https://app.example.com/api/login")
    path = write_file("browser.har", har(page, post("{}"), icon, login))
    everything = load_log(path)
    assert (len(everything.deliveries), everything.skipped) == (2, 2)
    assert list(everything.deliveries["method"]) == ["POST", "POST"]
    hooks = load_log(path, path="/stream")
    assert (list(hooks.deliveries["source"]), hooks.skipped) == ([f"{path}#2"], 3)
    assert len(hooks.rejected) == 0


def test_sns_notification_in_a_har(write_file: WriteFile) -> None:
    message = base64.b64encode(gzip.compress(b'{"type":"message.new"}', mtime=0)).decode()
    envelope = {"Type": "Notification", "MessageId": "m", "Message": message}
    request = post(orjson.dumps(envelope).decode())
    request["headers"] = [{"name": "x-amz-sns-message-type", "value": "Notification"}]
    row = load_log(write_file("sns.har", har(request))).deliveries.iloc[0]
    assert (row["transport"], row["fidelity"]) == ("sns", "decoded")
    assert gzip.decompress(row["body"]) == b'{"type":"message.new"}'
    assert str(row["received_at"]) == "2026-11-26 09:00:00+00:00"  # when the capture saw it


def test_custom_fidelity_and_transport_fields_are_checked(write_file: WriteFile) -> None:
    document = orjson.loads(har(post("{}"), post("{}"), post("{}")))
    entries = document["log"]["entries"]
    entries[0]["_fidelity"] = "truncated"
    entries[1]["_transport"] = "sqs"
    entries[2]["_transport"] = "carrier-pigeon"
    path = write_file("custom.har", orjson.dumps(document))
    result = load_log(path)
    assert list(result.deliveries["fidelity"]) == ["truncated", "exact"]
    assert list(result.deliveries["transport"]) == ["http", "sqs"]
    assert result.rejected["reason"].iloc[0].startswith("field '_transport' must be one of")


def test_response_status_that_is_no_status_is_left_empty(write_file: WriteFile) -> None:
    document = orjson.loads(har(post("{}"), post("{}"), post("{}"), post("{}")))
    for entry, status in zip(document["log"]["entries"], [2**63, -1, 0, 204], strict=True):
        entry["response"] = {"status": status}
    frame = load_log(write_file("status.har", orjson.dumps(document))).deliveries
    assert frame["response_status"].tolist() == [pd.NA, pd.NA, pd.NA, 204]


def test_a_rebuilt_gzip_labelled_body_stays_rebuilt_through_har(tmp_path: Path) -> None:
    """A ``reconstructed`` body under ``Content-Encoding: gzip`` (webhook.site, HTTP Toolkit)
    looked ``decoded`` once written to HAR and read back: verified, a false mismatch."""
    record = {
        "received_at": "2026-11-26T10:00:00Z",
        "method": "POST",
        "path": "/h",
        "headers": {"content-encoding": "gzip", "x-signature": "a" * 64},
        "body": "\ufffd\ufffd garbled",
        "fidelity": "reconstructed",
    }
    log = tmp_path / "rebuilt.jsonl"
    log.write_bytes(orjson.dumps(record) + b"\n")
    har = tmp_path / "rebuilt.har"
    to_har(load_log(log).deliveries, har)
    assert list(load_log(har).deliveries["fidelity"]) == ["reconstructed"]
