"""The widgets in a real browser, the way people use them: JupyterLab in Chromium, the committed
notebooks, Run All (or Restart Kernel and Run All), then clicks, drags and selections. The
screenshots the README shows are taken on the way: into test-artifacts/, or into docs/images/
with ``UPDATE_SCREENSHOTS=1`` (``make screenshots``), so a test run leaves the tree clean."""

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

IMAGES = (
    ROOT / "docs" / "images" if os.environ.get("UPDATE_SCREENSHOTS") else ROOT / "test-artifacts"
)
ARTIFACTS = ROOT / "test-artifacts"
TOKEN = "e2e-widgets-token-not-secret"
NOTEBOOKS = ("03-audit-events.ipynb", "04-configure-webhook.ipynb", "05-capture-and-replay.ipynb")
STORY_DELIVERIES = 18656  # data/story, as notebook 03 loads it


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """JupyterLab (no Stream credentials: offline mode) on copies of the notebooks, next to a
    copy of data/ so that their relative paths hold."""
    root = tmp_path_factory.mktemp("lab")
    (root / "notebooks").mkdir()
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / name, root / "notebooks" / name)
    os.symlink(ROOT / "data", root / "data")
    tracker = root / "lab-settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    # Render every cell (JupyterLab 4 only renders the cells in view by default).
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"STREAM_API_KEY", "STREAM_API_SECRET", "STREAM_CHAT_URL"}
    }
    env["JUPYTERLAB_SETTINGS_DIR"] = str(root / "lab-settings")
    env["JUPYTER_DATA_DIR"] = str(root / "jupyter-data")  # its own trust database
    jupyter = str(Path(sys.executable).parent / "jupyter")
    for name in NOTEBOOKS:  # what `make lab` does: the project's notebooks are trusted
        subprocess.run([jupyter, "trust", name], cwd=root / "notebooks", env=env, check=True)
    options = ("--ServerApp.disable_check_xsrf=True", "--LabApp.news_url=")
    with jupyterlab(root / "notebooks", root / "runtime", TOKEN, env, *options) as base:
        yield base, root / "notebooks"


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1500})
    tab = context.new_page()
    failed_before = request.session.testsfailed
    try:
        yield tab
    finally:
        if request.session.testsfailed > failed_before:  # keep the evidence
            ARTIFACTS.mkdir(exist_ok=True)
            tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        context.close()


def _open(page: Any, base: str, notebook: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/lab/tree/{notebook}?token={TOKEN}&reset")
    expect(page.locator(".jp-Notebook")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=90_000)
    news = page.get_by_role("button", name="No", exact=True)  # "notified about Jupyter news?"
    if news.count():
        news.first.click()


def _menu(page: Any, menu: str, item: str) -> None:
    page.get_by_role("menuitem", name=menu, exact=True).click()
    page.get_by_role("menuitem", name=item).first.click()


def _output_of(page: Any, code: str) -> Any:
    """The output area of the code cell whose source contains ``code``."""
    cell = page.locator(".jp-CodeCell", has=page.locator(".jp-InputArea", has_text=code))
    return cell.locator(".jp-Cell-outputArea")


def _webhook_view_after_run_all(page: Any, base: str) -> tuple[Any, Any]:
    """Notebook 04 run in full, its kernel idle: the webhook widget and its URL box."""
    from playwright.sync_api import expect

    _open(page, base, NOTEBOOKS[1])
    _menu(page, "Run", "Run All Cells")
    view = _output_of(page, "shn.WebhookView(controller)")
    url_field = view.get_by_placeholder("https://example.com/webhooks/stream")
    expect(url_field).to_have_value("https://hooks.example.com/webhooks/stream", timeout=120_000)
    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=120_000)
    return view, url_field


def _picture(page: Any, element: Any, path: Path) -> None:
    """A screenshot of the element's top (at most one screen), for the README."""
    path.parent.mkdir(parents=True, exist_ok=True)
    element.evaluate("e => e.scrollIntoView({block: 'start'})")
    box = element.bounding_box()
    assert box is not None
    height = min(box["height"], page.viewport_size["height"] - box["y"])
    clip = {"x": box["x"], "y": box["y"], "width": box["width"], "height": height}
    page.screenshot(path=str(path), clip=clip)


def _status(view: Any) -> Any:
    return view.locator(".widget-label", has_text="deliveries match")


