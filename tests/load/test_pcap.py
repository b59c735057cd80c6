"""Packet captures (tcpdump, Wireshark, tshark): file layouts, link types, TCP reassembly."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path

import dpkt
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packet_captures import (
    ACK,
    EPOCH_NS,
    ETHERNET,
    LINUX_SLL,
    LINUX_SLL2,
    LOOP,
    NULL,
    RAW,
    SECRET,
    Conversation,
    Packet,
    dpkt_pcap_file,
    gzipped,
    pcap_file,
    pcapng_section,
    sign,
    webhook_receiver,
)

from streamhook_nb import Keyring, Secret, SourceError, load_log, verify_deliveries
from streamhook_nb.load.detect import sniff

WriteFile = Callable[[str, bytes], Path]


def _body(number: int, size: int = 0) -> bytes:
    event = {"type": "message.new", "n": number, "text": "<b>&" + "x" * size}
    return json.dumps(event, separators=(",", ":")).encode().replace(b"<", b"\\u003c")


BODIES = [_body(1), _body(2, 3000), _body(3, 70_000)]


@pytest.fixture(scope="module")
def recorded() -> list[tuple[bool, bytes]]:
    """The bytes of three deliveries on one keep-alive connection, as a real client sent them
    to a real aiohttp receiver (which got every body intact)."""
    with webhook_receiver() as (url, received, relay), requests.Session() as session:
        for number, body in enumerate(BODIES, start=1):
            headers = {
                "Content-Type": "application/json",
                "X-Signature": sign(body),
                "X-Webhook-Id": f"hook-{number}",
                "X-Webhook-Attempt": "1",
            }
            assert session.post(url, data=body, headers=headers).status_code == 200
    assert received == [(body, sign(body)) for body in BODIES]
    assert len(relay.connections) == 1
    return relay.connections[0].chunks


def _client_bytes(chunks: list[tuple[bool, bytes]]) -> bytes:
    return b"".join(chunk for from_client, chunk in chunks if from_client)


def conversation(chunks: list[tuple[bool, bytes]], **options: object) -> Conversation:
    return Conversation(**options).open().exchange(chunks).close()  # type: ignore[arg-type]


def _verified(path: Path) -> list[str]:
    frame = verify_deliveries(load_log(path).deliveries, Keyring((Secret(SECRET, "TEST"),)))
    return list(frame["reason"].astype(str))


@pytest.mark.parametrize(
    ("linktype", "vlans"),
    [(ETHERNET, ()), (ETHERNET, (10,)), (ETHERNET, (10, 20)), (LINUX_SLL, ()),
     (LINUX_SLL2, ()), (NULL, ()), (LOOP, ()), (RAW, ())],
)  # fmt: skip
def test_every_link_type_gives_the_exact_bodies(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile, linktype: int, vlans: tuple[int]
) -> None:
    packets = conversation(recorded).packets
    path = write_file("hook.pcap", pcap_file(packets, linktype, vlans=vlans))
    frame = load_log(path).deliveries
    assert list(frame["body"]) == BODIES
    assert list(frame["fidelity"].astype(str)) == ["exact"] * 3
    assert list(frame["source"]) == [f"{path}#1", f"{path}#2", f"{path}#3"]
    assert list(frame["webhook_id"]) == ["hook-1", "hook-2", "hook-3"]
    assert set(frame["remote_addr"]) == {"10.0.0.7:51000"}
    assert set(frame["format"].astype(str)) == {"pcap"}
    assert _verified(path) == ["ok"] * 3


def test_ipv6_with_time_of_each_requests_first_packet(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    talk = conversation(recorded, client=("2001:db8::7", 51000), server=("2001:db8::2", 8080))
    path = write_file("hook6.pcap", pcap_file(talk.packets))
    frame = load_log(path).deliveries
    assert list(frame["body"]) == BODIES
    assert frame["remote_addr"].iloc[0] == "[2001:db8::7]:51000"
    # packets are 1 ms apart from the SYN at .123456789: the first request's head is packet 4
    assert str(frame["received_at"].iloc[0]) == "2025-11-28 00:00:00.126456+00:00"


@pytest.mark.parametrize("big_endian", [False, True])
def test_nanosecond_pcap_keeps_nanoseconds(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile, big_endian: bool
) -> None:
    packets = conversation(recorded).packets
    path = write_file("nano.pcap", pcap_file(packets, nano=True, big_endian=big_endian))
    frame = load_log(path).deliveries
    assert list(frame["body"]) == BODIES
    assert frame["received_at"].iloc[0].value == 1_764_288_000_126_456_789


def test_dpkt_writer_and_big_endian_microsecond_files_agree(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    packets = conversation(recorded).packets
    for name, data in [
        ("dpkt.pcap", dpkt_pcap_file(packets)),
        ("be.pcap", pcap_file(packets, big_endian=True)),
    ]:
        frame = load_log(write_file(name, data)).deliveries
        assert list(frame["body"]) == BODIES
        assert frame["received_at"].iloc[0].value == 1_764_288_000_126_456_000


@pytest.mark.parametrize(("big_endian", "tsresol"), [(False, 6), (True, 6), (False, 9)])
def test_pcapng_sections_and_interfaces(
    recorded: list[tuple[bool, bytes]],
    write_file: WriteFile,
    big_endian: bool,
    tsresol: int,
) -> None:
    first = conversation(recorded).packets
    second = conversation(recorded, client=("10.0.0.8", 40000)).packets
    # dumpcap -i eth0 -i any: two interfaces of different link types in one section
    section = pcapng_section(
        [(i % 2, p) for i, p in enumerate(first)],
        (ETHERNET, LINUX_SLL),
        big_endian=big_endian,
        tsresol=tsresol,
    )
    # mergecap -a: a second section, in the other byte order, restarts the interfaces
    other = pcapng_section([(0, p) for p in second], (RAW,), big_endian=not big_endian)
    path = write_file("hook.pcapng", section + other)
    frame = load_log(path).deliveries
    assert list(frame["body"]) == BODIES * 2
    assert frame["received_at"].iloc[0].value == 1_764_288_000_126_456_789 // 1000 * 1000 + (
        789 if tsresol == 9 else 0
    )


def test_pcapng_simple_packet_blocks_have_no_time(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    packets = conversation(recorded).packets
    path = write_file("simple.pcapng", pcapng_section([(0, p) for p in packets], simple=True))
    frame = load_log(path).deliveries
    assert list(frame["body"]) == BODIES
    assert frame["received_at"].isna().all()


def test_gzip_compressed_captures_and_detection_by_magic_alone(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    packets = conversation(recorded).packets
    pcapng = pcapng_section([(0, p) for p in packets])
    for name, data in [
        ("hook.pcapng.gz", gzipped(pcapng)),
        ("hook.pcap.gz", gzipped(pcap_file(packets))),
        ("named-like-text.txt", pcap_file(packets)),
        ("named-like-json.json", pcapng),
    ]:
        assert list(load_log(write_file(name, data)).deliveries["body"]) == BODIES, name


@pytest.mark.parametrize(
    "head",
    [
        b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00",
        b"\xa1\xb2\xc3\xd4\x00\x02\x00\x04",
        b"\x4d\x3c\xb2\xa1\x02\x00\x04\x00",
        b"\xa1\xb2\x3c\x4d\x00\x02\x00\x04",
        b"\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a",
        b"\x0a\x0d\x0d\x0a\x00\x00\x00\x1c\x1a\x2b\x3c\x4d",
    ],
)
def test_sniffing_every_magic(head: bytes) -> None:
    assert sniff(head) == "pcap"


def test_text_starting_like_pcapng_is_not_a_capture() -> None:
    assert sniff(b"\n\r\r\n{}") != "pcap"


def _segments(talk: Conversation, payload: bytes, cuts: list[int]) -> list[Packet]:
    """The client's ``payload`` cut at ``cuts``, one packet per piece, in order."""
    pieces = []
    for start, end in zip([0, *cuts], [*cuts, len(payload)], strict=True):
        talk.send(True, payload[start:end])
        pieces.append(talk.packets.pop())
    return pieces


