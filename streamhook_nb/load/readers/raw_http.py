"""Raw HTTP/1.1 request dumps: one or more requests back to back in a file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.detect import CURL_VERBOSE
from streamhook_nb.load.fidelity import Fidelity
from streamhook_nb.load.headers import Headers, fold
from streamhook_nb.load.readers.common import BadEntryError
from streamhook_nb.load.readers.http_delivery import add_bodiless_request, add_request

FORMAT = "raw-http"
_REQUEST_LINE = re.compile(rb"^([A-Z][A-Z-]{0,15}) (\S+) (HTTP/1\.[01])\r?$", re.MULTILINE)
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_DECIMAL = re.compile(r"[0-9]{1,18}")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
_STATUS_LINE = re.compile(rb"HTTP/1\.[01] ([1-9][0-9]{2})(?: [^\r\n]*)?\r?\n")
_CONTINUE = re.compile(rb"HTTP/1\.[01] 100(?: [^\r\n]*)?\r?\n\r?\n")
"""The interim answer to ``Expect: 100-continue``, which a conversation dump holds between the
request's head and its body."""
_NO_BODY_STATUS = frozenset((204, 304))


class HttpParseError(ValueError):
    """The bytes at this offset are not an HTTP/1.x request; the message says why."""


@dataclass(frozen=True)
class ParsedRequest:
    """One request as it was on the wire (body after undoing chunked transfer coding)."""

    method: str
    target: str
    version: str
    headers: Headers
    body: bytes
    fidelity: Fidelity

    def add_to(self, batch: DeliveryBatch, source: str, **recorded: Any) -> None:
        """Add this request to ``batch`` as a delivery (see :func:`add_request`); ``recorded``:
        what the capture tool noted beside it (``received_at``, ``remote_addr``, ...)."""
        add_request(
            batch,
            source,
            headers=self.headers,
            body=self.body,
            fidelity=self.fidelity,
            method=self.method,
            path=self.target,
            **recorded,
        )


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
"""A method is a token (RFC 9110 5.6.2): the end of a body run into the next request line
(a request without Content-Length, read as having none) is not one."""


def parse_request(data: bytes, start: int = 0) -> tuple[ParsedRequest, int]:
    """Parse the request beginning at ``start``; return it and the offset just after it.

    The head must end (blank line) before the next request line, so a file of heads without
    blank lines is read in linear time.
    """
    first_end = data.find(b"\n", start)
    first = data[start : len(data) if first_end < 0 else first_end].decode("latin-1")
    first = first.removesuffix("\r")
    parts = first.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not _TOKEN.fullmatch(parts[0]):
        raise HttpParseError(f"not an HTTP/1.x request line: {first[:80]!r}")
    method, target, version = parts
    following = _REQUEST_LINE.search(data, first_end + 1) if first_end >= 0 else None
    head_end = _HEAD_END.search(data, start, following.start() if following else len(data))
    if head_end is None:
        raise HttpParseError("incomplete request head (no blank line after the headers)")
    head = data[start : head_end.start()].decode("latin-1")
    _, *header_lines = head.replace("\r\n", "\n").split("\n")
    headers = fold(_header_pairs(header_lines))
    position = head_end.end()
    if "expect" in headers and (interim := _CONTINUE.match(data, position)):
        position = interim.end()
    body, fidelity, position = _read_body(data, position, headers)
    return ParsedRequest(method, target, version, headers, body, fidelity), position


