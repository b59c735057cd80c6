"""`make lab`'s server: JupyterLab starts on notebooks/ and lists the notebooks."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from helpers import ROOT, jupyterlab


@pytest.mark.timeout(120)
def test_jupyterlab_serves_the_notebooks(tmp_path: Path) -> None:
    token = "test-token-not-secret"
    with jupyterlab(ROOT / "notebooks", tmp_path, token) as base:
        headers = {"Authorization": f"token {token}"}
        listing = requests.get(f"{base}/api/contents", headers=headers, timeout=5)
        assert listing.status_code == 200
        names = {item["name"] for item in listing.json()["content"]}
        assert "00-quickstart.ipynb" in names
        lab = requests.get(f"{base}/lab", headers=headers, timeout=10)
        assert lab.status_code == 200
        assert "JupyterLab" in lab.text
