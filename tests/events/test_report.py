"""The HTML report: standalone, complete, secret-free, and it renders in a real browser."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pandas as pd
import pytest
from helpers import ROOT, offline_page, run_cli

from streamhook_nb import build_report, events_frame, keyring, load_log, verify_deliveries
from streamhook_nb.events import vega_scripts
from streamhook_nb.samples.webhooks import DEMO_SECRET, SECOND_SECRET
from streamhook_nb.verify.secrets import Keyring, Secret

ARTIFACTS = ROOT / "test-artifacts"
WriteFile = Callable[[str, bytes], Path]


@pytest.fixture(scope="module")
def page(data_dir_module: Path) -> str:
    loaded = load_log(data_dir_module)
    verified = verify_deliveries(
        loaded.deliveries, keyring(secrets_file=data_dir_module / "demo-secrets.toml")
    )
    return build_report(
        events_frame(verified),
        sources=[str(data_dir_module)],
        rejected=loaded.rejected,
        now=datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
    )


@pytest.fixture(scope="module")
def data_dir_module(tour_dir: Path) -> Path:
    return tour_dir


def test_report_is_standalone_and_complete(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    body = page.split("</head>", 1)[1]  # the inline Vega bundle has "<table" in its strings
    assert body.count("<table") == 11
    assert not re.search(r'(src|href)="(https?:)?//', page)
    for heading in (
        "Signature verdicts",
        "Event types",
        "Retries and duplicates",
        "Gaps longer than 15min",
        "Rejected records",
        "Incident timeline",
        "Failed deliveries",
    ):
        assert heading in page
    assert "made 2026-11-27 09:00 UTC" in page
    assert "order.shipped" in page


def test_report_has_no_secret(page: str) -> None:
    assert DEMO_SECRET not in page
    assert SECOND_SECRET not in page


def test_report_escapes_hostile_values(tmp_path: Path) -> None:
    from helpers import capture_line

    hostile = b'{"type":"<script>alert(1)</script>","cid":"a:<img src=x>"}'
    log = tmp_path / "h.jsonl"
    log.write_bytes(capture_line(hostile))
    html = build_report(events_frame(load_log(log).deliveries))
    assert "<script>alert" not in html
    assert "<img src=x>" not in html


CHARTS = ("failures", "deliveries", "heatmap", "verdicts", "lag")
"""The tour report's interactive charts (``#chart-<name>``); the story week adds incidents."""


def test_report_inlines_vega_once_and_loads_nothing(page: str) -> None:
    body = page.split("</head>", 1)[1]
    assert not re.search(r"<script[^>]*\bsrc=", page)  # no script from anywhere
    assert not re.search(r"<(link|img|iframe)\b", body)
    assert page.count(f'<script id="{vega_scripts.SCRIPT_ID}">') == 1
    assert page.count(vega_scripts.bundle()) == 1
    assert page.index(vega_scripts.bundle()) < page.index("</head>")
    for name in CHARTS:
        assert page.count(f'<div class="chart" id="chart-{name}">') == 1
    assert body.count("<script>if (window.vegaEmbed) vegaEmbed(") == len(CHARTS)
    assert page.count("<noscript>") == len(CHARTS)  # a sentence when JavaScript is off
    assert len(page.encode()) < 1_500_000  # the bundle is about 0.9 MB of it


