"""`make lab` prints the URL last, on its own line, once the server answers; Ctrl-C stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest
import requests
from helpers import ROOT


@pytest.mark.timeout(180)
def test_make_lab_prints_the_url_last_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "user-settings"),  # a newcomer's: none yet
    }
    errors: list[str] = []
    lines: list[str] = []
    with subprocess.Popen(
        ["make", "-s", "lab"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    ) as make:
        assert make.stdout is not None
        stderr = make.stderr
        reader = threading.Thread(target=lambda: errors.extend(stderr or []), daemon=True)
        reader.start()
        try:
            for line in make.stdout:
                lines.append(line.rstrip("\n"))
                if line.startswith("http"):
                    break
            url = lines[-1]
            assert url.startswith("http://127.0.0.1:")
            assert "/lab?token=" in url
            assert requests.get(url, timeout=10).status_code == 200  # it answers already
            assert lines[-2].endswith("open notebooks/00-quickstart.ipynb first, at")
            assert len(lines) == 3  # a start line, the ready line, the URL: no server log
            base, token = url.split("/lab?token=")
            notification = requests.get(
                f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification",
                headers={"Authorization": f"token {token}"},
                timeout=10,
            ).json()
            # no toast asking about Jupyter news over the outputs of a narrow window (the
            # server serves overrides as the schema's defaults; a newcomer has no user setting)
            assert "fetchNews" not in notification["settings"]
            assert notification["schema"]["properties"]["fetchNews"]["default"] == "false"
        finally:
            os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C sends
            code = make.wait(timeout=60)
            reader.join(timeout=10)
    assert code != 0
    assert not [e for e in errors if "[I " in e or "ServerApp]" in e]  # the log went to its file
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)
    assert (ROOT / ".venv" / "jupyter-lab.log").read_text().count("ServerApp") > 3
