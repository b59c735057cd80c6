"""The audit filter as ipywidgets: a thin view over :class:`AuditController`."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import display as _untyped_display

from streamhook_nb.display import frame_html
from streamhook_nb.events import charts
from streamhook_nb.events.filter import AuditController, matching_line

CHARTS: dict[str, Callable[[pd.DataFrame, str], charts.Chart]] = {
    "deliveries over time": charts.deliveries_over_time,
    "event type x time": charts.type_time_heatmap,
    "failures by reason": charts.failures_over_time,
    "verdicts by type": lambda events, _: charts.verdicts_by_type(events),
    "delivery lag": lambda events, _: charts.lag_distribution(events),
}
"""The charts the view offers, by the name shown in its chart picker."""

MULTI_SELECT_NOTE = (
    "Click picks one value; Ctrl-click (⌘-click on a Mac) adds or removes one, Shift-click picks "
    "a range. Nothing selected in a list means no restriction."
)
UNTIMED_NOTE = (
    " Deliveries with no <code>received_at</code> pass every time window while “include … with "
    "no time” is ticked."
)
"""Added to the note only when some deliveries have no time (the checkbox shows only then)."""

NOTE_COLOR = "var(--jp-ui-font-color2, #555)"
"""The help text's colour: JupyterLab's secondary text, readable in its light and dark themes
(a fixed grey read as grey on black in the dark one)."""

NOTE_STYLE = f"color:{NOTE_COLOR};font-size:0.85em;line-height:1.4"
"""The help text: small, in lines of its own height (a widget's text takes the height of a
control, 28 pixels, and a two-line note read double-spaced)."""

NO_MATCH = "No deliveries match the selection."
NOTHING_TO_EXPORT = "No delivery matches the selection: nothing to download."


WIDGET_NOTE = "run or trust the notebook to see the widget"
"""The text fallback's advice: JupyterLab draws saved widgets only in a trusted notebook."""


def display(value: object) -> None:
    """IPython's display, typed."""
    _untyped_display(value)  # type: ignore[no-untyped-call]


def show(output: widgets.Output, bundle: dict[str, Any]) -> None:
    """Replace what ``output`` shows with one MIME bundle, in one message: no blank frame
    between clear and draw, no dependence on the kernel's current message (works from any
    callback or thread)."""
    output.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)


def _sentence(text: str) -> dict[str, Any]:
    """A MIME bundle of one plain sentence."""
    return {"text/html": html.escape(text), "text/plain": text}


def _full_width() -> widgets.Layout:
    """As wide as the view, no wider: a widget's own 2-pixel side margins on top of 100% ran
    past the notebook's edge (and ``overflow: auto`` then showed a scroll bar)."""
    return widgets.Layout(width="100%", margin="2px 0")


