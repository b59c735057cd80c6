"""Counts by event type of a capture log that is still being written (for notebooks)."""

from __future__ import annotations

import os
import threading
from typing import Any

import ipywidgets as widgets
import pandas as pd

from streamhook_nb.events import tables
from streamhook_nb.events.frame import events_frame
from streamhook_nb.load.loading import load_log
from streamhook_nb.verify.frame import verify_deliveries
from streamhook_nb.verify.secrets import Keyring
from streamhook_nb.widgets.audit_view import display


def counts_by_type(log: str | os.PathLike[str], keyring: Keyring | None = None) -> pd.DataFrame:
    """Deliveries and events per type in the log so far, verified when a keyring is given."""
    if not os.path.exists(log):  # the receiver has not written anything yet
        return pd.DataFrame(columns=["deliveries", "events", *tables.VERDICTS]).rename_axis(
            "event_type"
        )
    deliveries = load_log(log).deliveries
    if keyring is not None:
        deliveries = verify_deliveries(deliveries, keyring)
    return tables.by_type(events_frame(deliveries))


class LiveCountsView(widgets.VBox):  # type: ignore[misc]
    """A table of counts by event type that refreshes on a click or every ``interval`` seconds."""

    def __init__(
        self, log: str | os.PathLike[str], keyring: Keyring | None = None, interval: float = 2.0
    ) -> None:
        self.log_path, self.keyring, self.interval = log, keyring, interval
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.auto = widgets.Checkbox(value=False, description=f"every {interval:g} s")
        self.status = widgets.Label()
        self.table = widgets.Output()
        self._timer: threading.Timer | None = None
        self.refresh_button.on_click(lambda _: self.refresh())
        self.auto.observe(self._toggled, names="value")
        super().__init__([widgets.HBox([self.refresh_button, self.auto, self.status]), self.table])
        self.refresh()

    def refresh(self) -> None:
        """Re-read the log and redraw the table."""
        counts = counts_by_type(self.log_path, self.keyring)
        self.status.value = f"{int(counts['deliveries'].sum())} deliveries so far"
        self.table.clear_output(wait=True)
        with self.table:
            display(counts)

    def _toggled(self, _: Any = None) -> None:
        if self.auto.value:
            self._tick()
        elif self._timer is not None:
            self._timer.cancel()

    def _tick(self) -> None:
        if not self.auto.value:
            return
        self.refresh()
        self._timer = threading.Timer(self.interval, self._tick)
        self._timer.daemon = True
        self._timer.start()