@pytest.mark.timeout(600)
def test_audit_view_after_restart_and_run_all(lab: tuple[str, Path], page: Any) -> None:
    """Restart Kernel and Run All, then drag the time slider (the chart must draw), select a
    type and deselect it (every row comes back), Reset, and Download CSV."""
    from playwright.sync_api import expect

    base, folder = lab
    _open(page, base, NOTEBOOKS[0])
    _menu(page, "Kernel", "Restart Kernel and Run All Cells…")
    page.locator(".jp-Dialog-button.jp-mod-accept").click()
    view = _output_of(page, "shn.AuditView(events)")
    everything = f"{STORY_DELIVERIES} of {STORY_DELIVERIES} deliveries match"
    expect(_status(view)).to_have_text(everything, timeout=240_000)
    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=240_000)
    chart = view.locator(".vega-embed")
    expect(chart).to_be_visible(timeout=30_000)

    # Drag the right handle of the time slider to the left: the chart redraws, not blank.
    handle = view.locator(".noUi-handle-upper")
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] - 400, box["y"] + box["height"] / 2, steps=12)
    page.mouse.up()
    expect(_status(view)).not_to_have_text(everything, timeout=60_000)
    expect(chart.locator("canvas, svg").first).to_be_visible(timeout=30_000)

    # Reset brings everything back, slider included.
    view.get_by_role("button", name="Reset").click()
    expect(_status(view)).to_have_text(everything, timeout=60_000)

    # Select one event type, then deselect it: every row comes back.
    types = view.locator("select").first
    types.select_option(["message.new"])
    expect(_status(view)).to_have_text(
        f"6813 of {STORY_DELIVERIES} deliveries match", timeout=60_000
    )
    types.select_option([])
    expect(_status(view)).to_have_text(everything, timeout=60_000)

    # Invalid deliveries, with their hints; the picture the README shows.
    verdicts = view.locator("select").nth(1)
    verdicts.select_option(["invalid"])
    expect(_status(view)).to_have_text(
        f"713 of {STORY_DELIVERIES} deliveries match", timeout=60_000
    )
    expect(view.get_by_text("Matching deliveries")).to_be_visible()
    expect(view.locator("td", has_text="re-serialized").first).to_be_visible(timeout=30_000)
    view.get_by_role("button", name="failures by reason").click()
    expect(chart.locator("canvas, svg").first).to_be_visible(timeout=30_000)
    _picture(page, view, IMAGES / "audit-view.png")

    # Download CSV writes every match next to the notebook and links it.
    view.get_by_role("button", name="Download CSV").click()
    link = view.locator("a[download]", has_text="audit-selection-")
    expect(link).to_be_visible(timeout=30_000)
    written = folder / (link.text_content() or "")
    assert written.is_file()
    assert written.read_text(encoding="utf-8").count("\n") == 713 + 1

    # The chart buttons show their whole names.
    for name in ("deliveries over time", "failures by reason"):
        button = view.get_by_role("button", name=name)
        assert button.evaluate("b => b.scrollWidth <= b.clientWidth"), f"{name!r} is cut"

    # Another selection: the link to the last selection's file goes.
    verdicts.select_option(["valid"])
    expect(_status(view)).to_have_text(
        f"17943 of {STORY_DELIVERIES} deliveries match", timeout=60_000
    )
    expect(link).to_have_count(0, timeout=30_000)


@pytest.mark.timeout(600)
def test_webhook_view_load_and_undo_after_run_all(lab: tuple[str, Path], page: Any) -> None:
    """Run All, then Load (the stand-in still answers) and Undo twice (no false claim)."""
    from playwright.sync_api import expect

    base, _ = lab
    view, url_field = _webhook_view_after_run_all(page, base)
    view.locator("button[title='Load']").click()
    expect(view.get_by_text("Loaded the settings of demo_api_key")).to_be_visible(timeout=30_000)
    expect(view.get_by_text("cannot reach")).to_have_count(0)
    view.locator("button[title='Undo']").click()
    expect(
        view.get_by_text("Nothing to undo: every change applied here was undone already.")
    ).to_be_visible(timeout=30_000)
    url_field.fill("https://e2e.example.com/webhooks/stream")
    url_field.press("Enter")
    view.locator("button[title='Preview']").click()
    apply = view.locator("button[title='Apply']")
    expect(apply).to_be_enabled(timeout=30_000)
    expect(view.get_by_text("Press Apply to send it.")).to_be_visible(timeout=30_000)
    _picture(page, view, IMAGES / "configure-webhook.png")  # the preview: the exact change
    apply.click()
    expect(view.get_by_text("Applied. The previous settings are saved in")).to_be_visible(
        timeout=30_000
    )
    view.locator("button[title='Undo']").click()
    expect(view.get_by_text("Restored the settings saved in")).to_be_visible(timeout=30_000)
    view.locator("button[title='Undo']").click()
    expect(
        view.get_by_text("Nothing to undo: every change applied here was undone already.")
    ).to_be_visible(timeout=30_000)
    expect(view.get_by_text("Restored the settings saved in")).to_have_count(0)


@pytest.mark.timeout(300)
def test_saved_widget_state_shows_widgets_before_running(lab: tuple[str, Path], page: Any) -> None:
    """A fresh open shows the saved widgets, not ``AuditView(children=...`` text."""
    from playwright.sync_api import expect

    base, _ = lab
    _open(page, base, NOTEBOOKS[2])
    view = _output_of(page, "LiveCountsView(receiver.log.path, ring)")
    expect(view.get_by_role("button", name="Refresh")).to_be_visible(timeout=60_000)
    expect(view.get_by_text("deliveries so far")).to_be_visible()
    assert "0 deliveries so far" not in (view.text_content() or "")  # counted after Run All
    expect(page.get_by_text("LiveCountsView ·")).to_have_count(0)  # not the text fallback


