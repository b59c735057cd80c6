"""HTTP/1.x requests out of one direction of a reassembled TCP connection.

A direction is told apart by its first bytes: a request line (the client's side, whose requests
are parsed as ``raw-http`` parses them), ``HTTP/`` (the server's answers, passed over), a TLS
record (encrypted), the HTTP/2 preface, or anything else. Only the requests not yet complete
are held; a request cut by a gap or by the end of the capture is ``truncated``.
"""

from __future__ import annotations

import dataclasses
import re
from collections import deque
from collections.abc import Callable
from enum import Enum

from streamhook_nb.load.fidelity import Fidelity
from streamhook_nb.load.readers.packet_file import Stamp
from streamhook_nb.load.readers.raw_http import HttpParseError, ParsedRequest, parse_request

MAX_HEAD = 1024 * 1024
"""Largest request head waited for; a longer one is not HTTP (or not a head we can read)."""
_RESYNC_TAIL = 64 * 1024
_METHOD_START = re.compile(rb"[A-Z][A-Z-]{0,15} ")
_UNDECIDED = re.compile(rb"[A-Z][A-Z-]{0,15}")  # a method, or "HTTP", still being sent
_REQUEST_LINE = re.compile(rb"(?m)^[A-Z][A-Z-]{0,15} [^\s]+ HTTP/1\.[01]\r?$")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_BLANK = re.compile(rb"[\r\n]+")
_CUT_REQUEST_LINE = re.compile(rb"([A-Z][A-Z-]{0,15}) ([^\s]+)")
_H2_PREFACE = b"PRI * HTTP/2.0"
_PROXY_V1 = b"PROXY "
_PROXY_V1_MAX = 107  # the longest v1 header, its CRLF included
_PROXY_V2 = b"\r\n\r\n\x00\r\nQUIT\n"
_INCOMPLETE_HEAD = "incomplete request head"


class Kind(Enum):
    """What a direction of a connection carries."""

    UNKNOWN = "unknown"
    REQUESTS = "requests"
    RESPONSES = "responses"
    TLS = "tls"
    HTTP2 = "http2"
    OTHER = "other"


Emit = Callable[[ParsedRequest, Stamp], None]
Refuse = Callable[[str, Stamp], None]