def _header_pairs(lines: list[str]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for line in lines:
        if line[:1] in (" ", "\t") and pairs:  # obsolete line folding
            name, value = pairs[-1]
            pairs[-1] = (name, f"{value} {line.strip()}")
            continue
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.match(name):
            raise HttpParseError(f"malformed header line: {line[:80]!r}")
        pairs.append((name, value.strip(" \t")))
    return pairs


def _read_body(data: bytes, position: int, headers: Headers) -> tuple[bytes, Fidelity, int]:
    """The body framed by chunked coding or ``Content-Length``; without either, none (RFC 9112
    §6.3: a request without them has no body), so what follows is the next request."""
    encoding = headers.get("transfer-encoding")
    encodings = ", ".join(encoding) if isinstance(encoding, list) else (encoding or "")
    if encodings.lower().replace(" ", "").endswith("chunked"):
        return _read_chunked(data, position)
    length = headers.get("content-length")
    if length is None:
        return b"", Fidelity.EXACT, position
    size = content_length(length)
    end = position + size
    body = data[position:end]
    fidelity = Fidelity.EXACT if len(body) == size else Fidelity.TRUNCATED
    return body, fidelity, min(end, len(data))


def content_length(value: str | list[str]) -> int:
    """A ``Content-Length`` value as a size: ASCII digits only (``str.isdigit`` also accepts
    ``'²'``), at most 18 of them; raises :class:`HttpParseError` for anything else."""
    if isinstance(value, list) or not _DECIMAL.fullmatch(value):
        raise HttpParseError(f"invalid Content-Length {_shown(value)}")
    return int(value)


def _read_chunked(data: bytes, position: int) -> tuple[bytes, Fidelity, int]:
    pieces: list[bytes] = []
    while True:
        line_end = data.find(b"\n", position)
        if line_end < 0:
            return b"".join(pieces), Fidelity.TRUNCATED, len(data)
        size_text = data[position:line_end].split(b";")[0].strip(b" \t\r")
        if not _HEX.fullmatch(size_text):  # int(x, 16) also takes '-5', '0x5', '1_0'
            raise HttpParseError(f"invalid chunk size {size_text[:20]!r}")
        size = int(size_text, 16)
        position = line_end + 1
        if size == 0:
            return b"".join(pieces), Fidelity.DECODED, _trailer_end(data, position)
        chunk = data[position : position + size]
        pieces.append(chunk)
        if len(chunk) < size:
            return b"".join(pieces), Fidelity.TRUNCATED, len(data)
        position += size
        position += 2 if data[position : position + 2] == b"\r\n" else 1


def response_end(data: bytes, position: int) -> int | None:
    """Just after the HTTP response that starts at ``position``, or None when none does.

    A dump of a whole conversation (Wireshark's "Follow TCP Stream" saved as raw) holds the
    receiver's answers between the requests. A response's body is framed as a request's is;
    one with neither framing runs to the next request line (HTTP would read it to the
    connection's end).
    """
    status = _STATUS_LINE.match(data, position)
    if status is None:
        return None
    following = _REQUEST_LINE.search(data, status.end())
    head_end = _HEAD_END.search(data, position, following.start() if following else len(data))
    if head_end is None:
        return None
    head = data[status.end() : head_end.start()].decode("latin-1")
    try:
        headers = fold(_header_pairs(head.replace("\r\n", "\n").split("\n") if head else []))
        code = int(status[1])
        if code < 200 or code in _NO_BODY_STATUS:
            return head_end.end()
        if _framed(headers):
            return _read_body(data, head_end.end(), headers)[2]
    except HttpParseError:
        return None
    return following.start() if following else len(data)


def _trailer_end(data: bytes, position: int) -> int:
    """Just after the trailer section (header lines, then a blank line); a request line ends it
    too, so a dump without blank lines is still read in linear time."""
    while True:
        line_end = data.find(b"\n", position)
        if line_end < 0:
            return len(data)
        if data[position:line_end] in (b"", b"\r"):
            return line_end + 1
        if _REQUEST_LINE.match(data, position):
            return position
        position = line_end + 1


def _shown(value: str | list[str]) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def read(data: bytes, name: str) -> Iterator[DeliveryBatch]:
    """Parse every request in ``data``; after a bad one, resume at the next request line."""
    if CURL_VERBOSE.match(data):
        yield _read_curl_verbose(data, name)
        return
    batch = DeliveryBatch(FORMAT)
    position = _skip_blank(data, 0)
    line = 1 + data.count(b"\n", 0, position)
    after_unframed = False  # the previous request had neither Content-Length nor chunking
    while position < len(data):
        source = f"{name}:{line}"
        answered = response_end(data, position)
        if answered is not None:  # the receiver's answer, not a request: passed over
            next_position = _skip_blank(data, answered)
            line += data.count(b"\n", position, next_position)
            position = next_position
            after_unframed = False
            continue
        try:
            request, end = parse_request(data, position)
        except HttpParseError as exc:
            following = _REQUEST_LINE.search(data, data.find(b"\n", position) + 1 or len(data))
            end = following.start() if following else len(data)
            skipped = "" if following else "; nothing after it could be read"
            unframed = (
                " (it follows a request without Content-Length or chunked coding, which has "
                "no body: that request's body is counted as missing; keep the headers as "
                "captured to verify it)"
                if after_unframed
                else ""
            )
            batch.reject(source, f"{exc}{unframed}{skipped}")
            after_unframed = False
        else:
            after_unframed = not _framed(request.headers)
            try:
                if after_unframed and _stray_bytes_at(data, _skip_blank(data, end)):
                    _add_without_body(batch, source, request)  # its body is what follows
                else:
                    request.add_to(batch, source)
            except BadEntryError as exc:
                batch.reject(source, str(exc))
        next_position = _skip_blank(data, end)
        line += data.count(b"\n", position, next_position)
        position = next_position
    yield batch


def _stray_bytes_at(data: bytes, position: int) -> bool:
    """Whether bytes that are neither a request nor the receiver's answer start at
    ``position``: after a request without framing, most likely its body, whose end nobody
    recorded (a header dropped by hand or by a tool)."""
    if position >= len(data) or response_end(data, position) is not None:
        return False
    return _REQUEST_LINE.match(data, position) is None


def _add_without_body(batch: DeliveryBatch, source: str, request: ParsedRequest) -> None:
    """Add a request whose body cannot be told from what follows it: fidelity ``missing``
    (unverifiable), never an empty body that would read as a signature mismatch."""
    add_bodiless_request(
        batch, source, headers=request.headers, method=request.method, path=request.target
    )


def _read_curl_verbose(data: bytes, name: str) -> DeliveryBatch:
    """The requests ``curl -v`` shows (``> `` lines). curl never prints the body it sends, so
    each delivery's body is ``missing``: it can be listed and counted, not verified."""
    batch = DeliveryBatch(FORMAT)
    lines = data.decode("latin-1").split("\n")
    number = 0
    while number < len(lines):
        first = _CURL_REQUEST.match(lines[number])
        number += 1
        if first is None:
            continue
        source = f"{name}:{number}"
        head: list[str] = []
        while number < len(lines) and lines[number].startswith(">"):
            line = lines[number][2:].removesuffix("\r")
            number += 1
            if not line:
                break
            head.append(line)
        try:
            headers = fold(_header_pairs(head))
            add_bodiless_request(
                batch,
                source,
                headers=headers,
                method=first[1],
                path=first[2],
            )
        except (HttpParseError, BadEntryError) as exc:
            batch.reject(source, str(exc))
    return batch


_CURL_REQUEST = re.compile(r"> ([A-Z][A-Z-]{0,15}) (\S+) HTTP/[12]")


def _framed(headers: Headers) -> bool:
    return "content-length" in headers or "transfer-encoding" in headers


def _skip_blank(data: bytes, position: int) -> int:
    """Past the blank lines at ``position``, and lines of nothing but spaces and tabs (what an
    editor leaves at the end of a request pasted into a file): no request, nothing stray."""
    while True:
        end = data.find(b"\n", position)
        if data[position : len(data) if end < 0 else end].strip(b" \t\r"):
            return position
        if end < 0:
            return len(data)
        position = end + 1
