"""Packet capture files (libpcap and pcapng, as tcpdump, dumpcap and tshark write them) as frames.

The headers and blocks are decoded by ``dpkt``; the loop over them is ours, because dpkt's own
readers give float timestamps (nanoseconds lost), read only a pcapng file's first interface and
section, and return a record cut by the end of the file without a word.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

import dpkt
from dpkt import pcap, pcapng

from streamhook_nb.load.detect import PCAP_MAGICS, PCAPNG_BYTE_ORDERS, PCAPNG_MAGIC
from streamhook_nb.load.sources import DAMAGE_ERRORS

MAX_PACKET = 262144
"""libpcap's largest snap length: a record claiming more (and more than the file's snap
length) is damage, as libpcap itself says (``invalid packet capture length``)."""
MAX_BLOCK = 16 * 1024 * 1024
"""libpcap's largest pcapng block it reads at first; a larger length field is damage. A pcap
record is bounded by it too, whatever snap length the file claims (libpcap reads at most its
own largest snap length), so a forged header cannot make one read ask for gigabytes."""
_LINKTYPE_MASK = 0xFFFF  # the upper bits of a pcap header's link type hold FCS information
_SPB = 3


@dataclass(frozen=True, slots=True)
class Stamp:
    """Which packet, and when it was captured: all that a request keeps of its first packet."""

    number: int
    """The frame number, from 1, as Wireshark numbers frames."""
    time_ns: int | None
    """Capture time, nanoseconds since the epoch (UTC); None when the file has none (a pcapng
    simple packet block)."""
    fine: bool
    """Whether the file's timestamps are finer than microseconds."""

    @property
    def received_at(self) -> str | None:
        """The capture time as ISO 8601 UTC (nine fraction digits for nanosecond files)."""
        if self.time_ns is None:
            return None
        seconds, nanos = divmod(self.time_ns, 10**9)
        try:
            moment = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
        fraction = f"{nanos:09d}" if self.fine else f"{nanos // 1000:06d}"
        return f"{moment:%Y-%m-%dT%H:%M:%S}.{fraction}Z"


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured packet."""

    stamp: Stamp
    linktype: int
    data: bytes
    """The bytes captured (fewer than on the wire with a short snap length: the IP header's
    length tells how many are missing)."""


class DamagedCaptureError(ValueError):
    """The capture file cannot be read past this point; the message says where and why."""


class NotCaptureError(ValueError):
    """The file does not start as a libpcap or pcapng file."""


def frames(stream: IO[bytes]) -> Iterator[Frame]:
    """Every packet of a libpcap or pcapng file, read a record at a time.

    Raises :class:`NotCaptureError` at once for another file, and
    :class:`DamagedCaptureError` where a record is cut short or malformed (after yielding the
    frames before it).
    """
    reader = _Reader(stream)
    magic = reader.read(4, "the file header")
    if magic in PCAP_MAGICS:
        yield from _pcap_frames(reader, magic)
    elif magic == PCAPNG_MAGIC:
        yield from _pcapng_frames(reader, magic)
    else:
        raise NotCaptureError(f"it starts with {magic.hex(' ')}, not a pcap or pcapng magic")


class _Reader:
    """A stream read in records, knowing its offset, so damage can be located."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.offset = 0
        self.frame = 0

    def read(self, size: int, what: str, *, eof_ok: bool = False) -> bytes:
        try:
            data = self.stream.read(size)
        except DAMAGE_ERRORS as exc:  # a damaged gzip file
            raise self.damaged(f"cannot read {what} ({exc})") from None
        if len(data) < size and not (eof_ok and not data):
            raise self.damaged(f"{what} is cut short ({len(data)} of {size} bytes)")
        self.offset += len(data)
        return data

    def damaged(self, why: str) -> DamagedCaptureError:
        return DamagedCaptureError(f"damaged after frame {self.frame} (byte {self.offset}): {why}")


