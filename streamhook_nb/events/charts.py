"""Interactive audit charts (Altair / Vega-Lite) over tidy frames: hover, zoom, offline HTML.

Every builder is a pure function of an events frame that returns a :class:`Chart`: titled,
axes labelled with units, time axes spanning the data only, bars (never a sloped area between
two points), and a sentence instead of empty axes when nothing matches. The data in a chart is
aggregated first (counts per period, lag bins), so a week of deliveries stays a small spec.
"""

from __future__ import annotations

import html
import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from streamhook_nb.events import tables, vega_scripts
from streamhook_nb.events.incidents import incident_labels

TOP_TYPES = 9
"""Event types drawn by name in the time chart; the rest share one grey ``other`` band."""

VEGA_LITE_MIME = "application/vnd.vegalite.v5+json"
"""The MIME type JupyterLab 4 renders with its built-in Vega-Lite extension (no install)."""

_LAB_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"

VERDICT_COLORS = {"valid": "#2e7d32", "invalid": "#c62828", "unverifiable": "#9e9e9e"}
_OTHER_COLOR = "#bdbdbd"
MEDIAN_COLOR = "#ef6c00"
"""The lag chart's median line: orange reads on white and on JupyterLab's dark theme (#333),
and apart from the blue bars; black vanished in the dark theme."""
INCIDENT_PAD_PX = 24
"""The incident chart's time axis runs this many pixels beyond the first start and the last
end, so no bar sits on the y axis or touches the right edge."""
CHART_WIDTH = 540
"""Every chart's whole width in pixels, axis labels, titles and legend included (Vega's
autosize ``fit-x`` with ``contains: padding``): it fits a notebook column at 1024 pixels with
the file browser open (584 pixels, less the 38 of vega-embed's action menu). A fixed plot width
of 640 plus the labels and a legend beside it ran 250 pixels past the column."""
LABEL_LIMIT = 150
"""The widest a category's label is drawn (an event type, a reason, an incident), in pixels:
a longer one (``user.unread_message_reminder``) ends in "…"; its tooltip names it in full."""
_FIT = alt.AutoSizeParams(type="fit-x", contains="padding")
_UTC_FORMAT = "%Y-%m-%d %H:%M UTC"
_MINUTE_FORMAT = "%a %Y-%m-%d %H:%M"
_PERIOD_NAMES = {
    "5min": "5 minutes",
    "15min": "15 minutes",
    "h": "hour",
    "3h": "3 hours",
    "6h": "6 hours",
    "12h": "12 hours",
    "D": "day",
    "7D": "week",
}
MAX_MARKS = 4000
"""The most bars or cells a time chart draws (Altair refuses to embed more than 5000 rows):
a longer log is drawn with longer periods, and the subtitle says so."""
_COUNT_AXIS = alt.Axis(tickMinStep=1, format="d")
"""A count's axis: whole numbers only (one delivery showed ticks at 0.2, 0.4, ...)."""


def _sized(chart: Any, height: int) -> Any:
    """``chart`` at :data:`CHART_WIDTH` pixels in all, its plot narrowing to leave room for
    the labels and the legend."""
    return chart.properties(width=CHART_WIDTH, height=height, autosize=_FIT)


def _legend(columns: int = 3) -> alt.Legend:
    """A legend under the plot, in columns, labels cut at :data:`LABEL_LIMIT`: beside the
    plot, long names took a third of the chart's width."""
    return alt.Legend(
        orient="bottom", direction="horizontal", columns=columns, labelLimit=LABEL_LIMIT
    )  # fmt: skip


_CATEGORY_AXIS = alt.Axis(labelLimit=LABEL_LIMIT)
"""A category axis (event types, incidents) whose long labels are cut, never the plot."""


def _deliveries(n: int) -> str:
    return "1 delivery" if n == 1 else f"{n:,} deliveries"


_COARSER = ("5min", "15min", "h", "3h", "6h", "12h", "D", "7D")
LABEL_GAP = 12
"""Pixels kept between two time-axis labels: closer ones are dropped, so "Nov 16 06:00" and
"Nov 16 18:00" never run together (zoomed in, or at a flush first or last label)."""


