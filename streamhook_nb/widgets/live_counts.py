"""Counts by event type of a capture log that is still being written (for notebooks)."""

from __future__ import annotations

import os
import threading
from typing import Any

import ipywidgets as widgets
import pandas as pd

from streamhook_nb.display import frame_html
from streamhook_nb.errors import StreamhookError
from streamhook_nb.events import tables
from streamhook_nb.events.frame import events_frame
from streamhook_nb.load.loading import load_log
from streamhook_nb.verify.frame import verify_deliveries
from streamhook_nb.verify.secrets import Keyring
from streamhook_nb.widgets.audit_view import WIDGET_NOTE

UNFINISHED = "truncated last line"
"""How the capture reader's reason for a last line with no newline yet begins."""
REJECTED_ROWS = 10
"""The rejected records listed under the status line (the first ones)."""


def counts_by_type(log: str | os.PathLike[str], keyring: Keyring | None = None) -> pd.DataFrame:
    """Deliveries and events per type in the log so far, verified when a keyring is given."""
    return read_counts(log, keyring)[0]


def read_counts(
    log: str | os.PathLike[str], keyring: Keyring | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`counts_by_type` and the log's rejected records so far (``source``, ``reason``)."""
    if not os.path.exists(log):  # the receiver has not written anything yet
        empty = pd.DataFrame(columns=["deliveries", "events", *tables.VERDICTS])
        return empty.rename_axis("event_type"), pd.DataFrame(columns=["source", "reason"])
    loaded = load_log(log, progress=False)
    deliveries = loaded.deliveries
    if keyring is not None:
        deliveries = verify_deliveries(deliveries, keyring)
    return tables.by_type(events_frame(deliveries)), loaded.rejected


def still_writing(rejected: pd.DataFrame) -> pd.Series:
    """Which rejected records are a last line the receiver is still writing (counted on the
    next read, not rejected)."""
    return rejected["reason"].astype(str).str.startswith(UNFINISHED)


def rejected_note(rejected: pd.DataFrame) -> str:
    """The status line's words for the rejected records (listed under it) and for a last line
    the receiver is still writing; empty when there are none."""
    writing = still_writing(rejected)
    bad = int((~writing).sum())
    notes = [f"{bad} rejected {'record' if bad == 1 else 'records'} (listed below)"] if bad else []
    if writing.any():
        notes.append("the last line is still being written")
    return "; ".join(notes)


def _stamp(log: str | os.PathLike[str]) -> tuple[int, int, int] | None:
    """The log's inode, size and modification time, or None while it does not exist (a log
    replaced by another file, say after a rotation, counts as changed even at the same size)."""
    try:
        stat = os.stat(log)
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


class LiveCountsView(widgets.VBox):  # type: ignore[misc]
    """A table of counts by event type that follows the log: it re-reads the log every
    ``interval`` seconds when the file changed (untick "follow" to stop), or on Refresh."""

    def __init__(
        self,
        log: str | os.PathLike[str],
        keyring: Keyring | None = None,
        interval: float = 1.0,
        *,
        follow: bool = True,
    ) -> None:
        self.log_path, self.keyring, self.interval = log, keyring, interval
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.auto = widgets.Checkbox(value=False, description=f"follow (every {interval:g} s)")
        self.status = widgets.Label()
        self.rejected = widgets.HTML()  # the rejected records, file:line and reason
        self.table = widgets.HTML()
        self._timer: threading.Timer | None = None
        self._seen: tuple[int, int, int] | None = None
        self._read_once = False  # the log existed at some read: its going away is news
        self._lock = threading.Lock()  # one read of the log at a time
        self._timer_lock = threading.Lock()  # guards _timer
        self.refresh_button.on_click(lambda _: self.refresh())
        self.auto.observe(self._toggled, names="value")
        # the status on its own line: a long message (an error, a path) is not cut off
        super().__init__(
            [widgets.HBox([self.refresh_button, self.auto]), self.status, self.rejected, self.table]
        )
        self.refresh()
        self.auto.value = follow

    def __repr__(self) -> str:
        """What a notebook shows where it cannot draw the widget (untrusted, or on GitHub)."""
        return f"LiveCountsView · {self.status.value} · {WIDGET_NOTE}"

    def refresh(self) -> None:
        """Re-read the log and redraw the table. A log that cannot be read is said in the
        status line (the table keeps the last counts), never raised: the timer thread that
        follows the log calls this too, and must keep following."""
        with self._lock:
            self._seen = _stamp(self.log_path)
            if self._seen is None and self._read_once:
                self.status.value = (
                    f"{os.fspath(self.log_path)} is gone (moved, rotated or deleted); the "
                    "table keeps the last counts read, and counting resumes when it is back"
                )
                return
            try:
                counts, rejected = read_counts(self.log_path, self.keyring)
            except StreamhookError as exc:
                self.status.value = f"{exc} (the table keeps the last counts read)"
                return
            except Exception as exc:  # an unexpected failure: say it, keep following
                self.status.value = (
                    f"Could not count {os.fspath(self.log_path)}: {type(exc).__name__}: {exc}."
                    " The table keeps the last counts read; Refresh tries again"
                )
                return
            self._read_once = self._read_once or self._seen is not None
            total = int(counts["deliveries"].sum())
            # The table first, then the status: whoever sees the new total sees its table.
            self.table.value = (
                frame_html(counts.reset_index())
                if total
                else "<p>No delivery yet: the log is empty.</p>"
            )
            bad = rejected[~still_writing(rejected)]
            self.rejected.value = (
                f"<b>Rejected records</b>{frame_html(bad, max_rows=REJECTED_ROWS)}"
                if len(bad)
                else ""
            )
            note = rejected_note(rejected)
            self.status.value = f"{total} deliveries so far" + (f"; {note}" if note else "")

    def close(self) -> None:
        """Stop following the log, then close the widget."""
        self.auto.value = False
        super().close()

    def _toggled(self, _: Any = None) -> None:
        with self._timer_lock:
            if self._timer is not None:
                self._timer.cancel()  # a tick already running sees it is no longer the timer
                self._timer = None
            if self.auto.value:
                self._schedule()

    def _schedule(self) -> None:
        """Start the next tick (the caller holds ``_timer_lock``)."""
        self._timer = threading.Timer(self.interval, self._tick)
        self._timer.daemon = True
        self._timer.start()

    def _tick(self) -> None:
        try:
            if self.auto.value and _stamp(self.log_path) != self._seen:
                self.refresh()
        except Exception as exc:  # a timer thread must never die silently
            self.status.value = f"Could not follow {os.fspath(self.log_path)}: {exc}"
        finally:
            with self._timer_lock:
                # Only the current timer schedules the next one: once "follow" is unticked
                # (or the view closed) while this tick ran, nothing follows it.
                if self._timer is threading.current_thread() and self.auto.value:
                    self._schedule()
