"""Every sample file in data/ loads with the counts and verdicts data/README.md documents, and
the samples of the other tools have the shape those tools write."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import struct
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers import DATA, ROOT

from streamhook_nb import keyring, load_log, verify_deliveries
from streamhook_nb.load.readers.tnetstring import decode, next_frame
from streamhook_nb.samples import other_tools

RING = keyring(secrets_file=str(DATA / "demo-secrets.toml"), dotenv=None)
README = (DATA / "README.md").read_text(encoding="utf-8")
NOT_LOGS = {"README.md", "demo-secrets.toml"}
"""Files of data/ that hold no deliveries (a directory load skips the secrets file)."""

# file: (format, deliveries, rejected, skipped, verdict reasons, fidelity)
EXPECTED: dict[str, tuple[str, int, int, int, dict[str, int], dict[str, int]]] = {
    "capture/stream-2026-11-26.jsonl": (
        "capture-jsonl", 169, 0, 0,
        {"ok": 164, "signature_mismatch": 1, "body_reserialized": 2, "missing_signature": 1,
         "malformed_signature": 1},
        {"exact": 169},
    ),
    "capture/second-day.jsonl.gz": ("capture-jsonl", 30, 0, 0, {"ok": 30}, {"exact": 30}),
    "capture/damaged.jsonl": ("capture-jsonl", 4, 6, 0, {"ok": 4}, {"exact": 4}),
    "har/devtools-export.har": (
        "har", 9, 0, 0, {"ok": 7, "unverifiable": 2}, {"exact": 7, "truncated": 1, "missing": 1}
    ),
    "ngrok/requests.json": ("ngrok", 5, 0, 0, {"ok": 5}, {"exact": 5}),
    "raw-http/two-requests.http": ("raw-http", 2, 0, 0, {"ok": 2}, {"exact": 2}),
    "raw-http/chunked.http": ("raw-http", 1, 0, 0, {"ok": 1}, {"decoded": 1}),
    "sqs/receive-message.json": ("sqs", 7, 0, 0, {"unsigned": 7}, {"exact": 2, "decoded": 5}),
    "sns/notification.json": ("sns", 1, 0, 0, {"unsigned": 1}, {"decoded": 1}),
    "pcap/tcpdump-behind-nginx.pcap": (
        "pcap", 4, 0, 1, {"ok": 3, "unverifiable": 1}, {"exact": 3, "truncated": 1}
    ),
    "pcap/wireshark-ngrok-tunnel.pcapng": ("pcap", 2, 0, 0, {"ok": 2}, {"exact": 2}),
    "webhook-site/requests.json": (
        "webhook-site", 4, 0, 1, {"ok": 3, "unverifiable": 1}, {"exact": 3, "reconstructed": 1}
    ),
    "aws-lambda/function-url-filter-log-events.json": (
        "aws-lambda", 3, 0, 1, {"ok": 3}, {"exact": 3}
    ),
    "aws-lambda/rest-api-tail.log": (
        "aws-lambda", 3, 0, 0, {"ok": 2, "unverifiable": 1}, {"exact": 2, "reconstructed": 1}
    ),
    "mitmproxy/flows.mitm": (
        "mitmproxy", 4, 0, 2, {"ok": 3, "unverifiable": 1}, {"exact": 3, "missing": 1}
    ),
}  # fmt: skip


def _rows() -> dict[str, str]:
    """data/README.md's Files table: file -> the row's text."""
    section = README.split("## Files", 1)[1].split("\n## ", 1)[0]
    return {
        match[1]: match[0]
        for match in re.finditer(r"^\| `([^`]+)` \|.*$", section, flags=re.MULTILINE)
    }


def test_every_sample_file_is_listed_here_and_in_the_readme() -> None:
    committed = {
        str(path.relative_to(DATA))
        for path in DATA.rglob("*")
        if path.is_file() and path.relative_to(DATA).parts[0] != "story"  # test_story.py
    }
    assert committed - NOT_LOGS == set(EXPECTED)
    assert set(_rows()) == set(EXPECTED) | {"demo-secrets.toml"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_loads_with_its_documented_counts_and_verdicts(name: str) -> None:
    form, deliveries, rejected, skipped, reasons, fidelity = EXPECTED[name]
    result = load_log(DATA / name, progress=False)
    frame = verify_deliveries(result.deliveries, RING)
    assert (len(frame), len(result.rejected), result.skipped) == (deliveries, rejected, skipped)
    assert set(frame["format"].astype(str)) == {form}
    assert dict(Counter(frame["reason"].astype(str))) == reasons
    assert dict(Counter(frame["fidelity"].astype(str))) == fidelity
    row = _rows()[name]
    for count, word in ((deliveries, ""), (rejected, "bad"), (skipped, "skipped")):
        if count:  # the row says how many, next to what they are
            assert re.search(rf"\b{count}\b", row), (name, count)
            assert word in row, (name, word)


def test_the_whole_folder_adds_up() -> None:
    result = load_log(DATA, progress=False)
    story = load_log(DATA / "story", progress=False)
    assert len(result.deliveries) == len(story.deliveries) + sum(e[1] for e in EXPECTED.values())
    assert len(result.rejected) == sum(e[2] for e in EXPECTED.values())


def _flows(path: Path) -> list[dict[str, Any]]:
    found = []
    with path.open("rb") as stream:
        while (frame := next_frame(stream, 1 << 30)) is not None:
            found.append(decode(frame))
    return found


def _shape(value: Any) -> Any:
    """A value's keys in order and its leaves' types (None and lists of anything: a kind)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return "list"
    return type(value).__name__ if value is not None else None