class RequestSide:
    """The sink of one direction: requests out (``emit``), unreadable ones reported (``refuse``)."""

    __slots__ = (
        "base",
        "buffer",
        "bytes_missing",
        "bytes_seen",
        "done",
        "emit",
        "kind",
        "need",
        "refuse",
        "resume_at",
        "scanned",
        "searching",
        "stamps",
        "tls_hello",
    )

    def __init__(
        self, emit: Emit, refuse: Refuse, opened: bool, done: Callable[[RequestSide], None]
    ) -> None:
        """``opened``: the connection's SYN was captured; ``done`` is called once, at the end."""
        self.emit = emit
        self.refuse = refuse
        self.done = done
        self.kind = Kind.UNKNOWN
        self.searching = not opened  # begun mid-connection: look for a request line first
        self.buffer = bytearray()
        self.base = 0  # stream position of buffer[0]
        self.stamps: deque[tuple[int, Stamp]] = deque()  # (position, stamp) of what is held
        self.need = 0  # bytes the next request needs before parsing it again is worthwhile
        self.resume_at: int | None = None  # where the request after a cut one starts
        self.scanned = 0  # how far the buffer was searched (for a head's end, a request line)
        self.bytes_seen = 0
        self.bytes_missing = 0
        self.tls_hello = False

    def data(self, chunk: bytes, stamp: Stamp) -> None:
        """Take the next bytes of the direction."""
        self.bytes_seen += len(chunk)
        if self.kind not in (Kind.UNKNOWN, Kind.REQUESTS):
            return
        if self.resume_at is not None and not self.buffer:
            chunk = self._resume(chunk)
            if not chunk:
                return
        if self.searching and _METHOD_START.match(chunk):
            self._drop(len(self.buffer))  # a segment that starts a request: what came before
            # (the end of a body we could not frame) is of no use
        if not self.stamps or self.stamps[-1][1] is not stamp:
            self.stamps.append((self.base + len(self.buffer), stamp))
        self.buffer += chunk
        if self.kind is Kind.UNKNOWN and not self.searching:
            self._classify()
        self._read()

    def gap(self, size: int) -> None:
        """``size`` bytes are missing: the request under way is cut; the next one starts where
        the cut one's ``Content-Length`` says, or else at the next request line."""
        self._flush()
        self.bytes_missing += size
        if self._under_way():
            self._cut("a gap in the capture (bytes it did not keep, or packets it missed)")
        self._drop(len(self.buffer))
        self.base += size
        self.searching = True

    def _flush(self) -> None:
        """Read every request complete so far (parsing may have waited for more bytes)."""
        if self.kind is Kind.REQUESTS and not self.searching:
            self.need = 0
            self._read()

    def _under_way(self) -> bool:
        """Whether the buffer holds the start of a request: one being read, or (while looking
        for the next) a segment that began with a method (its request line cut short, as a
        short snap length leaves every request after a connection's first)."""
        if self.kind is not Kind.REQUESTS:
            return False
        return not self.searching or _METHOD_START.match(self.buffer) is not None

    def _resume(self, chunk: bytes) -> bytes:
        """What of ``chunk`` comes from where the next request starts (empty: all before it)."""
        assert self.resume_at is not None
        skip = self.resume_at - self.base
        if skip >= len(chunk):
            self.base += len(chunk)
            return b""
        self.resume_at = None
        if skip < 0:  # the gap swallowed the next request's start: look for a request line
            return chunk
        self.base += skip
        self.searching = False
        return chunk[skip:]

    def end(self) -> None:
        """The direction is over: a request still incomplete is cut by the capture's end."""
        self._flush()
        if self._under_way():
            self._cut("the end of the connection or of the capture")
        self._drop(len(self.buffer))
        self.done(self)

    def _classify(self) -> None:
        if not self._past_preamble():
            return
        head = bytes(self.buffer[:16])
        if head.startswith(_H2_PREFACE):
            self.kind = Kind.HTTP2
        elif _H2_PREFACE.startswith(head):
            return  # "PRI * HTT": wait for the next bytes
        elif _METHOD_START.match(head):
            self.kind = Kind.REQUESTS
        elif len(head) >= 2 and 0x14 <= head[0] <= 0x17 and head[1] == 0x03:
            self.kind = Kind.TLS  # a TLS record: handshake, alert, change cipher spec or data
            self.tls_hello = head[0] == 0x16 and head[5:6] == b"\x01"  # a ClientHello
        elif head.startswith(b"HTTP/"):
            self.kind = Kind.RESPONSES
        elif not _UNDECIDED.fullmatch(head):
            self.kind = Kind.OTHER
        if self.kind not in (Kind.UNKNOWN, Kind.REQUESTS):
            self._drop(len(self.buffer))

    def _past_preamble(self) -> bool:
        """Drop what may come before a connection's first request: a load balancer's PROXY
        protocol header (v1 or v2) and blank lines (RFC 9112 2.2: a server ignores them);
        False while more bytes are needed to tell."""
        buffer = self.buffer
        if _PROXY_V2.startswith(bytes(buffer[:12])):  # the v2 signature, or its beginning
            size = 16 + int.from_bytes(buffer[14:16], "big") if len(buffer) >= 16 else None
            if size is None or len(buffer) < size:
                return False
            self._drop(size)
        if buffer.startswith(_PROXY_V1):
            end = buffer.find(b"\r\n")
            if end < 0:
                return len(buffer) > _PROXY_V1_MAX  # not a PROXY line after all: classify it
            self._drop(end + 2)
        blank = _BLANK.match(buffer)
        if blank:
            self._drop(blank.end())
        return bool(buffer)

    def _read(self) -> None:
        while self.buffer:
            if self.searching and not self._find_request():
                return
            if self.kind is not Kind.REQUESTS:
                return
            blank = _BLANK.match(self.buffer)
            if blank:
                self._drop(blank.end())
                continue
            if len(self.buffer) < self.need:
                return
            if not _METHOD_START.match(self.buffer):
                if _UNDECIDED.fullmatch(self.buffer):
                    return  # the method's first letters: wait for the rest
                self._refuse_here("not an HTTP/1.x request line")
                continue
            if _HEAD_END.search(self.buffer, max(0, self.scanned - 3)) is None:
                if len(self.buffer) > MAX_HEAD:
                    self._refuse_here(f"a request head longer than {MAX_HEAD} bytes")
                    continue
                self.scanned = len(self.buffer)  # the next search starts about here
                self.need = len(self.buffer) + 1
                return
            data = bytes(self.buffer)
            try:
                request, end = parse_request(data)
            except HttpParseError as exc:
                if str(exc).startswith(_INCOMPLETE_HEAD):
                    self.need = len(self.buffer) + 1
                    return
                self._refuse_here(str(exc))
                continue
            if request.fidelity is Fidelity.TRUNCATED:  # the body is still coming
                # chunked: parse again once the buffer has doubled (or at the end), so a body
                # sent a byte per segment is not parsed once per byte
                self.need = _needed(data, request) or 2 * len(data)
                return
            self.need = 0
            self.emit(request, self._first_stamp())
            self._drop(end)
            if _leaves_http(request):  # a tunnel or a WebSocket, unless the server refused
                self.kind = Kind.UNKNOWN  # it: the next bytes tell (another request, or not)
                if self.buffer:
                    self._classify()
                if self.kind is not Kind.REQUESTS:
                    return

    def _find_request(self) -> bool:
        """Drop what comes before the next request line; False when there is none yet."""
        # no new line, and the line under way cannot start a request: nothing to search again
        fresh = self.buffer.find(b"\n", self.scanned) >= 0
        if self.scanned and not fresh:  # a request line ends with one: search when it comes
            self._drop(max(0, len(self.buffer) - _RESYNC_TAIL))
            self.scanned = len(self.buffer)
            return False
        found = _REQUEST_LINE.search(self.buffer)
        if found is None:
            keep = len(self.buffer) - self.buffer.rfind(b"\n") - 1
            self._drop(len(self.buffer) - min(keep, _RESYNC_TAIL))
            self.scanned = len(self.buffer)  # searched up to here (a line under way)
            return False
        self._drop(found.start())
        self.searching = False
        self.kind = Kind.REQUESTS
        return True

    def _cut(self, why: str) -> None:
        """Emit the request under way as ``truncated`` (its head as far as it was captured)."""
        data = bytes(self.buffer.lstrip(b"\r\n"))
        if not data:
            return
        stamp = self._first_stamp()
        request: ParsedRequest | None
        try:
            request = parse_request(data)[0]
        except HttpParseError:
            request = _partial_head(data)
        else:
            whole = _needed(data, request)  # None: chunked, its end cannot be known
            blank = len(self.buffer) - len(data)
            self.resume_at = None if whole is None else self.base + blank + whole
        if request is None:
            shown = data[:40].decode("latin-1")
            where = "before the end of its request line" if b"\n" not in data else "in its head"
            self.refuse(
                f"a request cut by {why} after {len(data)} bytes, {where} ({shown!r})", stamp
            )
            return
        self.emit(dataclasses.replace(request, fidelity=Fidelity.TRUNCATED), stamp)

    def _refuse_here(self, why: str) -> None:
        """Report the bytes at the buffer's start as unreadable; look for the next request."""
        self.refuse(why, self._first_stamp())
        self._drop(max(1, self.buffer.find(b"\n") + 1))
        self.searching = True
        self.need = 0

    def _first_stamp(self) -> Stamp:
        return self.stamps[0][1]

    def _drop(self, size: int) -> None:
        del self.buffer[:size]
        self.base += size
        self.scanned = 0
        while len(self.stamps) > 1 and self.stamps[1][0] <= self.base:
            self.stamps.popleft()
        if not self.buffer:
            self.stamps.clear()
        self.need = 0


