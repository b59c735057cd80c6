"""TCP conversations laid out as capture files: libpcap as ``tcpdump -i any -w`` writes it, and
pcapng as Wireshark's ``dumpcap`` writes it.

Segments are built with ``dpkt`` (IPv4, TCP with its checksums and the options Linux sends).
In the libpcap file each frame carries the Linux cooked capture v2 header that ``tcpdump -i
any`` gives from libpcap 1.10 on (link type 276), with microsecond timestamps (libpcap's
default); the pcapng file has one interface (Ethernet link type, as Linux's ``lo`` is) with
nanosecond timestamps (``if_tsresol`` 9, dumpcap's). No capture tool is needed.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

import dpkt

ETHERNET, LINUX_SLL2 = 1, 276
SNAP_LENGTH = 262144
"""tcpdump's default snap length: whole packets."""
MSS = 1448
"""The segment size of an Ethernet path with TCP timestamps (1460 less the option), as Linux
sends."""
LOOPBACK_MSS = 65483
"""The same on Linux's loopback interface (MTU 65536)."""
SYN, FIN, PSH, ACK = 0x02, 0x01, 0x08, 0x10
_IPV4 = 0x0800
_ARPHRD_ETHER = 1
_INCOMING, _OUTGOING = 0, 4  # the cooked header's packet type, seen from the capturing host


@dataclass(frozen=True)
class Segment:
    """One TCP segment of a connection and when the capture saw it."""

    time_us: int
    from_client: bool
    seq: int
    ack: int
    flags: int
    payload: bytes = b""
    options: bytes = b""


_STEP_US = 40
"""Between one segment and the next of the same exchange on a local network."""


