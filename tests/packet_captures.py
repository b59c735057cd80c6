"""Packet captures built as tcpdump and dumpcap write them, from bytes a real server received.

``record_conversation`` sends requests with a real HTTP client (``requests``) to a real aiohttp
server on 127.0.0.1 through a relay that records each direction's bytes as the kernel handed
them over; ``Conversation`` turns such bytes into TCP segments (handshake, sequence and
acknowledgement numbers, close), and the writers lay them out byte for byte as the libpcap
and pcapng specifications say (draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng).
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import socket
import struct
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import dpkt
from aiohttp import web

from streamhook_nb.background_server import BackgroundServer

SECRET = "pcap-test-secret"
EPOCH_NS = 1_764_288_000_123_456_789  # 2025-11-28T00:00:00.123456789Z
ETHERNET, NULL, RAW, LOOP, LINUX_SLL, LINUX_SLL2 = 1, 0, 101, 108, 113, 276
SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


def sign(body: bytes, secret: str = SECRET) -> str:
    """Stream's X-Signature of ``body``."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Packet:
    """One IP packet and when it was captured."""

    time_ns: int
    ip: bytes


@dataclass
class Conversation:
    """The packets of one TCP connection, both ways, in capture order."""

    client: tuple[str, int] = ("10.0.0.7", 51000)
    server: tuple[str, int] = ("10.0.0.2", 8080)
    client_isn: int = 1_000_000
    server_isn: int = 4_294_960_000  # wraps past 2**32 within the first few kilobytes
    start_ns: int = EPOCH_NS
    packets: list[Packet] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.next = {True: self.client_isn, False: self.server_isn}
        self.clock = self.start_ns

    def segment(
        self,
        from_client: bool,
        payload: bytes = b"",
        flags: int = ACK | PSH,
        seq: int | None = None,
    ) -> bytes:
        """The IP packet of one segment (``seq``: an explicit sequence number, for replays)."""
        source, destination = (
            (self.client, self.server) if from_client else (self.server, self.client)
        )
        own = self.next[from_client] if seq is None else seq
        ack = self.next[not from_client] if flags & ACK else 0
        tcp = dpkt.tcp.TCP(
            sport=source[1],
            dport=destination[1],
            seq=own % 2**32,
            ack=ack % 2**32,
            flags=flags,
            win=65535,
            data=payload,
        )
        return ip_packet(source[0], destination[0], tcp)

    def send(self, from_client: bool, payload: bytes = b"", flags: int = ACK | PSH) -> bytes:
        """Append one segment and advance the sender's sequence number."""
        packet = self.segment(from_client, payload, flags)
        self.add(packet)
        self.next[from_client] += len(payload) + (1 if flags & (SYN | FIN) else 0)
        return packet

    def add(self, packet: bytes) -> None:
        """Append a packet, captured 1 ms after the previous one."""
        self.packets.append(Packet(self.clock, packet))
        self.clock += 1_000_000

    def open(self) -> Conversation:
        """The three-way handshake."""
        self.send(True, flags=SYN)
        self.send(False, flags=SYN | ACK)
        self.send(True, flags=ACK)
        return self

    def close(self) -> Conversation:
        """Both FINs and the last ACK."""
        self.send(True, flags=FIN | ACK)
        self.send(False, flags=FIN | ACK)
        self.send(True, flags=ACK)
        return self

    def exchange(self, chunks: Iterable[tuple[bool, bytes]], mss: int = 1460) -> Conversation:
        """Send recorded chunks (``(from_client, bytes)``), each cut into segments of ``mss``."""
        for from_client, chunk in chunks:
            for start in range(0, len(chunk), mss):
                self.send(from_client, chunk[start : start + mss])
            self.send(not from_client, flags=ACK)
        return self


def ip_packet(source: str, destination: str, tcp: dpkt.tcp.TCP) -> bytes:
    """An IPv4 or IPv6 packet (by the addresses' form) around a TCP segment."""
    if ":" in source:
        packet6 = dpkt.ip6.IP6(
            src=socket.inet_pton(socket.AF_INET6, source),
            dst=socket.inet_pton(socket.AF_INET6, destination),
            nxt=dpkt.ip.IP_PROTO_TCP,
            hlim=64,
            data=tcp,
        )
        packet6.plen = len(bytes(tcp))
        return bytes(packet6)
    packet4 = dpkt.ip.IP(
        src=socket.inet_aton(source),
        dst=socket.inet_aton(destination),
        p=dpkt.ip.IP_PROTO_TCP,
        ttl=64,
        df=1,
        data=tcp,
    )
    return bytes(packet4)


def framed(linktype: int, ip: bytes, vlans: Sequence[int] = ()) -> bytes:
    """``ip`` behind the link-layer header of ``linktype``, as the capturing system writes it."""
    version = ip[0] >> 4
    ethertype = 0x0800 if version == 4 else 0x86DD
    if linktype == ETHERNET:
        tags = b"".join(struct.pack(">HH", 0x8100, vlan) for vlan in vlans)
        frame = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + tags
        frame += struct.pack(">H", ethertype) + ip
        return frame + b"\x00" * max(0, 60 - len(frame))  # Ethernet's minimum frame, padded
    if linktype == LINUX_SLL:
        return struct.pack(">HHH8sH", 0, 772, 6, b"\x00" * 8, ethertype) + ip
    if linktype == LINUX_SLL2:
        return struct.pack(">HHiHBB8s", ethertype, 0, 1, 772, 0, 6, b"\x00" * 8) + ip
    if linktype == NULL:  # the capturing host's byte order (little-endian here)
        return struct.pack("<I", 2 if version == 4 else 30) + ip
    if linktype == LOOP:  # always network byte order
        return struct.pack(">I", 2 if version == 4 else 30) + ip
    return ip


