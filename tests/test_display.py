"""Rich display: green/red tables, whole hints, durations in ms / s, never a secret."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers import DATA

from streamhook_nb import Keyring, Secret, judge, keyring, load_log, summary, verify_deliveries
from streamhook_nb.display import (
    BAD,
    GOOD,
    NEUTRAL,
    Summary,
    breakable,
    cell_text,
    duration,
    frame_html,
    summary_html,
    table,
)
from streamhook_nb.verify.reasons import HINTS, Reason
from streamhook_nb.verify.verdict import Verdict

SECRET_VALUE = "a-secret-value-that-must-never-show"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (pd.Timedelta("00:00:00.875999877"), "876 ms"),
        (pd.Timedelta(seconds=3.24), "3.2 s"),
        (pd.Timedelta(seconds=245), "4 min 05 s"),
        (pd.Timedelta(hours=2, minutes=3), "2 h 03 min"),
        (pd.Timedelta(milliseconds=-40), "-40 ms"),
        (pd.NaT, "-"),
        (None, "-"),
        (1.5, "1.5 s"),
    ],
)
def test_durations_for_people(value: object, text: str) -> None:
    assert duration(value) == text  # type: ignore[arg-type]


def test_cells() -> None:
    assert cell_text(pd.Timedelta("00:00:00.875999877")) == "876 ms"
    assert cell_text(pd.Timestamp("2026-11-26T10:00:00.5Z")) == "2026-11-26 10:00:00 UTC"
    assert cell_text(pd.NA) == "-"
    assert cell_text(["a", "b"]) == "['a', 'b']"


def test_verify_summary_is_a_dict_with_a_green_red_table(tour_dir: Path) -> None:
    loaded = load_log(tour_dir)
    verified = verify_deliveries(
        loaded.deliveries, keyring(secrets_file=tour_dir / "demo-secrets.toml")
    )
    report = summary(verified, rejected=len(loaded.rejected))
    assert isinstance(report, Summary)
    assert isinstance(report, dict)
    assert report["invalid"] == 5
    assert json.loads(json.dumps(report))["reasons"] == report["reasons"]
    page = report._repr_html_()
    assert f'color:{GOOD};font-weight:600">{report["valid"]}<' in page
    assert f'color:{BAD};font-weight:600">5<' in page
    assert "<code>body_reserialized</code>" in page


def test_verdict_shows_the_whole_hint_wrapped() -> None:
    verdict = Verdict(Reason.BODY_RESERIALIZED, None)
    page = verdict._repr_html_()
    assert HINTS[Reason.BODY_RESERIALIZED] in page.replace("&#x27;", "'").replace("&quot;", '"')
    assert "white-space:normal" in page
    assert f"color:{BAD}" in page
    ok = judge(b"{}", None, None, "sqs", "exact", Keyring((Secret(SECRET_VALUE, "ENV_NAME"),)))
    assert "unverifiable" in ok._repr_html_()


def test_keyring_shows_labels_never_values() -> None:
    ring = Keyring(
        (Secret(SECRET_VALUE, "STREAM_API_SECRET"),),
        {"app_b": (Secret(SECRET_VALUE + "-b", "secrets.toml: app_b"),)},
    )
    page = ring._repr_html_()
    assert "STREAM_API_SECRET" in page
    assert "X-Api-Key app_b" in page
    assert SECRET_VALUE not in page


def test_load_result_names_rejected_records() -> None:
    result = load_log(DATA / "capture" / "damaged.jsonl")
    page = result._repr_html_()
    assert f'color:{BAD};font-weight:600">{len(result.rejected)}<' in page
    first = result.rejected.iloc[0]
    assert str(first["source"]) in page


def test_frame_html_is_deterministic_and_wraps() -> None:
    frame = pd.DataFrame({"hint": ["x" * 300], "lag": [pd.Timedelta("875ms")]})
    page = frame_html(frame)
    assert page == frame_html(frame)
    assert "x" * 300 in page  # whole, not cut at 90 characters
    assert "875 ms" in page
    assert "text-align:left" in page


def test_frame_html_breaks_an_id_only_after_its_separators() -> None:
    """A 36-character webhook id was one unbreakable line, and a path broke anywhere
    ("../data/story/s" "tream-2026-"): a table of them ran past a 1024-pixel notebook's
    column. Both may break only after a separator, marked ``<wbr>`` (no character added)."""
    webhook_id = "e8a8529f-035e-4a25-9b08-923d10c67fd9"
    path = "../data/capture/stream-2026-11-26.jsonl:123"
    page = frame_html(pd.DataFrame({"webhook_id": [webhook_id], "source": [path]}))
    cells = {
        re.sub("<wbr>", "", t): (s, t)
        for s, t in re.findall(r'<td style="([^"]*)">(.*?)</td>', page)
    }
    style, shown = cells[webhook_id]
    assert shown == "e8a8529f-<wbr>035e-<wbr>4a25-<wbr>9b08-<wbr>923d10c67fd9"
    assert "nowrap" not in style
    assert "anywhere" not in style
    style, shown = cells[path]
    assert shown.split("<wbr>") == [
        "../",
        "data/",
        "capture/",
        "stream-",
        "2026-",
        "11-",
        "26.",
        "jsonl:",
        "123",
    ]
    assert "anywhere" not in style
    assert breakable("message.new") == "message.new"  # short: whole, no break marks
    assert breakable("a<b>&c.example.com") == "a&lt;b&gt;&amp;c.<wbr>example.<wbr>com"
    signature = "ab" * 32  # no separator: it may break anywhere, else it alone sets the width
    assert (
        "overflow-wrap:anywhere"
        in re.findall(r'<td style="([^"]*)">', frame_html(pd.DataFrame({"s": [signature]})))[0]
    )


def test_frame_html_right_aligns_numbers() -> None:
    page = frame_html(
        pd.DataFrame({"event_type": ["message.new"], "deliveries": [6813], "rate": [0.5]})
    )
    heads = re.findall(r'<th style="([^"]*)">', page)
    cells = re.findall(r'<td style="([^"]*)">', page)
    assert ["text-align:right" in s for s in heads] == [False, True, True]
    assert ["text-align:right" in s for s in cells] == [False, True, True]


def test_a_table_without_rows_says_so_in_words() -> None:
    """An empty frame showed a bare header (HTML) and ``Empty DataFrame`` (text); it shows the
    sentence given for it, or a plain one."""
    empty = pd.DataFrame(columns=["start", "end", "duration"])
    shown = table(empty, empty="No gap longer than 15min.")
    assert shown._repr_html_() == f'<p style="color:{NEUTRAL}">No gap longer than 15min.</p>'
    assert repr(shown) == "No gap longer than 15min."
    assert repr(table(empty)) == "No rows."
    assert "<th" in table(pd.DataFrame({"start": [1]}))._repr_html_()


def test_a_cross_tabulation_keeps_its_rows_and_column_levels() -> None:
    """``shn.table`` dropped the index: a cross-tabulation lost its row labels. With
    ``index=True`` it shows as pandas shows it, and an empty one as the sentence."""
    frame = pd.DataFrame(
        {"day": ["Mon", "Mon", "Tue"], "secret": ["a", "b", "a"], "status": [200, 401, 200]}
    )
    crossed = pd.crosstab(frame["day"], [frame["secret"], frame["status"]])
    shown = table(crossed, index=True)
    assert repr(shown) == repr(crossed)
    assert shown._repr_html_() == crossed._repr_html_()
    assert ">Mon<" in str(shown._repr_html_())
    assert ">status<" in str(shown._repr_html_())
    empty = table(crossed.iloc[:0], index=True, empty="None.")
    assert (repr(empty), empty._repr_html_()) == ("None.", f'<p style="color:{NEUTRAL}">None.</p>')


def test_frame_html_lets_a_time_break_after_its_date_only() -> None:
    """A table of times ran past a 1024-pixel notebook's column: each time was one unbreakable
    line. It may break after the date; the date, and the time with its zone, stay whole."""
    at = pd.Timestamp("2026-11-19T09:31:40Z")
    page = frame_html(pd.DataFrame({"start": [at], "kind": ["endpoint"]}))
    start, kind = re.findall(r'<td style="([^"]*)">(.*?)</td>', page)
    assert "nowrap" not in start[0]
    nowrap = '<span style="white-space:nowrap">'
    # the date whole too: Chromium breaks "2026-11-19" after a hyphen
    assert start[1] == f"{nowrap}2026-11-19</span> {nowrap}09:31:40 UTC</span>"
    assert "anywhere" not in kind[0]  # a word without a separator never breaks
    assert kind[1] == "endpoint"
    missing = frame_html(pd.DataFrame({"start": [pd.NaT], "kind": ["x"]}))
    assert re.findall(r'<td style="[^"]*">(.*?)</td>', missing)[0] == "-"


def test_verdict_colours_follow_the_notebook_theme() -> None:
    """Fixed dark green and red read at a contrast of about 3 on JupyterLab's dark theme:
    the colours are the theme's own, with a fixed fallback outside JupyterLab."""
    for colour, variable in ((GOOD, "success"), (BAD, "error"), (NEUTRAL, "ui-font")):
        assert re.fullmatch(rf"var\(--jp-{variable}-color[12], #[0-9a-f]{{6}}\)", colour)
    page = summary_html({"deliveries": 2, "valid": 1, "invalid": 1, "reasons": {"ok": 1}})
    assert "color:var(--jp-error-color1, #c62828);font-weight:600" in page


