"""`make lab`'s server: JupyterLab starts on notebooks/ and lists the notebooks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from helpers import ROOT, free_port


@pytest.mark.timeout(120)
def test_jupyterlab_serves_the_notebooks(tmp_path: Path) -> None:
    port = free_port()
    token = "test-token-not-secret"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "jupyter"),
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.runtime_dir={tmp_path}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        cwd=ROOT / "notebooks",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"token {token}"}
        deadline = time.monotonic() + 90
        while True:
            try:
                listing = requests.get(f"{base}/api/contents", headers=headers, timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "JupyterLab did not start"
                assert server.poll() is None, "JupyterLab exited"
                time.sleep(0.5)
        assert listing.status_code == 200
        names = {item["name"] for item in listing.json()["content"]}
        assert "00-quickstart.ipynb" in names
        lab = requests.get(f"{base}/lab", headers=headers, timeout=10)
        assert lab.status_code == 200
        assert "JupyterLab" in lab.text
    finally:
        server.terminate()
        server.wait(timeout=30)
