"""The HTML report: standalone, complete, secret-free, and it renders in a real browser."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from helpers import CHROMIUM_ARGS, ROOT, chromium_path

from streamhook_nb import build_report, events_frame, keyring, load_log, verify_deliveries
from streamhook_nb.sample_data import DEMO_SECRET, SECOND_SECRET

ARTIFACTS = ROOT / "test-artifacts"


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
def data_dir_module() -> Path:
    from helpers import DATA

    return DATA


def test_report_is_standalone_and_complete(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<table") == 10
    assert page.count('src="data:image/png;base64,') == 3
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page
    for heading in (
        "Signature verdicts",
        "Event types",
        "Retries and duplicates",
        "Gaps longer than 15min",
        "Rejected records",
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


def test_report_renders_in_chromium(page: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    target = tmp_path / "report.html"
    target.write_text(page, encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1200, "height": 900})
            tab.goto(target.as_uri())
            assert tab.title() == "Stream webhook audit"
            assert tab.locator("table").count() == 10
            images = tab.locator("img")
            assert images.count() == 3
            widths = images.evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth)")
            assert all(w and w > 100 for w in widths)
            assert tab.locator(".card.invalid b").first.inner_text() == "5"
            tab.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        finally:
            browser.close()
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamhook_nb", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


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
    html = out.read_text()
    assert html.count("<table") == 10
    assert DEMO_SECRET not in html
    bad = _cli(
        "report", str(data_dir_module / "ngrok"), "-o", str(tmp_path / "missing-dir" / "x.html")
    )
    assert bad.returncode == 2
    assert "cannot write" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_lag_table_has_all_row(page: str) -> None:
    assert "<th>(all)</th>" in page
