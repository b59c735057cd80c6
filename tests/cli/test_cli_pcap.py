"""The command line on packet captures: load, verify, events, Parquet round trip, TLS only."""

from __future__ import annotations

import json
import os
from pathlib import Path

import orjson
import pytest
from helpers import run_cli
from packet_captures import SECRET, Conversation, gzipped, pcap_file, pcapng_section, sign


def _request(number: int, attempt: int = 1) -> bytes:
    body = json.dumps({"type": "message.new", "n": number}, separators=(",", ":")).encode()
    return (
        b"POST /hook HTTP/1.1\r\nContent-Type: application/json\r\nX-Signature: "
        + sign(body).encode()
        + f"\r\nX-Webhook-Id: id-{number}\r\nX-Webhook-Attempt: {attempt}\r\n".encode()
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


@pytest.fixture
def capture(tmp_path: Path) -> Path:
    """A dumpcap-style .pcapng.gz of three deliveries on one connection."""
    talk = Conversation().open()
    talk.send(True, _request(1))
    talk.send(True, _request(2))
    talk.send(True, _request(3, attempt=2))
    packets = talk.close().packets
    path = tmp_path / "hook.pcapng.gz"
    path.write_bytes(gzipped(pcapng_section([(0, p) for p in packets])))
    return path


def _env() -> dict[str, str]:
    return {**os.environ, "STREAM_API_SECRET": SECRET}


def test_load_json(capture: Path) -> None:
    done = run_cli("load", str(capture), "--json")
    assert done.returncode == 0, done.stderr
    summary = orjson.loads(done.stdout)
    assert (summary["deliveries"], summary["rejected"], summary["by_format"]) == (
        3,
        0,
        {"pcap": 3},
    )


def test_verify_events_and_parquet_round_trip(capture: Path, tmp_path: Path) -> None:
    done = run_cli("verify", str(capture), "--json", "--details", env=_env())
    assert done.returncode == 0, done.stderr
    report = orjson.loads(done.stdout)
    assert report["reasons"] == {"ok": 3}
    assert [d["source"] for d in report["details"]] == [f"{capture}#{n}" for n in (1, 2, 3)]
    events = orjson.loads(run_cli("events", str(capture), "--json", env=_env()).stdout)
    assert events["event_types"]["message.new"]["events"] == 3
    stored = tmp_path / "hook.parquet"
    assert run_cli("load", str(capture), "--to-parquet", str(stored)).returncode == 0
    again = orjson.loads(run_cli("verify", str(stored), "--json", env=_env()).stdout)
    assert again["reasons"] == {"ok": 3}


def test_forced_format_and_a_short_snap_length(tmp_path: Path) -> None:
    talk = Conversation().open()
    talk.send(True, _request(1))
    path = tmp_path / "short.cap"
    path.write_bytes(pcap_file(talk.close().packets, snaplen=150))
    done = run_cli("verify", str(path), "--format", "pcap", "--json", env=_env())
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)["reasons"] == {"unverifiable": 1}


def test_tls_only_is_a_clear_error_without_traceback(tmp_path: Path) -> None:
    talk = Conversation(server=("10.0.0.2", 443)).open()
    talk.send(True, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 200)
    path = tmp_path / "tls.pcap"
    path.write_bytes(pcap_file(talk.close().packets))
    done = run_cli("verify", str(path), env=_env())
    assert done.returncode == 2
    assert "holds only encrypted traffic" in done.stderr
    assert "behind the TLS terminator" in done.stderr
    assert "Traceback" not in done.stderr


def test_damaged_capture_exits_1_with_the_rejected_record(tmp_path: Path) -> None:
    talk = Conversation().open()
    talk.send(True, _request(1))
    talk.send(True, _request(2))
    data = pcap_file(talk.packets)  # cut in its last packet, which Wireshark too leaves out
    path = tmp_path / "cut.pcap"
    path.write_bytes(data[:-30])
    done = run_cli("verify", str(path), "--json", env=_env())
    assert done.returncode == 1
    report = orjson.loads(done.stdout)
    assert report["rejected"] == 1
    assert report["deliveries"] == 1
    assert report["reasons"] == {"ok": 1}
