"""A long frame verified by forked workers gives exactly the serial verdicts, in row order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from streamhook_nb import keyring, load_log, verify_deliveries
from streamhook_nb.verify import frame


def test_forked_workers_give_the_serial_frame(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, fork_contexts: list[str]
) -> None:
    ring = keyring(secrets_file=data_dir / "demo-secrets.toml", dotenv=None)
    deliveries = load_log(data_dir).deliveries
    serial = verify_deliveries(deliveries, ring, workers=1)
    monkeypatch.setattr(frame, "FORK_MIN_ROWS", 1)
    monkeypatch.setattr(frame, "can_fork", lambda: True)
    forked = verify_deliveries(deliveries, ring, workers=3)
    pd.testing.assert_frame_equal(forked, serial)
    assert fork_contexts == ["fork"]  # the work ran in forked workers
    assert not frame._SHARED  # the frame and keyring are not kept after the call


def test_short_frames_and_threads_stay_in_this_process(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ring = keyring(secrets_file=data_dir / "demo-secrets.toml", dotenv=None)
    deliveries = load_log(data_dir).deliveries
    monkeypatch.setattr(frame, "can_fork", lambda: False)
    monkeypatch.setattr(frame, "FORK_MIN_ROWS", 1)
    serial = verify_deliveries(deliveries, ring, workers=4)
    assert serial["reason"].eq("ok").sum() == 213
