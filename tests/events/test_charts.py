"""The Altair charts, checked on their Vega-Lite specs: titles, units, axes spanning the data,
bars (never a sloped area), a sentence for an empty selection, and HTML that draws offline."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers import offline_page

from streamhook_nb.events import charts, vega_scripts


def _rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = spec["datasets"][spec["data"]["name"]]
    return rows


def _two_points() -> pd.DataFrame:
    times = pd.to_datetime(["2026-11-26T10:05:00Z", "2026-11-26T11:40:00Z"], utc=True)
    return pd.DataFrame(
        {
            "received_at": times,
            "event_type": ["message.new", "message.new"],
            "lag": pd.to_timedelta([0.25, 0.5], unit="s"),
            "valid": pd.array([True, False], dtype="boolean"),
            "webhook_id": pd.array(["a", "b"], dtype="string"),
        }
    )


def test_time_axis_spans_the_data_only(events: pd.DataFrame) -> None:
    chart = charts.deliveries_over_time(events, "h")
    spec = chart.spec()
    x = spec["encoding"]["x"]
    assert x["title"] == "received at (UTC)"
    assert x["scale"]["type"] == "utc"
    # the axis runs from the first period's start to the last period's end (x2), not rounded
    assert x["scale"]["nice"] is False
    assert "domain" not in x["scale"]  # an explicit one makes Vega-Lite warn in the console
    assert spec["encoding"]["x2"]["field"] == "end"
    times = events["received_at"].dropna()
    starts = [r["start"] for r in _rows(spec)]
    assert pd.Timestamp(min(starts), unit="ms", tz="UTC") == times.min().floor("h")
    assert pd.Timestamp(max(starts), unit="ms", tz="UTC") == times.max().floor("h")
    assert spec["encoding"]["y"]["title"] == "deliveries per hour"
    assert spec["title"]["text"] == "Deliveries per hour, by event type"
    assert sum(r["deliveries"] for r in _rows(spec)) == events["received_at"].notna().sum()


def test_untimed_deliveries_are_named_not_dropped_silently(events: pd.DataFrame) -> None:
    untimed = int(events["received_at"].isna().sum())
    spec = charts.deliveries_over_time(events, "h").spec()
    assert spec["title"]["subtitle"] == [f"{untimed} deliveries with no received_at are not drawn"]


def test_two_points_are_bars_with_their_own_width() -> None:
    spec = charts.deliveries_over_time(_two_points(), "h").spec()
    assert spec["mark"]["type"] == "bar"  # never a sloped area between two points
    assert spec["encoding"]["x2"] == {"field": "end"}
    assert {"calculate": "datum.start + 3600000", "as": "end"} in spec["transform"]
    starts = [pd.Timestamp(r["start"], unit="ms", tz="UTC") for r in _rows(spec)]
    assert starts == [
        pd.Timestamp("2026-11-26T10:00Z"),
        pd.Timestamp("2026-11-26T11:00Z"),
    ]


def test_many_types_keep_the_busiest_and_group_the_rest(events: pd.DataFrame) -> None:
    spec = charts.deliveries_over_time(events, "h").spec()
    domain = spec["encoding"]["color"]["scale"]["domain"]
    assert len(domain) == charts.TOP_TYPES + 1
    rest = events["event_type"].nunique() - charts.TOP_TYPES
    assert domain[-1] == f"other ({rest} types)"
    assert spec["encoding"]["color"]["scale"]["range"][-1] == "#bdbdbd"  # grey, not a hue


def test_empty_selection_says_so_in_words(events: pd.DataFrame) -> None:
    for build in (
        charts.deliveries_over_time,
        charts.type_time_heatmap,
        charts.verdicts_by_type,
        charts.lag_distribution,
    ):
        chart = build(events.iloc[:0])
        spec = chart.spec()
        assert chart.empty
        assert spec["mark"]["type"] == "text"
        assert "x" not in spec["encoding"]
        assert "y" not in spec["encoding"]
        assert _rows(spec)[0]["message"].endswith(".")
        assert spec["title"]["text"] == chart.title
        # said in the subtitle, which follows JupyterLab's theme: a text mark's colour does not
        assert spec["title"]["subtitle"] == [chart.text]
        assert spec["mark"].get("opacity") == 0
        assert "color" not in spec["mark"]


def test_no_times_at_all_says_so(events: pd.DataFrame) -> None:
    untimed = events[events["received_at"].isna()]
    chart = charts.deliveries_over_time(untimed)
    assert chart.empty
    assert _rows(chart.spec()) == [{"message": "None of these deliveries has a received_at time."}]


def test_heatmap_cells(events: pd.DataFrame) -> None:
    spec = charts.type_time_heatmap(events, "h").spec()
    assert spec["mark"]["type"] == "rect"
    assert spec["encoding"]["y"]["title"] == "event type"
    assert spec["encoding"]["color"]["title"] == "deliveries per hour"
    busiest = events["event_type"].value_counts().index[0]
    assert spec["encoding"]["y"]["sort"][0] == busiest
    assert {t["title"] for t in spec["encoding"]["tooltip"]} == {
        "from (UTC)",
        "event type",
        "deliveries",
    }


def test_verdict_bars_sum_to_the_deliveries(events: pd.DataFrame) -> None:
    spec = charts.verdicts_by_type(events).spec()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["title"] == "deliveries"
    assert spec["encoding"]["color"]["scale"]["range"] == ["#2e7d32", "#c62828", "#9e9e9e"]
    assert sum(r["deliveries"] for r in _rows(spec)) == len(events)
    assert all(r["deliveries"] > 0 for r in _rows(spec))


def test_lag_in_milliseconds_when_short() -> None:
    chart = charts.lag_distribution(_two_points())
    spec = chart.spec()
    bars, _rule = spec["layer"]
    assert chart.title == "Delivery lag: received_at minus created_at (ms)"
    assert bars["encoding"]["x"]["title"] == "lag (ms)"
    rows = spec["datasets"][bars["data"]["name"]]
    assert sum(r["deliveries"] for r in rows) == 2
    assert rows[0]["start"] == pytest.approx(250.0)
    assert spec["title"]["subtitle"] == ["median 375.0 ms over 2 deliveries"]


def test_lag_says_how_many_deliveries_it_leaves_out() -> None:
    """The AuditView said 713 deliveries match and the lag chart "median ... over 689
    deliveries": the 24 without ``created_at`` (scanners' requests) went unmentioned."""
    untimed = _two_points().iloc[:1].assign(lag=pd.to_timedelta([None]))
    three = pd.concat([_two_points(), untimed])
    spec = charts.lag_distribution(three).spec()
    assert spec["title"]["subtitle"] == [
        "median 375.0 ms over 2 deliveries; 1 delivery without both timestamps"
    ]


