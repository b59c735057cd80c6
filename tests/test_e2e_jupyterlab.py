"""End to end in a real browser: JupyterLab runs notebook 04, a user types a URL into the widget,
previews, applies, and the (stand-in) Stream API receives the PATCH."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import CHROMIUM_ARGS, ROOT, chromium_path, jupyterlab

from streamhook_nb.samples.webhooks import DEMO_API_KEY, DEMO_SECRET
from streamhook_nb.webhook.standin import StandIn

ARTIFACTS = ROOT / "test-artifacts"
NOTEBOOK = "04-configure-webhook.ipynb"
NEW_URL = "https://e2e.example.com/webhooks/stream"
TOKEN = "e2e-token-not-secret"


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[str, StandIn]]:
    """JupyterLab on a copy of notebook 04, its kernel pointed at a stand-in of Stream's API."""
    (tmp_path / "notebooks").mkdir()
    tracker = tmp_path / "lab-settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    # Render every cell (JupyterLab 4 only renders the cells in view by default).
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, tmp_path / "notebooks" / NOTEBOOK)
    with StandIn(DEMO_API_KEY, DEMO_SECRET) as stand_in:
        env = {
            **os.environ,
            "STREAM_API_KEY": DEMO_API_KEY,
            "STREAM_API_SECRET": DEMO_SECRET,
            "STREAM_CHAT_URL": stand_in.url,
            "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
        }
        options = ("--ServerApp.disable_check_xsrf=True", "--LabApp.news_url=")
        with jupyterlab(tmp_path / "notebooks", tmp_path / "runtime", TOKEN, env, *options) as base:
            yield base, stand_in


@pytest.mark.timeout(300)
def test_configure_the_webhook_from_the_notebook_in_chromium(lab: tuple[str, StandIn]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, stand_in = lab
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={TOKEN}")
            expect(page.locator(".jp-Notebook")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=90_000)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.locator("li[data-command='runmenu:run-all']").click()
            url_field = page.get_by_placeholder("https://example.com/webhooks/stream")
            expect(url_field).to_be_visible(timeout=90_000)
            expect(url_field).to_have_value(
                "https://hooks.example.com/webhooks/stream", timeout=30_000
            )
            url_field.fill(NEW_URL)
            url_field.press("Enter")
            page.get_by_role("button", name="Preview").click()
            apply = page.get_by_role("button", name="Apply")
            expect(apply).to_be_enabled(timeout=30_000)
            expect(page.get_by_text("Press Apply to send it.")).to_be_visible(timeout=30_000)
            apply.click()
            expect(page.get_by_text("Applied. The previous settings are saved in")).to_be_visible(
                timeout=30_000
            )
            page.screenshot(path=str(ARTIFACTS / "configure-webhook.png"), full_page=False)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "configure-webhook-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    patches = [r for r in stand_in.requests if r.method == "PATCH"]
    assert len(patches) == 1
    hooks = patches[0].body["event_hooks"]
    assert hooks[0]["webhook_url"] == NEW_URL
    assert [h["hook_type"] for h in hooks] == ["webhook", "sqs", "sns", "pending_message"]
    assert stand_in.settings["event_hooks"][0]["webhook_url"] == NEW_URL
