"""A long frame's events decoded by forked workers equal the serial frame, in row order."""

from __future__ import annotations

import gzip
import multiprocessing
import os
from pathlib import Path

import orjson
import pandas as pd
import pyarrow as pa
import pytest

from streamhook_nb import events_frame, keyring, load_log, verify_deliveries
from streamhook_nb.events import batches
from streamhook_nb.load import shared_batches
from streamhook_nb.load.deliveries import BODY, values


@pytest.fixture
def verified(data_dir: Path) -> pd.DataFrame:
    ring = keyring(secrets_file=data_dir / "demo-secrets.toml", dotenv=None)
    return verify_deliveries(load_log(data_dir).deliveries, ring, workers=1)


@pytest.fixture
def forked_contexts(monkeypatch: pytest.MonkeyPatch, fork_contexts: list[str]) -> list[str]:
    """Fork for any frame, and record each multiprocessing context asked for."""
    monkeypatch.setattr(batches, "FORK_MIN_ROWS", 1)
    monkeypatch.setattr(batches, "can_fork", lambda: True)
    return fork_contexts


def test_forked_workers_give_the_serial_frame(
    verified: pd.DataFrame, forked_contexts: list[str]
) -> None:
    serial = events_frame(verified, workers=1)
    assert forked_contexts == []
    forked = events_frame(verified, workers=3)
    assert forked_contexts == ["fork"]  # the work ran in forked workers
    pd.testing.assert_frame_equal(forked, serial)
    assert not batches._SHARED  # nothing is kept after the call


def test_gzip_bodies_that_inflate_come_back_whole(
    forked_contexts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A gzip body inflates to fields longer than the body's own bytes.
    payload = {"type": "message.new", "cid": "messaging:" + "c" * 5000, "user": {"id": "u" * 5000}}
    bodies = [gzip.compress(orjson.dumps(payload)), orjson.dumps({"type": "user.updated"})] * 3
    deliveries = pd.DataFrame(
        {
            "body": pd.array(bodies, dtype=BODY),
            "received_at": pd.Series(pd.Timestamp("2026-11-26T10:00:00Z"), index=range(6)),
        }
    )
    serial = events_frame(deliveries, workers=1)
    forked = events_frame(deliveries, workers=2)
    assert forked_contexts == ["fork"]
    pd.testing.assert_frame_equal(forked, serial)
    assert forked["channel_id"].iloc[0] == "c" * 5000
    assert list(forked["event_type"].astype(str)) == ["message.new", "user.updated"] * 3
    assert not list(shared_batches.SHARED_MEMORY.glob(f"streamhook-{os.getpid()}-*"))


def test_threads_keep_the_work_in_this_process(
    verified: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batches, "FORK_MIN_ROWS", 1)
    monkeypatch.setattr(batches, "can_fork", lambda: False)
    monkeypatch.setattr(multiprocessing, "get_context", lambda method: pytest.fail(method))
    assert len(events_frame(verified, workers=4)) == len(verified)


def test_without_room_for_the_workers_files_the_work_stays_here(
    verified: pd.DataFrame, forked_contexts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = events_frame(verified, workers=1)
    monkeypatch.setattr(shared_batches, "folder_for", lambda needed: None)
    pd.testing.assert_frame_equal(events_frame(verified, workers=2), serial)
    assert forked_contexts == []


def test_a_body_column_of_python_bytes_is_decoded_the_same(
    verified: pd.DataFrame, forked_contexts: list[str]
) -> None:
    serial = events_frame(verified, workers=1)
    plain = verified.assign(body=verified["body"].astype(object).where(verified["body"].notna()))
    pd.testing.assert_frame_equal(events_frame(plain, workers=2), serial)
    pd.testing.assert_frame_equal(events_frame(plain, workers=1), serial)


@pytest.mark.parametrize("kind", [pa.large_binary(), pa.binary()])
def test_bodies_read_across_arrow_chunks_and_nulls_equal_python_bytes(
    verified: pd.DataFrame, monkeypatch: pytest.MonkeyPatch, kind: pa.DataType
) -> None:
    from streamhook_nb.events import fields

    bodies = values(verified["body"])
    bodies[4] = bodies[7] = None  # no body, next to chunk edges
    pieces = [bodies[:5], bodies[5:6], bodies[6:]]
    chunked = pa.chunked_array([pa.array(p, type=kind) for p in pieces])
    arrow = verified.assign(body=pd.Series(pd.arrays.ArrowExtensionArray(chunked)))
    monkeypatch.setattr(fields, "_CHUNK", 3)  # slices that straddle the Arrow chunks
    expected = events_frame(verified.assign(body=pd.Series(bodies, dtype=object)), workers=1)
    pd.testing.assert_frame_equal(events_frame(arrow, workers=1), expected)
    assert expected["event_type"].iloc[4] == "(unknown)"