def _without_nones(shape: Any, other: Any) -> Any:
    """``shape`` with the leaves that are None in ``other`` (or in itself) blanked."""
    if isinstance(shape, dict) and isinstance(other, dict):
        return {key: _without_nones(shape[key], other.get(key)) for key in shape}
    return None if shape is None or other is None else shape


def test_the_mitmproxy_sample_has_the_shape_mitmdump_writes() -> None:
    """Each flow has the fields of a flow real mitmdump 11 wrote, in its order, with the same
    types (the fixture's first flow, written by mitmdump as a reverse proxy)."""
    real = _flows(ROOT / "tests" / "load" / "mitmproxy_files" / "deliveries.mitm")[0]
    ours = _flows(DATA / other_tools.MITMPROXY)
    assert len(ours) == 6
    for flow in ours:
        expected = _shape(real)
        found = _shape(flow)
        assert list(found) == list(expected)
        assert _without_nones(found, expected) == _without_nones(expected, found)
    edited = ours[4]
    assert edited["backup"]["request"]["content"] != edited["request"]["content"]
    assert ours[5]["is_replay"] == "request"
    assert ours[3]["request"]["content"] is None  # streamed, not kept


def test_the_pcap_sample_is_laid_out_as_tcpdump_any_writes() -> None:
    """The file header of ``tcpdump -i any -w`` (libpcap 1.10: cooked v2), microseconds."""
    ours = (DATA / other_tools.PCAP).read_bytes()
    tcpdump = (ROOT / "tests" / "load" / "tcpdump_files" / "lo.pcap").read_bytes()
    cooked = gzip.decompress(
        (ROOT / "tests" / "load" / "tcpdump_files" / "any-sll2-nano.pcap.gz").read_bytes()
    )
    assert ours[:20] == tcpdump[:20]  # magic (microseconds), version, snap length
    assert ours[20:24] == cooked[20:24] == (276).to_bytes(4, "little")


