"""Captures written by the real tcpdump, dumpcap and tshark (see ``tcpdump_files/record.py``):
Stream deliveries to an aiohttp receiver on 127.0.0.1 and [::1], one keep-alive connection and
one more."""

from __future__ import annotations

import gzip
import struct
from collections import Counter
from pathlib import Path

import pytest

from streamhook_nb import load_log, verify_deliveries
from streamhook_nb.samples.webhooks import DEMO_SECRET
from streamhook_nb.verify.secrets import Keyring, Secret

FILES = Path(__file__).parent / "tcpdump_files"
RING = Keyring((Secret(DEMO_SECRET, "demo"),))


@pytest.mark.parametrize("name", ["tshark-lo.pcapng.gz", "dumpcap-lo-any.pcapng"])
def test_wireshark_pcapng_files(name: str) -> None:
    # dumpcap -i lo -i any holds every packet twice (an Ethernet and a cooked-capture interface,
    # whose copies it writes in batches): each connection's second copy is not read again
    result = load_log(FILES / name)
    assert (len(result.rejected), result.skipped) == (0, 1)
    frame = verify_deliveries(result.deliveries, RING)
    assert list(frame["reason"].astype(str)) == ["ok"] * 4
    assert list(frame["webhook_id"].str[-2:]) == ["01", "02", "03", "04"]
    assert any(moment.value % 1000 for moment in frame["received_at"])  # if_tsresol 9


def _linktype(path: Path) -> int:
    data = path.read_bytes()
    header = gzip.decompress(data) if data.startswith(b"\x1f\x8b") else data
    return int(struct.unpack_from("<I", header, 20)[0])


@pytest.mark.parametrize(
    ("name", "linktype"),
    [("lo.pcap", 1), ("any-sll.pcap", 113), ("any-sll2-nano.pcap.gz", 276)],
)
def test_every_delivery_verifies(name: str, linktype: int) -> None:
    path = FILES / name
    assert _linktype(path) == linktype  # what tcpdump wrote: Ethernet, cooked v1 and v2
    result = load_log(path)
    assert (len(result.rejected), result.skipped) == (0, 1)  # the GET /health is no delivery
    frame = verify_deliveries(result.deliveries, RING)
    assert list(frame["reason"].astype(str)) == ["ok"] * 4
    assert list(frame["webhook_id"].str[-2:]) == ["01", "02", "03", "04"]
    assert list(frame["content_encoding"].fillna("")) == ["", "", "gzip", ""]
    assert frame["remote_addr"].iloc[3].startswith("[::1]:")
    assert frame["received_at"].is_monotonic_increasing


def test_nanosecond_capture_keeps_nanoseconds() -> None:
    times = load_log(FILES / "any-sll2-nano.pcap.gz").deliveries["received_at"]
    assert any(moment.value % 1000 for moment in times)
    micro = load_log(FILES / "lo.pcap").deliveries["received_at"]
    assert not any(moment.value % 1000 for moment in micro)


def test_snap_length_96_gives_truncated_deliveries_never_a_mismatch() -> None:
    result = load_log(FILES / "snap96.pcap")
    assert (len(result.rejected), result.skipped) == (0, 1)
    frame = verify_deliveries(result.deliveries, RING)
    assert dict(Counter(frame["reason"].astype(str))) == {"unverifiable": 4}
    assert set(frame["fidelity"].astype(str)) == {"truncated"}
    assert set(frame["method"]) == {"POST"}
    assert all("/webhooks/stream".startswith(path) for path in frame["path"])