@dataclass(frozen=True)
class Chart:
    """A titled Vega-Lite chart: shows in JupyterLab, saves as HTML, embeds in a report.

    ``empty`` is true when the chart is a sentence (``text``) saying there is nothing to draw.
    """

    altair: Any  # an altair top-level chart (Chart or LayerChart)
    title: str
    empty: bool = False
    text: str = ""

    def spec(self) -> dict[str, Any]:
        """The Vega-Lite spec as a plain dict (data inlined)."""
        spec: dict[str, Any] = self.altair.to_dict()
        return spec

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """JupyterLab's built-in Vega-Lite 5 renderer draws it; plain text elsewhere."""
        return {
            VEGA_LITE_MIME: {**self.spec(), "$schema": _LAB_SCHEMA},
            "text/plain": f"{self.title} (interactive chart: open the notebook in JupyterLab)",
        }

    def html_fragment(self, element_id: str, fallback: str | None = None) -> str:
        """A ``<div>`` and a ``<script>`` drawing the chart; the page must carry
        :func:`vega_scripts.script_tag` once (in its ``<head>``). Without JavaScript the div
        shows ``fallback`` (HTML), or a sentence saying what is missing."""
        spec = _script_json(self.spec())
        target = html.escape(element_id, quote=True)
        shown = fallback or (
            f'<p class="chart-offline">{html.escape(self.title)}: this interactive chart needs '
            "JavaScript.</p>"
        )
        return (
            f'<div class="chart" id="{target}">{shown}</div>\n'
            f"<script>if (window.vegaEmbed) vegaEmbed({_script_json('#' + element_id)}, {spec}, "
            '{"renderer": "svg", "actions": {"export": true, "source": false, "compiled": false, '
            '"editor": false}}).catch(function (e) { document.getElementById('
            f"{_script_json(element_id)}).insertAdjacentText('beforeend', "
            "'The chart could not be drawn: ' + e); });</script>"
        )

    def to_html(self) -> str:
        """A standalone page that draws the chart offline: Vega's scripts are inlined."""
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(self.title)}</title>\n{vega_scripts.script_tag()}\n"
            f"</head><body>\n{self.html_fragment('chart')}\n</body></html>\n"
        )

    def save(self, path: str | Path) -> Path:
        """Write :meth:`to_html` to ``path`` and return it."""
        target = Path(path)
        target.write_text(self.to_html(), encoding="utf-8")
        return target


