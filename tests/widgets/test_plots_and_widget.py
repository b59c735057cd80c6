"""Plots carry titles, labels and UTC; the audit filter works headless through its widgets."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from streamhook_nb import (
    AuditController,
    plots,
    tables,
)


def test_deliveries_over_time(events: pd.DataFrame) -> None:
    ax = plots.deliveries_over_time(events, "h")
    assert "by event type" in ax.get_title()
    assert "UTC" in ax.get_xlabel()
    assert ax.get_ylabel() == "deliveries"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == plots.TOP_TYPES + 1
    assert labels[-1] == "other"
    plt.close(ax.figure)


def test_verdicts_by_type_bars_sum_to_deliveries(events: pd.DataFrame) -> None:
    ax = plots.verdicts_by_type(events)
    widths = sum(patch.get_width() for patch in ax.patches)
    assert widths == len(events)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(tables.VERDICTS)
    plt.close(ax.figure)


def test_lag_distribution(events: pd.DataFrame) -> None:
    ax = plots.lag_distribution(events)
    assert sum(patch.get_height() for patch in ax.patches) == events["lag"].notna().sum()
    assert "UTC" in ax.get_title()
    plt.close(ax.figure)


def test_empty_events_plot_without_error(events: pd.DataFrame) -> None:
    none = events.iloc[:0]
    for draw in (plots.deliveries_over_time, plots.lag_distribution):
        ax = draw(none)
        assert ax.get_title()
        plt.close(ax.figure)


def test_controller_filters(events: pd.DataFrame) -> None:
    controller = AuditController(events)
    assert len(controller.update(verdicts=["invalid"])) == 5
    assert len(controller.update(event_types=["user.deleted"])) == 1
    controller.update(event_types=[], verdicts=[], channel_types=["(none)"])
    assert controller.filtered()["cid"].isna().all()
    start = pd.Timestamp("2026-11-27", tz="UTC")
    # 30 received since, plus the 3 with no received_at (the "no time" bucket of every window)
    assert len(controller.update(channel_types=[], start=start)) == 33
    assert controller.describe() == "33 of 228 deliveries match (including 3 with no received_at)"
    assert len(controller.update(include_untimed=False)) == 30
    assert controller.describe() == "30 of 228 deliveries match (3 with no received_at left out)"
    assert controller.periods("D") == list(
        pd.date_range("2026-11-26", periods=2, freq="D", tz="UTC")
    )


def test_widget_headless(events: pd.DataFrame) -> None:
    from streamhook_nb import AuditView

    view = AuditView(events)
    assert view.status.value == "228 of 228 deliveries match (including 3 with no received_at)"
    view.verdicts.value = ("invalid",)
    assert view.status.value == "5 of 228 deliveries match"
    view.event_types.value = ("user.deleted", "message.new")
    assert view.status.value == "1 of 228 deliveries match"
    assert list(view.controller.table().index) == ["user.deleted"]
    view.verdicts.value = ()
    view.window.index = (len(view.window.options) - 1, len(view.window.options) - 1)
    last_hour = view.controller.filtered()["received_at"]
    assert len(last_hour) > 0
    assert last_hour.min() >= view.window.value[0]
    assert last_hour.max() < view.window.value[0] + pd.Timedelta("1h")
    view.event_types.value = ()
    assert view.window.continuous_update is False
    plt.close("all")


def test_one_delivery_matches_in_the_singular() -> None:
    from streamhook_nb.events.filter import matching_line

    assert matching_line(1, 1) == "1 of 1 delivery matches"
    assert matching_line(0, 1) == "0 of 1 delivery matches"
    assert matching_line(5, 228) == "5 of 228 deliveries match"
