"""``streamhook-nb replay``'s text output: a clean table, never ``<NA>`` or ``None``."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_cli

from streamhook_nb.cli.main import main


def test_dry_run_prints_a_clean_table(data_dir: Path) -> None:
    done = run_cli(
        "replay",
        str(data_dir / "har"),
        "--to",
        "http://127.0.0.1:9/hook",
        "--dry-run",
    )
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["source", "event_type", "bytes", "error"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == [f"{data_dir}/har/devtools-export.har#1", "message.new", "1577"]
    assert len(lines) == 2 + 8 + 1
    assert "not sent: the capture did not keep the bytes" in lines[-2]  # #8: truncated
    assert lines[-1] == (
        "dry run: 7 deliveries would be sent to http://127.0.0.1:9/hook (1 not: their rows say why)"
    )
    assert "<NA>" not in done.stdout
    assert "None" not in done.stdout


def test_what_the_sources_hold_but_replay_leaves_out_is_said(data_dir: Path) -> None:
    """Rejected records and queue messages were left out without a word ("nothing selected")."""
    damaged = run_cli(
        "replay",
        str(data_dir / "capture/damaged.jsonl"),
        "--to",
        "http://127.0.0.1:9/h",
        "--dry-run",
    )
    assert "note: 6 records could not be read and are not replayed" in damaged.stderr
    assert damaged.stdout.splitlines()[0].split() == ["source", "event_type", "bytes"]
    queued = run_cli("replay", str(data_dir / "sqs"), "--to", "http://127.0.0.1:9/h", "--dry-run")
    assert "SQS/SNS messages left out: Stream sends those to the queue" in queued.stderr
    assert (
        queued.stdout.splitlines()[-1]
        == "dry run: 0 deliveries would be sent to http://127.0.0.1:9/h"
    )


def test_failed_sends_show_a_dash_for_the_missing_status(data_dir: Path) -> None:
    done = run_cli(
        "replay",
        str(data_dir / "ngrok"),
        "--to",
        "http://127.0.0.1:9/hook",
        "--yes",
    )
    assert done.returncode == 1
    rows = [line.split() for line in done.stdout.splitlines()[2:7]]
    assert all(row[3] == "-" and row[5:8] == ["connection", "refused:", "nothing"] for row in rows)
    assert "<NA>" not in done.stdout
    assert done.stdout.splitlines()[-1] == "0 of 5 deliveries got a 2xx"


@pytest.mark.parametrize(
    "args",
    [
        ["capture", "--out", "log.jsonl", "--port", "0", "--secret-env", "NO_SUCH_SECRET"],
        [
            "replay",
            "x.jsonl",
            "--to",
            "http://127.0.0.1:9/h",
            "--resign-secret-env",
            "NO_SUCH_SECRET",
        ],
    ],
)
def test_a_missing_secret_does_not_point_to_an_option_the_command_lacks(
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``capture`` and ``replay`` take no ``--secrets-file``: the fix must not suggest it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "NO_SUCH_SECRET is not set" in err
    assert "export NO_SUCH_SECRET=... (or add it to .env)" in err
    assert "--secrets-file" not in err


class _Terminal:
    """Standard input as a terminal on which the user presses Ctrl-D at the prompt."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    "args",
    [
        ["webhook", "set", "--stand-in", "--url", "https://a.example.com/h"],
        ["replay", "{data}/ngrok", "--to", "http://127.0.0.1:9/h"],
    ],
)
def test_ctrl_d_at_the_prompt_is_a_no(
    args: list[str],
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def end_of_input(_: str) -> str:
        raise EOFError

    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("builtins.input", end_of_input)
    assert main([a.format(data=data_dir) for a in args]) == 2
    assert "Traceback" not in capsys.readouterr().err
