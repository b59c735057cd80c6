"""Streaming counts by event type agree with the events frame and ``tables.by_type``."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from streamhook_nb import audit, events_frame, load_log
from streamhook_nb.load.deliveries import values
from streamhook_nb.pipeline.event_tally import EventTally, event_kind, event_kinds
from streamhook_nb.pipeline.verify_logs import verify_sources
from streamhook_nb.samples.webhooks import DEMO_SECRET
from streamhook_nb.verify.secrets import Keyring, Secret, keyring


@pytest.fixture
def demo_ring(data_dir: Path) -> Keyring:
    return keyring(secrets_file=data_dir / "demo-secrets.toml")


def test_event_kind_is_the_events_frame_type(data_dir: Path) -> None:
    deliveries = load_log(data_dir).deliveries
    kinds = [event_kind(body) for body in values(deliveries["body"])]
    assert kinds == list(events_frame(deliveries)["event_type"].astype(str))
    odd = [None, b"", b"[1]", b'{"type": 5}', b'{"type": ""}', b'{"type": "x", "created_at": true}']
    assert [event_kind(body) for body in odd] == ["(unknown)"] * 5 + ["x"]
    bodies = [b for b in values(deliveries["body"]) if b is not None]
    assert event_kinds(bodies) == list(map(event_kind, bodies))  # in one pass
    mixed = [*bodies[:3], *(b for b in odd if b is not None), *bodies[3:6]]
    assert event_kinds(mixed) == list(map(event_kind, mixed))  # one by one


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.usefixtures("forking")
def test_streamed_counts_equal_the_audit_summary(
    data_dir: Path, demo_ring: Keyring, workers: int
) -> None:
    streamed = verify_sources(data_dir, demo_ring, workers=workers, tally=True)
    assert streamed.tally is not None
    counts = streamed.tally.as_json()
    expected = audit(data_dir, demo_ring).summary()
    assert counts == expected
    assert list(counts["event_types"]) == list(expected["event_types"])  # same order too


@pytest.mark.usefixtures("split_logs")
def test_split_log_counts_equal_the_audit_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    from streamhook_nb.pipeline import verify_logs as stream_verify

    monkeypatch.setattr(stream_verify, "STREAM_CHUNK", 5)
    lines = (data_dir / "capture" / "stream-2026-11-26.jsonl").read_bytes().splitlines(True)
    bad_time = orjson.loads(lines[3])
    bad_time["received_at"] = "yesterday"  # verifies the quick way, then is rejected
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"".join([*lines[:40], orjson.dumps(bad_time) + b"\n", *lines[40:]]))
    ring = Keyring((Secret(DEMO_SECRET, "S"),))
    expected = audit(log, ring).summary()
    for workers in (1, 2):
        streamed = verify_sources(log, ring, workers=workers, tally=True)
        assert streamed.tally is not None
        assert streamed.tally.as_json() == expected
        assert len(streamed.rejected) == 1


def test_merging_parts_counts_ids_once() -> None:
    first, second = EventTally(), EventTally()
    first.add("message.new", "valid", "w1")
    second.add("message.new", "invalid", "w1")  # a retry of the same event
    second.add("message.new", "valid", None)
    second.add("user.updated", "unverifiable", "w1")  # same id, another type: counted there
    first.merge(second)
    assert first.as_json() == {
        "deliveries": 4,
        "events": 2,
        "event_types": {
            "message.new": {
                "deliveries": 3,
                "events": 2,
                "valid": 2,
                "invalid": 1,
                "unverifiable": 0,
            },
            "user.updated": {
                "deliveries": 1,
                "events": 1,
                "valid": 0,
                "invalid": 0,
                "unverifiable": 1,
            },
        },
    }


@pytest.mark.parametrize("verified", [True, False])
def test_an_audit_in_chunks_equals_the_whole_audit(
    data_dir: Path, demo_ring: Keyring, verified: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    import pandas as pd

    audit_module = importlib.import_module(
        "streamhook_nb.pipeline.audit"
    )  # the name is the function
    monkeypatch.setattr(audit_module, "AUDIT_CHUNK", 7)
    ring = demo_ring if verified else None
    whole = audit(data_dir, ring)
    chunked = audit(data_dir, ring, keep_deliveries=False)
    pd.testing.assert_frame_equal(chunked.events, whole.events)
    pd.testing.assert_frame_equal(chunked.loaded.rejected, whole.loaded.rejected)
    assert chunked.summary() == whole.summary()
    assert chunked.loaded.deliveries.empty