def test_frame_html_wraps_a_list_between_its_items() -> None:
    """A hook's event types ("message.new, message.updated") were one unbreakable line that
    pushed the hook's target past the notebook's edge."""
    page = frame_html(
        pd.DataFrame({"events": ["message.new, message.updated"], "lag": [pd.Timedelta("4min 5s")]})
    )
    (events, _), (lag, _) = re.findall(r'<td style="([^"]*)">(.*?)</td>', page)
    assert "white-space:normal" in events
    assert "anywhere" not in events  # between the items, not inside a name
    assert "white-space:nowrap" in lag  # "4 min 05 s" stays whole


NOTEBOOK_COLUMN_PX = 572
"""The room for a table in a notebook output at 1024 pixels with JupyterLab's file browser
open: the output is 592 pixels wide, less the 20 of its right padding."""
LAB_FONT = (
    "font-size:14px;font-family:system-ui,-apple-system,blinkmacsystemfont,'Segoe UI',"
    "helvetica,arial,sans-serif"
)
"""JupyterLab's font for rendered HTML outputs."""


WEBHOOK_ID = "e8a8529f-035e-4a25-9b08-923d10c67fd9"


def _narrow_tables() -> dict[str, pd.DataFrame]:
    """Tables the notebooks show, as wide as their data makes them."""
    at = pd.Timestamp("2026-11-19T09:31:40Z")
    hint = HINTS[Reason.BODY_RESERIALIZED] + " " + HINTS[Reason.SECRET_WHITESPACE]
    return {
        "incidents": pd.DataFrame(
            {
                "start": [at, at],
                "lasted": pd.to_timedelta(["59min 20s", "37min 43s"]),
                "reason": ["body_reserialized", "endpoint_rejected"],
                "deliveries": [191, 122],
                "hint": [hint, hint],
            }
        ),
        "failures": pd.DataFrame(
            {
                "reason": ["missing_signature"],
                "deliveries": [24],
                "first": [at],
                "last": [at],
                "what_to_do": [hint],
            }
        ),
        "events": pd.DataFrame(  # notebook 03's first table
            {
                "received_at": [at, at],
                "event_type": ["user.unread_message_reminder", "message.updated"],
                "cid": ["messaging:general-0", "livestream:launch-3"],
                "user_id": ["tommaso-175", "user_67890"],
                "webhook_id": [WEBHOOK_ID, WEBHOOK_ID],
                "reason": ["body_reserialized", "ok"],
            }
        ),
        "retried events": pd.DataFrame(  # notebook 03's dedupe table
            {
                "received_at": [at],
                "event_type": ["user.unread_message_reminder"],
                "webhook_id": [WEBHOOK_ID],
                "attempts": [3],
                "any_valid": [True],
            }
        ),
        "matching deliveries": pd.DataFrame(  # the AuditView's list
            {
                "source": ["../data/story/stream-2026-11-16.jsonl.gz:12345"] * 2,
                "received_at": [at, at],
                "event_type": ["user.unread_message_reminder", "message.new"],
                "verdict": ["invalid", "unverifiable"],
                "reason": ["body_reserialized", "ok"],
                "hint": [hint, "The signature matches the exact body."],
            }
        ),
        "inventory": pd.DataFrame(  # notebook 00's: six counts beside the paths
            {
                "source": [
                    "../data/capture/stream-2026-11-26.jsonl",
                    "../data/sns/notification.json",
                    "../data/webhook-site/webhook-site-export.json",
                ],
                "format": ["capture-jsonl", "sns", "capture-jsonl, har"],
                **{
                    n: [3077, 0, 1]
                    for n in ("deliveries", "rejected", "exact", "decoded", "truncated", "missing")
                },
            }
        ),
        "counts by type": pd.DataFrame(  # tables.by_type, reset_index
            {
                "event_type": ["user.unread_message_reminder"],
                **{
                    n: [18656] for n in ("deliveries", "events", "valid", "invalid", "unverifiable")
                },
            }
        ),
        "hooks": pd.DataFrame(
            {
                "id": ["hook-webhook-1", "hook-sqs-1"],
                "type": ["webhook", "pending_message"],
                "enabled": [True, False],
                "events": ["message.new, message.updated, reaction.new", "all"],
                "target": [
                    "https://hooks.example.com/webhooks/stream",
                    "https://sqs.us-east-1.amazonaws.com/123456789012/stream-events",
                ],
            }
        ),
    }


