"""The live count follows the log by itself: it does not sit at 0 after Run All."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from helpers import DATA

from streamhook_nb.widgets.live_counts import LiveCountsView

SAMPLE = DATA / "capture" / "stream-2026-11-26.jsonl"


def _wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + 30  # generous: a correctness wait, not a speed check
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_follows_the_log_without_a_click(tmp_path: Path) -> None:
    log = tmp_path / "captured.jsonl"
    view = LiveCountsView(log, interval=0.1)
    try:
        assert view.auto.value is True
        assert view.status.value == "0 deliveries so far"
        assert "No delivery yet" in view.table.value
        shutil.copy(SAMPLE, log)  # what the receiver writes during the replay
        lines = SAMPLE.read_bytes().count(b"\n")
        _wait_for(lambda: view.status.value == f"{lines} deliveries so far", view.status.value)
        assert "message.new" in view.table.value
    finally:
        view.close()
    assert view._timer is None


def test_unticking_follow_stops_it(tmp_path: Path) -> None:
    log = tmp_path / "captured.jsonl"
    view = LiveCountsView(log, interval=0.05, follow=False)
    try:
        assert view._timer is None
        shutil.copy(SAMPLE, log)
        time.sleep(0.3)
        assert view.status.value == "0 deliveries so far"  # not following: only on Refresh
        view.refresh_button.click()
        assert view.status.value != "0 deliveries so far"
    finally:
        view.close()
