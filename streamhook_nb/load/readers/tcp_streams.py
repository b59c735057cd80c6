"""TCP reassembly: each direction's bytes in sequence order, with the holes a capture left.

Segments arrive in capture order; a direction hands its bytes to a sink in sequence order:
out-of-order segments wait, retransmissions and overlaps are trimmed (the first copy seen
wins), and a hole that will not be filled (a snap length shorter than the packet, a segment
the capture missed) is reported as a gap. A hole is known not to be filled when the packet
was cut by the snap length, when the peer acknowledges bytes the capture never saw, when
more than :data:`MAX_AHEAD` bytes wait behind it, and at the connection's or capture's end.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from streamhook_nb.load.readers.packet_file import Stamp
from streamhook_nb.load.readers.tcp_segments import ACK, FIN, RST, SYN, Segment

MAX_OPEN = 100_000
"""Most connections held open at once; past it, the one quiet for longest is ended (a capture
of a port scan or a SYN flood opens connections that never close)."""
REMEMBERED = 4096
"""Closed connections remembered, to recognise a copy of one captured on another interface."""
MAX_AHEAD = 1024 * 1024
"""Most bytes held behind a hole in one direction before the hole is taken as lost."""
_MOD, _HALF = 2**32, 2**31

Endpoint = tuple[str, int]
Pair = tuple[Endpoint, Endpoint]


class Sink(Protocol):
    """What receives one direction's bytes."""

    def data(self, chunk: bytes, stamp: Stamp) -> None:
        """The next bytes in sequence order, and which packet carried them."""

    def gap(self, size: int) -> None:
        """``size`` bytes are missing here (the next ``data`` comes from after them)."""

    def end(self) -> None:
        """The direction is over (FIN, RST, or the end of the capture)."""


class Direction:
    """One direction of a TCP connection (a RST ends the connection: see :class:`Connections`)."""

    __slots__ = (
        "ahead",
        "ahead_bytes",
        "ended",
        "fin_at",
        "opened",
        "origin",
        "position",
        "sink",
        "starts",
    )

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.origin: int | None = None  # the sequence number of stream position 0
        self.position = 0  # stream position of the next byte the sink gets
        self.ahead: dict[int, tuple[bytes, int, Stamp]] = {}  # position -> payload, missing
        self.starts: list[int] = []  # the positions in ``ahead``, as a heap (first: smallest)
        self.ahead_bytes = 0
        self.fin_at: int | None = None
        self.opened = False  # its SYN was captured (the stream starts at a request's start)
        self.ended = False

    def _place(self, seq: int) -> int:
        """The stream position of sequence number ``seq`` (modulo 2**32, near the present)."""
        assert self.origin is not None
        here = (self.origin + self.position) % _MOD
        return self.position + ((seq - here + _HALF) % _MOD) - _HALF

    def add(self, segment: Segment, stamp: Stamp) -> None:
        """Take one segment sent in this direction."""
        if self.ended:
            return
        seq = segment.seq
        if segment.flags & SYN:
            seq = (seq + 1) % _MOD
            if self.origin is None:
                self.origin, self.opened = seq, True
        if self.origin is None:  # the capture began after this connection opened
            self.origin = seq
        start = self._place(seq)
        length = len(segment.payload) + segment.missing
        if length and start + length > self.position:
            self._hold(start, segment.payload, segment.missing, stamp)
        if segment.flags & FIN and self.fin_at is None:
            self.fin_at = start + length
        self._drain()
        if self.fin_at is not None and self.position >= self.fin_at:
            self.finish()

    def acknowledged(self, ack: int) -> None:
        """The peer acknowledged up to ``ack``: bytes before it that never came are lost."""
        if self.origin is None or self.ended:
            return
        upto = self._place(ack)
        if self.fin_at is not None:
            upto = min(upto, self.fin_at)
        if self.ahead:
            upto = min(upto, self.starts[0])  # what waits behind the hole was captured
        if upto > self.position:
            self._skip(upto)

    def finish(self) -> None:
        """End this direction: whatever still waits behind a hole comes after a gap."""
        if self.ended:
            return
        while self.ahead:
            self._skip(self.starts[0])
        self.ended = True
        self.sink.end()

    def _hold(self, start: int, payload: bytes, missing: int, stamp: Stamp) -> None:
        held = self.ahead.get(start)
        if held is not None and len(held[0]) + held[1] >= len(payload) + missing:
            return  # a retransmission of what already waits
        if held is not None:
            self.ahead_bytes -= len(held[0])
        else:
            heapq.heappush(self.starts, start)
        self.ahead[start] = (payload, missing, stamp)
        self.ahead_bytes += len(payload)

    def _drain(self) -> None:
        while self.ahead:
            start = self.starts[0]
            if start > self.position:
                if self.ahead_bytes > MAX_AHEAD:
                    self._skip(start)
                    continue
                return
            heapq.heappop(self.starts)
            payload, missing, stamp = self.ahead.pop(start)
            self.ahead_bytes -= len(payload)
            cut = self.position - start
            if cut < len(payload):
                chunk = payload[cut:]
                self.position += len(chunk)
                self.sink.data(chunk, stamp)
                cut = 0
            else:
                cut -= len(payload)
            if missing > cut:  # the snap length cut this packet: its end is lost
                self.position += missing - cut
                self.sink.gap(missing - cut)

    def _skip(self, to: int) -> None:
        self.sink.gap(max(0, to - self.position))
        self.position = max(self.position, to)
        self._drain()