@pytest.mark.timeout(600)
def test_webhook_view_masks_a_token_and_forgets_a_refused_secret(
    lab: tuple[str, Path], page: Any
) -> None:
    """A token in a hook's URL appears nowhere on the page (the URL box shows it masked); a
    wrong typed secret is named as typed, and Load with the field empty works again."""
    from playwright.sync_api import expect

    from streamhook_nb.samples.webhooks import DEMO_API_KEY, DEMO_SECRET
    from streamhook_nb.verify.secrets import Secret
    from streamhook_nb.webhook.stream_api import AppSettingsClient

    token = "e2e-hook-token-7c1d"
    base, _ = lab
    view, url_field = _webhook_view_after_run_all(page, base)
    secret_field = view.get_by_placeholder("the demo stand-in secret")
    expect(secret_field).to_be_visible()
    stand_in_url = view.get_by_placeholder("https://chat.stream-io-api.com").input_value()
    api = AppSettingsClient(DEMO_API_KEY, Secret(DEMO_SECRET, "S"), stand_in_url)
    hooks = api.get()["event_hooks"]
    hooks[0]["webhook_url"] = f"https://hooks.example.com/stream?token={token}"
    api.update({"event_hooks": hooks})

    view.locator("button[title='Load']").click()
    expect(url_field).to_have_value("https://hooks.example.com/stream?token=***", timeout=30_000)
    expect(view.locator("select").first).to_contain_text("stream?token=***")
    assert token not in page.content()

    secret_field.fill("a-wrong-secret-that-is-long-enough-for-hs256")
    view.locator("button[title='Load']").click()
    expect(view.get_by_text("the API key and the API secret field")).to_be_visible(timeout=30_000)
    expect(view.locator("td", has_text="hook-sqs-1")).to_have_count(0)  # no stale table
    _picture(page, view, ARTIFACTS / "webhook-view-refused-secret.png")
    view.locator("button[title='Load']").click()
    expect(view.get_by_text("Loaded the settings of demo_api_key")).to_be_visible(timeout=30_000)

    url_field.fill("htp:/not a url")
    url_field.press("Enter")
    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=30_000)
    refused = view.get_by_text("'htp:/not a url' is not a valid webhook URL")
    for _ in range(3):  # a click that reached the kernel before the edit: press again
        view.locator("button[title='Send test event']").click()
        try:
            expect(refused).to_be_visible(timeout=30_000)
            break
        except AssertionError:
            continue
    expect(refused).to_be_visible()
    _picture(page, view, ARTIFACTS / "webhook-view-bad-url.png")
    assert token not in page.content()


@pytest.mark.timeout(300)
def test_live_counts_say_a_rejected_record_and_a_log_gone_whole(
    lab: tuple[str, Path], page: Any
) -> None:
    """Run All, then a damaged line reaches the log and the log is moved away: the view says
    both (the bad line listed with its file:line), its status line shown whole."""
    from playwright.sync_api import expect

    base, folder = lab
    _open(page, base, NOTEBOOKS[2])
    _menu(page, "Run", "Run All Cells")
    view = _output_of(page, "LiveCountsView(receiver.log.path, ring)")
    expect(view.get_by_text("169 deliveries so far", exact=True)).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=120_000)
    log = folder / "exports" / "captured.jsonl"
    with log.open("ab") as out:  # "follow" is ticked: the view reads it by itself
        out.write(b"{not json\n")
    expect(
        view.get_by_text("169 deliveries so far; 1 rejected record (listed below)")
    ).to_be_visible(timeout=30_000)
    expect(view.locator("td", has_text="exports/captured.jsonl:170")).to_be_visible()
    log.rename(log.with_name("captured.jsonl.1"))
    gone = view.get_by_text("exports/captured.jsonl is gone (moved, rotated or deleted)")
    expect(gone).to_be_visible(timeout=30_000)
    assert gone.evaluate("e => e.scrollWidth <= e.clientWidth"), "the status line is cut off"
    expect(view.locator("td", has_text="message.new")).to_be_visible()  # the last counts stay
    log.with_name("captured.jsonl.1").rename(log)


_OFF_THE_EDGE = """view => {
  const edge = view.closest('.jp-OutputArea-output').getBoundingClientRect().right;
  return [...view.querySelectorAll('input, select, button')]
    .filter(e => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > edge + 1)
    .map(e => e.placeholder || e.title || e.textContent.trim() || e.type);
}"""
"""The fields and buttons of a widget that run past the right edge of its output area."""


@pytest.mark.timeout(600)
def test_the_widgets_fit_a_1024_pixel_window(lab: tuple[str, Path], page: Any) -> None:
    """In a 1024-pixel window with the file browser open the webhook widget's secret field and
    URL boxes ran off the notebook's edge (to be scrolled to sideways): its rows wrap now."""
    page.set_viewport_size({"width": 1024, "height": 900})
    base, _ = lab
    view, _ = _webhook_view_after_run_all(page, base)
    assert view.locator(".widget-vbox").first.evaluate(_OFF_THE_EDGE) == []