def test_report_renders_in_chromium(page: str, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text(page, encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    requests: list[str] = []
    console: list[str] = []
    with offline_page(target, requests, console) as tab:
        assert tab.title() == "Stream webhook audit"
        assert tab.locator("table").count() == 11
        ids = tab.locator(".chart").evaluate_all("charts => charts.map(c => c.id)")
        assert ids == [f"chart-{name}" for name in CHARTS]
        assert tab.locator(".chart svg.marks").count() == len(CHARTS)
        assert tab.locator(".card.invalid b").first.inner_text() == "5"
        tab.locator("#chart-verdicts .mark-rect path").first.hover()
        tooltip = tab.locator("#vg-tooltip-element.visible")
        tooltip.wait_for()
        assert "verdict" in tooltip.inner_text()
        assert "deliveries" in tooltip.inner_text()
        tab.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert requests == []  # nothing was even asked of the network
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
    # Vega warns in the console about a spec it has to guess at ("Conflicting scale property")
    assert [line for line in console if line.startswith(("warning", "error"))] == []


def test_hostile_event_types_cannot_break_out_of_a_chart(tmp_path: Path) -> None:
    """A payload's strings reach the charts' inline JSON: none can end the <script> element,
    open an HTML comment in it, or run; the charts still draw."""
    from helpers import capture_line

    hostile = (
        "<!--<script>",
        "</script><script>window.pwned=1</script>",
        "</SCRIPT ><img src=x onerror=window.pwned=1>",
    )
    lines = b"".join(
        capture_line(orjson.dumps({"type": kind, "created_at": "2026-11-26T09:59:59Z"}))
        for kind in hostile
    )
    log = tmp_path / "h.jsonl"
    log.write_bytes(lines)
    page = build_report(events_frame(load_log(log).deliveries))
    target = tmp_path / "hostile.html"
    target.write_text(page, encoding="utf-8")
    with offline_page(target, []) as tab:
        assert tab.locator(".chart svg.marks").count() == tab.locator(".chart").count() >= 3
        assert tab.evaluate("window.pwned") is None
        assert tab.locator("img").count() == 0
        labels = tab.locator("#chart-verdicts svg.marks").text_content() or ""
        assert "<!--<script>" in labels  # drawn as text


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env)


def test_events_command_json(data_dir_module: Path) -> None:
    from audit_reference import by_type

    secrets = str(data_dir_module / "demo-secrets.toml")
    done = _cli("events", str(data_dir_module), "--secrets-file", secrets, "--json")
    assert done.returncode == 1  # some deliveries are invalid, some records rejected
    report = orjson.loads(done.stdout)
    loaded = load_log(data_dir_module)
    verified = verify_deliveries(loaded.deliveries, keyring(secrets_file=secrets))
    assert report["deliveries"] == 228
    assert report["events"] == 221
    assert report["event_types"] == by_type(verified)
    assert report["event_types"]["(unknown)"]["unverifiable"] == 2


def test_events_without_any_secret(data_dir_module: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAM_")}
    done = _cli("events", str(data_dir_module / "ngrok"), "--json", env=env)
    assert done.returncode == 0
    assert "every delivery is counted as unverifiable" in done.stderr
    counts = orjson.loads(done.stdout)["event_types"]
    assert {c["valid"] for c in counts.values()} == {0}
    assert sum(c["unverifiable"] for c in counts.values()) == 5


def test_report_command(data_dir_module: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.html"
    done = _cli(
        "report",
        str(data_dir_module),
        "--secrets-file",
        str(data_dir_module / "demo-secrets.toml"),
        "-o",
        str(out),
    )
    assert done.returncode == 1
    assert "wrote" in done.stderr
    assert "exit status 1: 5 deliveries are invalid (" in done.stderr
    assert "6 records could not be read: see the report's 'Rejected records'" in done.stderr
    html = out.read_text()
    assert html.split("</head>", 1)[1].count("<table") == 11
    assert html.count(f'<script id="{vega_scripts.SCRIPT_ID}">') == 1
    assert not re.search(r"<script[^>]*\bsrc=", html)
    assert DEMO_SECRET not in html
    bad = _cli(
        "report", str(data_dir_module / "ngrok"), "-o", str(tmp_path / "missing-dir" / "x.html")
    )
    assert bad.returncode == 2
    assert "cannot write" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_lag_table_has_all_row(page: str) -> None:
    assert "<th>(all)</th>" in page


def test_lag_section_names_one_unit(page: str) -> None:
    """The lag table and chart are both in milliseconds; no heading says otherwise."""
    section = page[page.index("<h2>Delivery lag") : page.index("<h2>Gaps longer")]
    assert "<th>p50 (ms)</th>" in section
    assert "seconds" not in section


def test_report_lists_each_failed_delivery_with_its_hint(page: str, data_dir_module: Path) -> None:
    section = page[page.index("<h2>Failed deliveries</h2>") : page.index("<h2>Deliveries over")]
    log = f"{data_dir_module}/capture/stream-2026-11-26.jsonl"
    assert section.count(f"<td>{log}:") == 5  # tampered, 2 re-serialized, no / bad signature
    for reason in ("signature_mismatch", "body_reserialized", "missing_signature"):
        assert f"<td>{reason}</td>" in section
    assert "verify the raw request bytes, not a re-encoded JSON object." in section  # whole hint
    assert "more (the first" not in section


def test_failures_past_the_first_n_are_counted(write_file: WriteFile) -> None:
    from helpers import capture_line

    lines = b"".join(capture_line(b'{"type":"message.new","n":%d}' % n) for n in range(7))
    log = write_file("seven.jsonl", lines)
    ring = Keyring((Secret(DEMO_SECRET, "DEMO"),))
    events = events_frame(verify_deliveries(load_log(log).deliveries, ring))
    html = build_report(events, failures_shown=3)
    section = html[html.index("<h2>Failed deliveries</h2>") : html.index("<h2>Deliveries over")]
    assert section.count("<td>signature_mismatch</td>") == 3
    assert "... and 4 more (the first 3 of 7 are shown" in section


def test_deliveries_without_a_time_are_said_to_be_off_the_timeline(write_file: WriteFile) -> None:
    from helpers import capture_line

    lines = capture_line() + capture_line(received_at=None) + capture_line(received_at=None)
    html = build_report(events_frame(load_log(write_file("t.jsonl", lines)).deliveries))
    assert "2 deliveries without a receive time are not on the timeline" in html


def test_report_without_verdicts_says_so(write_file: WriteFile) -> None:
    from helpers import capture_line

    log = write_file("one.jsonl", capture_line())
    html = build_report(events_frame(load_log(log).deliveries))
    assert "The deliveries were not verified." in html
    assert "No incident" in html


def test_story_report_has_the_incident_timeline() -> None:
    from helpers import DATA

    from streamhook_nb import audit

    story = DATA / "story"
    result = audit(story, keyring(secrets_file=story / "secrets.toml"), keep_deliveries=False)
    html = build_report(result.events)
    section = html[html.index("<h2>Incident timeline") : html.index("<h2>Failed deliveries")]
    assert section.count('<div class="chart" id="chart-incidents">') == 1
    for what in (
        "retries",
        "failures: body_reserialized",
        "endpoint: endpoint_rejected",
        "change: secret_changed",
        "change: gzip_on",
        "failures: unknown_app",
    ):
        assert f"<td>{what}</td>" in section
    nw = '<span class="nw">'
    # each part whole: Chromium broke "2026-11-17" after a hyphen in a narrow column
    assert f"<td>{nw}Tue 2026-11-17</span> {nw}14:05:09</span> to {nw}14:35:05</span></td>" in (
        section
    )
    assert "demo_staging_app" in section
    assert "... and 663 more (the first 50 of 713 are shown" in html


def test_story_report_fits_a_1024_pixel_window(tmp_path: Path) -> None:
    """At 1024 pixels the incident table ran 64 pixels past the window (its hint column
    wanted 22rem) and the page's text touched the window's edges."""
    from helpers import DATA

    from streamhook_nb import audit

    story = DATA / "story"
    result = audit(story, keyring(secrets_file=story / "secrets.toml"), keep_deliveries=False)
    target = tmp_path / "story.html"
    target.write_text(build_report(result.events), encoding="utf-8")
    with offline_page(target, []) as tab:
        tab.set_viewport_size({"width": 1024, "height": 800})
        tab.wait_for_timeout(300)
        width = tab.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], width
        assert tab.evaluate("document.querySelector('h1').getBoundingClientRect().left") >= 8


def test_incident_table_escapes_what_the_log_holds() -> None:
    """The incident table's HTML is built by hand (its times keep their parts whole): an
    X-Api-Key or an event type from the log is escaped, a missing one is "-"."""
    from streamhook_nb.events.incidents import INCIDENT_COLUMNS
    from streamhook_nb.events.report import _incidents_table

    at = pd.Timestamp("2026-11-19T09:30Z")
    found = pd.DataFrame(
        {
            "start": [at],
            "end": [at + pd.Timedelta("1D")],
            "kind": ["failures"],
            "reason": ["unknown_app"],
            "api_key": [None],
            "deliveries": [3],
            "events": [3],
            "event_types": ["<img src=x onerror=alert(1)> 3"],
            "hint": ["Map </td><script>alert(1)</script> to its secret."],
        },
        index=[7],
    ).astype(INCIDENT_COLUMNS)
    table = _incidents_table(found)
    assert "<img" not in table
    assert "<script" not in table
    assert "&lt;img src=x onerror=alert(1)&gt; 3" in table
    assert "<td>-</td>" in table  # no api_key
    assert '<span class="nw">Fri 2026-11-20</span>' in table  # another day: its date