class Connections:
    """Every TCP connection of a capture, each direction reassembled into its own sink."""

    def __init__(self, new_sink: Callable[[Endpoint, Endpoint, bool], Sink]) -> None:
        """``new_sink(source, destination, opened)`` makes the sink of a direction."""
        self.new_sink = new_sink
        self.open: OrderedDict[Pair, dict[Endpoint, Direction]] = OrderedDict()
        """The connections not over yet, the one that carried a packet last at the end."""
        self.closed: OrderedDict[tuple[Endpoint, Endpoint], dict[Endpoint, tuple[int, int]]]
        self.closed = OrderedDict()
        """The sequence numbers each direction of a recently closed connection spanned: a copy
        of it captured on another interface (``dumpcap -i lo -i any``) is not read twice."""

    def add(self, segment: Segment, stamp: Stamp) -> None:
        """Route one segment to its direction (a new SYN on a closed pair: a new connection)."""
        key = _key(segment.source, segment.destination)
        directions = self.open.get(key)
        starts = segment.flags & SYN and not segment.flags & ACK
        if directions is not None and starts:
            mine = directions.get(segment.source)
            if mine is not None and mine.origin != (segment.seq + 1) % _MOD:
                self._close(key)  # the pair is reused by a new connection
                directions = None
        copy = False
        if directions is None:
            if not (segment.flags & SYN or segment.payload or segment.missing):
                return  # the last ACK of a connection already over, or of one never seen
            copy = self._seen(key, segment)
            directions = self.open[key] = {}
            if len(self.open) > MAX_OPEN:  # a scan or a flood: the quietest connection ends
                self._close(next(iter(self.open)))
        else:
            self.open.move_to_end(key)
        direction = directions.get(segment.source)
        if direction is None:
            opened = bool(segment.flags & SYN)
            copied = copy or any(isinstance(d.sink, _Discard) for d in directions.values())
            sink = (
                _Discard() if copied else self.new_sink(segment.source, segment.destination, opened)
            )
            direction = directions[segment.source] = Direction(sink)
        direction.add(segment, stamp)
        peer = directions.get(segment.destination)
        if peer is not None and segment.ack is not None:
            peer.acknowledged(segment.ack)
        if segment.flags & RST:  # the connection is over, both ways
            self._close(key)
        elif len(directions) == 2 and all(d.ended for d in directions.values()):
            self._remember(key, self.open.pop(key))

    def finish(self) -> None:
        """End every connection still open (the capture is over), oldest first."""
        for key in list(self.open):
            self._close(key)

    def _close(self, key: tuple[Endpoint, Endpoint]) -> None:
        directions = self.open.pop(key)
        for direction in directions.values():
            direction.finish()
        self._remember(key, directions)

    def _remember(
        self, key: tuple[Endpoint, Endpoint], directions: dict[Endpoint, Direction]
    ) -> None:
        spans = {
            endpoint: (d.origin, (d.origin + d.position) % _MOD)
            for endpoint, d in directions.items()
            if d.origin is not None and not isinstance(d.sink, _Discard)
        }
        if spans:
            self.closed[key] = spans
            self.closed.move_to_end(key)
            if len(self.closed) > REMEMBERED:
                self.closed.popitem(last=False)

    def _seen(self, key: Pair, segment: Segment) -> bool:
        """Whether ``segment`` belongs to a connection already read (a second copy of it)."""
        span = self.closed.get(key, {}).get(segment.source)
        if span is None:
            return False
        origin, end = span
        if segment.flags & SYN:  # a copy's SYN carries the very same first number; a new
            return (segment.seq + 1) % _MOD == origin  # connection's may fall anywhere
        return (segment.seq - origin) % _MOD <= (end - origin) % _MOD


class _Discard:
    """The sink of a connection's second copy: its bytes were read from the first."""

    def data(self, chunk: bytes, stamp: Stamp) -> None:
        """Passed over."""

    def gap(self, size: int) -> None:
        """Passed over."""

    def end(self) -> None:
        """Nothing to finish."""


def _key(a: Endpoint, b: Endpoint) -> tuple[Endpoint, Endpoint]:
    return (a, b) if a <= b else (b, a)