def _pcap_frames(reader: _Reader, magic: bytes) -> Iterator[Frame]:
    little, units = PCAP_MAGICS[magic]
    header_type = pcap.LEFileHdr if little else pcap.FileHdr
    packet_type = pcap.LEPktHdr if little else pcap.PktHdr
    header = header_type(magic + reader.read(header_type.__hdr_len__ - 4, "the file header"))
    linktype = header.linktype & _LINKTYPE_MASK
    limit = min(max(header.snaplen, MAX_PACKET), MAX_BLOCK)  # a forged snap length: bounded
    while True:
        raw = reader.read(packet_type.__hdr_len__, "a packet record's header", eof_ok=True)
        if not raw:
            return
        record = packet_type(raw)
        if record.caplen > limit:
            raise reader.damaged(
                f"a packet record claims {record.caplen} bytes, more than the snap length"
            )
        data = reader.read(record.caplen, f"frame {reader.frame + 1}")
        reader.frame += 1
        time_ns = record.tv_sec * 10**9 + record.tv_usec * (10**9 // units)
        yield Frame(Stamp(reader.frame, time_ns, units > 10**6), linktype, data)


@dataclass(frozen=True, slots=True)
class _Interface:
    linktype: int
    snaplen: int
    units: int  # timestamp units per second
    offset_s: int  # if_tsoffset


def _pcapng_frames(reader: _Reader, magic: bytes) -> Iterator[Frame]:
    little = True
    interfaces: list[_Interface] = []
    pending = magic  # the first block's type, read to recognise the file
    while True:
        kind = pending or reader.read(4, "a block header", eof_ok=True)
        pending = b""
        if not kind:
            return
        if kind == PCAPNG_MAGIC:  # a section header: its own byte order, its own interfaces
            start = kind + reader.read(8, "a section header")
            if start[8:12] not in PCAPNG_BYTE_ORDERS:
                raise reader.damaged("a section header without a byte-order magic")
            little = PCAPNG_BYTE_ORDERS[start[8:12]]
            interfaces = []
        else:
            start = kind + reader.read(4, "a block header")
        block_type, length = struct.unpack("<II" if little else ">II", start[:8])
        if length < 12 or length % 4 or length > MAX_BLOCK:
            raise reader.damaged(f"a block claims a length of {length} bytes")
        if length < len(start):
            raise reader.damaged(f"a section header claims a length of {length} bytes")
        block = start + reader.read(length - len(start), f"a block of {length} bytes")
        if block[-4:] != block[4:8]:
            raise reader.damaged("a block's two length fields differ")
        if block_type == pcapng.PCAPNG_BT_IDB:
            interfaces.append(_interface(reader, block, little))
        elif block_type in (pcapng.PCAPNG_BT_EPB, pcapng.PCAPNG_BT_PB, _SPB):
            frame = _packet(reader, block_type, block, little, interfaces)
            reader.frame += 1
            yield frame


def _interface(reader: _Reader, block: bytes, little: bool) -> _Interface:
    kind = pcapng.InterfaceDescriptionBlockLE if little else pcapng.InterfaceDescriptionBlock
    idb = _unpack(reader, kind, block, "an interface description block")
    units, offset_s = 10**6, 0
    for option in idb.opts:
        if option.code == pcapng.PCAPNG_OPT_IF_TSRESOL and option.data:
            value = option.data[0]
            units = 2 ** (value & 0x7F) if value & 0x80 else 10 ** (value & 0x7F)
        elif option.code == pcapng.PCAPNG_OPT_IF_TSOFFSET and len(option.data) == 8:
            offset_s = struct.unpack("<q" if little else ">q", option.data)[0]
    return _Interface(idb.linktype, idb.snaplen, units, offset_s)


def _packet(
    reader: _Reader, block_type: int, block: bytes, little: bool, interfaces: list[_Interface]
) -> Frame:
    if block_type == _SPB:  # no timestamp, no interface number: the section's first interface
        (wire_length,) = struct.unpack("<I" if little else ">I", block[8:12])
        interface = _interface_of(reader, interfaces, 0)
        size = min(wire_length, interface.snaplen or wire_length, len(block) - 16)
        stamp = Stamp(reader.frame + 1, None, False)
        return Frame(stamp, interface.linktype, block[12 : 12 + size])
    if block_type == pcapng.PCAPNG_BT_EPB:
        kind = pcapng.EnhancedPacketBlockLE if little else pcapng.EnhancedPacketBlock
    else:
        kind = pcapng.PacketBlockLE if little else pcapng.PacketBlock
    packet = _unpack(reader, kind, block, "a packet block")
    interface = _interface_of(reader, interfaces, packet.iface_id)
    ticks = (packet.ts_high << 32) | packet.ts_low
    time_ns = ticks * 10**9 // interface.units + interface.offset_s * 10**9
    return Frame(
        Stamp(reader.frame + 1, time_ns, interface.units > 10**6),
        interface.linktype,
        bytes(packet.pkt_data),
    )


def _interface_of(reader: _Reader, interfaces: list[_Interface], number: int) -> _Interface:
    if number >= len(interfaces):
        raise reader.damaged(f"a packet names interface {number}, which the file never describes")
    return interfaces[number]


def _unpack(reader: _Reader, kind: Any, block: bytes, what: str) -> Any:
    try:
        return kind(block)
    except (dpkt.Error, struct.error, ValueError, IndexError) as exc:
        raise reader.damaged(f"{what} is malformed ({exc or type(exc).__name__})") from None
