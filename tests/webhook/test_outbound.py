"""Outbound requests: redirects are never followed, one deadline holds for the whole answer,
credentials in URLs never show, backups are owner-only and belong to exactly one app."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from streamhook_nb import load_log
from streamhook_nb.capture.demo_endpoint import DemoEndpoint
from streamhook_nb.capture.replay import replay
from streamhook_nb.capture.server import CaptureServer
from streamhook_nb.errors import UsageError
from streamhook_nb.samples.webhooks import DEMO_SECRET
from streamhook_nb.verify.secrets import Secret
from streamhook_nb.webhook.backups import latest_backup, read_backup, save_backup
from streamhook_nb.webhook.controller import hooks_table, public_settings
from streamhook_nb.webhook.endpoint_check import FAIL, check_endpoint
from streamhook_nb.webhook.outbound import DeadlineExceeded
from streamhook_nb.webhook.plan import (
    PlanError,
    WebhookChange,
    plan_change,
    restore_body,
    validate_url,
)
from streamhook_nb.webhook.redact import redact_url, scrub
from streamhook_nb.webhook.sample_event import send_test_event

SECRET = Secret(DEMO_SECRET, "S")
PASSWORD, TOKEN = "hunter2-pw", "s3cr3t-token"


def public(_: str, __: int) -> list[str]:
    return ["93.184.215.14"]


@pytest.fixture
def target() -> Iterator[DemoEndpoint]:
    with DemoEndpoint(SECRET) as endpoint:
        yield endpoint


@pytest.fixture
def redirecting(target: DemoEndpoint) -> Iterator[DemoEndpoint]:
    with DemoEndpoint(SECRET, redirect_to=target.url) as endpoint:
        yield endpoint


def _host(url: str) -> str:
    return url.split("/")[2]


def test_check_endpoint_fails_a_redirect_and_names_where_it_points(
    redirecting: DemoEndpoint, target: DemoEndpoint
) -> None:
    results = check_endpoint(redirecting.url, SECRET, "key", resolver=public)
    answer = results[-1]
    assert answer.status == FAIL
    assert "307" in answer.message
    assert _host(target.url) in answer.message
    assert target.received == []  # the signed body never went to the other server


def test_test_event_does_not_follow_a_redirect(
    redirecting: DemoEndpoint, target: DemoEndpoint
) -> None:
    sent = send_test_event(redirecting.url, SECRET, "key")
    assert sent.status == 307
    assert not sent.ok
    assert _host(target.url) in sent.body_preview
    assert target.received == []


def test_replay_does_not_follow_a_redirect(
    redirecting: DemoEndpoint, target: DemoEndpoint, data_dir: Path
) -> None:
    source = load_log(data_dir / "capture" / "stream-2026-11-26.jsonl").deliveries.head(2)
    results = replay(source, redirecting.url)
    assert list(results["status"]) == [307, 307]
    assert all(_host(target.url) in error for error in results["error"])
    assert target.received == []


@pytest.mark.timeout(30)
def test_check_endpoint_gives_a_dribbling_server_three_seconds() -> None:
    with DemoEndpoint(SECRET, dribble_seconds=2.0) as slow:  # 100 bytes: 200 s in all
        results = check_endpoint(slow.url, SECRET, "key", resolver=public)
    answer = results[-1]
    assert answer.name == "answers a signed POST with 2xx in time"
    assert answer.status == FAIL
    assert "within 3 s" in answer.message


@pytest.mark.timeout(30)
def test_test_event_and_replay_give_up_on_a_dribbling_server(data_dir: Path) -> None:
    source = load_log(data_dir / "capture" / "stream-2026-11-26.jsonl").deliveries.head(1)
    with DemoEndpoint(SECRET, dribble_seconds=2.0) as slow:
        with pytest.raises(DeadlineExceeded):
            send_test_event(slow.url, SECRET, "key")
        results = replay(source, slow.url, timeout=1.0)
    assert list(results["error"]) == [
        "no complete answer within 1 s. Make the endpoint answer sooner: Stream waits only that "
        "long for the whole answer"
    ]


def test_replay_reports_a_header_it_cannot_send_and_goes_on(tmp_path: Path, data_dir: Path) -> None:
    source = load_log(data_dir / "capture" / "stream-2026-11-26.jsonl").deliveries.head(3)
    headers = list(source["headers"])  # each row's headers as JSON object text
    headers[0] = json.dumps({**json.loads(headers[0]), "x-note": "price in \u20ac"})
    frame = source.assign(headers=pd.Series(headers, index=source.index))
    with CaptureServer(str(tmp_path / "got.jsonl")) as receiver:
        results = replay(frame, f"{receiver.url}/h")
    assert results["status"].isna().tolist() == [True, False, False]
    assert "'x-note'" in results["error"].iloc[0]
    assert "Latin-1" in results["error"].iloc[0]
    assert list(results["status"].iloc[1:]) == [200, 200]
    assert list(load_log(tmp_path / "got.jsonl").deliveries["body"]) == list(source["body"])[1:]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw-1@example.com/h", "https://***@example.com/h"),
        ("https://only-user@example.com/h", "https://***@example.com/h"),
        ("https://u:p@ss@example.com/h?x=1", "https://***@example.com/h?x=1"),
        (
            "https://example.com/h?token=abc&page=2&api_key=k1&Signature=s#frag",
            "https://example.com/h?token=***&page=2&api_key=***&Signature=***#frag",
        ),
        ("https://example.com/h#access_token=abc", "https://example.com/h#access_token=***"),
        ("https://example.com/hook?monkey=1&keys=2", "https://example.com/hook?monkey=1&keys=2"),
        (
            "https://example.com/h?pass=a1&user_pw=b2&hmac=c3&compass=n&pwned=n",
            "https://example.com/h?pass=***&user_pw=***&hmac=***&compass=n&pwned=n",
        ),
        ("user:pw@example.com/h", "***@example.com/h"),
        ("not a url", "not a url"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


secret_text = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=3, max_size=20)


@given(user=secret_text, password=secret_text, token=secret_text)
def test_redacted_urls_and_messages_never_hold_the_credentials(
    user: str, password: str, token: str
) -> None:
    url = f"https://{user}:{password}@example.com/h?a=1&access_token={token}"
    shown = redact_url(url)
    rest = shown.replace("https://", "").replace("example.com/h?a=1&access_token=", "")
    assert rest == "***@***"  # nothing of the user, password or token (whatever their letters)
    assert redact_url(shown) == shown
    message = f"HTTPSConnectionPool: Max retries exceeded with url: /h?a=1&access_token={token}"
    assert token not in scrub(message, url).replace("/h?a=1&access_token=", "")


def test_check_endpoint_never_shows_credentials(target: DemoEndpoint) -> None:
    host = _host(target.url)
    url = f"http://me:{PASSWORD}@{host}/webhooks/stream?token={TOKEN}"
    unreachable = f"http://me:{PASSWORD}@127.0.0.1:9/h?token={TOKEN}"
    for checked in (url, unreachable, f"ftp://me:{PASSWORD}@x/?token={TOKEN}"):
        text = repr(check_endpoint(checked, SECRET, "key", resolver=public))
        assert PASSWORD not in text
        assert TOKEN not in text
    with pytest.raises(PlanError) as error:
        validate_url(f"ftp://me:{PASSWORD}@example.com/?token={TOKEN}")
    assert PASSWORD not in str(error.value)
    assert TOKEN not in str(error.value)


SETTINGS = {
    "webhook_url": "",
    "event_hooks": [
        {
            "id": "hook-1",
            "hook_type": "webhook",
            "enabled": True,
            "event_types": [],
            "webhook_url": f"https://me:{PASSWORD}@old.example.com/h?token={TOKEN}",
        },
        {"id": "hook-2", "hook_type": "sqs", "sqs_url": "https://sqs", "sqs_secret": "aws"},
    ],
}


def test_displays_and_plans_never_show_credentials() -> None:
    shown = repr(public_settings(SETTINGS)) + hooks_table(SETTINGS).to_string()
    plan = plan_change(SETTINGS, WebhookChange(f"https://new.example.com/h?sig={TOKEN}"))
    shown += "\n".join(plan.diff)
    assert PASSWORD not in shown
    assert TOKEN not in shown
    assert "aws" not in repr(public_settings(SETTINGS))
    assert plan.body["event_hooks"][0]["webhook_url"].endswith(f"sig={TOKEN}")  # sent as given


def test_backups_are_owner_only_redacted_and_restorable(tmp_path: Path) -> None:
    path = save_backup(SETTINGS, "ab", directory=tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert PASSWORD not in path.read_text()
    assert TOKEN not in path.read_text()
    restored = restore_body(read_backup(path), SETTINGS)  # same URL: credentials come back
    assert restored["event_hooks"][0]["webhook_url"] == SETTINGS["event_hooks"][0]["webhook_url"]
    assert restored["event_hooks"][1]["sqs_secret"] == "aws"
    moved = {
        **SETTINGS,
        "event_hooks": [{**SETTINGS["event_hooks"][0], "webhook_url": "https://x"}],
    }
    with pytest.raises(PlanError, match="had credentials"):
        restore_body(read_backup(path), moved)


def test_latest_backup_matches_the_app_exactly(tmp_path: Path) -> None:
    first = datetime(2026, 11, 26, 10, tzinfo=UTC)
    later = datetime(2026, 11, 26, 11, tzinfo=UTC)
    mine = save_backup(SETTINGS, "ab", directory=tmp_path, now=first)
    save_backup(SETTINGS, "ab-cd", directory=tmp_path, now=later)
    assert latest_backup("ab", directory=tmp_path) == mine
    mine.rename(mine.with_suffix(".undone.json"))
    with pytest.raises(UsageError, match="no backup for app 'ab'"):
        latest_backup("ab", directory=tmp_path)


def test_a_request_failing_past_the_deadline_is_a_deadline_even_if_the_timer_is_late(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a busy machine the socket's own timeout (as long as the deadline) can fire before the
    deadline's timer thread runs; the error must still say the deadline passed."""
    import time

    from requests.adapters import HTTPAdapter

    from streamhook_nb.webhook import outbound

    def slow_failure(*_: object, **__: object) -> requests.Response:
        time.sleep(0.06)
        raise requests.ConnectionError("Read timed out.")

    monkeypatch.setattr(HTTPAdapter, "send", slow_failure)
    monkeypatch.setattr(outbound._Watch, "start", lambda self: None)  # the timer never ran
    with pytest.raises(DeadlineExceeded, match=r"no complete answer within 0\.05 s"):
        outbound.OutboundSession(0.05).post("http://127.0.0.1:9/h", data=b"{}")
