"""A captured frame as a TCP segment: link layer, IPv4 or IPv6, then TCP.

Link types (the numbers of tcpdump.org's link-layer header types): Ethernet with any VLAN tags
(``tcpdump -i eth0``), Linux cooked v1 and v2 (``tcpdump -i any``), BSD loopback in either byte
order (``-i lo0`` on macOS and the BSDs), and raw IP (``-i tun0``, ``LINKTYPE_IPV4/6``).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

ETHERNET, NULL, RAW, LOOP, LINUX_SLL, LINUX_SLL2 = 1, 0, 101, 108, 113, 276
RAW_ALIASES = (12, 14, 228, 229)
"""Other numbers raw IP goes by: DLT_RAW on some BSDs (12, 14), LINKTYPE_IPV4/IPV6."""
SUPPORTED = frozenset((ETHERNET, NULL, RAW, LOOP, LINUX_SLL, LINUX_SLL2, *RAW_ALIASES))
_VLAN_TAGS = (0x8100, 0x88A8, 0x9100)  # 802.1Q, 802.1ad (QinQ) and the older QinQ tag
_IPV4, _IPV6 = 0x0800, 0x86DD
_TCP = 6
_IPV6_EXTENSIONS = (0, 43, 60)  # hop-by-hop, routing, destination options
_IPV6_FRAGMENT, _AUTH = 44, 51
SYN, FIN, RST, ACK = 0x02, 0x01, 0x04, 0x10


@dataclass(frozen=True, slots=True)
class Segment:
    """A TCP segment as captured: its endpoints, sequence numbers, flags and payload."""

    source: tuple[str, int]
    destination: tuple[str, int]
    seq: int
    ack: int | None
    flags: int
    payload: bytes
    missing: int
    """Payload bytes on the wire that the capture did not keep (a short snap length)."""


class NotTcp(Exception):  # noqa: N818 - a verdict on a frame, not an error to report
    """The frame holds no TCP segment we can read; ``kind`` names what it holds."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def segment(linktype: int, data: bytes) -> Segment:
    """The TCP segment in a frame of ``linktype``; raises :class:`NotTcp` otherwise."""
    offset = _network_offset(linktype, data)
    version = data[offset] >> 4 if len(data) > offset else 0
    if version == 4:
        return _ipv4(data, offset)
    if version == 6:
        return _ipv6(data, offset)
    raise NotTcp("not IP")


def _network_offset(linktype: int, data: bytes) -> int:
    if linktype == ETHERNET:
        return _after_ethertype(data, 12)
    if linktype == LINUX_SLL:
        return _after_ethertype(data, 14)
    if linktype == LINUX_SLL2:
        if len(data) < 20:
            raise NotTcp("cut link header")
        ethertype = struct.unpack_from(">H", data, 0)[0]
        if ethertype not in (_IPV4, _IPV6):
            raise NotTcp("not IP")
        return 20
    if linktype in (NULL, LOOP):  # a 4-byte address family, in the writer's byte order
        return 4
    if linktype == RAW or linktype in RAW_ALIASES:
        return 0
    raise NotTcp(f"link type {linktype}")


def _after_ethertype(data: bytes, position: int) -> int:
    while True:
        if len(data) < position + 2:
            raise NotTcp("cut link header")
        ethertype = struct.unpack_from(">H", data, position)[0]
        if ethertype in _VLAN_TAGS:
            position += 4
            continue
        if ethertype not in (_IPV4, _IPV6):
            raise NotTcp("not IP")
        return position + 2


def _ipv4(data: bytes, offset: int) -> Segment:
    if len(data) < offset + 20:
        raise NotTcp("cut IP header")
    header_length = (data[offset] & 0x0F) * 4
    if header_length < 20:
        raise NotTcp("bad IP header")
    total, flags_fragment = struct.unpack_from(">H2xH", data, offset + 2)
    if data[offset + 9] != _TCP:
        raise NotTcp("not TCP")
    if flags_fragment & 0x3FFF:  # more fragments, or a fragment offset
        raise NotTcp("IP fragment")
    source = socket.inet_ntop(socket.AF_INET, data[offset + 12 : offset + 16])
    destination = socket.inet_ntop(socket.AF_INET, data[offset + 16 : offset + 20])
    start = offset + header_length
    # total 0: TCP segmentation offload, the length is what was captured
    end = offset + total if total else None
    return _tcp(data, start, end, source, destination)


def _ipv6(data: bytes, offset: int) -> Segment:
    if len(data) < offset + 40:
        raise NotTcp("cut IP header")
    payload_length = struct.unpack_from(">H", data, offset + 4)[0]
    following = data[offset + 6]
    source = socket.inet_ntop(socket.AF_INET6, data[offset + 8 : offset + 24])
    destination = socket.inet_ntop(socket.AF_INET6, data[offset + 24 : offset + 40])
    end = offset + 40 + payload_length if payload_length else None  # 0: a jumbogram or TSO
    position = offset + 40
    while following != _TCP:
        if len(data) < position + 8:
            raise NotTcp("cut IP header")
        if following in _IPV6_EXTENSIONS:
            following, size = data[position], (data[position + 1] + 1) * 8
        elif following == _IPV6_FRAGMENT:
            if struct.unpack_from(">H", data, position + 2)[0] & 0xFFF9:
                raise NotTcp("IP fragment")
            following, size = data[position], 8
        elif following == _AUTH:
            following, size = data[position], (data[position + 1] + 2) * 4
        else:
            raise NotTcp("not TCP")
        position += size
    return _tcp(data, position, end, source, destination)


def _tcp(data: bytes, start: int, end: int | None, source: str, destination: str) -> Segment:
    if len(data) < start + 20:
        raise NotTcp("cut TCP header")
    ports = struct.unpack_from(">HHIIB", data, start)
    source_port, destination_port, seq, ack, data_offset = ports
    flags = data[start + 13]
    if data_offset >> 4 < 5:  # shorter than TCP's own header: a malformed packet
        raise NotTcp("malformed TCP header")
    payload_start = start + (data_offset >> 4) * 4
    if payload_start > len(data):
        raise NotTcp("cut TCP header")
    wire_end = end if end is not None else len(data)
    payload = data[payload_start:wire_end]  # Ethernet pads short frames past the IP length
    missing = max(0, wire_end - max(payload_start, len(data)))
    return Segment(
        (source, source_port),
        (destination, destination_port),
        seq,
        ack if flags & ACK else None,
        flags,
        payload,
        missing,
    )
