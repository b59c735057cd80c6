"""ngrok agent API exports: exact bytes from request.raw, never from the parsed fields."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from streamhook_nb import load_log

WriteFile = Callable[[str, bytes], Path]
RAW = (
    b"POST /hook HTTP/1.1\r\nX-Signature: "
    + b"ab" * 32
    + b'\r\nContent-Length: 13\r\n\r\n{"a":"\\u003c"}'
)


def item(raw: bytes | None, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": "POST",
        "proto": "HTTP/1.1",
        "uri": "/hook",
        "headers": {"X-Signature": ["ab" * 32]},
    }
    if raw is not None:
        request["raw"] = base64.b64encode(raw).decode()
    return {
        "id": "r1",
        "start": "2026-11-26T10:00:00-07:00",
        "remote_addr": "203.0.113.5",
        "duration": 1000,
        "request": request,
        "response": {"status_code": 200},
        **extra,
    }


def test_raw_bytes_are_used(write_file: WriteFile) -> None:
    raw = RAW.replace(b"13", b"14")
    path = write_file(
        "n.json", orjson.dumps({"uri": "/api/requests/http", "requests": [item(raw)]})
    )
    row = load_log(path).deliveries.iloc[0]
    assert row["body"] == b'{"a":"\\u003c"}'
    assert row["fidelity"] == "exact"
    assert row["signature"] == "ab" * 32
    assert (row["remote_addr"], row["response_status"]) == ("203.0.113.5", 200)
    assert str(row["received_at"]) == "2026-11-26 17:00:00+00:00"
    assert row["format"] == "ngrok"


def test_single_request_detail_and_missing_raw(write_file: WriteFile) -> None:
    one = load_log(write_file("one.json", orjson.dumps(item(RAW.replace(b"13", b"14"))))).deliveries
    assert len(one) == 1
    no_raw = load_log(write_file("n.json", orjson.dumps({"requests": [item(None)]}))).deliveries
    assert no_raw["fidelity"].iloc[0] == "missing"
    assert no_raw["body"].iloc[0] is pd.NA
    assert no_raw["signature"].iloc[0] == "ab" * 32


def test_truncated_capture_and_bad_raw(write_file: WriteFile) -> None:
    cut = RAW.replace(b"13", b"99")
    path = write_file(
        "n.json",
        orjson.dumps({"requests": [item(cut), item(b"garbage"), {"request": {"raw": "@@"}}]}),
    )
    result = load_log(path)
    assert list(result.deliveries["fidelity"]) == ["truncated"]
    reasons = list(result.rejected["reason"])
    assert reasons[0].startswith("field 'request.raw' is not an HTTP request")
    assert reasons[1] == "field 'request.raw' is not valid base64"


def test_sample_export(data_dir: Path) -> None:
    frame = load_log(data_dir / "ngrok").deliveries
    assert len(frame) == 5
    assert set(frame["fidelity"]) == {"exact"}
