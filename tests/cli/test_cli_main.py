"""The command line as a whole: typos get a suggestion, a closed pipe keeps the exit status,
errors speak shell (``--format``), never Python (``format=``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import DATA, run_cli

from streamhook_nb import load_log
from streamhook_nb.errors import SourceError
from streamhook_nb.samples.webhooks import DEMO_SECRET

ENV = {**os.environ, "STREAM_API_SECRET": DEMO_SECRET}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=ENV)


@pytest.mark.parametrize(
    ("args", "suggested"),
    [
        (["verfy", "x"], "verify"),
        (["reprot", "x", "-o", "y"], "report"),
        (["verify", "x", "--detials"], "--details"),
        (["verify", "x", "--secrets-files=f"], "--secrets-file"),
        (["report", "x", "-o", "y", "--titel", "T"], "--title"),
        (["load", "x", "--format", "harr"], "har"),
        (["webhook", "shwo"], "show"),
        (["webhook", "show", "--stand_in"], "--stand-in"),
        (["--verison"], "--version"),  # argparse first says COMMAND is missing
        (["report", "x", "--ouput", "y"], "--output"),  # first: -o/--output is required
    ],
)
def test_a_typo_gets_the_closest_name(args: list[str], suggested: str) -> None:
    done = run(*args)
    assert done.returncode == 2
    assert f"(did you mean {suggested}?)" in done.stderr
    assert "Traceback" not in done.stderr


def test_nothing_close_means_no_suggestion_and_values_stay_hidden() -> None:
    done = run("verify", "x", "--zzzzzz", "hunter2-secret-value")
    assert done.returncode == 2
    assert "did you mean" not in done.stderr
    assert "hunter2" not in done.stderr


def test_a_closed_pipe_keeps_the_exit_status_and_prints_no_traceback() -> None:
    story = DATA / "story"
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamhook_nb",
            "verify",
            str(story),
            "--details",
            "--secrets-file",
            str(story / "secrets.toml"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        first = process.stdout.readline()  # what `| head -1` reads before it exits
        process.stdout.close()
        errors = process.stderr.read().decode()
        code = process.wait()
    assert first.startswith(b"18656 deliveries: 17943 valid, 713 invalid")
    assert code == 1  # invalid deliveries, whether or not the reader stayed
    assert "Traceback" not in errors
    assert "Broken pipe" not in errors


def test_shell_users_read_options_python_users_read_arguments(tmp_path: Path) -> None:
    odd = tmp_path / "notes.log"
    odd.write_text("not a capture of anything\n")
    done = run("load", str(odd))
    assert done.returncode == 2
    assert "Pass --format FORMAT if you know the format" in done.stderr
    assert "format=" not in done.stderr
    with pytest.raises(SourceError, match=r"Pass format=\.\.\. if you know the format"):
        load_log(odd)


def test_a_missing_secret_names_the_option_in_shell_words() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAM_")}
    done = run_cli("verify", str(DATA / "ngrok"), env=env, cwd=DATA.parent / "notebooks")  # no .env
    assert done.returncode == 2
    assert "or pass --secrets-file F" in done.stderr
    assert "secrets_file=" not in done.stderr