def test_tables_fit_a_notebook_column_at_1024_pixels(browser: Any) -> None:
    """Drawn in Chromium, no such table runs past the column: times break after the date,
    lists between items, hints and URLs over more lines, identifiers after a separator
    (webhook ids, the AuditView's paths and event types ran 19 to 380 pixels over)."""
    page = browser.new_page()
    try:
        for name, frame in _narrow_tables().items():
            page.set_content(
                f'<div id="out" style="width:{NOTEBOOK_COLUMN_PX}px;{LAB_FONT}">'
                f"{frame_html(frame)}</div>"
            )
            width = page.evaluate("document.querySelector('#out table').scrollWidth")
            assert width <= NOTEBOOK_COLUMN_PX, (name, width)
    finally:
        page.close()


def test_a_table_with_room_keeps_its_urls_whole(browser: Any) -> None:
    """Capped at 60em, the hooks table broke "https://hooks.example.com/webhooks/stream" inside
    a word in a wide notebook, which had room for it."""
    hooks = _narrow_tables()["hooks"]
    hooks["events"] = ["message.new, message.updated", "all"]  # notebook 04's demo app
    page = browser.new_page()
    try:
        page.set_content(f'<div id="out" style="width:1200px;{LAB_FONT}">{frame_html(hooks)}</div>')
        lines = page.evaluate(
            "[...document.querySelectorAll('#out tbody tr td:last-child')]"
            ".map(td => Math.round(td.getBoundingClientRect().height / 18.6))"
        )
        assert lines == [1, 1]
    finally:
        page.close()


def test_table_rules_follow_the_notebook_theme() -> None:
    """A fixed #ddd drew glaring white rules on JupyterLab's dark theme."""
    page = frame_html(pd.DataFrame({"reason": ["ok"]}))
    assert "border:1px solid var(--jp-border-color2, #ddd)" in page
    assert "solid #ddd" not in page
