"""Raw HTTP/1.1 dumps: lengths, chunked bodies, several requests, damage, property tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamhook_nb import Keyring, Secret, load_log, verify_deliveries
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


def chunked(*size_lines: bytes) -> bytes:
    head = b"POST /h HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    return head + b"".join(line + b"\r\nabc\r\n" for line in size_lines) + b"0\r\n\r\n"


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "size", [b"-5", b"-0x3", b"0x3", b"+3", b"1_0", b"ffffffffffffffffff", b"\xb2"]
)
def test_bad_chunk_sizes_are_rejected_never_an_endless_loop(
    write_file: WriteFile, size: bytes
) -> None:
    path = write_file("chunks.http", chunked(size) + b"\r\n" + request(b'{"ok":1}'))
    result = load_log(path)
    assert "invalid chunk size" in result.rejected["reason"].iloc[0]
    assert list(result.deliveries["body"]) == [b'{"ok":1}']


@pytest.mark.parametrize(
    "length", [b"\xb2", b"\xd9\xa3", b"9" * 5000, b"1" * 19, b"+2", b"-1", b"2 2", b"0x2"]
)
def test_content_length_must_be_ascii_digits(write_file: WriteFile, length: bytes) -> None:
    bad = b"POST /h HTTP/1.1\r\nContent-Length: " + length + b"\r\n\r\n{}"
    path = write_file("cl.http", bad + b"\r\n" + request(b'{"ok":1}'))
    result = load_log(path)
    assert list(result.rejected["source"]) == [f"{path}:1"]
    assert result.rejected["reason"].iloc[0].startswith("invalid Content-Length")
    assert list(result.deliveries["body"]) == [b'{"ok":1}']


class _Scanned:
    """A compiled pattern that adds up how many bytes its searches were given to scan."""

    def __init__(self, pattern: re.Pattern[bytes], counter: list[int]) -> None:
        self.pattern, self.counter = pattern, counter

    def search(
        self, data: bytes, pos: int = 0, endpos: int | None = None
    ) -> re.Match[bytes] | None:
        end = len(data) if endpos is None else min(endpos, len(data))
        found = self.pattern.search(data, pos, end)
        self.counter.append((found.end() if found else end) - pos)
        return found

    def match(self, data: bytes, pos: int = 0) -> re.Match[bytes] | None:
        return self.pattern.match(data, pos)


def test_many_heads_without_blank_lines_are_read_in_linear_time(
    write_file: WriteFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamhook_nb.load.readers import raw_http

    scanned: list[int] = []
    for name in ("_HEAD_END", "_REQUEST_LINE"):
        monkeypatch.setattr(raw_http, name, _Scanned(getattr(raw_http, name), scanned))
    data = b"POST /h HTTP/1.1\r\nHost: x\r\n" * 20_000
    result = load_log(write_file("heads.http", data))
    assert len(result.rejected) == 20_000
    assert result.rejected["reason"].str.startswith("incomplete request head (no blank").all()
    assert sum(scanned) <= 4 * len(data)  # each byte looked at a bounded number of times


def test_request_without_length_or_chunking_has_an_empty_body(write_file: WriteFile) -> None:
    unframed = b"POST /h HTTP/1.1\r\nHost: x\r\nX-Signature: " + b"ab" * 32 + b"\r\n\r\n"
    path = write_file("unframed.http", unframed + b"\r\n\r\n" + request(b'{"ok":1}') + b"\r\n")
    result = load_log(path)
    assert list(result.deliveries["body"]) == [b"", b'{"ok":1}']
    assert list(result.deliveries["fidelity"]) == ["exact", "exact"]
    assert len(result.rejected) == 0


def test_bytes_after_an_unframed_request_are_reported_not_taken_as_its_body(
    write_file: WriteFile,
) -> None:
    """A request whose Content-Length was dropped (by hand or by a tool) is followed by its
    body: that body's end is unknown, so the request is missing its body (unverifiable), never
    an empty body that reads as a signature mismatch; the bytes are reported."""
    unframed = b"POST /h HTTP/1.1\r\nHost: x\r\nX-Signature: " + b"ab" * 32 + b"\r\n\r\n"
    path = write_file("stray.http", unframed + b'{"a":1}\r\n')
    result = load_log(path)
    assert result.deliveries["body"].isna().tolist() == [True]
    assert list(result.deliveries["fidelity"]) == ["missing"]
    assert list(result.rejected["source"]) == [f"{path}:5"]
    reason = result.rejected["reason"].iloc[0]
    assert reason.startswith("not an HTTP/1.x request line: '{\"a\":1}'")
    assert "follows a request without Content-Length or chunked coding" in reason
    assert "counted as missing" in reason
    verdicts = verify_deliveries(result.deliveries, Keyring([Secret("demo", "s")]))
    assert list(verdicts["reason"]) == ["unverifiable"]


def test_an_unframed_request_followed_by_another_request_has_an_empty_body(
    write_file: WriteFile,
) -> None:
    """HTTP's own reading (RFC 9112 6.3) where nothing stray follows: no body, exactly."""
    unframed = b"POST /h HTTP/1.1\r\nHost: x\r\n\r\n"
    for tail in (b"", b"\r\n", request(b'{"ok":1}')):
        result = load_log(write_file("heads.http", unframed + tail))
        assert list(result.deliveries["body"])[:1] == [b""]
        assert list(result.deliveries["fidelity"])[:1] == ["exact"]
        assert len(result.rejected) == 0


