"""Packet captures (tcpdump, Wireshark/dumpcap, tshark): the HTTP/1.x requests in their traffic.

The file is read a packet at a time (:mod:`packet_file`), each packet decoded down to its TCP
segment (:mod:`tcp_segments`), each connection's bytes put back in order (:mod:`tcp_streams`)
and the client's requests parsed as ``raw-http`` parses them (:mod:`http_streams`). Only the
requests not yet complete are held, so a capture of any size reads in little memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import IO

from streamhook_nb.errors import SourceError
from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.readers.common import BadEntryError
from streamhook_nb.load.readers.http_streams import Kind, RequestSide
from streamhook_nb.load.readers.packet_file import (
    DamagedCaptureError,
    NotCaptureError,
    Stamp,
    frames,
)
from streamhook_nb.load.readers.raw_http import ParsedRequest
from streamhook_nb.load.readers.tcp_segments import SUPPORTED, NotTcp, segment
from streamhook_nb.load.readers.tcp_streams import Connections, Endpoint

FORMAT = "pcap"
BATCH_SIZE = 1000
"""Deliveries per batch handed on while the capture is still being read."""
TLS_PORT = 443
_CAPTURE_THE_PORT = (
    "Capture the TCP port your webhook endpoint listens on, e.g. tcpdump -i any -w hook.pcap "
    "'tcp port 8080'"
)
_BEHIND_TLS = (
    "Capture where the requests travel as plain HTTP: behind the TLS terminator (between the "
    "proxy or load balancer and your app), e.g. tcpdump -i any -w hook.pcap 'tcp port 8080'"
)


def read(stream: IO[bytes], name: str) -> Iterator[DeliveryBatch]:
    """One delivery per HTTP request sent in the capture; sources ``file#N``, the Nth request
    (in the order the requests end), rejected records included."""
    reading = _Reading(name)
    connections = Connections(reading.side)
    damage: str | None = None
    try:
        for frame in frames(stream):
            reading.frames += 1
            try:
                found = segment(frame.linktype, frame.data)
            except NotTcp as exc:
                reading.not_tcp[exc.kind] += 1
                continue
            connections.add(found, frame.stamp)
            if len(reading.batch) >= BATCH_SIZE:
                yield reading.take()
    except NotCaptureError as exc:
        raise SourceError(
            f"not a pcap or pcapng capture ({exc})",
            source=name,
            fix="Save the capture as pcap or pcapng (tcpdump -w, or Wireshark's File > Save As)",
        ) from None
    except DamagedCaptureError as exc:
        damage = str(exc)
    connections.finish()
    if damage is not None:
        reading.batch.reject(
            name,
            f"the capture is {damage}; {_requests_before(reading.requests)} "
            "(the file may have been cut short: copy it again once the capture has stopped)",
        )
    elif not reading.requests:
        reading.explain_nothing()
    yield reading.take()


class _Reading:
    """What the reader has found so far: the batch under way, and counts for its messages."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.batch = DeliveryBatch(FORMAT)
        self.requests = 0
        self.frames = 0
        self.not_tcp: Counter[str] = Counter()
        self.kinds: Counter[Kind] = Counter()
        self.tls_hellos = 0
        self.tls_example: tuple[Endpoint, Endpoint] | None = None
        self.payload_lost = 0  # directions whose every payload byte the capture cut off

    def side(self, source: Endpoint, destination: Endpoint, opened: bool) -> RequestSide:
        """The sink of one direction of a connection."""

        def emit(request: ParsedRequest, stamp: Stamp) -> None:
            where = self._next()
            try:
                request.add_to(
                    self.batch, where, received_at=stamp.received_at, remote_addr=_shown(source)
                )
            except BadEntryError as exc:
                self.batch.reject(where, f"frame {stamp.number}: {exc}")

        def refuse(reason: str, stamp: Stamp) -> None:
            self.batch.reject(
                self._next(),
                f"frame {stamp.number} ({_shown(source)} -> {_shown(destination)}): {reason}",
            )

        def done(side: RequestSide) -> None:
            if not side.bytes_seen:
                self.payload_lost += side.bytes_missing > 0
                return
            kind = side.kind
            if kind in (Kind.UNKNOWN, Kind.OTHER) and TLS_PORT in (
                source[1],
                destination[1],
            ):
                kind = Kind.TLS  # begun mid-connection, so never recognised: port 443
            self.kinds[kind] += 1
            if kind is Kind.TLS:
                self.tls_hellos += side.tls_hello
                self.tls_example = self.tls_example or (source, destination)

        return RequestSide(emit, refuse, opened, done)

    def _next(self) -> str:
        self.requests += 1
        return f"{self.name}#{self.requests}"

    def take(self) -> DeliveryBatch:
        """The batch so far; a new one is begun."""
        batch, self.batch = self.batch, DeliveryBatch(FORMAT)
        return batch

    def explain_nothing(self) -> None:
        """Raise :class:`SourceError` saying why a capture with traffic held no request."""
        if self.kinds[Kind.TLS]:
            count = self.tls_hellos or self.kinds[Kind.TLS]
            assert self.tls_example is not None
            client, server = self.tls_example
            raise SourceError(
                f"holds only encrypted traffic: {count} TLS connection(s) (such as "
                f"{_shown(client)} -> {_shown(server)}), whose requests cannot be read",
                source=self.name,
                fix=_BEHIND_TLS,
            )
        if self.kinds[Kind.HTTP2]:
            raise SourceError(
                "holds HTTP/2 without TLS (h2c) only; Stream sends its webhooks over HTTP/1.1",
                source=self.name,
                fix="Capture the connection on which the webhooks arrive",
            )
        unsupported = sorted(k for k in self.not_tcp if k.startswith("link type"))
        if unsupported and not self.kinds:
            codes = ", ".join(sorted(str(s) for s in SUPPORTED))
            raise SourceError(
                f"its packets have a {unsupported[0]}, which this reader does not decode "
                f"(it reads link types {codes})",
                source=self.name,
                fix="Capture on an Ethernet interface or on all of them (tcpdump -i any)",
            )
        if self.kinds[Kind.RESPONSES] and not (self.kinds[Kind.OTHER] or self.kinds[Kind.UNKNOWN]):
            raise SourceError(
                "holds HTTP responses but none of the requests they answer",
                source=self.name,
                fix="Capture both directions of the connections (tcpdump captures both unless a "
                "filter such as 'src port 8080' keeps one)",
            )
        if self.payload_lost and not self.kinds:
            raise SourceError(
                f"kept none of the data its {self.frames} packets carried: its snap length cut "
                "every packet within its headers (tcpdump -s 54?)",
                source=self.name,
                fix="Capture whole packets: tcpdump -s 0 (the default), or dumpcap without -s",
            )
        if self.kinds:
            raise SourceError(
                f"holds no HTTP/1.x request in its {self.frames} packets (TCP traffic of "
                "another protocol)",
                source=self.name,
                fix=_CAPTURE_THE_PORT,
            )
        if self.frames and sum(self.not_tcp.values()) == self.frames:
            found = ", ".join(f"{kind}: {n}" for kind, n in self.not_tcp.most_common())
            raise SourceError(
                f"holds no TCP traffic in its {self.frames} packets ({found})",
                source=self.name,
                fix=_CAPTURE_THE_PORT,
            )


def _shown(endpoint: Endpoint) -> str:
    address, port = endpoint
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _requests_before(count: int) -> str:
    if count == 1:
        return "the request before it was read"
    return f"the {count} requests before it were read"
