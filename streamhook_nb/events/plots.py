"""Audit plots (matplotlib through pandas) with titles, labelled axes and UTC noted."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

from streamhook_nb.events import tables

TOP_TYPES = 8
"""Event types shown by name in stacked plots; the rest are grouped as ``other``."""


def _axes(ax: Axes | None, size: tuple[float, float] = (9, 4)) -> Axes:
    if ax is not None:
        return ax
    created: Axes  # matplotlib 3.8 types subplots' axes as Any
    _, created = plt.subplots(figsize=size, layout="constrained")
    return created


def _top_types(counts: pd.DataFrame) -> pd.DataFrame:
    """Keep the busiest event-type columns, summing the rest into ``other``."""
    order = counts.sum().sort_values(ascending=False, kind="stable").index
    keep = list(order[:TOP_TYPES])
    rest = [c for c in counts.columns if c not in keep]
    shown = counts[keep].copy()
    if rest:
        shown["other"] = counts[rest].sum(axis=1)
    return shown


def deliveries_over_time(events: pd.DataFrame, freq: str = "h", ax: Axes | None = None) -> Axes:
    """Deliveries per period, stacked by event type."""
    ax = _axes(ax)
    counts = tables.by_type_and_period(events, freq)
    if counts.empty:
        ax.set_title("Deliveries over time (no timestamps)")
        return ax
    every_period = pd.date_range(counts.index.min(), counts.index.max(), freq=freq)
    shown = _top_types(counts.reindex(every_period, fill_value=0))  # quiet periods show as 0
    shown.index = pd.DatetimeIndex(shown.index).tz_convert("UTC").tz_localize(None)
    if len(shown) > 1:
        shown.plot.area(ax=ax, linewidth=0, alpha=0.85)
    else:  # one period: an area would have no width
        shown.index = pd.DatetimeIndex(shown.index).strftime("%Y-%m-%d %H:%M")
        shown.plot.bar(ax=ax, stacked=True, rot=0)
    ax.set_title(f"Deliveries per {_period_name(freq)}, by event type")
    ax.set_xlabel("received at (UTC)")
    ax.set_ylabel("deliveries")
    ax.legend(title="event type", fontsize="small", loc="upper left", bbox_to_anchor=(1, 1))
    return ax


def verdicts_by_type(events: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Valid / invalid / unverifiable deliveries per event type (horizontal stacked bars)."""
    table = tables.by_type(events)[list(tables.VERDICTS)].iloc[::-1]
    ax = _axes(ax, (9, max(3.0, 0.28 * len(table) + 1)))
    colors = {"valid": "#2e7d32", "invalid": "#c62828", "unverifiable": "#9e9e9e"}
    table.plot.barh(stacked=True, ax=ax, color=[colors[c] for c in table.columns], width=0.8)
    ax.set_title("Signature verdicts by event type")
    ax.set_xlabel("deliveries")
    ax.set_ylabel("event type")
    ax.legend(title="verdict", fontsize="small")
    return ax


def lag_distribution(events: pd.DataFrame, ax: Axes | None = None, bins: int = 40) -> Axes:
    """Histogram of delivery lag (received_at - created_at), in seconds."""
    ax = _axes(ax)
    seconds = events["lag"].dropna().dt.total_seconds()
    if seconds.empty:
        ax.set_title("Delivery lag (no deliveries with both timestamps)")
        return ax
    seconds.plot.hist(bins=bins, ax=ax, color="#1565c0")
    median = seconds.median()
    ax.axvline(median, color="black", linestyle="--", linewidth=1, label=f"median {median:.2f} s")
    ax.set_title("Delivery lag: received at minus the event's created_at (both UTC)")
    ax.set_xlabel("lag (seconds)")
    ax.set_ylabel("deliveries")
    ax.legend()
    return ax


def _period_name(freq: str) -> str:
    names: dict[str, Any] = {"h": "hour", "D": "day", "min": "minute", "W": "week"}
    return str(names.get(freq, freq))
