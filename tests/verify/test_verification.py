"""Batch verification of a deliveries frame, from every capture format, and its summary."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import orjson
import pandas as pd
import pytest

from streamhook_nb import load_log
from streamhook_nb.load.sources import Source
from streamhook_nb.pipeline.verify_logs import verify_sources
from streamhook_nb.samples.webhooks import DEMO_SECRET
from streamhook_nb.verify.frame import VERDICT_COLUMNS, summary, verify_deliveries
from streamhook_nb.verify.reasons import Reason
from streamhook_nb.verify.secrets import Keyring, Secret, keyring
from streamhook_nb.verify.signing import sign
from streamhook_nb.verify.stream_json import encode

WriteFile = Callable[[str, bytes], Path]
SECRET = "tool-test-secret"
RING = Keyring((Secret(SECRET, "STREAM_API_SECRET"),))
BODY = encode({"type": "reaction.new", "reaction": {"type": "love"}, "html": "<b>"})


@pytest.fixture
def demo_ring(data_dir: Path) -> Keyring:
    return keyring(secrets_file=data_dir / "demo-secrets.toml")


def test_sample_data_verdicts(data_dir: Path, demo_ring: Keyring) -> None:
    result = load_log(data_dir)
    verified = verify_deliveries(result.deliveries, demo_ring)
    assert verified["reason"].value_counts().to_dict() == {
        "ok": 213,
        "unsigned": 8,
        "body_reserialized": 2,
        "unverifiable": 2,
        "missing_signature": 1,
        "malformed_signature": 1,
        "signature_mismatch": 1,
        "secret_whitespace": 0,
        "api_key_mismatch": 0,
        "unknown_app": 0,
        "undecodable_body": 0,
    }
    for column, dtype in VERDICT_COLUMNS.items():
        assert verified[column].dtype == dtype
    assert (
        verified["matched_secret"].dropna().str.endswith(("demo_api_key", "demo_second_app")).all()
    )
    assert verified.loc[verified["reason"] == "ok", "hint"].isna().all()
    assert verified.loc[verified["reason"] != "ok", "hint"].notna().all()
    assert list(verified.columns[: len(result.deliveries.columns)]) == list(
        result.deliveries.columns
    )


def test_original_frame_is_not_changed(data_dir: Path, demo_ring: Keyring) -> None:
    frame = load_log(data_dir / "har").deliveries
    before = frame.copy()
    verify_deliveries(frame, demo_ring)
    pd.testing.assert_frame_equal(frame, before)


def _raw(body: bytes, signature: str | None) -> bytes:
    head = "POST /hook HTTP/1.1\r\nX-Api-Key: key1\r\n"
    if signature is not None:
        head += f"X-Signature: {signature}\r\n"
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


def test_reasons_on_deliveries_from_every_capture_tool(write_file: WriteFile) -> None:
    good = sign(BODY, SECRET)
    reserialized = orjson.dumps(orjson.loads(BODY))
    har = {
        "log": {
            "entries": [
                {
                    "startedDateTime": "2026-11-26T10:00:00Z",
                    "request": {
                        "method": "POST",
                        "url": "https://h/hook",
                        "headers": [{"name": "X-Signature", "value": good}],
                        "postData": {"text": reserialized.decode()},
                        "bodySize": len(reserialized),
                    },
                },
                {
                    "startedDateTime": "2026-11-26T10:00:01Z",
                    "request": {
                        "method": "POST",
                        "url": "https://h/hook",
                        "headers": [{"name": "X-Signature", "value": good}],
                        "postData": {"text": BODY[:10].decode()},
                        "bodySize": len(BODY),
                    },
                },
            ]
        }
    }
    ngrok = {
        "requests": [
            {
                "start": "2026-11-26T10:00:02Z",
                "request": {"raw": base64.b64encode(_raw(BODY, good)).decode()},
            }
        ]
    }
    sqs = {"Messages": [{"MessageId": "m", "Body": base64.b64encode(BODY).decode()}]}
    sources = [
        write_file("a.har", orjson.dumps(har)),
        write_file("b.json", orjson.dumps(ngrok)),
        write_file("c.http", _raw(BODY, None) + b"\r\n" + _raw(BODY, "sha256=" + good)),
        write_file("d.json", orjson.dumps(sqs)),
    ]
    verified = verify_deliveries(load_log(sources).deliveries, RING)
    assert list(verified["reason"]) == [
        "body_reserialized",
        "unverifiable",
        "ok",
        "missing_signature",
        "malformed_signature",
        "unsigned",
    ]
    assert list(verified["valid"].astype(object).where(verified["valid"].notna(), None)) == [
        False,
        None,
        True,
        False,
        False,
        None,
    ]


def test_summary_shape(data_dir: Path, demo_ring: Keyring) -> None:
    result = load_log(data_dir)
    report = summary(
        verify_deliveries(result.deliveries, demo_ring), len(result.rejected), details=True
    )
    assert set(report) == {
        "deliveries",
        "valid",
        "invalid",
        "unverifiable",
        "rejected",
        "reasons",
        "details",
    }
    assert report["deliveries"] == report["valid"] + report["invalid"] + report["unverifiable"]
    assert [d["source"] for d in report["details"]] == list(result.deliveries["source"])
    first = report["details"][0]
    assert set(first) == {
        "source",
        "webhook_id",
        "attempt",
        "event_type",
        "valid",
        "reason",
        "matched_secret",
        "hint",
    }
    assert isinstance(first["attempt"], int)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.usefixtures("forking")
def test_streaming_verification_gives_the_same_report(
    data_dir: Path, demo_ring: Keyring, workers: int
) -> None:
    result = load_log(data_dir)
    expected = summary(
        verify_deliveries(result.deliveries, demo_ring), len(result.rejected), details=True
    )
    streamed = verify_sources(data_dir, demo_ring, details=True, workers=workers)
    assert streamed.as_json() == expected
    assert [r.source for r in streamed.rejected] == list(result.rejected["source"])


@pytest.mark.usefixtures("split_logs")
def test_split_log_in_parallel_matches_serial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    from streamhook_nb.load import log_ranges
    from streamhook_nb.pipeline import verify_logs as stream_verify

    monkeypatch.setattr(stream_verify, "STREAM_CHUNK", 7)

    splits: list[int] = []
    real_split = log_ranges.split

    def counting_split(source: Source, parts: int) -> list[log_ranges.LogRange]:
        tasks = real_split(source, parts)
        splits.append(len(tasks))
        return tasks

    monkeypatch.setattr(log_ranges, "split", counting_split)
    log = tmp_path / "big.jsonl"
    lines = (
        (data_dir / "capture" / "stream-2026-11-26.jsonl").read_bytes().splitlines(keepends=True)
    )
    damaged = (data_dir / "capture" / "damaged.jsonl").read_bytes().splitlines(keepends=True)[:-1]
    log.write_bytes(b"".join(lines[:60] + damaged + lines[60:]))
    ring = Keyring((Secret(DEMO_SECRET, "S"),), expected_api_key="demo_api_key")
    serial = verify_sources(log, ring, workers=1, details=True)
    for details in (True, False):
        parallel = verify_sources(log, ring, workers=2, details=details)
        expected = serial.as_json()
        if not details:
            expected.pop("details")
        assert parallel.as_json() == expected
        assert [r.source for r in parallel.rejected] == [r.source for r in serial.rejected]
    assert splits == [2, 2]  # both parallel runs really split the log
    frame = load_log(log)
    assert summary(verify_deliveries(frame.deliveries, ring), len(frame.rejected)) == {
        k: v for k, v in serial.as_json().items() if k != "details"
    }
    assert serial.reasons[Reason.API_KEY_MISMATCH] == 12


def test_received_at_checks_agree_with_the_loader() -> None:
    from streamhook_nb.load.columns import parse_received_at
    from streamhook_nb.load.timestamps import invalid_times

    values = [
        "2026-11-26T10:00:00.123456Z",
        "2026-11-26T10:00:00Z",
        "2026-11-26T10:00:00+02:00",
        "2026-11-26T10:00:00.123456789Z",
        "2026-11-26 10:00:00",
        "2026-13-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "yesterday",
        "",
        None,
    ]
    _, _, bad = parse_received_at(values)
    assert invalid_times(values) == [int(i) for i in bad.nonzero()[0]]


def test_the_command_line_starts_without_pandas() -> None:
    import subprocess
    import sys

    code = "import sys, streamhook_nb.cli.main; print('pandas' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.usefixtures("split_logs")
def test_failure_details_are_the_failing_part_of_all_details(
    data_dir: Path, workers: int, tmp_path: Path
) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes((data_dir / "capture" / "stream-2026-11-26.jsonl").read_bytes())
    ring = keyring(secrets_file=data_dir / "demo-secrets.toml")
    for source in (data_dir, log):
        full = verify_sources(source, ring, details=True, workers=workers)
        failures = verify_sources(source, ring, details="failures", workers=workers)
        assert full.details is not None
        assert failures.details == [d for d in full.details if d["reason"] != "ok"]
        assert failures.details
        assert failures.as_json()["reasons"] == full.as_json()["reasons"]
