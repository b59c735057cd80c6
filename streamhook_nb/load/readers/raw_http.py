"""Raw HTTP/1.1 request dumps: one or more requests back to back in a file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.fidelity import Fidelity
from streamhook_nb.load.headers import Headers, fold

FORMAT = "raw-http"
_REQUEST_LINE = re.compile(rb"^([A-Z][A-Z-]{0,15}) (\S+) (HTTP/1\.[01])\r?$", re.MULTILINE)
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_HEAD_END = re.compile(rb"\r?\n\r?\n")


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


def parse_request(data: bytes, start: int = 0) -> tuple[ParsedRequest, int]:
    """Parse the request beginning at ``start``; return it and the offset just after it."""
    head_end = _HEAD_END.search(data, start)
    if head_end is None:
        raise HttpParseError("incomplete request head (no blank line after the headers)")
    head = data[start : head_end.start()].decode("latin-1")
    first, *header_lines = head.replace("\r\n", "\n").split("\n")
    parts = first.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HttpParseError(f"not an HTTP/1.x request line: {first[:80]!r}")
    method, target, version = parts
    headers = fold(_header_pairs(header_lines))
    position = head_end.end()
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
    encoding = headers.get("transfer-encoding")
    encodings = ", ".join(encoding) if isinstance(encoding, list) else (encoding or "")
    if encodings.lower().replace(" ", "").endswith("chunked"):
        return _read_chunked(data, position)
    length = headers.get("content-length")
    if length is not None:
        if isinstance(length, list) or not length.isdigit():
            raise HttpParseError(f"invalid Content-Length {length!r}")
        end = position + int(length)
        body = data[position:end]
        fidelity = Fidelity.EXACT if len(body) == int(length) else Fidelity.TRUNCATED
        return body, fidelity, min(end, len(data))
    following = _REQUEST_LINE.search(data, position)
    if following is None:
        return data[position:], Fidelity.EXACT, len(data)
    body = data[position : following.start()]
    if not body.strip():
        return b"", Fidelity.EXACT, following.start()
    return body, Fidelity.RECONSTRUCTED, following.start()


def _read_chunked(data: bytes, position: int) -> tuple[bytes, Fidelity, int]:
    pieces: list[bytes] = []
    while True:
        line_end = data.find(b"\n", position)
        if line_end < 0:
            return b"".join(pieces), Fidelity.TRUNCATED, len(data)
        size_text = data[position:line_end].split(b";")[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise HttpParseError(f"invalid chunk size {size_text[:20]!r}") from None
        position = line_end + 1
        if size == 0:
            trailer_end = _HEAD_END.search(data, position - 2)
            end = trailer_end.end() if trailer_end else len(data)
            return b"".join(pieces), Fidelity.DECODED, end
        chunk = data[position : position + size]
        pieces.append(chunk)
        if len(chunk) < size:
            return b"".join(pieces), Fidelity.TRUNCATED, len(data)
        position += size
        position += 2 if data[position : position + 2] == b"\r\n" else 1


def read(data: bytes, name: str) -> Iterator[DeliveryBatch]:
    """Parse every request in ``data``; after a bad one, resume at the next request line."""
    batch = DeliveryBatch(FORMAT)
    position = _skip_blank(data, 0)
    line = 1 + data.count(b"\n", 0, position)
    while position < len(data):
        source = f"{name}:{line}"
        try:
            request, end = parse_request(data, position)
        except HttpParseError as exc:
            following = _REQUEST_LINE.search(data, data.find(b"\n", position) + 1 or len(data))
            end = following.start() if following else len(data)
            skipped = "" if following else "; nothing after it could be read"
            batch.reject(source, f"{exc}{skipped}")
        else:
            batch.add(
                source,
                headers=request.headers,
                body=request.body,
                fidelity=request.fidelity,
                method=request.method,
                path=request.target,
            )
        next_position = _skip_blank(data, end)
        line += data.count(b"\n", position, next_position)
        position = next_position
    yield batch


def _skip_blank(data: bytes, position: int) -> int:
    while data[position : position + 1] in (b"\r", b"\n"):
        position += 1
    return position