def test_lines_of_spaces_between_and_after_requests_are_blank(write_file: WriteFile) -> None:
    """An editor's leftovers (indentation, a last line of spaces) are not a damaged request."""
    unframed = b"POST /h HTTP/1.1\r\nHost: x\r\n\r\n"
    data = (
        request(b'{"a":1}') + b"  \r\n\t\n" + request(b'{"b":2}') + b"\n   \n" + unframed + b" \t"
    )
    result = load_log(write_file("spaces.http", data))
    assert len(result.rejected) == 0, result.rejected.to_dict("records")
    assert list(result.deliveries["body"]) == [b'{"a":1}', b'{"b":2}', b""]
    assert list(result.deliveries["source"].str.rsplit(":", n=1).str[1]) == ["1", "7", "13"]


def test_a_body_run_into_the_next_request_line_is_reported_not_skipped(
    write_file: WriteFile,
) -> None:
    """Without Content-Length the body's bytes and the next request line share a line: a
    method must be a token, so that line is rejected (it read as a request with a JSON method,
    skipped as not a POST: both deliveries' bytes vanished without a word)."""
    unframed = b"POST /h HTTP/1.1\r\nHost: x\r\n\r\n"
    path = write_file("run-in.http", unframed + b'{"a":1}' + request(b'{"ok":1}'))
    result = load_log(path)
    assert (len(result.deliveries), len(result.rejected), result.skipped) == (1, 1, 0)
    reason = result.rejected["reason"].iloc[0]
    assert reason.startswith('not an HTTP/1.x request line: \'{"a":1}POST /webhooks/stream')
    assert "follows a request without Content-Length or chunked coding" in reason


def test_requests_that_are_not_post_are_skipped_and_counted(write_file: WriteFile) -> None:
    page = b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
    favicon = b"GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n"
    path = write_file("browser.http", page + favicon + request(b'{"ok":1}'))
    result = load_log(path)
    assert (len(result.deliveries), len(result.rejected), result.skipped) == (1, 0, 2)
    assert result.summary()["skipped"] == 2
    assert "2 skipped" in repr(result)


def test_path_selects_the_webhook_endpoint(write_file: WriteFile) -> None:
    other = b"POST /api/login HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"
    path = write_file("mixed.http", other + request(b'{"ok":1}'))
    result = load_log(path, path="/webhooks/stream")
    assert (list(result.deliveries["body"]), result.skipped) == ([b'{"ok":1}'], 1)
    assert len(load_log(path).deliveries) == 2


def sns_request(
    message_type: str = "Notification", message: str = '{"type":"message.new"}'
) -> bytes:
    envelope = orjson.dumps(
        {
            "Type": message_type,
            "MessageId": "m1",
            "Message": message,
            "Timestamp": "2026-11-26T10:00:00.000Z",
        }
    )
    head = (
        "POST /sns HTTP/1.1\r\nx-amz-sns-message-type: "
        f"{message_type}\r\nContent-Type: text/plain; charset=UTF-8\r\n"
        f"Content-Length: {len(envelope)}\r\n\r\n"
    )
    return head.encode() + envelope


def test_sns_notification_over_http_is_an_unsigned_sns_delivery(write_file: WriteFile) -> None:
    path = write_file("sns.http", sns_request() + sns_request("SubscriptionConfirmation", "x"))
    result = load_log(path)
    row = result.deliveries.iloc[0]
    assert (row["transport"], row["body"], row["fidelity"]) == (
        "sns",
        b'{"type":"message.new"}',
        "exact",
    )
    assert (row["method"], row["path"]) == ("POST", "/sns")
    assert str(row["received_at"]) == "2026-11-26 10:00:00+00:00"
    assert (len(result.deliveries), result.skipped, len(result.rejected)) == (1, 1, 0)
    from streamhook_nb.verify.secrets import Keyring, Secret
    from streamhook_nb.verify.verdict import judge

    ring = Keyring((Secret("s", "S"),))
    verdict = judge(row["body"], None, None, row["transport"], row["fidelity"], ring)
    assert verdict.reason == "unsigned"


def test_sns_header_on_a_body_that_is_no_envelope_is_rejected(write_file: WriteFile) -> None:
    bad = (
        b"POST /sns HTTP/1.1\r\nx-amz-sns-message-type: Notification\r\n"
        b"Content-Length: 3\r\n\r\nabc"
    )
    result = load_log(write_file("sns.http", bad))
    assert "SNS notification (x-amz-sns-message-type header)" in result.rejected["reason"].iloc[0]