def _leaves_http(request: ParsedRequest) -> bool:
    """Whether the connection may stop carrying HTTP after this request (``CONNECT``, or an
    ``Upgrade`` such as a WebSocket's), if the server agrees."""
    connection = request.headers.get("connection")
    tokens = ", ".join(connection) if isinstance(connection, list) else (connection or "")
    upgrade = "upgrade" in tokens.lower() and "upgrade" in request.headers
    return request.method.upper() == "CONNECT" or upgrade


def _needed(data: bytes, request: ParsedRequest) -> int | None:
    """How many bytes the request needs in all, when its body is framed by Content-Length."""
    length = request.headers.get("content-length")
    if isinstance(length, str) and length.isdigit() and "transfer-encoding" not in request.headers:
        return len(data) - len(request.body) + int(length)
    return None


def _partial_head(data: bytes) -> ParsedRequest | None:
    """The request line and whole header lines of a head cut short, with an empty body; a
    request line cut short gives its method and as much of its target as was captured (with
    ``tcpdump -s 96`` a request keeps its first 30 bytes: ``POST /webhooks/stream HTTP/1.1``
    without its line end)."""
    complete = data[: data.rfind(b"\n") + 1]
    if not complete:
        started = _CUT_REQUEST_LINE.match(data)
        if started is None:
            return None
        method, target = started[1].decode(), started[2].decode("latin-1")
        return ParsedRequest(method, target, "", {}, b"", Fidelity.TRUNCATED)
    try:
        request, _ = parse_request(complete + b"\r\n")
    except HttpParseError:
        try:
            request, _ = parse_request(complete.split(b"\n", 1)[0] + b"\n\r\n")
        except HttpParseError:
            return None
    return dataclasses.replace(request, body=b"", fidelity=Fidelity.TRUNCATED)
