"""AuditView survives ordinary use: select then deselect, the no-time bucket, Reset, drill down,
CSV export, and a chart for every selection (a sentence when nothing matches)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from streamhook_nb.events import charts
from streamhook_nb.events.filter import DRILL_DOWN_COLUMNS, AuditController, AuditFilter
from streamhook_nb.widgets.audit_view import AuditView


def test_sample_has_deliveries_without_a_time(events: pd.DataFrame) -> None:
    assert 0 < events["received_at"].isna().sum() < len(events)


def test_select_one_type_then_deselect_brings_every_row_back(
    events: pd.DataFrame, tmp_path: Path
) -> None:
    view = AuditView(events, export_dir=tmp_path)
    total = len(events)
    view.event_types.value = ("message.new",)
    assert len(view.controller.filtered()) < total
    view.event_types.value = ()
    assert len(view.controller.filtered()) == total
    assert view.status.value.startswith(f"{total} of {total} deliveries match")


def test_a_time_window_keeps_the_no_time_bucket(events: pd.DataFrame, tmp_path: Path) -> None:
    view = AuditView(events, "h", export_dir=tmp_path)
    untimed = int(events["received_at"].isna().sum())
    last = len(view.window.options) - 1
    view.window.index = (last, last)
    shown = view.controller.filtered()
    assert shown["received_at"].isna().sum() == untimed
    timed = shown["received_at"].dropna()
    assert len(timed) > 0
    assert timed.min() >= view.window.value[0]
    assert f"including {untimed} with no received_at" in view.status.value
    view.include_untimed.value = False
    assert view.controller.filtered()["received_at"].notna().all()
    assert f"({untimed} with no received_at left out)" in view.status.value


def test_reset_clears_every_filter(events: pd.DataFrame, tmp_path: Path) -> None:
    view = AuditView(events, "h", export_dir=tmp_path)
    view.verdicts.value = ("invalid",)
    view.channel_types.value = ("messaging",)
    view.window.index = (1, 2)
    view.include_untimed.value = False
    assert len(view.controller.filtered()) < len(events)
    view.reset_button.click()
    assert view.controller.selection == AuditFilter()
    assert (view.verdicts.value, view.channel_types.value, view.event_types.value) == ((), (), ())
    assert view.window.index == (0, len(view.window.options) - 1)
    assert view.include_untimed.value is True
    assert len(view.controller.filtered()) == len(events)


def test_drill_down_lists_the_failures_with_their_hints(
    events: pd.DataFrame, tmp_path: Path
) -> None:
    view = AuditView(events, export_dir=tmp_path)
    view.verdicts.value = ("invalid",)
    matching = view.controller.matching()
    assert tuple(matching.columns) == DRILL_DOWN_COLUMNS
    assert len(matching) == (events["valid"] == False).sum()  # noqa: E712
    assert matching["hint"].notna().all()
    assert set(matching["verdict"]) == {"invalid"}
    first = matching.iloc[0]
    assert first["source"] in view.deliveries.value
    assert "white-space:normal" in view.deliveries.value  # hints wrap, shown whole


def test_csv_export_writes_every_match_and_links_it(events: pd.DataFrame, tmp_path: Path) -> None:
    view = AuditView(events, export_dir=tmp_path, rows=2)
    view.verdicts.value = ("invalid", "unverifiable")
    path = view.export()
    assert path.parent == tmp_path
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(view.controller.filtered()) > 2  # all, not the rows on screen
    assert list(rows[0]) == list(DRILL_DOWN_COLUMNS)
    assert {r["verdict"] for r in rows} == {"invalid", "unverifiable"}
    shown = view.export_link.outputs[0]["data"]["text/html"]
    assert f'href="{path.as_posix()}"' in shown


def test_export_button_writes_a_file(events: pd.DataFrame, tmp_path: Path) -> None:
    view = AuditView(events, export_dir=tmp_path / "out")
    view.export_button.click()
    assert len(list((tmp_path / "out").glob("audit-selection-*.csv"))) == 1


def test_empty_selection_draws_a_sentence(events: pd.DataFrame, tmp_path: Path) -> None:
    view = AuditView(events, export_dir=tmp_path)
    view.verdicts.value = ("invalid",)
    view.event_types.value = ("user.deleted",)  # no invalid user.deleted in the sample
    view.event_types.value = (next(t for t in view.event_types.options if t.startswith("export")),)
    assert view.status.value.startswith("0 of")
    bundle = view.chart.outputs[0]["data"]
    spec = bundle[charts.VEGA_LITE_MIME]
    assert spec["mark"]["type"] == "text"
    assert spec["datasets"][spec["data"]["name"]] == [
        {"message": "No deliveries match the selection."}
    ]
    assert "No deliveries match the selection." in view.deliveries.value


def test_every_chart_choice_draws(events: pd.DataFrame, tmp_path: Path) -> None:
    view = AuditView(events, export_dir=tmp_path)
    for name in view.chart_choice.options:
        view.chart_choice.value = name
        (output,) = view.chart.outputs
        assert charts.VEGA_LITE_MIME in output["data"]


def test_controller_reset_and_filter(events: pd.DataFrame) -> None:
    controller = AuditController(events)
    assert len(controller.update(verdicts=["invalid"])) == 5
    assert len(controller.reset()) == len(events)


def test_text_fallback_says_what_to_do(events: pd.DataFrame, tmp_path: Path) -> None:
    """Where the widget cannot be drawn (untrusted notebook, GitHub) the text says why."""
    view = AuditView(events, export_dir=tmp_path)
    text = view._repr_mimebundle_()["text/plain"]
    assert text.startswith(f"AuditView · {len(events)} of {len(events)} deliveries match")
    assert text.endswith(" · run or trust the notebook to see the widget")
    assert len(text) <= 110  # ipywidgets cuts longer text


def test_the_window_is_said_in_words(events: pd.DataFrame, tmp_path: Path) -> None:
    view = AuditView(events, "h", export_dir=tmp_path)
    first, last = view.window.options[0][1], view.window.options[-1][1]
    assert view.window_label.value == (
        f"from {first:%a %Y-%m-%d %H:%M} to {last + pd.Timedelta('1h'):%a %Y-%m-%d %H:%M} UTC"
    )
    view.window.index = (1, 1)
    assert view.window_label.value.endswith(f"{first + pd.Timedelta('2h'):%H:%M} UTC")


def test_a_new_selection_clears_the_old_export_link(events: pd.DataFrame, tmp_path: Path) -> None:
    view = AuditView(events, export_dir=tmp_path)
    view.verdicts.value = ("invalid",)
    assert view.export() is not None
    assert view.export_link.outputs
    view.verdicts.value = ("valid",)
    assert view.export_link.outputs == ()
    view.export()
    view.reset()
    assert view.export_link.outputs == ()


def test_nothing_to_download_when_nothing_matches(events: pd.DataFrame, tmp_path: Path) -> None:
    view = AuditView(events, export_dir=tmp_path)
    assert not view.export_button.disabled
    view.verdicts.value = ("invalid",)
    view.event_types.value = (next(t for t in view.event_types.options if t.startswith("export")),)
    assert view.status.value.startswith("0 of")
    assert view.export_button.disabled
    assert "nothing to download" in view.export_button.tooltip
    assert "nothing to download" in view.export_link.outputs[0]["data"]["text/plain"]
    assert view.export() is None
    assert list(tmp_path.iterdir()) == []  # no header-only CSV
    view.reset()
    assert not view.export_button.disabled


def test_empty_selection_shows_no_header_only_table(events: pd.DataFrame, tmp_path: Path) -> None:
    view = AuditView(events, export_dir=tmp_path)
    view.verdicts.value = ("invalid",)
    view.event_types.value = (next(t for t in view.event_types.options if t.startswith("export")),)
    assert "<table" not in view.counts.value
    assert "No deliveries match the selection." in view.counts.value


def _note(view: AuditView) -> str:
    return str(view.children[1].value)


def test_the_no_time_note_shows_only_with_its_checkbox(
    events: pd.DataFrame, tmp_path: Path
) -> None:
    view = AuditView(events, export_dir=tmp_path)
    assert view.include_untimed.layout.display != "none"
    assert "with no time" in _note(view)
    timed = AuditView(events.dropna(subset=["received_at"]), export_dir=tmp_path)
    assert timed.include_untimed.layout.display == "none"
    assert "with no time" not in _note(timed)
    assert "Ctrl-click" in _note(timed)


def test_chart_buttons_fit_their_names(events: pd.DataFrame, tmp_path: Path) -> None:
    view = AuditView(events, export_dir=tmp_path)
    assert view.chart_choice.style.button_width == "auto"


def test_the_counts_by_type_list_every_type(events: pd.DataFrame, tmp_path: Path) -> None:
    """``rows`` limits the matching deliveries shown, not the summary by event type."""
    view = AuditView(events, export_dir=tmp_path, rows=2)
    types = view.controller.table().index
    assert len(types) > 2
    counts = view.counts.value.replace("<wbr>", "")  # where a long name may break
    assert all(f">{t}</td>" in counts for t in types)
    assert "first 2 of" not in view.counts.value
    assert "first 2 of" in view.deliveries.value


def test_the_matching_deliveries_use_the_views_width(events: pd.DataFrame, tmp_path: Path) -> None:
    """The list spans the view, so its hints wrap over a few lines instead of a narrow column
    (each hint cell keeps a reading width of its own)."""
    view = AuditView(events, export_dir=tmp_path)
    assert "max-width:100%" in view.deliveries.value.split(">", 1)[0]
    assert "max-width:48em" in view.deliveries.value


def test_the_tables_are_as_wide_as_the_view_and_no_wider(
    events: pd.DataFrame, tmp_path: Path
) -> None:
    """At 100% wide with ipywidgets' 2-pixel side margins, the list of deliveries ran 2 pixels
    past the output's edge in a 1024-pixel window."""
    view = AuditView(events, export_dir=tmp_path)
    for table in (view.deliveries, view.counts):
        assert table.layout.width == "100%"
        assert table.layout.margin == "2px 0"
        assert table.layout.overflow is None  # no scroll bar for a table that fits


def test_the_help_text_takes_the_notebooks_theme(events: pd.DataFrame, tmp_path: Path) -> None:
    """A fixed grey (#555) read as grey on black in JupyterLab's dark theme."""
    note = _note(AuditView(events, export_dir=tmp_path))
    assert re.search(r"color:\s*var\(--jp-ui-font-color2\b", note), note


def test_the_help_text_reads_as_one_paragraph(events: pd.DataFrame, tmp_path: Path) -> None:
    """In a 1024-pixel window the note takes two lines, which a widget's text spaced a
    control's height apart (28 pixels): it sets a line height of its own."""
    note = _note(AuditView(events, export_dir=tmp_path))
    assert re.search(r"line-height:\s*1\.4\b", note), note


def test_the_docs_name_every_chart_the_picker_offers() -> None:
    """docs/notebooks.md listed four of the picker's five charts (not "failures by reason")."""
    from helpers import ROOT

    from streamhook_nb.widgets.audit_view import CHARTS

    text = " ".join((ROOT / "docs" / "notebooks.md").read_text(encoding="utf-8").split())
    said = text.split("The chart picker switches between", 1)[1].split(";", 1)[0]
    assert [name for name in CHARTS if name not in said] == []