def _script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` in it can end
    the element or start a comment (``</script>``, ``<!--``), whatever the data holds."""
    text = json.dumps(value, separators=(",", ":"))  # ensure_ascii: U+2028/2029 escaped too
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def auto_freq(events: pd.DataFrame) -> str:
    """A period length that gives a readable number of bars for the span of ``received_at``."""
    times = events["received_at"].dropna()
    span = times.max() - times.min() if len(times) else pd.Timedelta(0)
    for limit, freq in (("2h", "5min"), ("12h", "15min"), ("10D", "h")):
        if span <= pd.Timedelta(limit):
            return freq
    return "D"


def period_name(freq: str) -> str:
    """``"h"`` -> ``"hour"``: the period's name for titles."""
    return _PERIOD_NAMES.get(freq, freq)


_SENTENCE_CHARS = 60
"""Characters per line of a chart's sentence at 14 px: a line stays inside :data:`CHART_WIDTH`."""


def message(title: str, text: str) -> Chart:
    """A chart that is only a sentence: what an empty selection shows instead of empty axes.

    The sentence is the title's subtitle, which takes the notebook's theme (light text in
    JupyterLab's dark theme); a text mark's colour does not, and read as dark grey on dark grey.
    The data keeps the sentence too, for whoever reads the spec."""
    frame = pd.DataFrame({"message": [text]})
    lines = textwrap.wrap(text, _SENTENCE_CHARS) or [""]  # a title line does not wrap itself
    chart = _sized(
        alt.Chart(frame)
        .mark_text(opacity=0)
        .encode(text="message:N")
        .properties(
            title=alt.TitleParams(title, subtitle=lines, subtitleFontSize=14, subtitlePadding=18)
        ),
        30,
    )
    return Chart(chart, title, empty=True, text=text)


def _compact(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts as the chart carries them: ``start`` in epoch milliseconds (UTC), no ``end``
    (the chart computes it), so that a week of hourly cells stays a small spec."""
    start = counts["start"].dt.tz_convert("UTC").astype("datetime64[ms, UTC]")
    millis = start.astype("int64").to_numpy()
    return counts.drop(columns=["end"]).assign(start=millis)


def _period_ms(freq: str) -> int:
    return int(
        pd.to_timedelta(pd.tseries.frequencies.to_offset(freq).nanos, unit="ns")
        / pd.Timedelta("1ms")
    )


def _untimed_note(events: pd.DataFrame) -> list[str]:
    untimed = int(events["received_at"].isna().sum())
    return [f"{untimed} deliveries with no received_at are not drawn"] if untimed else []


def _notes(events: pd.DataFrame, coarser: str | None) -> list[str]:
    """A time chart's subtitle: deliveries left out for want of a time, a coarser period."""
    return [*_untimed_note(events), *([coarser] if coarser else [])] or [""]


def counts_by_period(events: pd.DataFrame, freq: str, by: str = "event_type") -> pd.DataFrame:
    """Tidy counts: one row per (period, value of ``by``) with ``start``, ``end`` and
    ``deliveries``; the value column is named ``event_type`` whatever ``by`` is."""
    timed = events[events["received_at"].notna()]
    start = timed["received_at"].dt.floor(freq)
    counts = (
        pd.DataFrame({"start": start, "event_type": timed[by].astype(str)})
        .groupby(["start", "event_type"], observed=True, sort=True)
        .size()
        .rename("deliveries")
        .reset_index()
    )
    counts["end"] = counts["start"] + pd.tseries.frequencies.to_offset(freq)
    return counts[["start", "end", "event_type", "deliveries"]]


def counts_that_fit(
    events: pd.DataFrame, freq: str, by: str = "event_type", top: bool = True
) -> tuple[pd.DataFrame, str, str | None]:
    """:func:`counts_by_period` with periods long enough for at most :data:`MAX_MARKS` bars
    or cells (once the busiest types are named and the rest merged, when ``top``): the
    counts, the period used, and a note saying why it is not ``freq`` (``None`` when it is)."""
    asked, first = freq, None
    candidates = [f for f in _COARSER if _period_ms(f) > _period_ms(freq)]
    while True:
        counts = counts_by_period(events, freq, by)
        marks = len(_top_types(counts)[0]) if top else len(counts)
        first = marks if first is None else first
        if marks <= MAX_MARKS or not candidates:
            break
        freq = candidates.pop(0)
    if freq == asked:
        return counts, freq, None
    kind = "bars" if top else "cells"
    return counts, freq, f"per {period_name(asked)}: {first} {kind}, too many to draw"


def _top_types(counts: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Keep the busiest types by name; the rest become one ``other (n types)`` band."""
    totals = counts.groupby("event_type")["deliveries"].sum().sort_values(ascending=False)
    named = list(totals.index[:TOP_TYPES])
    rest = len(totals) - len(named)
    if rest <= 1:
        return counts, list(totals.index)
    other = f"other ({rest} types)"
    shown = counts.assign(
        event_type=counts["event_type"].where(counts["event_type"].isin(named), other)
    )
    merged: pd.DataFrame = shown.groupby(["start", "end", "event_type"], as_index=False)[
        ["deliveries"]
    ].sum()
    return merged, [*named, other]


def deliveries_over_time(events: pd.DataFrame, freq: str | None = None) -> Chart:
    """Deliveries per period, stacked by event type; zoom and pan with the mouse."""
    return _stacked_over_time(
        events, freq, "event_type", "event type", "No deliveries match the selection."
    )


def failures_over_time(events: pd.DataFrame, freq: str | None = None) -> Chart:
    """Invalid deliveries per period, stacked by reason: incidents show as coloured blocks."""
    invalid = (
        events[events["valid"].eq(False).fillna(False).to_numpy()]
        if "valid" in events
        else events.iloc[:0]
    )
    return _stacked_over_time(
        invalid,
        freq or auto_freq(events),
        "reason",
        "reason",
        "No invalid deliveries in the selection.",
        "Invalid deliveries per {period}, by reason",
    )


def _stacked_over_time(
    events: pd.DataFrame,
    freq: str | None,
    by: str,
    legend: str,
    nothing: str,
    title_form: str = "Deliveries per {period}, by event type",
) -> Chart:
    freq = freq or auto_freq(events)
    if events.empty:
        return message(title_form.format(period=period_name(freq)), nothing)
    counts, freq, coarser = counts_that_fit(events, freq, by)
    title = title_form.format(period=period_name(freq))
    if counts.empty:
        return message(title, "None of these deliveries has a received_at time.")
    counts, order = _top_types(counts)
    data = _compact(counts)
    colors = alt.Scale(
        domain=order,
        range=[*_palette(len(order) - 1), _OTHER_COLOR]
        if order[-1].startswith("other")
        else _palette(len(order)),
    )
    pick = alt.selection_point(name="pick_type", fields=["event_type"], bind="legend")
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=_time_axis(),
            x2="end:T",
            y=alt.Y(
                "sum(deliveries):Q", title=f"deliveries per {period_name(freq)}", axis=_COUNT_AXIS
            ),
            color=alt.Color(
                "event_type:N", title=legend, scale=colors, sort=order, legend=_legend()
            ),
            order=alt.Order("rank:Q"),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.25)),
            tooltip=[
                _minute_tooltip("start", "from (UTC)", "%Y-%m-%d %H:%M"),
                alt.Tooltip("event_type:N", title=legend),
                alt.Tooltip("deliveries:Q", title="deliveries"),
            ],
        )
        .transform_calculate(
            rank=f"indexof({json.dumps(order)}, datum.event_type)",
            end=f"datum.start + {_period_ms(freq)}",
        )
        .add_params(pick, alt.selection_interval(name="zoom", encodings=["x"], bind="scales"))
        .properties(title=alt.TitleParams(title, subtitle=_notes(events, coarser)))
    )
    return Chart(_sized(chart, 260), title)


def type_time_heatmap(events: pd.DataFrame, freq: str | None = None) -> Chart:
    """Deliveries per event type x period as coloured cells: a day or a week at a glance."""
    freq = freq or auto_freq(events)
    if events.empty:
        return message(
            f"Deliveries per event type and {period_name(freq)}",
            "No deliveries match the selection.",
        )
    counts, freq, coarser = counts_that_fit(events, freq, top=False)
    title = f"Deliveries per event type and {period_name(freq)}"
    if counts.empty:
        return message(title, "None of these deliveries has a received_at time.")
    order = list(
        counts.groupby("event_type")["deliveries"].sum().sort_values(ascending=False).index
    )
    data = _compact(counts)
    chart = (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=_time_axis(),
            x2="end:T",
            y=alt.Y("event_type:N", title="event type", sort=order, axis=_CATEGORY_AXIS),
            color=alt.Color(
                "deliveries:Q",
                title=f"deliveries per {period_name(freq)}",
                scale=alt.Scale(scheme="blues"),
                legend=alt.Legend(
                    orient="bottom",
                    direction="horizontal",
                    gradientLength=200,
                ),
            ),
            tooltip=[
                _minute_tooltip("start", "from (UTC)", "%Y-%m-%d %H:%M"),
                alt.Tooltip("event_type:N", title="event type"),
                alt.Tooltip("deliveries:Q", title="deliveries"),
            ],
        )
        .transform_calculate(end=f"datum.start + {_period_ms(freq)}")
        .add_params(alt.selection_interval(name="zoom", encodings=["x"], bind="scales"))
        .properties(title=alt.TitleParams(title, subtitle=_notes(events, coarser)))
    )
    return Chart(_sized(chart, max(120, 16 * len(order))), title)


def verdict_counts(events: pd.DataFrame) -> pd.DataFrame:
    """Tidy verdict counts: one row per (event type, verdict) with ``deliveries`` > 0."""
    table = tables.by_type(events)[list(tables.VERDICTS)]
    tidy = table.reset_index().melt(
        id_vars="event_type", var_name="verdict", value_name="deliveries"
    )
    return tidy[tidy["deliveries"] > 0].reset_index(drop=True)


def verdicts_by_type(events: pd.DataFrame) -> Chart:
    """Valid / invalid / unverifiable deliveries per event type, as horizontal stacked bars."""
    title = "Signature verdicts by event type"
    if events.empty:
        return message(title, "No deliveries match the selection.")
    data = verdict_counts(events)
    order = list(tables.by_type(events).index)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("event_type:N", title="event type", sort=order, axis=_CATEGORY_AXIS),
            x=alt.X("sum(deliveries):Q", title="deliveries", axis=_COUNT_AXIS),
            color=alt.Color(
                "verdict:N",
                scale=alt.Scale(domain=list(VERDICT_COLORS), range=list(VERDICT_COLORS.values())),
                title="verdict",
                legend=_legend(),
            ),
            order=alt.Order("verdict_rank:Q"),
            tooltip=[
                alt.Tooltip("event_type:N", title="event type"),
                alt.Tooltip("verdict:N", title="verdict"),
                alt.Tooltip("deliveries:Q", title="deliveries"),
            ],
        )
        .transform_calculate(
            verdict_rank=f"indexof({json.dumps(list(VERDICT_COLORS))}, datum.verdict)"
        )
        .properties(title=title)
    )
    return Chart(_sized(chart, max(80, 18 * len(order))), title)


def lag_bins(events: pd.DataFrame, bins: int = 40) -> tuple[pd.DataFrame, str]:
    """Tidy histogram of ``lag`` (``start``, ``end``, ``deliveries``) and its unit (ms or s)."""
    seconds = events["lag"].dropna().dt.total_seconds().to_numpy(dtype="float64")
    if not len(seconds):
        return pd.DataFrame(columns=["start", "end", "deliveries"]), "s"
    unit, scale = tables.lag_unit(seconds)
    values = seconds * scale
    low, high = float(values.min()), float(values.max())
    if low == high:  # one value: one bar a unit wide around it, not 40 slivers of a unit
        low, high, bins = low - 0.5, high + 0.5, 1
    counts, edges = np.histogram(values, bins=bins, range=(low, high))
    frame = pd.DataFrame({"start": edges[:-1], "end": edges[1:], "deliveries": counts})
    return frame[frame["deliveries"] > 0].reset_index(drop=True), unit


def lag_distribution(events: pd.DataFrame, bins: int = 40) -> Chart:
    """Histogram of delivery lag (received_at minus the event's created_at), with its median."""
    data, unit = lag_bins(events, bins)
    title = f"Delivery lag: received_at minus created_at ({unit})"
    if data.empty:
        return message(title, "No delivery in the selection has both timestamps.")
    lags = events["lag"].dropna().dt.total_seconds() * (1000.0 if unit == "ms" else 1.0)
    median = float(lags.median())
    bars = (
        alt.Chart(data)
        .mark_bar(color="#1565c0")
        .encode(
            x=alt.X("start:Q", title=f"lag ({unit})", bin="binned"),
            x2="end:Q",
            y=alt.Y("deliveries:Q", title="deliveries", axis=_COUNT_AXIS),
            tooltip=[
                alt.Tooltip("start:Q", title=f"from ({unit})", format=",.1f"),
                alt.Tooltip("end:Q", title=f"to ({unit})", format=",.1f"),
                alt.Tooltip("deliveries:Q", title="deliveries"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"median": [median]}))
        .mark_rule(color=MEDIAN_COLOR, strokeDash=[4, 3], strokeWidth=2)
        .encode(
            x="median:Q", tooltip=[alt.Tooltip("median:Q", title=f"median ({unit})", format=",.1f")]
        )
    )
    subtitle = f"median {median:,.1f} {unit} over {_deliveries(len(lags))}"
    untimed = len(events) - len(lags)
    if untimed:  # else the chart's count disagrees with the selection's, unexplained
        subtitle += f"; {_deliveries(untimed)} without both timestamps"
    chart = alt.layer(bars, rule).properties(title=alt.TitleParams(title, subtitle=[subtitle]))
    return Chart(_sized(chart, 220), title)


def _palette(n: int) -> list[str]:
    tableau = [
        "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
        "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#1b9e77",
    ]  # fmt: skip
    return [tableau[i % len(tableau)] for i in range(n)]


KIND_COLORS = {
    "failures": "#c62828",
    "endpoint": "#ef6c00",
    "retries": "#6a1b9a",
    "change": "#1565c0",
}
"""Colours of the incident kinds of :func:`streamhook_nb.events.incidents.incident_timeline`."""


def _no_incident(timeline: pd.DataFrame) -> str:
    """Why an incident timeline is empty, counting the deliveries it could not place in time
    (``incident_timeline`` notes them in ``attrs``)."""
    untimed, timed = timeline.attrs.get("untimed", 0), timeline.attrs.get("timed", 0)
    if untimed and not timed:
        return "None of these deliveries has a received_at time: none can be placed in time."
    clustered = "No incident: no failures, refusals, retries or changes clustered"
    if untimed:
        return f"{clustered} ({_deliveries(untimed)} with no received_at could not be placed)."
    return f"{clustered}."


def incidents(timeline: pd.DataFrame) -> Chart:
    """The incident timeline as bars on a time axis, one row per incident (hover: the hint)."""
    title = "Incident timeline"
    if timeline.empty:
        return message(title, _no_incident(timeline))
    label = incident_labels(timeline)
    start = timeline["start"].dt.tz_convert("UTC")
    end = timeline["end"].dt.tz_convert("UTC")
    data = pd.DataFrame(
        {
            "incident": [f"{n + 1}. {text}" for n, text in enumerate(label)],
            "kind": timeline["kind"].astype(str),
            "start": start.astype("datetime64[ms, UTC]").astype("int64").to_numpy(),
            "end": end.astype("datetime64[ms, UTC]").astype("int64").to_numpy(),
            "deliveries": timeline["deliveries"].astype("int64").to_numpy(),
            "hint": timeline["hint"].astype(str),
            # times as text: a time-unit tooltip on the x field makes Vega-Lite read the
            # domain twice and warn ("Conflicting scale property", "Infinite extent")
            "from": start.dt.strftime(_MINUTE_FORMAT),
            "to": end.dt.strftime(_MINUTE_FORMAT),
        }
    )
    # padded in pixels, not by an explicit domain: Vega-Lite reads an explicit time domain
    # apart from the bars' end field and warns ("Conflicting scale property", "Infinite extent")
    x_axis = alt.X(
        "start:T",
        title="received at (UTC)",
        scale=alt.Scale(type="utc", padding=INCIDENT_PAD_PX, nice=False),
        axis=alt.Axis(format="%a %d %H:%M", labelOverlap=True, labelSeparation=LABEL_GAP),
    )
    base = alt.Chart(data).encode(
        y=alt.Y("incident:N", title=None, sort=list(data["incident"]), axis=_CATEGORY_AXIS),
        color=alt.Color(
            "kind:N",
            title="kind",
            scale=alt.Scale(domain=list(KIND_COLORS), range=list(KIND_COLORS.values())),
            # above the bars: beside them, the long incident labels push it out of a notebook
            legend=alt.Legend(orient="top", labelLimit=LABEL_LIMIT),
        ),
        tooltip=[
            alt.Tooltip("incident:N", title="incident"),
            alt.Tooltip("from:N", title="from (UTC)"),
            alt.Tooltip("to:N", title="to (UTC)"),
            alt.Tooltip("deliveries:Q", title="deliveries"),
            alt.Tooltip("hint:N", title="what to do"),
        ],
    )
    chart = alt.layer(
        base.mark_bar(height=12).encode(x=x_axis, x2="end:T"),
        base.mark_point(filled=True, size=60, shape="diamond").encode(x=x_axis),  # a moment
    ).properties(title=title)
    return Chart(_sized(chart, max(60, 26 * len(data))), title)


def _time_axis(format: str = "%b %d %H:%M") -> alt.X:
    """The x axis of a chart over time: ``start`` in UTC, from the first start to the last end
    (``x2``). The span comes from the data, not an explicit domain, which Vega-Lite reads apart
    from the time-unit tooltips and warns about ("Conflicting scale property", "Infinite
    extent"); ``nice`` off keeps it from rounding past the data."""
    return alt.X(
        "start:T",
        title="received at (UTC)",
        scale=alt.Scale(type="utc", nice=False),
        axis=alt.Axis(format=format, labelOverlap=True, labelSeparation=LABEL_GAP),
    )


def _minute_tooltip(field: str, title: str, format: str) -> alt.Tooltip:
    """A tooltip line for a time column, to the minute in UTC."""
    return alt.Tooltip(
        f"{field}:T", title=title, timeUnit="utcyearmonthdatehoursminutes", format=format
    )