def test_lag_in_seconds_when_long() -> None:
    slow = _two_points().assign(lag=pd.to_timedelta([2, 90], unit="s"))
    data, unit = charts.lag_bins(slow, bins=4)
    assert unit == "s"
    assert data["start"].iloc[0] == 2.0
    assert data["deliveries"].sum() == 2


def test_auto_freq_fits_the_span() -> None:
    def span(hours: float) -> pd.DataFrame:
        start = pd.Timestamp("2026-11-20", tz="UTC")
        return pd.DataFrame({"received_at": [start, start + pd.Timedelta(hours=hours)]})

    assert [charts.auto_freq(span(h)) for h in (1, 6, 24 * 7, 24 * 30)] == [
        "5min",
        "15min",
        "h",
        "D",
    ]


def test_jupyterlab_bundle_and_text_fallback(events: pd.DataFrame) -> None:
    bundle = charts.verdicts_by_type(events)._repr_mimebundle_()
    assert bundle[charts.VEGA_LITE_MIME]["$schema"].endswith("/vega-lite/v5.json")
    assert bundle["text/plain"].startswith("Signature verdicts by event type")


def test_specs_are_deterministic(events: pd.DataFrame) -> None:
    first = json.dumps(charts.deliveries_over_time(events).spec(), sort_keys=True)
    again = json.dumps(charts.deliveries_over_time(events).spec(), sort_keys=True)
    assert first == again  # saved notebooks and reports do not churn


