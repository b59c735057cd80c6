"""The live count follows the log by itself: it does not sit at 0 after Run All.

The tests wait on the widget's own traits (no sleeps, no time limits of their own: pytest's
timeout stops a test that never gets there)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers import DATA

from streamhook_nb.widgets import live_counts
from streamhook_nb.widgets.live_counts import LiveCountsView

SAMPLE = DATA / "capture" / "stream-2026-11-26.jsonl"
LINES = SAMPLE.read_bytes().count(b"\n")


def _wait_until(view: LiveCountsView, condition: Callable[[], bool]) -> None:
    """Block until ``condition()`` holds, re-checking whenever the status or table changes."""
    changed = threading.Condition()

    def notify(_: Any) -> None:
        with changed:
            changed.notify_all()

    for trait in (view.status, view.table):
        trait.observe(notify, names="value")
    try:
        with changed:
            changed.wait_for(condition)
    finally:
        for trait in (view.status, view.table):
            trait.unobserve(notify, names="value")


def _stop_following(view: LiveCountsView) -> None:
    """Untick "follow" and wait for the tick that may be running to end."""
    timer = view._timer
    view.auto.value = False
    if timer is not None:
        timer.join()


def test_follows_the_log_without_a_click(tmp_path: Path) -> None:
    log = tmp_path / "captured.jsonl"
    view = LiveCountsView(log, interval=0.01)
    try:
        assert view.auto.value is True
        assert view.status.value == "0 deliveries so far"
        assert "No delivery yet" in view.table.value
        shutil.copy(SAMPLE, log)  # what the receiver writes during the replay
        _wait_until(view, lambda: view.status.value == f"{LINES} deliveries so far")
        # The table is written before the status: a reader who sees the total sees its table.
        assert "message.new" in view.table.value
    finally:
        view.close()
    assert view._timer is None


def test_the_table_is_drawn_before_the_status_says_the_total(tmp_path: Path) -> None:
    log = tmp_path / "captured.jsonl"
    view = LiveCountsView(log, follow=False)
    shutil.copy(SAMPLE, log)
    seen: list[str] = []
    view.status.observe(lambda _: seen.append(view.table.value), names="value")
    view.refresh_button.click()
    assert view.status.value == f"{LINES} deliveries so far"
    assert len(seen) == 1
    assert "message.new" in seen[0]  # the table the status announces, not the empty one


def test_unticking_follow_stops_it(tmp_path: Path) -> None:
    log = tmp_path / "captured.jsonl"
    view = LiveCountsView(log, interval=0.01)
    try:
        _stop_following(view)
        assert view._timer is None
        shutil.copy(SAMPLE, log)  # no thread is left that could read it
        assert view.status.value == "0 deliveries so far"  # not following: only on Refresh
        view.refresh_button.click()
        assert view.status.value == f"{LINES} deliveries so far"
    finally:
        view.close()


def test_an_unexpected_error_is_said_and_following_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "captured.jsonl"
    real = live_counts.read_counts
    failures = iter([OSError("Input/output error")])

    def flaky(path: Path, keyring: Any = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        for exc in failures:  # the first read fails, the next ones work
            raise exc
        return real(path, keyring)

    view = LiveCountsView(log, interval=0.01, follow=False)
    try:
        shutil.copy(SAMPLE, log)  # complete before the view follows: one read, which fails
        monkeypatch.setattr(live_counts, "read_counts", flaky)
        view.auto.value = True
        _wait_until(view, lambda: "Input/output error" in view.status.value)
        assert view.status.value == (
            f"Could not count {log}: OSError: Input/output error."
            " The table keeps the last counts read; Refresh tries again"
        )
        assert "No delivery yet" in view.table.value  # the last good counts stay
        with log.open("ab") as out:  # the receiver writes on: the view reads again
            out.write(SAMPLE.read_bytes().splitlines(keepends=True)[0])
        _wait_until(view, lambda: view.status.value == f"{LINES + 1} deliveries so far")
    finally:
        view.close()


def test_closing_during_a_read_leaves_no_timer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "captured.jsonl"
    view = LiveCountsView(log, interval=0.01, follow=False)
    reading, release = threading.Event(), threading.Event()
    real = live_counts.read_counts

    def slow(path: Path, keyring: Any = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        reading.set()
        release.wait()
        return real(path, keyring)

    monkeypatch.setattr(live_counts, "read_counts", slow)
    shutil.copy(SAMPLE, log)
    view.auto.value = True
    reading.wait()  # the timer thread is inside a read
    tick = view._timer
    assert tick is not None
    view.close()
    release.set()
    tick.join()
    assert view._timer is None  # the tick that was running did not start another


def test_a_damaged_log_is_said_in_the_status_not_raised(tmp_path: Path) -> None:
    log = tmp_path / "captured.jsonl.gz"
    log.write_bytes(b"\x1f\x8b\x08\x00 cut short")
    view = LiveCountsView(log, follow=False)
    assert str(log) in view.status.value
    assert view.status.value.endswith(" (the table keeps the last counts read)")
    assert view.table.value == ""  # nothing was read yet


def test_rejected_records_are_counted_in_the_status(tmp_path: Path) -> None:
    log = tmp_path / "captured.jsonl"
    shutil.copy(SAMPLE, log)
    with log.open("ab") as out:
        out.write(b"{not json\n")
    view = LiveCountsView(log, follow=False)
    assert view.status.value == f"{LINES} deliveries so far; 1 rejected record (listed below)"
    assert f"{log}:{LINES + 1}" in view.rejected.value
    assert "not valid JSON (unexpected character" in view.rejected.value
    with log.open("ab") as out:  # the receiver is in the middle of a line
        out.write(b'{"received_at": null, "method": "POST", "hea')
    view.refresh()
    assert view.status.value == (
        f"{LINES} deliveries so far; 1 rejected record (listed below); "
        "the last line is still being written"
    )
    assert f"{log}:{LINES + 2}" not in view.rejected.value


def test_a_log_that_goes_away_is_said_and_the_counts_stay(tmp_path: Path) -> None:
    log = tmp_path / "captured.jsonl"
    shutil.copy(SAMPLE, log)
    view = LiveCountsView(log, follow=False)
    table = view.table.value
    log.rename(tmp_path / "captured.jsonl.1")  # rotated, moved or deleted
    view.refresh()
    assert view.status.value == (
        f"{log} is gone (moved, rotated or deleted); the table keeps the last counts read, "
        "and counting resumes when it is back"
    )
    assert view.table.value == table
    shutil.copy(SAMPLE, log)
    view.refresh()
    assert view.status.value == f"{LINES} deliveries so far"
