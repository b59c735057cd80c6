"""webhook.site exports: the API's page of requests, one request, arrays and JSON lines."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from helpers import run_cli

from streamhook_nb import Keyring, Secret, load_log, verify_deliveries
from streamhook_nb.load.detect import JSON_DOCUMENT, classify, sniff

WriteFile = Callable[[str, bytes], Path]
SECRET = "webhook-site-secret"
TOKEN = "a94a7294-c4aa-4074-ab77-c4cf86fd53b1"


def _body(number: int) -> str:
    return json.dumps({"type": "message.new", "n": number, "html": "\\u003cb\\u003e é"})


def request(number: int, **changes: Any) -> dict[str, Any]:
    """One request as webhook.site's API returns it (the shape its documentation shows)."""
    content = _body(number)
    signature = hmac.new(SECRET.encode(), content.encode(), hashlib.sha256).hexdigest()
    item: dict[str, Any] = {
        "uuid": f"a2a6a4ae-4130-4063-953a-84fa29d81d4{number}",
        "type": "web",
        "token_id": TOKEN,
        "ip": "34.200.1.7",
        "hostname": "webhook.site",
        "method": "POST",
        "user_agent": "Go-http-client/1.1",
        "content": content,
        "query": [],
        "request": [],
        "files": [],
        "headers": {
            "content-length": [str(len(content.encode()))],
            "content-type": ["application/json"],
            "x-signature": [signature],
            "x-webhook-id": [f"hook-{number}"],
            "x-webhook-attempt": ["1"],
            "user-agent": ["Go-http-client/1.1"],
        },
        "url": f"https://webhook.site/{TOKEN}/stream?x=1",
        "size": len(content.encode()),
        "time": 0.0015230178833007812,
        "created_at": f"2026-11-26 10:00:0{number}",
        "updated_at": f"2026-11-26 10:00:0{number}",
        "sorting": 1_795_000_000_000 + number,
    }
    item.update(changes)
    return item