def test_saved_chart_is_a_standalone_offline_page(events: pd.DataFrame, tmp_path: Path) -> None:
    from helpers import offline_page

    chart = charts.verdicts_by_type(events)
    target = chart.save(tmp_path / "verdicts.html")
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count(vega_scripts.script_tag()) == 1
    assert "https://cdn" not in page
    assert "this interactive chart needs JavaScript" in page  # what shows without it
    requests: list[str] = []
    with offline_page(target, requests) as tab:
        assert tab.locator("#chart svg.marks").count() == 1
        assert "this interactive chart needs" not in tab.locator("#chart").inner_text()
    assert requests == []
    fragment = chart.html_fragment("verdicts")
    assert '<div class="chart" id="verdicts">' in fragment
    assert "</script>" not in fragment.split("<script>", 1)[1][:-9]  # spec cannot end the tag


def test_fragment_json_cannot_end_or_derail_its_script() -> None:
    hostile = "</script><!--<script>&"
    chart = charts.message(hostile, hostile)
    fragment = chart.html_fragment("x")
    script = fragment.split("<script>", 1)[1].removesuffix("</script>")
    assert not {"<", ">", "&"} & set(script.split("vegaEmbed(", 1)[1])
    assert json.loads(script.split(",", 1)[1].rsplit(', {"renderer"', 1)[0]) == chart.spec()


def test_inline_bundle_matches_the_specs_altair_emits(events: pd.DataFrame) -> None:
    import altair as alt
    import vl_convert

    spec = charts.deliveries_over_time(events).spec()
    major_minor = ".".join(alt.VEGALITE_VERSION.split(".")[:2])
    assert f"/vega-lite/v{major_minor}." in spec["$schema"]
    assert vega_scripts.vegalite_version() == major_minor  # bundled exactly, not a neighbour
    assert vega_scripts.versions()["vega"].split(".")[0] == alt.VEGA_VERSION.lstrip("v")
    assert vl_convert.get_vega_embed_version().split(".")[0] == alt.VEGAEMBED_VERSION.lstrip("v")
    tag = vega_scripts.script_tag()
    assert tag.startswith(f'<script id="{vega_scripts.SCRIPT_ID}">')
    assert tag.count("</script>") == 1
    assert tag.count("<script") == 1
    assert "window.vegaEmbed=" in tag


def _incident_timeline() -> pd.DataFrame:
    from streamhook_nb.events.incidents import INCIDENT_COLUMNS

    at = pd.Timestamp("2026-11-19T09:30Z")
    return pd.DataFrame(
        {
            "start": [at, at + pd.Timedelta("2h"), at + pd.Timedelta("6h")],
            "end": [at + pd.Timedelta("40min"), at + pd.Timedelta("2h"), at + pd.Timedelta("6h")],
            "kind": ["endpoint", "retries", "change"],
            "reason": ["ok", "retries", "content_encoding"],
            "api_key": ["k", "k", "k"],
            "deliveries": [122, 7, 50],
            "events": [122, 7, 50],
            "event_types": ["message.new 122", "message.new 7", "message.new 50"],
            "hint": ["Replay them.", "Check the endpoint.", "Decompress before verifying."],
        }
    ).astype(INCIDENT_COLUMNS)


def test_incident_timeline_chart() -> None:
    timeline = _incident_timeline()
    chart = charts.incidents(timeline)
    spec = chart.spec()
    bars, points = spec["layer"]
    assert bars["mark"]["type"] == "bar"
    assert points["mark"]["type"] == "point"  # a change is a moment: still visible
    assert bars["encoding"]["color"]["legend"]["orient"] == "top"  # not beyond the notebook's edge
    rows = _rows(spec)
    assert [r["incident"] for r in rows] == [
        "1. endpoint: ok",
        "2. retries",  # not "retries: retries"
        "3. change: content_encoding",
    ]
    assert rows[2]["hint"] == "Decompress before verifying."
    assert (rows[0]["from"], rows[0]["to"]) == ("Thu 2026-11-19 09:30", "Thu 2026-11-19 10:10")
    assert charts.incidents(timeline.iloc[:0]).empty


