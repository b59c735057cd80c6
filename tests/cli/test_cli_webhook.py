"""``streamhook-nb webhook show|set`` and ``check-endpoint`` against local servers."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from helpers import run_cli

from streamhook_nb.capture.demo_endpoint import DemoEndpoint
from streamhook_nb.samples.webhooks import DEMO_API_KEY, DEMO_SECRET
from streamhook_nb.verify.secrets import Secret
from streamhook_nb.webhook.standin import DEMO_APP_SETTINGS, StandIn

URL = "https://new.example.com/webhooks/stream"


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with StandIn(DEMO_API_KEY, DEMO_SECRET) as server:
        yield server


def cli(
    stand_in: StandIn | None, *args: str, cwd: Path, secret: str = DEMO_SECRET
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAM_")}
    env.update(STREAM_API_KEY=DEMO_API_KEY, STREAM_API_SECRET=secret)
    if stand_in is not None:
        env["STREAM_CHAT_URL"] = stand_in.url
    return run_cli(*args, env=env, cwd=cwd)


def test_show(stand_in: StandIn, tmp_path: Path) -> None:
    done = cli(stand_in, "webhook", "show", cwd=tmp_path)
    assert done.returncode == 0
    assert "hook-sqs-1" in done.stdout
    as_json = orjson.loads(cli(stand_in, "webhook", "show", "--json", cwd=tmp_path).stdout)
    assert [h["id"] for h in as_json["event_hooks"]] == [
        h["id"] for h in DEMO_APP_SETTINGS["event_hooks"]
    ]


def test_dry_run_sends_nothing(stand_in: StandIn, tmp_path: Path) -> None:
    done = cli(stand_in, "webhook", "set", "--url", URL, "--dry-run", cwd=tmp_path)
    assert done.returncode == 0
    assert f"-> {URL!r}" in done.stdout
    assert "Dry run: nothing was sent." in done.stdout
    assert [r.method for r in stand_in.requests] == ["GET"]


def test_set_needs_yes_off_a_terminal(stand_in: StandIn, tmp_path: Path) -> None:
    done = cli(stand_in, "webhook", "set", "--url", URL, cwd=tmp_path)
    assert done.returncode == 2
    assert "pass --yes" in done.stderr
    assert [r.method for r in stand_in.requests] == ["GET"]


def test_set_with_yes_keeps_other_hooks_and_backs_up(stand_in: StandIn, tmp_path: Path) -> None:
    done = cli(
        stand_in,
        "webhook",
        "set",
        "--url",
        URL,
        "--events",
        "message.new,reaction.new",
        "--yes",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    hooks = stand_in.settings["event_hooks"]
    assert hooks[0]["webhook_url"] == URL
    assert hooks[0]["event_types"] == ["message.new", "reaction.new"]
    assert hooks[1:] == DEMO_APP_SETTINGS["event_hooks"][1:]
    backups = list((tmp_path / ".streamhook" / "backups").glob("demo_api_key-*.json"))
    assert len(backups) == 1
    assert DEMO_SECRET not in backups[0].read_text()


@pytest.mark.parametrize("bad", ["not a url", "ftp://example.com/h"])
def test_bad_url_exits_2_and_sends_nothing(stand_in: StandIn, tmp_path: Path, bad: str) -> None:
    done = cli(stand_in, "webhook", "set", "--url", bad, "--yes", cwd=tmp_path)
    assert done.returncode == 2
    assert "is not a valid webhook URL" in done.stderr
    assert stand_in.requests == []


@pytest.mark.parametrize("status", [401, 403, 429, 500])
def test_refusal_exits_1(stand_in: StandIn, tmp_path: Path, status: int) -> None:
    stand_in.fail_next = [status]
    done = cli(stand_in, "webhook", "show", cwd=tmp_path)
    assert done.returncode == 1
    assert f"HTTP {status}" in done.stderr
    assert "Traceback" not in done.stderr


def test_wrong_secret_exits_1_without_echo(stand_in: StandIn, tmp_path: Path) -> None:
    wrong = "a-wrong-secret-that-is-long-enough-for-hs256"
    done = cli(stand_in, "webhook", "show", cwd=tmp_path, secret=wrong)
    assert done.returncode == 1
    assert wrong not in done.stdout + done.stderr


def test_check_endpoint(tmp_path: Path) -> None:
    with DemoEndpoint(Secret(DEMO_SECRET, "S")) as endpoint:
        done = cli(None, "check-endpoint", endpoint.url, "--json", cwd=tmp_path)
    report = orjson.loads(done.stdout)
    assert done.returncode == 0
    assert {r["name"]: r["status"] for r in report["requirements"]}[
        "rejects a badly signed request"
    ] == "pass"
    failing = cli(None, "check-endpoint", "http://127.0.0.1:9/h", cwd=tmp_path)
    assert failing.returncode == 1
    assert "FAIL  answers a signed POST" in failing.stdout
    bad = cli(None, "check-endpoint", "nope", cwd=tmp_path)
    assert bad.returncode == 2
    long_label = cli(None, "check-endpoint", f"https://{'a' * 70}.example.com/h", cwd=tmp_path)
    assert long_label.returncode == 2
    assert "has a host name no DNS can hold" in long_label.stderr
    assert "Traceback" not in long_label.stderr


def _no_credentials(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAM_")}
    return run_cli(*args, env=env, cwd=cwd)


def test_stand_in_demo_mode_needs_no_credentials(tmp_path: Path) -> None:
    shown = _no_credentials("webhook", "show", "--stand-in", "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "demo mode: a local stand-in of Stream's API at http://127.0.0.1:" in shown.stderr
    hooks = orjson.loads(shown.stdout)["event_hooks"]
    assert [h["id"] for h in hooks] == [h["id"] for h in DEMO_APP_SETTINGS["event_hooks"]]
    text = _no_credentials("webhook", "show", "--stand-in", cwd=tmp_path)
    assert "hook-webhook-1  webhook" in text.stdout
    assert "<NA>" not in text.stdout
    changed = _no_credentials("webhook", "set", "--stand-in", "--url", URL, "--yes", cwd=tmp_path)
    assert changed.returncode == 0, changed.stderr
    assert f"-> {URL!r}" in changed.stdout
    assert "Applied to the stand-in." in changed.stdout
    assert not list(tmp_path.rglob("*.json"))  # no backup of the demo app
    assert DEMO_SECRET not in shown.stdout + shown.stderr + changed.stdout + changed.stderr


def test_stand_in_and_base_url_exclude_each_other(tmp_path: Path) -> None:
    done = _no_credentials(
        "webhook", "show", "--stand-in", "--base-url", "http://127.0.0.1:9", cwd=tmp_path
    )
    assert done.returncode == 2
    assert "not allowed with argument" in done.stderr


def test_credentials_in_urls_never_show_nor_reach_backups(
    stand_in: StandIn, tmp_path: Path
) -> None:
    password, token = "hunter2-pw", "s3cr3t-token"
    url = f"https://me:{password}@new.example.com/webhooks/stream?token={token}"
    done = cli(stand_in, "webhook", "set", "--url", url, "--yes", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert stand_in.settings["event_hooks"][0]["webhook_url"] == url  # sent as given
    shown = cli(stand_in, "webhook", "show", cwd=tmp_path).stdout
    shown += cli(stand_in, "webhook", "show", "--json", cwd=tmp_path).stdout
    again = cli(stand_in, "webhook", "set", "--url", URL, "--dry-run", cwd=tmp_path)
    shown += again.stdout + again.stderr + done.stdout + done.stderr
    bad = cli(
        stand_in, "webhook", "set", "--url", f"ftp://me:{password}@x/?token={token}", cwd=tmp_path
    )
    shown += bad.stdout + bad.stderr
    with DemoEndpoint(Secret(DEMO_SECRET, "S")) as endpoint:
        host = endpoint.url.split("/")[2]
        checked = f"http://me:{password}@{host}/webhooks/stream?token={token}"
        check = cli(None, "check-endpoint", checked, "--json", cwd=tmp_path)
        shown += check.stdout + check.stderr
        shown += cli(None, "check-endpoint", checked, cwd=tmp_path).stdout
    assert "new.example.com" in shown
    assert password not in shown
    assert token not in shown
    backups = list((tmp_path / ".streamhook" / "backups").glob("*.json"))
    assert backups
    for backup in backups:
        assert oct(backup.stat().st_mode & 0o777) == oct(0o600)
        assert password not in backup.read_text()
        assert token not in backup.read_text()


@pytest.mark.parametrize("given", [{}, {"STREAM_API_KEY": DEMO_API_KEY}])
def test_missing_credentials_point_to_stand_in(tmp_path: Path, given: dict[str, str]) -> None:
    """Without credentials the fix says how to set them and how to try the demo instead."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAM_")} | given
    done = run_cli("webhook", "show", env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert "is not set" in done.stderr
    assert "add --stand-in" in done.stderr
    assert "--secrets-file" not in done.stderr  # webhook commands have no such option
    assert "Traceback" not in done.stderr


def test_a_backup_that_cannot_be_saved_stops_the_change(stand_in: StandIn, tmp_path: Path) -> None:
    (tmp_path / ".streamhook").write_text("a file where the backups folder goes")
    done = cli(stand_in, "webhook", "set", "--url", URL, "--yes", cwd=tmp_path)
    assert done.returncode == 2
    assert "cannot save the backup of the current settings in .streamhook/backups" in done.stderr
    assert "nothing was changed" in done.stderr
    assert "Traceback" not in done.stderr
    assert [r.method for r in stand_in.requests] == ["GET"]
    assert stand_in.settings["event_hooks"] == DEMO_APP_SETTINGS["event_hooks"]
