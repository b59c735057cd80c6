"""``streamhook-nb replay``'s text output: a clean table, never ``<NA>`` or ``None``."""

from __future__ import annotations

from pathlib import Path

from helpers import run_cli


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
    assert lines[0].split() == ["source", "event_type", "bytes"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == [f"{data_dir}/har/devtools-export.har#1", "message.new", "1577"]
    assert len(lines) == 2 + 8 + 1
    assert lines[-1] == "dry run: 8 deliveries would be sent to http://127.0.0.1:9/hook"
    assert "<NA>" not in done.stdout
    assert "None" not in done.stdout


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
