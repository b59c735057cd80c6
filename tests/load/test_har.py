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
