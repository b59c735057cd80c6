"""The audit filter as ipywidgets: a thin view over :class:`AuditController`."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display as _untyped_display

from streamhook_nb.events import plots
from streamhook_nb.events.filter import AuditController


def display(value: object) -> None:
    """IPython's display, typed."""
    _untyped_display(value)  # type: ignore[no-untyped-call]


class AuditView(widgets.VBox):  # type: ignore[misc]
    """Pick event types, verdicts, channel types and a time window; table and plot follow."""

    def __init__(self, events: pd.DataFrame, freq: str = "h") -> None:
        self.controller = AuditController(events)
        self.freq = freq
        choices = self.controller.choices()
        self.event_types = widgets.SelectMultiple(
            options=choices["event_types"], rows=8, description="event type"
        )
        self.verdicts = widgets.SelectMultiple(
            options=choices["verdicts"], rows=3, description="verdict"
        )
        self.channel_types = widgets.SelectMultiple(
            options=choices["channel_types"], rows=4, description="channel"
        )
        periods = self.controller.periods(freq)
        labels: list[tuple[str, pd.Timestamp | None]] = [
            (p.strftime("%Y-%m-%d %H:%M UTC"), p) for p in periods
        ]
        self.window = widgets.SelectionRangeSlider(
            options=labels or [("no times", None)],
            index=(0, max(len(labels) - 1, 0)),
            description="received",
            continuous_update=False,
            layout=widgets.Layout(width="95%"),
        )
        self.status = widgets.Label()
        self.table = widgets.Output()
        self.plot = widgets.Output()
        for control in (self.event_types, self.verdicts, self.channel_types, self.window):
            control.observe(self._changed, names="value")
        super().__init__(
            [
                widgets.HBox([self.event_types, self.verdicts, self.channel_types]),
                self.window,
                self.status,
                widgets.HBox([self.table, self.plot]),
            ]
        )
        self.refresh()

    def _changed(self, _: Any = None) -> None:
        start, end = self.window.value if self.window.value else (None, None)
        self.controller.update(
            event_types=list(self.event_types.value),
            verdicts=list(self.verdicts.value),
            channel_types=list(self.channel_types.value),
            start=start,
            end=None if end is None else end + pd.tseries.frequencies.to_offset(self.freq),
        )
        self.refresh()

    def refresh(self) -> None:
        """Redraw the status line, the table and the plot for the current filter."""
        self.status.value = self.controller.describe()
        shown = self.controller.filtered()
        self.table.clear_output(wait=True)
        with self.table:
            display(self.controller.table())
        self.plot.clear_output(wait=True)
        with self.plot:
            ax = plots.deliveries_over_time(shown, self.freq)
            figure = ax.get_figure(root=True)
            display(figure)
            plt.close(figure)