def test_incident_axis_is_padded_beyond_the_first_start_and_the_last_end() -> None:
    spec = charts.incidents(_incident_timeline()).spec()
    for layer in spec["layer"]:
        scale = layer["encoding"]["x"]["scale"]
        assert "domain" not in scale  # an explicit domain would end exactly at the data
        assert scale["padding"] == charts.INCIDENT_PAD_PX > 0


def test_incident_chart_draws_without_vega_warnings(tmp_path: Path) -> None:
    """Chromium's console stays quiet: no "Conflicting scale property", no "Infinite extent"."""
    target = charts.incidents(_incident_timeline()).save(tmp_path / "incidents.html")
    requests: list[str] = []
    console: list[str] = []
    with offline_page(target, requests, console) as tab:
        assert tab.locator(".chart svg.marks").count() == 1
        tab.wait_for_timeout(200)  # let Vega finish logging
    assert [line for line in console if line.startswith(("warning", "error"))] == []
    assert requests == []


def test_report_fragment_shows_its_fallback_without_javascript(events: pd.DataFrame) -> None:
    """Without JavaScript the container keeps its fallback; vegaEmbed replaces it."""
    fallback = "<noscript><p>needs JavaScript</p></noscript>"
    fragment = charts.verdicts_by_type(events).html_fragment("verdicts", fallback=fallback)
    assert fragment.startswith(f'<div class="chart" id="verdicts">{fallback}</div>\n<script>')
    assert "cdn.jsdelivr.net" not in fragment  # the page's <head> carries the bundle once


def test_bundled_vega_lite_follows_altair(monkeypatch: pytest.MonkeyPatch) -> None:
    import altair as alt
    import vl_convert

    monkeypatch.setattr(vl_convert, "get_vegalite_versions", lambda: ["5.20", "6.1", "6.4"])
    monkeypatch.setattr(alt, "VEGALITE_VERSION", "6.1.2")
    assert vega_scripts.vegalite_version() == "6.1"
    monkeypatch.setattr(alt, "VEGALITE_VERSION", "6.10.0")
    assert vega_scripts.vegalite_version() == "6.4"  # newest of the same major
    monkeypatch.setattr(alt, "VEGALITE_VERSION", "7.0.0")
    with pytest.raises(
        RuntimeError, match=re.escape("none compatible with Altair's 7.0.0: upgrade")
    ):
        vega_scripts.vegalite_version()


def test_time_axis_labels_keep_apart(events: pd.DataFrame) -> None:
    """Crowded time labels are dropped, not drawn touching ("Nov 16 06:00Nov 16 18:00")."""
    timed = [
        charts.deliveries_over_time(events, "h"),
        charts.type_time_heatmap(events, "3h"),
        charts.failures_over_time(events, "h"),
        charts.incidents(_incident_timeline()),
    ]
    for chart in timed:
        specs = [chart.spec(), *chart.spec().get("layer", [])]
        axes = [
            s["encoding"]["x"]["axis"]
            for s in specs
            if "axis" in s.get("encoding", {}).get("x", {})
        ]
        assert axes, chart.spec()["title"]
        for axis in axes:
            assert axis["labelOverlap"] is True
            assert axis["labelSeparation"] >= 8


