"""Fuzzing the packet capture reader: damaged pcap and pcapng files never crash or hang."""

from __future__ import annotations

from fuzzing import FUZZ, load_case, mutated
from hypothesis import given
from packet_captures import LINUX_SLL2, Conversation, Packet, pcap_file, pcapng_section, sign

_BODY = b'{"type":"message.new","text":"\\u003cb\\u003e"}'
_REQUEST = (
    b"POST /hook HTTP/1.1\r\nX-Signature: "
    + sign(_BODY).encode()
    + f"\r\nContent-Length: {len(_BODY)}\r\n\r\n".encode()
    + _BODY
)


def _packets() -> list[Packet]:
    talk = Conversation().open()
    talk.send(True, _REQUEST[:50])
    talk.send(True, _REQUEST[50:] + _REQUEST)
    talk.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    return talk.close().packets


PCAP = pcap_file(_packets(), LINUX_SLL2)
PCAPNG = pcapng_section([(0, p) for p in _packets()], big_endian=True)


def test_seeds_load_whole() -> None:
    assert load_case("hook.pcap", PCAP).deliveries == 2
    assert load_case("hook.pcapng", PCAPNG).deliveries == 2


@FUZZ
@given(content=mutated(PCAP))
def test_damaged_pcap(content: bytes) -> None:
    load_case("hook.pcap", content)


@FUZZ
@given(content=mutated(PCAPNG))
def test_damaged_pcapng(content: bytes) -> None:
    load_case("hook.pcapng", content)


@FUZZ
@given(content=mutated(PCAP))
def test_damaged_pcap_forced(content: bytes) -> None:
    load_case("hook.pcap", content, format="pcap")