def _odd_conversation(payload: bytes, cuts: list[int], order: list[int]) -> list[Packet]:
    talk = Conversation().open()
    pieces = _segments(talk, payload, cuts)
    for index in order:
        talk.add(pieces[index].ip)
    talk.send(False, flags=ACK)
    talk.close()
    return talk.packets


def test_one_byte_segments_reversed_with_retransmissions(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    payload = _client_bytes(recorded)[:2000]  # the first request and part of the second
    cuts = [*range(1, 600), 900, 1400]
    count = len(cuts) + 1
    order = [*reversed(range(count)), 3, 0, 7]  # all backwards, then three replays
    path = write_file("odd.pcap", pcap_file(_odd_conversation(payload, cuts, order)))
    result = load_log(path)
    assert list(result.deliveries["body"][:1]) == BODIES[:1]
    assert list(result.deliveries["fidelity"].astype(str)) == ["exact", "truncated"]


def test_overlapping_retransmission_keeps_the_first_copy(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    payload = _client_bytes(recorded)
    talk = Conversation().open()
    talk.send(True, payload[:100])
    talk.add(talk.segment(True, payload[50:300], seq=talk.client_isn + 1 + 50))  # overlaps
    talk.next[True] += 200
    talk.exchange([(True, payload[300:])])
    path = write_file("overlap.pcap", pcap_file(talk.close().packets))
    assert list(load_log(path).deliveries["body"]) == BODIES


def test_pipelined_requests_in_one_segment(write_file: WriteFile) -> None:
    one = _request(_body(1))
    two = _request(_body(2))
    talk = Conversation().open()
    talk.send(True, one + two + one[:10])
    talk.send(True, one[10:])
    path = write_file("pipelined.pcap", pcap_file(talk.close().packets))
    assert list(load_log(path).deliveries["body"]) == [_body(1), _body(2), _body(1)]


def _request(body: bytes, extra: bytes = b"") -> bytes:
    head = (
        b"POST /hook HTTP/1.1\r\nHost: hooks.example.com\r\nContent-Type: application/json\r\n"
        b"X-Signature: " + sign(body).encode() + b"\r\n" + extra
        + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )  # fmt: skip
    return head + body


def _chunked_request(body: bytes, chunk: int) -> bytes:
    """A signed POST whose body is sent in chunks of ``chunk`` bytes."""
    chunked = b"".join(
        f"{len(body[i : i + chunk]):x}\r\n".encode() + body[i : i + chunk] + b"\r\n"
        for i in range(0, len(body), chunk)
    )
    head = b"POST /hook HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX-Signature: "
    return head + sign(body).encode() + b"\r\n\r\n" + chunked + b"0\r\n\r\n"


def test_chunked_request_across_segments(write_file: WriteFile) -> None:
    body = _body(5, 100)
    raw = _chunked_request(body, 40)
    talk = Conversation().open()
    for start in range(0, len(raw), 7):
        talk.send(True, raw[start : start + 7])
    path = write_file("chunked.pcap", pcap_file(talk.close().packets))
    frame = load_log(path).deliveries
    assert (frame["body"].iloc[0], str(frame["fidelity"].iloc[0])) == (body, "decoded")
    assert _verified(path) == ["ok"]


def test_sequence_numbers_wrapping_past_two_to_the_32(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    talk = conversation(recorded, client_isn=2**32 - 5000, server_isn=2**32 - 10)
    path = write_file("wrap.pcap", pcap_file(talk.packets))
    assert list(load_log(path).deliveries["body"]) == BODIES


@pytest.mark.parametrize("snaplen", [96, 200, 1000])
def test_short_snap_length_is_truncated_never_a_mismatch(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile, snaplen: int
) -> None:
    packets = conversation(recorded).packets
    path = write_file("short.pcap", pcap_file(packets, snaplen=snaplen))
    result = load_log(path)
    fidelities = list(result.deliveries["fidelity"].astype(str))
    reasons = _verified(path)
    assert len(fidelities) == 3
    # only a request whose packets all fit in the snap length is exact (the first, at 1000)
    assert fidelities[1:] == ["truncated"] * 2
    expected = "ok" if snaplen == 1000 else "unverifiable"
    assert reasons == [expected, "unverifiable", "unverifiable"]
    assert (fidelities[0] == "exact") == (snaplen == 1000)
    if snaplen == 1000:  # whole heads: every delivery is there, with its signature
        assert list(result.deliveries["webhook_id"]) == ["hook-1", "hook-2", "hook-3"]


def test_a_missed_segment_cuts_one_request_and_the_next_one_loads(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    second = _client_bytes(recorded).index(b"POST", 10)
    talk = Conversation().open()
    data = _client_bytes(recorded)
    cuts = list(range(500, len(data), 500))
    pieces = _segments(talk, data, cuts)
    missing = next(i for i, c in enumerate([0, *cuts]) if c > second + 600)
    for index, piece in enumerate(pieces):
        if index != missing:
            talk.add(piece.ip)
    path = write_file("gap.pcap", pcap_file(talk.close().packets))
    frame = load_log(path).deliveries
    bodies = list(frame["body"])
    assert (bodies[0], bodies[2]) == (BODIES[0], BODIES[2])
    assert list(frame["fidelity"].astype(str)) == ["exact", "truncated", "exact"]
    assert list(frame["webhook_id"]) == ["hook-1", "hook-2", "hook-3"]


def test_a_request_cut_by_the_end_of_the_capture(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    talk = Conversation().open()
    data = _client_bytes(recorded)
    talk.send(True, data[: data.index(b"POST", 10) + 400])  # the second request's head only
    path = write_file("cut.pcap", pcap_file(talk.packets))
    frame = load_log(path).deliveries
    assert list(frame["fidelity"].astype(str)) == ["exact", "truncated"]
    assert list(frame["webhook_id"]) == ["hook-1", "hook-2"]
    assert _verified(path) == ["ok", "unverifiable"]


def test_capture_started_mid_connection_finds_the_next_request(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    packets = conversation(recorded).packets
    later = packets[5:]  # no handshake, the first request's first bytes gone
    frame = load_log(write_file("late.pcap", pcap_file(later))).deliveries
    assert list(frame["body"]) == BODIES[1:]


def test_a_reused_port_pair_is_a_new_connection(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    first = conversation(recorded).packets
    again = conversation(recorded, client_isn=77_000_000, start_ns=first[-1].time_ns + 10**9)
    path = write_file("reuse.pcap", pcap_file(first + again.packets))
    assert list(load_log(path).deliveries["body"]) == BODIES * 2


def test_interleaved_connections(recorded: list[tuple[bool, bytes]], write_file: WriteFile) -> None:
    one = conversation(recorded).packets
    two = conversation(recorded, client=("10.0.0.9", 52000)).packets
    mixed = [p for pair in zip(one, two, strict=True) for p in pair]
    frame = load_log(write_file("mixed.pcap", pcap_file(mixed))).deliveries
    assert sorted(frame["body"]) == sorted(BODIES * 2)
    assert set(frame["remote_addr"]) == {"10.0.0.7:51000", "10.0.0.9:52000"}


def test_non_post_requests_are_skipped_and_sns_is_unsigned(write_file: WriteFile) -> None:
    envelope = json.dumps({"Type": "Notification", "Message": '{"type":"message.new"}'})
    sns = (
        b"POST /sns HTTP/1.1\r\nx-amz-sns-message-type: Notification\r\nContent-Length: "
        + str(len(envelope)).encode()
        + b"\r\n\r\n"
        + envelope.encode()
    )
    talk = Conversation().open()
    talk.send(True, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    talk.send(True, sns)
    result = load_log(write_file("sns.pcap", pcap_file(talk.close().packets)))
    assert list(result.deliveries["transport"].astype(str)) == ["sns"]
    assert list(result.deliveries["body"]) == [b'{"type":"message.new"}']


def _tls_capture() -> list[Packet]:
    talk = Conversation(server=("10.0.0.2", 443)).open()
    talk.send(True, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 200)
    talk.send(False, b"\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03" + b"\x00" * 100)
    talk.send(True, b"\x17\x03\x03\x01\x00" + b"\x99" * 256)
    return talk.close().packets


def test_tls_only_capture_says_to_capture_behind_the_terminator(write_file: WriteFile) -> None:
    path = write_file("tls.pcap", pcap_file(_tls_capture()))
    with pytest.raises(SourceError) as caught:
        load_log(path)
    assert "only encrypted traffic: 1 TLS connection(s)" in caught.value.message
    assert "10.0.0.7:51000 -> 10.0.0.2:443" in caught.value.message
    assert "behind the TLS terminator" in str(caught.value.fix)


def test_tls_begun_mid_connection_is_recognised_by_its_port(write_file: WriteFile) -> None:
    path = write_file("tls-late.pcap", pcap_file(_tls_capture()[4:]))
    with pytest.raises(SourceError, match="only encrypted traffic"):
        load_log(path)


def test_an_empty_capture_has_no_deliveries_and_no_error(write_file: WriteFile) -> None:
    for name, data in [("empty.pcap", pcap_file([])), ("empty.pcapng", pcapng_section([]))]:
        result = load_log(write_file(name, data))
        assert (len(result.deliveries), len(result.rejected)) == (0, 0)


def test_other_protocols_only_is_explained(write_file: WriteFile) -> None:
    talk = Conversation(server=("10.0.0.2", 22)).open()
    talk.send(False, b"SSH-2.0-OpenSSH_9.6\r\n")
    talk.send(True, b"SSH-2.0-OpenSSH_9.6\r\n")
    with pytest.raises(SourceError, match=r"no HTTP/1\.x request"):
        load_log(write_file("ssh.pcap", pcap_file(talk.close().packets)))


def test_unsupported_link_type_is_named(write_file: WriteFile) -> None:
    packets = conversation([(True, _request(_body(1)))]).packets
    data = bytearray(pcap_file(packets, RAW))
    data[20:24] = (147).to_bytes(4, "little")  # LINKTYPE_USER0
    with pytest.raises(SourceError, match="link type 147"):
        load_log(write_file("user0.pcap", bytes(data)))


@pytest.mark.parametrize("form", ["pcap", "pcapng"])
def test_a_file_cut_midway_keeps_the_requests_before_the_damage(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile, form: str
) -> None:
    packets = conversation(recorded).packets
    data = pcapng_section([(0, p) for p in packets]) if form == "pcapng" else pcap_file(packets)
    path = write_file(f"cut.{form}", data[: len(data) * 2 // 3 + 5])
    result = load_log(path)
    assert list(result.deliveries["body"][:2]) == BODIES[:2]
    assert len(result.rejected) == 1
    reason = result.rejected["reason"].iloc[0]
    assert result.rejected["source"].iloc[0] == str(path)
    assert re.fullmatch(
        r"the capture is damaged after frame \d+ \(byte \d+\): [^;]+ is cut short "
        r"\(\d+ of \d+ bytes\); the \d requests before it were read \(.*\)",
        reason,
    ), reason


def test_a_cut_gzip_capture_keeps_the_requests_before_the_damage(write_file: WriteFile) -> None:
    noise = random.Random(7)
    bodies = [_body(n, 0).replace(b"}", f',"pad":"{noise.randbytes(30_000).hex()}"}}'.encode())
              for n in range(4)]  # fmt: skip
    talk = Conversation().open().exchange([(True, _request(body)) for body in bodies])
    packed = gzipped(pcap_file(talk.close().packets))
    path = write_file("cut.pcap.gz", packed[: len(packed) * 3 // 4])
    result = load_log(path)
    assert list(result.deliveries["body"][:2]) == bodies[:2]
    cut_short = result.deliveries.iloc[2]  # the request the damage falls in: what was read
    assert bodies[2].startswith(cut_short["body"])
    assert cut_short["fidelity"] == "truncated"
    [reason] = result.rejected["reason"]
    assert re.search(r"frame \d+ is cut short \(\d+ of \d+ bytes\)", reason)


def test_a_bad_block_length_is_reported_where_it_is(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    packets = conversation(recorded).packets
    good = pcapng_section([(0, p) for p in packets[:6]])
    rest = pcapng_section([(0, p) for p in packets[6:]])
    header_end = len(pcapng_section([]))
    broken = bytearray(rest[header_end:])
    broken[4:8] = (7).to_bytes(4, "little")  # a length that is not a multiple of 4
    path = write_file("bad.pcapng", good + bytes(broken))
    result = load_log(path)
    assert list(result.deliveries["body"]) == BODIES[:1]
    assert "damaged after frame 6 (byte " in result.rejected["reason"].iloc[0]
    assert "a block claims a length of 7 bytes" in result.rejected["reason"].iloc[0]


def test_forced_format_on_another_file_is_a_clear_error(write_file: WriteFile) -> None:
    path = write_file("hook.jsonl", b'{"body": "{}"}\n')
    with pytest.raises(SourceError, match="not a pcap or pcapng capture"):
        load_log(path, format="pcap")


def test_a_directory_mixing_a_capture_and_a_jsonl_log(
    recorded: list[tuple[bool, bytes]], tmp_path: Path
) -> None:
    (tmp_path / "a.pcapng").write_bytes(
        pcapng_section([(0, p) for p in conversation(recorded).packets])
    )
    (tmp_path / "b.jsonl").write_bytes(b'{"body": "{}", "headers": {}}\n')
    (tmp_path / "c.pcap").write_bytes(pcap_file(_tls_capture()))
    result = load_log(tmp_path)
    assert list(result.deliveries["format"].astype(str)) == ["pcap"] * 3 + ["capture-jsonl"]
    assert len(result.rejected) == 1
    assert "only encrypted traffic" in result.rejected["reason"].iloc[0]


def test_many_requests_come_in_several_batches(write_file: WriteFile) -> None:
    from streamhook_nb.load.readers import pcap

    talk = Conversation().open()
    for number in range(pcap.BATCH_SIZE + 5):
        talk.send(True, _request(_body(number)))
    path = write_file("many.pcap", pcap_file(talk.close().packets))
    with path.open("rb") as stream:
        batches = list(pcap.read(stream, str(path)))
    assert [len(b) for b in batches] == [pcap.BATCH_SIZE, 5]
    assert batches[1].rows[0].source == f"{path}#{pcap.BATCH_SIZE + 1}"


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cuts=st.lists(st.integers(min_value=1, max_value=1499), max_size=25, unique=True),
    swaps=st.lists(st.integers(min_value=0, max_value=30), max_size=10),
    replays=st.lists(st.integers(min_value=0, max_value=30), max_size=5),
)
def test_any_segmentation_order_and_replay_gives_the_exact_bodies(
    write_file: WriteFile, cuts: list[int], swaps: list[int], replays: list[int]
) -> None:
    bodies = [_body(1), _body(2, 900), _body(3, 20)]
    payload = b"".join(_request(body) for body in bodies)
    assert len(payload) > 1500
    talk = Conversation().open()
    pieces = _segments(talk, payload, sorted(cuts))
    order = list(range(len(pieces)))
    for swap in swaps:  # neighbours exchanged: out of order, as after a retransmission
        index = swap % max(1, len(order) - 1)
        order[index : index + 2] = order[index : index + 2][::-1]
    order += [replay % len(pieces) for replay in replays]  # retransmitted copies, late
    for index in order:
        talk.add(pieces[index].ip)
    path = write_file("any.pcap", pcap_file(talk.close().packets))
    result = load_log(path)
    assert list(result.deliveries["body"]) == bodies
    assert len(result.rejected) == 0


def test_closed_connections_are_forgotten_as_the_capture_is_read() -> None:
    from streamhook_nb.load.readers.packet_file import Stamp
    from streamhook_nb.load.readers.tcp_segments import segment
    from streamhook_nb.load.readers.tcp_streams import Connections

    ended: list[object] = []

    class Sink:
        def data(self, chunk: bytes, stamp: Stamp) -> None:
            pass

        def gap(self, size: int) -> None:
            pass

        def end(self) -> None:
            ended.append(self)

    connections = Connections(lambda source, destination, opened: Sink())
    for number in range(3):
        talk = Conversation(client=("10.0.0.7", 50000 + number)).open()
        talk.send(True, _request(_body(number)))
        for packet in talk.close().packets:  # the last one: the client's ACK of the server's FIN
            connections.add(segment(RAW, packet.ip), Stamp(1, packet.time_ns, False))
    assert connections.open == {}  # nothing held for connections that are over
    assert len(ended) == 6


def test_a_websocket_after_its_upgrade_is_not_read_as_requests(write_file: WriteFile) -> None:
    talk = Conversation().open()
    talk.send(True, b"GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
    talk.send(True, b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58")  # a masked text frame
    talk.send(True, b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58")
    result = load_log(write_file("ws.pcap", pcap_file(talk.close().packets)))
    assert (len(result.deliveries), len(result.rejected), result.skipped) == (0, 0, 1)


def test_requests_after_a_refused_upgrade_are_read(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    """A server that answers an ``Upgrade: h2c`` with 200 keeps speaking HTTP/1.1: the
    requests after it are read (they used to be passed over with the would-be tunnel)."""
    talk = Conversation().open()
    talk.send(
        True, b"GET /h HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\r\n"
    )
    talk.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    talk.exchange([(True, _client_bytes(recorded))])
    result = load_log(write_file("h2c.pcap", pcap_file(talk.close().packets)))
    assert list(result.deliveries["body"]) == BODIES
    assert (len(result.rejected), result.skipped) == (0, 1)


def test_a_connection_captured_twice_is_read_once(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    packets = conversation(recorded).packets
    # dumpcap -i lo -i any writes each interface's packets in batches: the whole connection,
    # then its copy from the second interface
    section = pcapng_section(
        [(0, p) for p in packets] + [(1, p) for p in packets], (ETHERNET, LINUX_SLL2)
    )
    again = conversation(recorded, client_isn=77_000_000).packets  # the port pair reused
    path = write_file("twice.pcapng", section + pcapng_section([(0, p) for p in again]))
    assert list(load_log(path).deliveries["body"]) == BODIES * 2


def test_a_chunked_request_a_byte_per_segment_then_another(write_file: WriteFile) -> None:
    body = _body(5, 2000)
    first = _chunked_request(body, 300)
    talk = Conversation().open().exchange([(True, first)], mss=1)
    talk.send(True, _request(_body(6)))
    lost = talk.segment(True, b"x" * 10, seq=talk.next[True] + 100)  # after a gap: cut off
    talk.add(lost)
    path = write_file("chunked-slow.pcap", pcap_file(talk.packets))  # no close: capture ends
    frame = load_log(path).deliveries
    assert list(frame["body"]) == [body, _body(6)]
    assert list(frame["fidelity"].astype(str)) == ["decoded", "exact"]
    assert _verified(path) == ["ok", "ok"]


def test_a_capture_without_tcp_says_so(write_file: WriteFile) -> None:
    udp = dpkt.udp.UDP(sport=5353, dport=5353, data=b"\x00" * 12)
    packet = dpkt.ip.IP(src=b"\x0a\x00\x00\x07", dst=b"\xe0\x00\x00\xfb", p=17, data=udp)
    packets = [Packet(EPOCH_NS, bytes(packet))] * 3
    with pytest.raises(SourceError, match=r"holds no TCP traffic in its 3 packets \(not TCP: 3\)"):
        load_log(write_file("mdns.pcap", pcap_file(packets)))


def test_connections_that_never_close_are_ended_past_a_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from streamhook_nb.load.readers import tcp_streams
    from streamhook_nb.load.readers.packet_file import Stamp
    from streamhook_nb.load.readers.tcp_segments import segment

    monkeypatch.setattr(tcp_streams, "MAX_OPEN", 3)
    ended: list[int] = []

    class Sink:
        def __init__(self, port: int) -> None:
            self.port = port

        def data(self, chunk: bytes, stamp: Stamp) -> None:
            pass

        def gap(self, size: int) -> None:
            pass

        def end(self) -> None:
            ended.append(self.port)

    connections = tcp_streams.Connections(lambda source, destination, opened: Sink(source[1]))
    for number in range(10):  # a scan: ten SYNs, no connection ever closes
        talk = Conversation(client=("10.0.0.7", 41000 + number))
        talk.send(True, flags=0x02)
        connections.add(segment(RAW, talk.packets[0].ip), Stamp(number + 1, None, False))
    assert len(connections.open) == 3  # the quietest were ended as the others came
    assert ended == [41000 + number for number in range(7)]


def test_pcapng_binary_time_resolution_and_time_offset(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    packets = [(0, p) for p in conversation(recorded).packets]
    binary = pcapng_section(packets, tsresol=0x80 | 30)  # 2**-30 s
    shifted = pcapng_section(packets, tsoffset=1_700_000_000)  # seconds since an epoch of its own
    exact = 1_764_288_000_126_456_789
    times = load_log(write_file("binary.pcapng", binary)).deliveries["received_at"]
    assert abs(times.iloc[0].value - exact) < 2  # a 2**-30 s tick is under a nanosecond
    times = load_log(write_file("offset.pcapng", shifted)).deliveries["received_at"]
    assert times.iloc[0].value == exact // 1000 * 1000


def test_a_port_reused_with_a_first_number_inside_the_old_span_is_a_new_connection(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    """Only a copy of a connection repeats its SYN's number; a new one may start anywhere."""
    first = conversation(recorded).packets
    inside = 1_000_000 + 2_000  # within the bytes the first connection sent
    again = conversation(recorded, client_isn=inside, start_ns=first[-1].time_ns + 10**9)
    path = write_file("reuse-inside.pcap", pcap_file(first + again.packets))
    assert list(load_log(path).deliveries["body"]) == BODIES * 2


PROXY_V2 = b"\r\n\r\n\x00\r\nQUIT\n" + b"\x21\x11\x00\x0c" + bytes(12)


@pytest.mark.parametrize(
    "preamble",
    [b"\r\n", b"\r\n\r\n", b"PROXY TCP4 203.0.113.7 10.0.0.2 51000 8080\r\n", PROXY_V2],
    ids=["blank-line", "two-blank-lines", "proxy-v1", "proxy-v2"],
)
def test_what_comes_before_the_first_request_is_passed_over(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile, preamble: bytes
) -> None:
    """RFC 9112 2.2: a server ignores blank lines before a request; a load balancer's PROXY
    protocol header comes before the first request of each connection."""
    talk = Conversation().open()
    data = preamble + _client_bytes(recorded)
    for start in range(0, len(data), 700):
        talk.send(True, data[start : start + 700])
    path = write_file("preamble.pcap", pcap_file(talk.close().packets))
    result = load_log(path)
    assert list(result.deliveries["body"]) == BODIES
    assert result.rejected.empty


def test_a_snap_length_inside_the_request_line_keeps_every_request_truncated(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    """With tcpdump -s 60 each packet keeps a few bytes: every request of a keep-alive
    connection is there, unverifiable (the later ones used to vanish)."""
    packets = conversation(recorded).packets
    path = write_file("snap60.pcap", pcap_file(packets, snaplen=60))
    frame = load_log(path).deliveries
    assert len(frame) == 3
    assert set(frame["fidelity"].astype(str)) == {"truncated"}
    assert set(frame["method"]) == {"POST"}


def test_a_snap_length_that_keeps_no_payload_says_so(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    packets = conversation(recorded).packets
    path = write_file("snap54.pcap", pcap_file(packets, snaplen=54))
    with pytest.raises(SourceError, match=r"kept none of the data .* tcpdump -s 0"):
        load_log(path)


def test_resynchronising_on_byte_segments_stays_linear(write_file: WriteFile) -> None:
    """After an unreadable line, a long line of capitals sent a byte per segment was searched
    again in full at every byte (20,000 bytes took seconds; now the search waits for a line
    end). The request after it still loads."""
    talk = Conversation().open()
    talk.send(True, _request(BODIES[0]) + b"??\r\n")
    for _ in range(20_000):
        talk.send(True, b"B")
    talk.send(True, b"\r\n" + _request(BODIES[1]))
    result = load_log(write_file("resync.pcap", pcap_file(talk.close().packets)))
    assert list(result.deliveries["body"]) == BODIES[:2]
    assert len(result.rejected) == 1  # the unreadable line


def test_a_tcp_header_shorter_than_its_own_fields_is_no_segment() -> None:
    """A data offset below 5 words would read the TCP header itself as payload."""
    from streamhook_nb.load.readers.tcp_segments import NotTcp, segment

    packet = bytearray(Conversation().segment(True, b"POST / HTTP/1.1\r\n\r\n"))
    assert segment(RAW, bytes(packet)).payload.startswith(b"POST")
    packet[20 + 12] = 2 << 4  # the data offset: 2 words
    with pytest.raises(NotTcp, match="malformed TCP header"):
        segment(RAW, bytes(packet))


def test_a_forged_snap_length_never_asks_for_gigabytes(
    recorded: list[tuple[bool, bytes]], write_file: WriteFile
) -> None:
    """A file header claiming a 4 GiB snap length let one record ask for 4 GiB in one read
    (under ``ulimit -v``: "ran out of memory"); the record is damage, the packets before it
    load."""
    import struct
    import subprocess
    import sys

    packets = conversation(recorded).packets
    good = pcap_file(packets[:6], snaplen=0xFFFFFFFF)
    path = write_file("forged.pcap", good + struct.pack("<IIII", 0, 0, 0xF0000000, 0xF0000000))
    script = f"""
import resource
from streamhook_nb import load_log
with open("/proc/self/statm") as statm:
    used = int(statm.read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (used + (1 << 30), resource.RLIM_INFINITY))
result = load_log({str(path)!r})
print(len(result.deliveries), result.rejected["reason"].iloc[0])
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("1 the capture is damaged after frame 6")
    assert "claims 4026531840 bytes, more than the snap length" in done.stdout
    assert "; the request before it was read" in done.stdout