def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours."""

    def luminance(color: str) -> float:
        channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_median_line_shows_in_light_and_dark_notebooks() -> None:
    """The lag chart's median line was black: invisible on JupyterLab's dark theme (#333)."""
    _bars, rule = charts.lag_distribution(_two_points()).spec()["layer"]
    color = rule["mark"]["color"]
    assert color.startswith("#"), color
    for background in ("#ffffff", "#333333"):
        assert _contrast(color, background) >= 2.5, (color, background)


def _busy_month(types: int = 30) -> pd.DataFrame:
    """A delivery of each of ``types`` event types every 20 minutes for 30 days."""
    times = pd.date_range("2026-11-01", periods=30 * 72, freq="20min", tz="UTC")
    names = [f"custom.type{n}" for n in range(types)]
    return pd.DataFrame(
        {
            "received_at": times.repeat(types),
            "event_type": names * len(times),
            "valid": pd.array([True] * len(times) * types, dtype="boolean"),
        }
    )


def test_a_long_log_is_drawn_with_longer_periods_and_says_so() -> None:
    """50,000 deliveries over three weeks: the heatmap per 3 hours was 5640 cells, over
    Altair's limit of 5000 rows, and the notebook cell showed a MaxRowsError traceback."""
    month = _busy_month()
    heatmap = charts.type_time_heatmap(month, "3h")
    spec = heatmap.spec()  # raised MaxRowsError
    assert heatmap.title == "Deliveries per event type and 6 hours"
    assert spec["title"]["subtitle"] == ["per 3 hours: 7200 cells, too many to draw"]
    assert len(_rows(spec)) <= charts.MAX_MARKS
    assert sum(r["deliveries"] for r in _rows(spec)) == len(month)
    bars = charts.deliveries_over_time(month, "15min")
    assert bars.title == "Deliveries per 3 hours, by event type"
    assert bars.spec()["title"]["subtitle"] == ["per 15 minutes: 21600 bars, too many to draw"]
    small = charts.type_time_heatmap(month.head(600), "3h")
    assert small.spec()["title"]["subtitle"] == [""]


def test_one_delivery_draws_whole_counts_and_one_lag_bar() -> None:
    """A log of one delivery: count axes ticked 0.2, 0.4, ...; the lag histogram drew 40
    slivers a 40th of a millisecond wide over an axis from 539.000 to 539.025; "1 deliveries"."""
    one = _two_points().head(1)
    for chart in (charts.deliveries_over_time(one, "h"), charts.lag_distribution(one)):
        spec = chart.spec()
        layer = spec["layer"][0] if "layer" in spec else spec
        assert layer["encoding"]["y"]["axis"] == {"format": "d", "tickMinStep": 1}
    verdicts = charts.verdicts_by_type(one).spec()
    assert verdicts["encoding"]["x"]["axis"] == {"format": "d", "tickMinStep": 1}
    lag = charts.lag_distribution(one).spec()
    (bar,) = lag["datasets"][lag["layer"][0]["data"]["name"]]
    assert (bar["start"], bar["end"], bar["deliveries"]) == (249.5, 250.5, 1)
    assert lag["title"]["subtitle"] == ["median 250.0 ms over 1 delivery"]


def test_an_empty_timeline_of_deliveries_without_times_does_not_claim_no_incident() -> None:
    """Deliveries without ``received_at`` cannot be placed in time: the chart said "No
    incident: no failures ... clustered" of a log whose failures it could not see."""
    from streamhook_nb.events.incidents import incident_timeline

    untimed = _two_points().assign(received_at=pd.NaT)
    chart = charts.incidents(incident_timeline(untimed))
    assert chart.text == (
        "None of these deliveries has a received_at time: none can be placed in time."
    )
    some = pd.concat([_two_points(), untimed.head(1)], ignore_index=True)
    assert charts.incidents(incident_timeline(some)).text == (
        "No incident: no failures, refusals, retries or changes clustered (1 delivery with "
        "no received_at could not be placed)."
    )
    timed = charts.incidents(incident_timeline(_two_points()))
    assert timed.text == "No incident: no failures, refusals, retries or changes clustered."


LONG_TYPES = (
    "user.unread_message_reminder",
    "export.channels.success",
    "custom.order_shipment_status_changed_by_warehouse",  # a custom event: any length
)


def _long_type_names() -> pd.DataFrame:
    """Deliveries of event types with long names, over a day, some invalid, with lag."""
    times = pd.date_range("2026-11-16", periods=60, freq="25min", tz="UTC")
    return pd.DataFrame(
        {
            "received_at": times,
            "event_type": [LONG_TYPES[n % 3] for n in range(60)],
            "lag": pd.to_timedelta([0.2 + n / 100 for n in range(60)], unit="s"),
            "valid": pd.array([n % 7 != 0 for n in range(60)], dtype="boolean"),
            "reason": ["ok" if n % 7 else "body_reserialized" for n in range(60)],
            "webhook_id": pd.array([f"w{n}" for n in range(60)], dtype="string"),
            "attempt": pd.array([1] * 60, dtype="Int64"),
        }
    )


def _every_chart(events: pd.DataFrame) -> list[charts.Chart]:
    return [
        charts.deliveries_over_time(events, "h"),
        charts.type_time_heatmap(events, "h"),
        charts.failures_over_time(events, "h"),
        charts.verdicts_by_type(events),
        charts.lag_distribution(events),
        charts.incidents(_incident_timeline()),
        charts.message("Incident timeline", "No incident: " + "a long sentence " * 8),
    ]


def test_every_chart_fits_a_notebook_column_at_1024_pixels() -> None:
    """The whole chart (labels and legend included) is CHART_WIDTH wide, which fits the
    584-pixel column of JupyterLab at 1024 px with the file browser open; long category names
    are cut at LABEL_LIMIT pixels, and the tooltip still names them in full."""
    assert charts.CHART_WIDTH + 38 <= 584  # vega-embed's action menu takes 38 pixels
    for chart in _every_chart(_long_type_names()):
        spec = chart.spec()
        assert spec["width"] == charts.CHART_WIDTH, chart.title
        assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}, chart.title
        layers = [spec, *spec.get("layer", [])]
        for layer in layers:
            encoding = layer.get("encoding", {})
            y = encoding.get("y", {})
            if y.get("type") == "nominal":
                assert y["axis"]["labelLimit"] == charts.LABEL_LIMIT, chart.title
                tips = [t["field"] for t in encoding["tooltip"]]
                assert y["field"] in tips, chart.title  # the full name, on hover
            legend = encoding.get("color", {}).get("legend", {})
            if encoding.get("color", {}).get("type") == "nominal":
                assert legend["labelLimit"] == charts.LABEL_LIMIT, chart.title
                assert legend["orient"] in ("top", "bottom"), chart.title  # not beside the plot