def _tshark_client_bytes(path: Path, stream: int) -> bytes:
    """What Wireshark's "Follow TCP Stream" gives of the client's side of a connection."""
    done = subprocess.run(
        ["tshark", "-r", str(path), "-q", "-z", f"follow,tcp,raw,{stream}"],
        capture_output=True,
        check=True,
        text=True,
    )
    lines = done.stdout.split("=" * 67)[1].splitlines()[5:]  # after the header lines
    return bytes.fromhex("".join(line for line in lines if line and not line.startswith("\t")))


@pytest.mark.skipif(shutil.which("tshark") is None, reason="needs Wireshark's tshark")
def test_wireshark_reads_the_pcap_sample_as_we_do() -> None:
    """Wireshark puts the connections back together into the very bytes we read: the three
    requests of the keep-alive connection (out of order, retransmitted), and what was captured
    of the request whose segment the capture missed."""
    path = DATA / other_tools.PCAP
    frame = load_log(path, progress=False).deliveries
    by_port = {
        port: frame[frame["remote_addr"].str.endswith(f":{port}")] for port in (41822, 41830)
    }
    keep_alive = _tshark_client_bytes(path, 0)
    line = b"POST /webhooks/stream HTTP/1.1\r\n"
    requests = [line + part for part in keep_alive.split(line)[1:]]
    assert [r.split(b"\r\n\r\n", 1)[1] for r in requests] == list(by_port[41822]["body"])
    cut = _tshark_client_bytes(path, 2).split(b"\r\n\r\n", 1)[1]
    assert list(by_port[41830]["body"]) == [cut]
    assert list(by_port[41830]["fidelity"].astype(str)) == ["truncated"]


def test_the_pcapng_sample_is_laid_out_as_dumpcap_writes() -> None:
    """A section header, an interface with nanosecond timestamps (``if_tsresol`` 9), enhanced
    packet blocks, the interface's statistics last: the blocks of the pcapng dumpcap wrote."""
    ours = (DATA / other_tools.PCAPNG).read_bytes()
    dumpcap = (ROOT / "tests" / "load" / "tcpdump_files" / "dumpcap-lo-any.pcapng").read_bytes()
    assert _block_types(ours) == [0x0A0D0D0A, 1, *[6] * 14, 5]
    assert {0x0A0D0D0A, 1, 6, 5} <= set(_block_types(dumpcap))
    assert ours[:4] == dumpcap[:4]  # a section header
    assert ours[8:16] == dumpcap[8:16]  # little-endian, version 1.0
    times = load_log(DATA / other_tools.PCAPNG, progress=False).deliveries["received_at"]
    assert all(moment.value % 1000 for moment in times)  # nanoseconds kept


def _block_types(data: bytes) -> list[int]:
    types, at = [], 0
    while at < len(data):
        kind, length = struct.unpack_from("<II", data, at)
        types.append(kind)
        at += length
    return types


def test_what_each_tool_keeps_and_loses() -> None:
    pcap = load_log(DATA / other_tools.PCAP, progress=False).deliveries
    split = pcap[pcap["body"].map(len) > 2 * 1448]  # a body over three segments
    assert list(split["fidelity"].astype(str)) == ["exact"]
    assert set(pcap["remote_addr"].str.split(":").str[0]) == {"10.0.1.20"}  # nginx's
    assert {h.get("x-real-ip") for h in pcap["headers"].map(_json)} == {"203.0.113.10"}

    site = load_log(DATA / other_tools.WEBHOOK_SITE, progress=False).deliveries
    assert not any(moment.microsecond for moment in site["received_at"])  # whole seconds

    url = load_log(DATA / other_tools.LAMBDA_URL, progress=False).deliveries
    zipped = url[url["content_encoding"] == "gzip"]
    assert zipped["body"].iloc[0][:2] == b"\x1f\x8b"  # base64 in the event: the exact bytes
    assert "x-amzn-trace-id" in _json(url["headers"].iloc[0])

    flows = load_log(DATA / other_tools.MITMPROXY, progress=False).deliveries
    assert {_json(h)["host"] for h in flows["headers"]} == {"localhost:8000"}  # reverse mode


def _json(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(text)
    return loaded
