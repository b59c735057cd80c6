"""A standalone HTML audit report: tables and interactive charts, no external assets.

The charts (:mod:`streamhook_nb.events.charts`) draw with Vega's scripts, inlined once per page
(:mod:`streamhook_nb.events.vega_scripts`): the file opens offline, with no network request.
"""

from __future__ import annotations

import html
from datetime import datetime

import pandas as pd

from streamhook_nb import __name__ as _package
from streamhook_nb.events import charts, tables, vega_scripts
from streamhook_nb.events.incidents import incident_labels, incident_timeline

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 1100px; padding: 0 1rem; color: #1b1b1b; line-height: 1.4; }
h1 { margin-bottom: 0.2rem; } .meta { color: #555; margin-top: 0; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.6rem 1rem; min-width: 8rem; }
.card b { display: block; font-size: 1.6rem; } .invalid b { color: #c62828; }
.valid b { color: #2e7d32; } .note { color: #555; }
.chart { margin: 0.5rem 0 1rem; overflow-x: auto; }
table.text { width: 100%; } table.text td, table.text th { text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
table.text td:last-child { min-width: 14rem; white-space: normal; }
.nw { white-space: nowrap; }
"""


def _chart(chart: charts.Chart, element_id: str) -> str:
    """The interactive chart; a sentence when it has nothing to draw or JavaScript is off."""
    if chart.empty:
        return f'<p class="note">{html.escape(chart.title)}: {html.escape(chart.text)}</p>'
    fallback = (
        f'<noscript><p class="note">{html.escape(chart.title)}: this interactive chart needs '
        "JavaScript; the tables carry the numbers.</p></noscript>"
    )
    return chart.html_fragment(element_id, fallback=fallback)


def _table(frame: pd.DataFrame, empty: str) -> str:
    if frame.empty:
        return f'<p class="note">{html.escape(empty)}</p>'
    return frame.to_html(border=0, na_rep="-", float_format=lambda v: f"{v:.3f}")


FAILURES_SHOWN = 50
"""Failed deliveries listed in the report; the rest are counted."""


def failed_deliveries(events: pd.DataFrame) -> pd.DataFrame:
    """Deliveries that did not verify (invalid or unverifiable; not the unsigned SQS/SNS ones),
    in input order: source, event type, reason, hint."""
    if "reason" not in events:
        return pd.DataFrame(columns=["source", "event_type", "reason", "hint"])
    reason = events["reason"].astype("string")
    failed = events[reason.notna() & ~reason.isin(["ok", "unsigned"])]
    return failed[["source", "event_type", "reason", "hint"]].reset_index(drop=True)


def _failures_section(events: pd.DataFrame, shown: int) -> list[str]:
    failed = failed_deliveries(events)
    if failed.empty:
        verified = "reason" in events and events["reason"].notna().any()
        text = "Every delivery verified." if verified else "The deliveries were not verified."
        return [f'<p class="note">{text}</p>']
    parts = [
        failed.head(shown).to_html(border=0, na_rep="-", index=False, classes="text"),
    ]
    if len(failed) > shown:
        rest = len(failed) - shown
        parts.append(
            f'<p class="note">... and {rest} more (the first {shown} of {len(failed)} are '
            "shown; <code>streamhook-nb verify --details</code> lists every one).</p>"
        )
    return parts


def _failures_chart(events: pd.DataFrame, freq: str) -> str:
    """Invalid deliveries per period by reason, when some deliveries failed."""
    if "valid" not in events or not events["valid"].eq(False).fillna(False).any():
        return ""
    return _chart(charts.failures_over_time(events, freq), "chart-failures")


def _incidents_section(events: pd.DataFrame) -> str:
    found = incident_timeline(events)
    untimed = int(events["received_at"].isna().sum())
    note = (
        f'<p class="note">{untimed} deliveries without a receive time are not on the timeline '
        "(they are in the counts and the failed deliveries).</p>"
        if untimed
        else ""
    )
    chart = "" if found.empty else _chart(charts.incidents(found), "chart-incidents")
    return chart + _incidents_table(found) + note


def _incidents_table(found: pd.DataFrame) -> str:
    if found.empty:
        return (
            '<p class="note">No incident: no failures, refusals or retries clustered in time, '
            "and no lasting change of encoding or secret.</p>"
        )
    texts = pd.DataFrame(
        {
            "what": incident_labels(found),
            "app (X-Api-Key)": found["api_key"],
            "deliveries": found["deliveries"],
            "events": found["events"],
            "event types": found["event_types"],
            "what to do": found["hint"],
        }
    ).map(lambda value: "-" if pd.isna(value) else html.escape(str(value)))
    texts.insert(
        0, "when (UTC)", [_span(a, b) for a, b in zip(found["start"], found["end"], strict=True)]
    )
    return texts.to_html(border=0, na_rep="-", index=False, classes="text", escape=False)


def _span(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """``Tue 2026-11-17 14:05:09 to 14:35:05`` as HTML that breaks between its parts only
    (Chromium broke "2026-11-17" after a hyphen in a narrow column)."""
    first = f"{_nowrap(f'{start:%a %Y-%m-%d}')} {_nowrap(f'{start:%H:%M:%S}')}"
    if end == start:
        return first
    if end.date() == start.date():
        return f"{first} to {_nowrap(f'{end:%H:%M:%S}')}"
    return f"{first} to {_nowrap(f'{end:%a %Y-%m-%d}')} {_nowrap(f'{end:%H:%M:%S}')}"


def _nowrap(text: str) -> str:
    return f'<span class="nw">{html.escape(text)}</span>'


def build_report(
    events: pd.DataFrame,
    *,
    title: str = "Stream webhook audit",
    sources: list[str] | None = None,
    rejected: pd.DataFrame | None = None,
    gap_threshold: str = "15min",
    failures_shown: int = FAILURES_SHOWN,
    now: datetime | None = None,
) -> str:
    """The report as one HTML string (``now``: when it was made, for the header).

    It opens with the incident timeline (:func:`incident_timeline`) and the failed deliveries
    with their hints (the first ``failures_shown``, then a count of the rest). Its charts are
    interactive (hover for numbers, drag or scroll a time axis) and need no network.
    """
    verdicts = tables.verdict_labels(events).value_counts()
    deduped_events = tables.event_keys(events).nunique()
    rejected = rejected if rejected is not None else pd.DataFrame(columns=["source", "reason"])
    cards = [
        ("deliveries", len(events), ""),
        ("events", deduped_events, ""),
        ("valid", int(verdicts.get("valid", 0)), "valid"),
        ("invalid", int(verdicts.get("invalid", 0)), "invalid"),
        ("unverifiable", int(verdicts.get("unverifiable", 0)), ""),
        ("rejected records", len(rejected), "invalid" if len(rejected) else ""),
    ]
    times = events["received_at"].dropna()
    span = (
        f"{times.min():%Y-%m-%d %H:%M} to {times.max():%Y-%m-%d %H:%M} UTC" if len(times) else "-"
    )
    made = f" · made {now:%Y-%m-%d %H:%M} UTC" if now else ""
    reasons = (
        events["reason"].value_counts().loc[lambda s: s > 0].rename("deliveries").to_frame()
        if "reason" in events
        else pd.DataFrame()
    )
    freq = charts.auto_freq(events)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>",
        vega_scripts.script_tag(),
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">Deliveries received {html.escape(span)}{html.escape(made)} · '
        f"by {html.escape(_package.replace('_', '-'))}</p>",
        '<div class="cards">',
        *(f'<div class="card {cls}"><b>{value}</b>{name}</div>' for name, value, cls in cards),
        "</div>",
        "<h2>Incident timeline (UTC)</h2>",
        _incidents_section(events),
        "<h2>Failed deliveries</h2>",
        _failures_chart(events, freq),
        *_failures_section(events, failures_shown),
        "<h2>Deliveries over time</h2>",
        _chart(charts.deliveries_over_time(events, freq), "chart-deliveries"),
        _chart(charts.type_time_heatmap(events, freq), "chart-heatmap"),
        "<h2>Signature verdicts</h2>",
        _table(reasons, "The deliveries were not verified."),
        _chart(charts.verdicts_by_type(events), "chart-verdicts"),
        "<h2>Event types</h2>",
        _table(tables.by_type(events), "No deliveries."),
        "<h2>Event types outside Stream's documented catalogue</h2>",
        _table(tables.undocumented_types(events), "Every event type is documented."),
        "<h2>Retries and duplicates</h2>",
        _table(tables.attempt_histogram(events), "No deliveries."),
        _table(tables.duplicate_rate(events).head(15), "No deliveries."),
        "<h2>Delivery lag</h2>",  # the table and the chart name their unit (ms or s)
        _table(tables.lag_percentiles(events), "No deliveries with both timestamps."),
        _chart(charts.lag_distribution(events), "chart-lag"),
        f"<h2>Gaps longer than {html.escape(gap_threshold)}</h2>",
        _table(tables.gaps(events, gap_threshold), "No gap that long."),
        "<h2>Busiest channels and users</h2>",
        _table(tables.top_channels(events), "No channel events."),
        _table(tables.top_users(events), "No user events."),
        "<h2>Rejected records</h2>",
        _table(rejected.set_index("source") if len(rejected) else rejected, "None."),
    ]
    if sources:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in sources)
        parts += ["<h2>Sources</h2>", f"<ul>{items}</ul>"]
    parts.append("</body></html>")
    return "\n".join(parts)