def test_a_sentence_chart_wraps_its_sentence() -> None:
    text = "No incident: no failures, refusals, retries or changes clustered " * 2
    subtitle = charts.message("Incident timeline", text).spec()["title"]["subtitle"]
    assert len(subtitle) > 1
    assert " ".join(subtitle) == text.strip()


def test_every_chart_draws_inside_its_width_in_chromium(tmp_path: Path) -> None:
    """Drawn by Vega, no chart is wider than CHART_WIDTH, whatever the length of the names."""
    drawn = _every_chart(_long_type_names())
    body = "\n".join(chart.html_fragment(f"c{n}") for n, chart in enumerate(drawn))
    target = tmp_path / "all.html"
    target.write_text(
        f"<!DOCTYPE html><html><head>{vega_scripts.script_tag()}</head><body>{body}</body></html>",
        encoding="utf-8",
    )
    requests: list[str] = []
    with offline_page(target, requests) as tab:
        widths = tab.evaluate(
            "[...document.querySelectorAll('.chart svg.marks')]"
            ".map(s => Math.round(s.getBoundingClientRect().width))"
        )
        labels = tab.evaluate(
            "[...document.querySelectorAll('.chart svg.marks text')].map(t => t.textContent)"
        )
    assert len(widths) == len(drawn)
    assert max(widths) <= charts.CHART_WIDTH, widths
    assert "user.unread_message_reminder" in labels  # whole while it fits
    assert any(label.startswith("custom.order_") and label.endswith("…") for label in labels)
