"""The committed notebooks' wide tables read whole in JupyterLab (Chromium, 1024 pixels wide,
the file browser open): no column is cut at the output's right edge nor a value shortened with
"...", and notebook 03 links the report it writes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT, jupyterlab

TOKEN = "e2e-tables-token-not-secret"
TABLES = {
    "00-quickstart.ipynb": ("inventory = shn.inventory", "deliveries = result.deliveries"),
    "02-validate-a-batch.ipynb": ("timeline = shn.incident_timeline", "failing = shn.failures"),
    "03-audit-events.ipynb": (
        'shown = ["received_at"',  # 36-character webhook ids ran 380 pixels over
        "unique = shn.dedupe(events)",
        "tables.by_type(events)",  # pandas' own table ran 11 pixels over
        "tables.lag_percentiles(events)",
    ),
    "06-audit-a-month-on-a-cluster.ipynb": ("shd.rejected(LOG)",),
}
"""The cells (by a piece of their code) whose tables were cut, per notebook."""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab on copies of the notebooks (trusted, as `make lab` does), nothing run."""
    root = tmp_path_factory.mktemp("lab")
    (root / "notebooks").mkdir()
    names = list(TABLES)
    for name in names:
        shutil.copy(ROOT / "notebooks" / name, root / "notebooks" / name)
    tracker = root / "lab-settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    env = dict(os.environ)
    env["JUPYTERLAB_SETTINGS_DIR"] = str(root / "lab-settings")
    env["JUPYTER_DATA_DIR"] = str(root / "jupyter-data")
    jupyter = str(Path(sys.executable).parent / "jupyter")
    subprocess.run([jupyter, "trust", *names], cwd=root / "notebooks", env=env, check=True)
    options = ("--ServerApp.disable_check_xsrf=True", "--LabApp.news_url=")
    with jupyterlab(root / "notebooks", root / "runtime", TOKEN, env, *options) as base:
        yield base


def _open(browser: Any, base: str, notebook: str) -> Any:
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
    page.goto(f"{base}/lab/tree/{notebook}?token={TOKEN}&reset")
    expect(page.locator(".jp-Notebook")).to_be_visible(timeout=60_000)
    expect(page.locator(".jp-FileBrowser")).to_be_visible()  # the narrow notebook column
    return page


def _output(page: Any, code: str) -> Any:
    cell = page.locator(".jp-CodeCell", has=page.locator(".jp-InputArea", has_text=code))
    return cell.locator(".jp-OutputArea-output").first


@pytest.mark.timeout(300)
@pytest.mark.parametrize("notebook", sorted(TABLES))
def test_tables_fit_the_output_area(lab: str, browser: Any, notebook: str) -> None:
    page = _open(browser, lab, notebook)
    try:
        for code in TABLES[notebook]:
            output = _output(page, code)
            output.locator("table").wait_for(timeout=60_000)
            scroll, width = output.evaluate("e => [e.scrollWidth, e.clientWidth]")
            assert scroll <= width, f"{notebook}: the table of `{code}` is cut ({scroll} > {width})"
            assert "..." not in output.inner_text(), f"{notebook}: `{code}` shortens a value"
    finally:
        page.context.close()


@pytest.mark.timeout(300)
def test_the_report_cell_links_its_files_next_to_the_notebook(lab: str, browser: Any) -> None:
    page = _open(browser, lab, "03-audit-events.ipynb")
    try:
        links = _output(page, "build_report").locator("a[download]")
        links.first.wait_for(timeout=60_000)
        hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
        # JupyterLab resolves them to files next to the notebook
        assert [href.split("?")[0].split("/files/")[-1] for href in hrefs] == [
            "exports/audit.html",
            "exports/failures.html",
        ]
        assert links.all_inner_texts() == ["exports/audit.html", "exports/failures.html"]
    finally:
        page.context.close()
