"""Notebook 04 run with credentials (here, those of a stand-in of Stream's API): its steps talk
to that API and to a local endpoint only, and change nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from helpers import ROOT, cell_text
from nbclient import NotebookClient

from streamhook_nb.samples.webhooks import DEMO_API_KEY, DEMO_SECRET
from streamhook_nb.webhook.standin import StandIn

NOTEBOOK = "04-configure-webhook.ipynb"


@pytest.mark.timeout(300)
def test_with_credentials_the_steps_send_test_events_to_no_outside_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With credentials set, Run All checked https://example.com/webhooks/stream and sent it a
    test event signed with the app's secret: a stranger's endpoint got a signed request."""
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, tmp_path / NOTEBOOK)
    notebook = nbformat.read(tmp_path / NOTEBOOK, as_version=4)
    with StandIn(DEMO_API_KEY, DEMO_SECRET) as stand_in:
        monkeypatch.setenv("STREAM_API_KEY", DEMO_API_KEY)
        monkeypatch.setenv("STREAM_API_SECRET", DEMO_SECRET)
        monkeypatch.setenv("STREAM_CHAT_URL", stand_in.url)
        NotebookClient(
            notebook, timeout=120, resources={"metadata": {"path": str(tmp_path)}}
        ).execute()
        patches = [r for r in stand_in.requests if r.method == "PATCH"]
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    said = "\n".join(cell_text(cell) for cell in code)
    assert "Talking to Stream's API at http://127.0.0.1:" in said
    checked = next(cell_text(c) for c in code if "controller.check(url)" in c.source)
    assert "valid URL: http://127.0.0.1:" in checked, checked
    assert "example.com" not in checked
    sent = next(cell_text(c) for c in code if "controller.send_test" in c.source)
    assert sent == "(200, 'ok')"
    assert patches == []  # Apply and Undo run against the notebook's own stand-in only
