"""No secret value in any output, repr, exception or committed notebook."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import ROOT, run_cli

from streamhook_nb import load_log
from streamhook_nb.pipeline.verify_logs import verify_sources
from streamhook_nb.samples.webhooks import DEMO_SECRET, SECOND_SECRET
from streamhook_nb.verify.frame import verify_deliveries
from streamhook_nb.verify.secrets import Keyring, Secret, keyring

LEAK = "leak-canary-9f8e7d6c5b4a"
SECRETS = (DEMO_SECRET, SECOND_SECRET, LEAK)


def _clean(text: str) -> None:
    for value in SECRETS:
        assert value not in text


def test_cli_outputs(data_dir: Path) -> None:
    env = {**os.environ, "STREAM_API_SECRET": LEAK, "ROTATED": DEMO_SECRET}
    for args in (
        ["verify", str(data_dir)],
        [
            "verify",
            str(data_dir),
            "--json",
            "--details",
            "--secret-env",
            "ROTATED",
            "--secret-env",
            "STREAM_API_SECRET",
        ],
        [
            "verify",
            str(data_dir),
            "--secrets-file",
            str(data_dir / "demo-secrets.toml"),
            "--details",
        ],
        ["verify", str(data_dir), "--bogus", LEAK],
        ["load", str(data_dir), "--json"],
    ):
        done = run_cli(*args, env=env)
        _clean(done.stdout + done.stderr)


def test_reprs_and_frames(data_dir: Path) -> None:
    ring = keyring(secrets_file=data_dir / "demo-secrets.toml")
    padded = Keyring((Secret(f" {LEAK} ", "PADDED"),))
    frame = load_log(data_dir).deliveries
    for candidate in (ring, padded):
        verified = verify_deliveries(frame, candidate)
        _clean(repr(candidate))
        _clean(verified.drop(columns=["body", "headers"]).to_string())
        _clean(repr(verify_sources(data_dir, candidate, details=True, workers=1)))


def test_exceptions(tmp_path: Path) -> None:
    bad = tmp_path / "secrets.toml"
    bad.write_text(f'key = ["{LEAK}", 1]\n')
    with pytest.raises(Exception) as caught:  # noqa: PT011 - any error type, we check its text
        keyring(secrets_file=bad)
    _clean(str(caught.value))
    _clean(repr(caught.value))


@pytest.mark.parametrize(
    "notebook", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name
)
def test_committed_notebooks(notebook: Path) -> None:
    _clean(notebook.read_text())