class AuditView(widgets.VBox):  # type: ignore[misc]
    """Pick event types, verdicts, channel types and a time window; the counts, a chart and the
    matching deliveries follow. Reset clears every filter; Download CSV saves the matches."""

    def __init__(
        self,
        events: pd.DataFrame,
        freq: str | None = None,
        *,
        export_dir: str | Path = "exports",
        rows: int = 25,
    ) -> None:
        self.controller = AuditController(events)
        self.freq = freq or charts.auto_freq(events)
        self.export_dir, self.rows = Path(export_dir), rows
        self._muted = False
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
        periods = self.controller.periods(self.freq)
        labels: list[tuple[str, pd.Timestamp | None]] = [
            (p.strftime("%a %m-%d %H:%M"), p) for p in periods
        ]
        self.window = widgets.SelectionRangeSlider(
            options=labels or [("no times", None)],
            index=(0, max(len(labels) - 1, 0)),
            description="received (UTC)",
            style={"description_width": "initial"},
            continuous_update=False,
            disabled=not labels,
            readout=False,  # the label below says it whole
            layout=widgets.Layout(width="95%"),
        )
        self.window_label = widgets.Label()
        untimed = self.controller.untimed
        self.include_untimed = widgets.Checkbox(
            value=True,
            description=f"include {untimed} with no time",
            indent=False,
            layout=widgets.Layout(display="" if untimed else "none"),  # only when some lack it
        )
        self.reset_button = widgets.Button(description="Reset", icon="undo")
        self.chart_choice = widgets.ToggleButtons(
            options=list(CHARTS),
            description="chart",
            style={"button_width": "auto"},  # each name whole ("deliveries over time")
        )
        self.status = widgets.Label()
        self.counts = widgets.HTML(layout=_full_width())
        self.chart = widgets.Output()
        self.deliveries = widgets.HTML(layout=_full_width())
        self.export_button = widgets.Button(description="Download CSV", icon="download")
        self.export_link = widgets.Output()
        for control in (
            self.event_types,
            self.verdicts,
            self.channel_types,
            self.window,
            self.include_untimed,
        ):
            control.observe(self._changed, names="value")
        self.chart_choice.observe(lambda _: self._draw_chart(), names="value")
        self.reset_button.on_click(lambda _: self.reset())
        self.export_button.on_click(lambda _: self.export())
        super().__init__(
            [
                widgets.HBox(
                    [self.event_types, self.verdicts, self.channel_types],
                    layout=widgets.Layout(flex_flow="row wrap"),  # narrow notebooks: wrap
                ),
                widgets.HTML(
                    f'<div style="{NOTE_STYLE}">{MULTI_SELECT_NOTE}'
                    f"{UNTIMED_NOTE if untimed else ''}</div>"
                ),
                self.window,
                widgets.HBox(
                    [self.window_label, self.include_untimed, self.reset_button],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
                self.status,
                self.chart_choice,
                self.chart,
                widgets.HTML("<b>Matching deliveries</b>"),
                widgets.HBox([self.export_button, self.export_link]),
                self.deliveries,
                widgets.HTML("<b>By event type</b>"),
                self.counts,
            ]
        )
        self.refresh()

    def __repr__(self) -> str:
        """What a notebook shows where it cannot draw the widget (untrusted, or on GitHub)."""
        shown, total = len(self.controller.filtered()), len(self.controller.events)
        return f"AuditView · {matching_line(shown, total)} · {WIDGET_NOTE}"

    def _window(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The slider as (start, end); the whole range means no time restriction."""
        last = len(self.window.options) - 1
        if self.window.disabled or tuple(self.window.index) == (0, last):
            return None, None
        start, end = self.window.value
        return start, end + pd.tseries.frequencies.to_offset(self.freq)

    def _window_text(self) -> str:
        if self.window.disabled:
            return "no delivery has a received_at time"
        start, end = self.window.value
        last = pd.Timestamp(end) + pd.tseries.frequencies.to_offset(self.freq)
        return f"from {start:%a %Y-%m-%d %H:%M} to {last:%a %Y-%m-%d %H:%M} UTC"

    def _changed(self, _: Any = None) -> None:
        if self._muted:
            return
        start, end = self._window()
        self.controller.update(
            event_types=list(self.event_types.value),
            verdicts=list(self.verdicts.value),
            channel_types=list(self.channel_types.value),
            start=start,
            end=end,
            include_untimed=self.include_untimed.value,
        )
        self.refresh()

    def reset(self) -> None:
        """Clear every filter: all deliveries match again."""
        self._muted = True
        try:
            self.event_types.value = self.verdicts.value = self.channel_types.value = ()
            self.window.index = (0, max(len(self.window.options) - 1, 0))
            self.include_untimed.value = True
        finally:
            self._muted = False
        self.controller.reset()
        self.refresh()

    def export(self) -> Path | None:
        """Write the matching deliveries as CSV and show a link to the file; with no match,
        say so and write nothing (``None``)."""
        if self.controller.filtered().empty:
            show(self.export_link, _sentence(NOTHING_TO_EXPORT))
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = self.controller.export_csv(self.export_dir / f"audit-selection-{stamp}.csv")
        shown = len(self.controller.filtered())
        link = html.escape(path.as_posix(), quote=True)
        show(
            self.export_link,
            {
                "text/html": f'<a href="{link}" download>{link}</a> ({shown} deliveries)',
                "text/plain": f"{path} ({shown} deliveries)",
            },
        )
        return path

    def _draw_chart(self) -> None:
        build = CHARTS[self.chart_choice.value]
        show(self.chart, build(self.controller.filtered(), self.freq)._repr_mimebundle_())

    def refresh(self) -> None:
        """Redraw the status line, the counts, the chart and the matching deliveries."""
        self.status.value = self.controller.describe()
        self.window_label.value = self._window_text()
        matching = self.controller.matching()
        self.export_button.disabled = matching.empty
        self.export_button.tooltip = (
            NOTHING_TO_EXPORT
            if matching.empty
            else f"Save every matching delivery as CSV in {self.export_dir.as_posix()}/"
        )
        if matching.empty:  # say why the button is off; the tables give way to a sentence
            show(self.export_link, _sentence(NOTHING_TO_EXPORT))
            self.deliveries.value = self.counts.value = f"<p>{NO_MATCH}</p>"
        else:  # a link to an earlier selection's file would mislead
            self.export_link.outputs = ()
            # as wide as the view: the hints wrap over fewer lines
            self.deliveries.value = frame_html(matching, max_rows=self.rows, max_width="100%")
            table = self.controller.table().reset_index()
            self.counts.value = frame_html(table)  # every type: ``rows`` limits the deliveries
        self._draw_chart()
