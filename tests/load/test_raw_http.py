"""Raw HTTP/1.1 dumps: lengths, chunked bodies, several requests, damage, property tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamhook_nb import load_log
from streamhook_nb.load.readers.raw_http import parse_request

WriteFile = Callable[[str, bytes], Path]


def request(body: bytes, headers: dict[str, str] | None = None, length: int | None = None) -> bytes:
    lines = ["POST /webhooks/stream?x=1 HTTP/1.1", "Host: hooks.example.com"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append(f"Content-Length: {len(body) if length is None else length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_content_length_body_is_exact(write_file: WriteFile) -> None:
    body = b'{"type":"message.new","html":"\\u003cp\\u003e"}'
    path = write_file(
        "one.http", request(body, {"X-Signature": "ab" * 32, "X-Webhook-Attempt": "1"})
    )
    row = load_log(path).deliveries.iloc[0]
    assert row["body"] == body
    assert (row["method"], row["path"], row["fidelity"]) == (
        "POST",
        "/webhooks/stream?x=1",
        "exact",
    )
    assert row["signature"] == "ab" * 32
    assert row["attempt"] == 1
    assert row["source"] == f"{path}:1"


def test_requests_back_to_back_with_line_numbers(write_file: WriteFile) -> None:
    first, second = request(b'{"a":1}'), request(b'{"b":2}\n')
    path = write_file("two.http", first + b"\r\n" + second)
    frame = load_log(path).deliveries
    assert list(frame["body"]) == [b'{"a":1}', b'{"b":2}\n']
    assert list(frame["source"]) == [f"{path}:1", f"{path}:6"]


def test_chunked_body_is_decoded() -> None:
    raw = (
        b"POST /h HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'4;ext=1\r\n{"a"\r\n3\r\n:1}\r\n0\r\nTrailer: x\r\n\r\n'
    )
    parsed, end = parse_request(raw)
    assert parsed.body == b'{"a":1}'
    assert parsed.fidelity == "decoded"
    assert end == len(raw)


def test_short_body_is_truncated_not_invalid(write_file: WriteFile) -> None:
    path = write_file("cut.http", request(b'{"a":', length=20))
    row = load_log(path).deliveries.iloc[0]
    assert (row["body"], row["fidelity"]) == (b'{"a":', "truncated")


def test_bare_lf_dump_and_folded_header() -> None:
    raw = b"POST /h HTTP/1.1\nX-Long: one\n two\nContent-Length: 2\n\n{}"
    parsed, _ = parse_request(raw)
    assert parsed.headers["x-long"] == "one two"
    assert parsed.body == b"{}"


def test_damaged_request_is_rejected_and_the_next_one_still_loads(write_file: WriteFile) -> None:
    damaged = b"POST /h HTTP/1.1\r\nBad Header Line\r\nContent-Length: 2\r\n\r\n{}"
    path = write_file("mixed.http", damaged + b"\r\n" + request(b'{"ok":1}'))
    result = load_log(path)
    assert list(result.deliveries["body"]) == [b'{"ok":1}']
    assert list(result.rejected["source"]) == [f"{path}:1"]
    assert "malformed header line" in result.rejected["reason"].iloc[0]


def test_invalid_content_length_is_rejected(write_file: WriteFile) -> None:
    path = write_file("bad.http", request(b"{}", length=None).replace(b"Length: 2", b"Length: two"))
    result = load_log(path)
    assert len(result.deliveries) == 0
    assert "invalid Content-Length" in result.rejected["reason"].iloc[0]


def test_directory_of_dumps(data_dir: Path) -> None:
    result = load_log(data_dir / "raw-http")
    assert result.by_format == {"raw-http": 3}
    assert set(result.deliveries["fidelity"]) == {"exact", "decoded"}


names = st.from_regex(r"\A[A-Za-z][A-Za-z0-9\-]{0,15}\Z").filter(
    lambda n: n.lower() not in {"content-length", "transfer-encoding"}
)
values = st.from_regex(r"\A[!-~]([ -~]{0,30}[!-~])?\Z")


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=st.lists(
        st.tuples(st.binary(max_size=400), st.dictionaries(names, values, max_size=5)),
        min_size=1,
        max_size=4,
    )
)
def test_any_bodies_and_headers_parse_exactly(
    tmp_path: Path, items: list[tuple[bytes, dict[str, str]]]
) -> None:
    path = tmp_path / "dump.http"
    path.write_bytes(b"".join(request(body, headers) for body, headers in items))
    frame = load_log(path, format="raw-http").deliveries
    assert list(frame["body"]) == [body for body, _ in items]
    for (_, headers), parsed in zip(items, map(orjson.loads, frame["headers"]), strict=True):
        for name, value in headers.items():
            got = parsed[name.lower()]
            assert value in (got if isinstance(got, list) else [got])