def page(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The API's answer to GET /token/{uuid}/requests."""
    return {
        "data": items,
        "total": len(items),
        "per_page": 50,
        "current_page": 1,
        "is_last_page": True,
        "from": 1,
        "to": len(items),
    }


def _reasons(path: Path) -> list[str]:
    frame = verify_deliveries(load_log(path).deliveries, Keyring((Secret(SECRET, "TEST"),)))
    return list(frame["reason"].astype(str))


def test_the_api_page_of_requests(write_file: WriteFile) -> None:
    email = request(3, type="email", method=None, content="hello")
    page_get = request(4, method="GET", content="")
    path = write_file(
        "requests.json", json.dumps(page([request(1), request(2), email, page_get])).encode()
    )
    result = load_log(path)
    frame = result.deliveries
    assert list(frame["body"]) == [_body(1).encode(), _body(2).encode()]
    assert list(frame["source"]) == [f"{path}#1", f"{path}#2"]
    assert list(frame["format"].astype(str)) == ["webhook-site"] * 2
    assert list(frame["path"]) == [f"/{TOKEN}/stream?x=1"] * 2
    assert list(frame["remote_addr"]) == ["34.200.1.7"] * 2
    assert list(frame["webhook_id"]) == ["hook-1", "hook-2"]
    assert str(frame["received_at"].iloc[1]) == "2026-11-26 10:00:02+00:00"
    assert list(frame["fidelity"].astype(str)) == ["exact", "exact"]
    assert result.skipped == 2  # the email, and the GET
    assert _reasons(path) == ["ok", "ok"]


def test_one_request_is_not_taken_for_a_capture_record(write_file: WriteFile) -> None:
    # it has "headers" and "method", which alone once made it a capture log line
    single = json.dumps(request(1), indent=4).encode()
    assert classify(orjson.loads(single)) == "webhook-site"
    path = write_file("latest.json", single)
    assert list(load_log(path).deliveries["body"]) == [_body(1).encode()]
    compact = orjson.dumps(request(1)) + b"\n"
    assert sniff(compact) == "webhook-site"
    assert list(load_log(write_file("latest.jsonl", compact)).deliveries["body"]) == [
        _body(1).encode()
    ]


def test_arrays_json_lines_and_pretty_printed_values(write_file: WriteFile) -> None:
    items = [request(1), request(2)]
    forms = {
        "array.json": json.dumps(items).encode(),
        "lines.jsonl": b"".join(orjson.dumps(item) + b"\n" for item in items),  # jq -c '.data[]'
        "pretty.json": b"".join(json.dumps(i, indent=2).encode() + b"\n" for i in items),
        "pages.jsonl": orjson.dumps(page(items[:1])) + b"\n" + orjson.dumps(page(items[1:])),
    }
    for name, data in forms.items():
        frame = load_log(write_file(name, data)).deliveries
        assert list(frame["body"]) == [_body(1).encode(), _body(2).encode()], name
    path = write_file("lines.jsonl", forms["lines.jsonl"])
    assert list(load_log(path).deliveries["source"]) == [f"{path}:1", f"{path}:2"]
    path = write_file("pages.jsonl", forms["pages.jsonl"])
    assert list(load_log(path).deliveries["source"]) == [f"{path}:1#1", f"{path}:2#1"]


def test_gzip_bodies_are_reconstructed_never_a_mismatch(write_file: WriteFile) -> None:
    raw = gzip.compress(_body(1).encode())
    as_text = raw.decode("utf-8", "replace")  # what a text field can hold of gzip bytes
    gzipped = request(1, content=as_text)
    gzipped["headers"]["content-encoding"] = ["gzip"]
    gzipped["headers"]["content-length"] = [str(len(raw))]
    path = write_file("gzip.json", json.dumps(page([gzipped])).encode())
    frame = load_log(path).deliveries
    assert list(frame["fidelity"].astype(str)) == ["reconstructed"]
    assert _reasons(path) == ["unverifiable"]


def test_a_body_that_lost_bytes_is_not_exact(write_file: WriteFile) -> None:
    cut = request(1)
    cut["headers"]["content-length"] = ["9999"]
    replaced = request(2, content=_body(2) + "\ufffd")
    del replaced["headers"]["content-length"]
    path = write_file("lossy.json", json.dumps([cut, replaced]).encode())
    frame = load_log(path).deliveries
    assert list(frame["fidelity"].astype(str)) == ["truncated", "reconstructed"]


def test_bad_requests_are_rejected_with_their_entry_and_field(write_file: WriteFile) -> None:
    items = [
        request(1, headers={"x-signature": 5}),
        request(2, content=["not", "text"]),
        request(3, created_at="yesterday"),
        "not an object",
        request(5),
    ]
    path = write_file("bad.json", json.dumps(page(items)).encode())
    result = load_log(path)
    assert list(result.deliveries["body"]) == [_body(5).encode()]
    rejected = dict(zip(result.rejected["source"], result.rejected["reason"], strict=True))
    assert "header 'x-signature' must be a string" in rejected[f"{path}#1"]
    assert rejected[f"{path}#2"] == "field 'content' has the wrong type (list)"
    assert rejected[f"{path}#3"] == "field 'created_at' is not an ISO 8601 time: 'yesterday'"
    assert rejected[f"{path}#4"] == "request is not an object"


def test_sniffing_pages_and_an_empty_page() -> None:
    assert classify(page([request(1)])) == "webhook-site"
    assert classify(page([])) == "webhook-site"
    assert classify([request(1)]) == "webhook-site"
    assert sniff(json.dumps(page([request(1)]), indent=2).encode()) == JSON_DOCUMENT
    # a capture record is still one
    assert classify({"method": "POST", "headers": {}, "body": "{}"}) == "capture-jsonl"


def test_the_command_line(write_file: WriteFile, tmp_path: Path) -> None:
    path = write_file("hooks/requests.json", json.dumps(page([request(1), request(2)])).encode())
    write_file("hooks/other.jsonl", b'{"body": "{}", "headers": {}}\n')
    env = {**os.environ, "STREAM_API_SECRET": SECRET}
    loaded = orjson.loads(run_cli("load", str(path.parent), "--json").stdout)
    assert loaded["by_format"] == {"capture-jsonl": 1, "webhook-site": 2}
    forced = run_cli("verify", str(path), "--format", "webhook-site", "--json", env=env)
    assert orjson.loads(forced.stdout)["reasons"] == {"ok": 2}, forced.stderr
    events = orjson.loads(run_cli("events", str(path), "--json", env=env).stdout)
    assert events["event_types"]["message.new"]["events"] == 2
    stored = tmp_path / "hooks.parquet"
    assert run_cli("load", str(path), "--to-parquet", str(stored)).returncode == 0
    again = orjson.loads(run_cli("verify", str(stored), "--json", env=env).stdout)
    assert again["reasons"] == {"ok": 2}