@dataclass
class Connection:
    """The segments of one TCP connection, both ways, in the order they are sent.

    ``client`` is the peer that connects (the proxy in front of the app), ``server`` the
    capturing host. Sequence numbers start at the given initial values and wrap past 2**32.
    Each step takes the time it starts at, in microseconds since the epoch.
    """

    client: tuple[str, int]
    server: tuple[str, int]
    client_isn: int
    server_isn: int
    mss: int = MSS
    segments: list[Segment] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._next = {True: self.client_isn, False: self.server_isn}
        self._clock = 0
        self._stamps = {True: 0, False: 0}  # the last TCP timestamp each side sent

    def _send(self, from_client: bool, payload: bytes = b"", flags: int = ACK | PSH) -> Segment:
        ack = self._next[not from_client] if flags & ACK else 0
        own = self._next[from_client] % 2**32
        options = self._options(from_client, flags)
        item = Segment(self._clock, from_client, own, ack % 2**32, flags, payload, options)
        self.segments.append(item)
        self._clock += _STEP_US
        self._next[from_client] += len(payload) + (1 if flags & (SYN | FIN) else 0)
        return item

    def _options(self, from_client: bool, flags: int) -> bytes:
        """The options Linux sends: on a SYN the MSS, SACK permitted, timestamps and window
        scale 7; on every other segment the timestamps (each host's own millisecond clock)."""
        base = (self.client_isn if from_client else self.server_isn) % 2**31  # its own origin
        stamp = (base + self._clock // 1000) % 2**32
        echo = self._stamps[not from_client] if flags & ACK else 0
        self._stamps[from_client] = stamp
        timestamps = struct.pack(">BBII", 8, 10, stamp, echo)
        if flags & SYN:
            mss = struct.pack(">BBH", 2, 4, self.mss + 12)  # the MSS offered: no options
            return mss + b"\x04\x02" + timestamps + b"\x01\x03\x03\x07"
        return b"\x01\x01" + timestamps

    def open(self, at_us: int) -> Connection:
        """The three-way handshake."""
        self._clock = at_us
        self._send(True, flags=SYN)
        self._send(False, flags=SYN | ACK)
        self._send(True, flags=ACK)
        return self

    def request(self, at_us: int, data: bytes, answer: bytes) -> list[Segment]:
        """The client sends ``data`` in segments of at most ``mss`` bytes (the last one pushed),
        the server acknowledges them and sends ``answer``; returns the data segments."""
        self._clock = max(self._clock, at_us)
        sent = []
        size = self.mss
        for start in range(0, len(data), size):
            last = start + size >= len(data)
            sent.append(self._send(True, data[start : start + size], ACK | (PSH if last else 0)))
        self._send(False, flags=ACK)
        self._send(False, answer)
        self._send(True, flags=ACK)
        return sent

    def close(self, at_us: int) -> Connection:
        """The client's FIN, the server's, and the last ACK."""
        self._clock = max(self._clock, at_us)
        self._send(True, flags=FIN | ACK)
        self._send(False, flags=FIN | ACK)
        self._send(True, flags=ACK)
        return self


Captured = tuple[Connection, Segment]
"""A segment as the capture saw it, with its connection."""


def captured(connection: Connection) -> list[Captured]:
    """Every segment of ``connection``, as a capture that missed none shows them."""
    return [(connection, segment) for segment in connection.segments]


def pcap_file(frames: Sequence[Captured]) -> bytes:
    """A little-endian libpcap file (microseconds, link type 276) of ``frames`` in time
    order, each with the cooked header ``tcpdump -i any`` writes."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAP_LENGTH, LINUX_SLL2)]
    ordered = sorted(frames, key=lambda item: item[1].time_us)
    for number, (connection, segment) in enumerate(ordered):
        frame = _cooked(segment) + _ip_packet(connection, segment, number)
        seconds, micros = divmod(segment.time_us, 10**6)
        out.append(struct.pack("<IIII", seconds, micros, len(frame), len(frame)) + frame)
    return b"".join(out)


def pcapng_file(
    frames: Sequence[Captured],
    interface: str,
    capture_filter: str,
    section: Sequence[tuple[int, str]],
) -> bytes:
    """A little-endian pcapng file as dumpcap writes one: a section header with ``section``'s
    options (code, text: hardware, OS, application), one Ethernet interface named
    ``interface`` with its capture filter and nanosecond timestamps, an enhanced packet block
    per frame in time order
    (each time given a sub-microsecond part, as nanosecond clocks have), and the interface's
    statistics at the end."""
    texts = b"".join(_option(code, text.encode()) for code, text in section)
    header = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + texts + _option(0, b"")
    out = [_block(0x0A0D0D0A, header)]
    options = _option(2, interface.encode()) + _option(11, b"\x00" + capture_filter.encode())
    options += _option(9, b"\x09") + _option(0, b"")  # if_tsresol: nanoseconds
    out.append(_block(1, struct.pack("<HHI", ETHERNET, 0, SNAP_LENGTH) + options))
    ordered = sorted(frames, key=lambda item: item[1].time_us)
    ticks = 0
    for number, (connection, segment) in enumerate(ordered):
        frame = _ethernet() + _ip_packet(connection, segment, number)
        ticks = segment.time_us * 1000 + (number * 389) % 1000
        head = struct.pack("<IIIII", 0, ticks >> 32, ticks & 0xFFFFFFFF, len(frame), len(frame))
        out.append(_block(6, head + frame + b"\x00" * (-len(frame) % 4)))
    received = struct.pack("<Q", len(ordered))
    counts = _option(4, received) + _option(5, bytes(8)) + _option(0, b"")  # ifrecv, ifdrop
    out.append(_block(5, struct.pack("<III", 0, ticks >> 32, ticks & 0xFFFFFFFF) + counts))
    return b"".join(out)


def _block(kind: int, body: bytes) -> bytes:
    length = len(body) + 12
    return struct.pack("<II", kind, length) + body + struct.pack("<I", length)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)


def _ethernet() -> bytes:
    """The Ethernet header of a frame on Linux's loopback: both addresses zero."""
    return bytes(12) + struct.pack(">H", _IPV4)


def _ip_packet(connection: Connection, segment: Segment, number: int) -> bytes:
    source, destination = (
        (connection.client, connection.server)
        if segment.from_client
        else (connection.server, connection.client)
    )
    tcp = dpkt.tcp.TCP(
        sport=source[1],
        dport=destination[1],
        seq=segment.seq,
        ack=segment.ack,
        flags=segment.flags,
        win=64240 if segment.flags & SYN else 502,  # scaled by 2**7 once the SYNs are done
        off=(20 + len(segment.options)) // 4,
        opts=segment.options,
        data=segment.payload,
    )
    packet = dpkt.ip.IP(
        id=(number * 7919) % 65536,
        src=socket.inet_aton(source[0]),
        dst=socket.inet_aton(destination[0]),
        p=dpkt.ip.IP_PROTO_TCP,
        ttl=64,
        df=1,
        data=tcp,
    )
    return bytes(packet)


def _cooked(segment: Segment) -> bytes:
    """The Linux cooked capture v2 header: protocol, interface 2 (eth0), Ethernet, direction,
    and the sender's MAC address."""
    incoming = segment.from_client
    direction = _INCOMING if incoming else _OUTGOING
    mac = bytes.fromhex("0a5800c0a8d2" if incoming else "0a5800c0a8e7") + b"\x00\x00"
    return struct.pack(">HHiHBB8s", _IPV4, 0, 2, _ARPHRD_ETHER, direction, 6, mac)