def pcap_file(
    packets: Sequence[Packet],
    linktype: int = ETHERNET,
    *,
    nano: bool = False,
    big_endian: bool = False,
    snaplen: int = 262144,
    vlans: Sequence[int] = (),
) -> bytes:
    """A libpcap file (tcpdump -w): micro- or nanosecond timestamps, either byte order."""
    order = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for packet in packets:
        data = framed(linktype, packet.ip, vlans)
        seconds, nanos = divmod(packet.time_ns, 10**9)
        fraction = nanos if nano else nanos // 1000
        kept = data[:snaplen]
        out.append(struct.pack(order + "IIII", seconds, fraction, len(kept), len(data)) + kept)
    return b"".join(out)


def dpkt_pcap_file(packets: Sequence[Packet], linktype: int = ETHERNET) -> bytes:
    """The same file as dpkt's own writer lays it out (microseconds, this machine's order)."""
    import io

    buffer = io.BytesIO()
    writer = dpkt.pcap.Writer(buffer, snaplen=262144, linktype=linktype)
    for packet in packets:
        writer.writepkt(framed(linktype, packet.ip), ts=packet.time_ns // 1000 / 10**6)
    return buffer.getvalue()


def _block(order: str, kind: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    length = len(body) + 12
    return struct.pack(order + "II", kind, length) + body + struct.pack(order + "I", length)


def _option(order: str, code: int, value: bytes) -> bytes:
    return struct.pack(order + "HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)


def pcapng_section(
    packets: Sequence[tuple[int, Packet]],
    linktypes: Sequence[int] = (ETHERNET,),
    *,
    big_endian: bool = False,
    tsresol: int = 6,
    snaplen: int = 262144,
    simple: bool = False,
    tsoffset: int = 0,
) -> bytes:
    """One pcapng section (dumpcap, tshark): a section header, one interface description per
    link type, and an enhanced (or, with ``simple``, simple) packet block per packet, given
    as ``(interface, packet)``."""
    order = ">" if big_endian else "<"
    end = _option(order, 0, b"")
    section = struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1)
    section += _option(order, 4, b"packet_captures.py") + end  # shb_userappl
    out = [_block(order, 0x0A0D0D0A, section)]
    for linktype in linktypes:
        options = _option(order, 2, b"eth0") + _option(order, 9, bytes([tsresol]))
        if tsoffset:  # if_tsoffset: seconds added to every timestamp
            options += _option(order, 14, struct.pack(order + "q", tsoffset))
        options += end
        out.append(_block(order, 1, struct.pack(order + "HHI", linktype, 0, snaplen) + options))
    # if_tsresol: a power of ten, or of two when its high bit is set
    units = 2 ** (tsresol & 0x7F) if tsresol & 0x80 else 10**tsresol
    for interface, packet in packets:
        data = framed(linktypes[interface], packet.ip)
        kept = data[:snaplen]
        if simple:
            out.append(_block(order, 3, struct.pack(order + "I", len(data)) + kept))
            continue
        ticks = (packet.time_ns - tsoffset * 10**9) * units // 10**9
        header = struct.pack(
            order + "IIIII", interface, ticks >> 32, ticks & 0xFFFFFFFF, len(kept), len(data)
        )
        padding = b"\x00" * (-len(kept) % 4)
        out.append(_block(order, 6, header + kept + padding + _option(order, 1, b"ok") + end))
    return b"".join(out)


def gzipped(data: bytes) -> bytes:
    """As Wireshark writes ``.pcapng.gz``."""
    return gzip.compress(data, mtime=0)


@dataclass
class Recorded:
    """What one connection carried, as each side's socket received it."""

    chunks: list[tuple[bool, bytes]] = field(default_factory=list)  # (from_client, bytes)


class Relay:
    """A TCP relay on 127.0.0.1 in front of ``upstream`` that records every chunk it passes."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = self.listener.getsockname()[:2]
        self.connections: list[Recorded] = []
        self.lock = threading.Lock()
        self.pumps: list[threading.Thread] = []
        self.sockets: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self.sockets += [client, server]
            recorded = Recorded()
            self.connections.append(recorded)
            for source, sink, from_client in ((client, server, True), (server, client, False)):
                pump = threading.Thread(
                    target=self._pump, args=(source, sink, from_client, recorded), daemon=True
                )
                self.pumps.append(pump)
                pump.start()

    def _pump(self, source: socket.socket, sink: socket.socket, up: bool, into: Recorded) -> None:
        while True:
            try:
                chunk = source.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                with suppress(OSError):
                    sink.shutdown(socket.SHUT_WR)
                return
            with self.lock:
                into.chunks.append((up, chunk))
            sink.sendall(chunk)

    def close(self) -> None:
        """Stop relaying: every chunk answered so far has been recorded (a chunk is recorded
        before it is passed on, so an answered request's bytes are all there)."""
        self.listener.close()
        for connection in self.sockets:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for pump in self.pumps:
            pump.join()
        for connection in self.sockets:
            connection.close()


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, list[tuple[bytes, str]], Relay]]:
    """A real aiohttp receiver behind a recording relay: its URL, the (body, signature) pairs
    it received, and the relay (whose ``connections`` hold the bytes on the wire)."""
    received: list[tuple[bytes, str]] = []

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        received.append((body, request.headers.get("X-Signature", "")))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = BackgroundServer(app)
    upstream = server.start()
    relay = Relay(upstream)
    try:
        yield f"http://{relay.address[0]}:{relay.address[1]}/hook", received, relay
    finally:
        relay.close()
        server.stop()
