"""Planning a webhook change: legacy fields, or the whole event_hooks list with others unchanged."""

from __future__ import annotations

import copy
from pathlib import Path

import orjson
import pytest

from streamhook_nb.errors import UsageError
from streamhook_nb.webhook.backups import latest_backup, read_backup, save_backup
from streamhook_nb.webhook.plan import (
    NEW_HOOK,
    PlanError,
    WebhookChange,
    plan_change,
    restore_body,
    validate_url,
    without_secrets,
)
from streamhook_nb.webhook.standin import DEMO_APP_SETTINGS

URL = "https://new.example.com/webhooks/stream"


def _others(hooks: list[dict[str, object]]) -> list[bytes]:
    return [orjson.dumps(h) for h in hooks if h.get("hook_type") != "webhook"]


def test_event_hooks_mode_changes_one_entry_and_keeps_the_rest_byte_identical() -> None:
    settings = copy.deepcopy(DEMO_APP_SETTINGS)
    settings["event_hooks"][1]["sqs_secret"] = "aws-secret-value"
    plan = plan_change(settings, WebhookChange(URL, ("message.new",)))
    assert plan.mode == "event_hooks"
    assert list(plan.body) == ["event_hooks"]
    hooks = plan.body["event_hooks"]
    assert [h["id"] for h in hooks] == [h["id"] for h in settings["event_hooks"]]
    assert _others(hooks) == _others(settings["event_hooks"])
    assert hooks[0] == {
        **settings["event_hooks"][0],
        "webhook_url": URL,
        "event_types": ["message.new"],
    }
    assert plan.changes_anything
    assert "= sqs hook hook-sqs-1 kept unchanged" in plan.diff
    assert settings == {
        **DEMO_APP_SETTINGS,
        "event_hooks": settings["event_hooks"],
    }  # input untouched


def test_event_types_kept_when_not_given_and_all_when_empty() -> None:
    kept = plan_change(DEMO_APP_SETTINGS, WebhookChange(URL))
    assert kept.body["event_hooks"][0]["event_types"] == ["message.new", "message.updated"]
    everything = plan_change(DEMO_APP_SETTINGS, WebhookChange(URL, ()))
    assert everything.body["event_hooks"][0]["event_types"] == []


def test_legacy_app_gets_only_webhook_url() -> None:
    legacy = {
        "name": "old",
        "webhook_url": "https://old.example.com/h",
        "webhook_events": ["message.new"],
    }
    plan = plan_change(legacy, WebhookChange(URL))
    assert plan.mode == "legacy"
    assert plan.body == {"webhook_url": URL}
    assert plan.diff == (f"~ webhook_url: 'https://old.example.com/h' -> {URL!r}",)
    with_events = plan_change(legacy, WebhookChange(URL, ("reaction.new",)))
    assert with_events.body == {"webhook_url": URL, "webhook_events": ["reaction.new"]}
    off = plan_change(legacy, WebhookChange(URL, enabled=False))
    assert off.body == {"webhook_url": ""}


def test_several_webhook_hooks_need_a_choice() -> None:
    settings = copy.deepcopy(DEMO_APP_SETTINGS)
    second = {
        "id": "hook-webhook-2",
        "hook_type": "webhook",
        "enabled": True,
        "event_types": [],
        "webhook_url": "https://two.example.com/h",
    }
    settings["event_hooks"].append(second)
    with pytest.raises(PlanError, match="several webhook hooks") as caught:
        plan_change(settings, WebhookChange(URL))
    assert "hook-webhook-2 (https://two.example.com/h)" in str(caught.value)
    by_url = plan_change(settings, WebhookChange(URL, hook="https://two.example.com/h"))
    assert by_url.body["event_hooks"][-1]["webhook_url"] == URL
    assert by_url.body["event_hooks"][0] == settings["event_hooks"][0]
    by_id = plan_change(settings, WebhookChange(URL, hook="hook-webhook-1", enabled=False))
    assert by_id.body["event_hooks"][0]["enabled"] is False
    with pytest.raises(PlanError, match="no webhook hook has id or URL 'nope'"):
        plan_change(settings, WebhookChange(URL, hook="nope"))


def test_new_hook_is_appended() -> None:
    plan = plan_change(DEMO_APP_SETTINGS, WebhookChange(URL, ("user.deleted",), hook=NEW_HOOK))
    hooks = plan.body["event_hooks"]
    assert len(hooks) == len(DEMO_APP_SETTINGS["event_hooks"]) + 1
    assert hooks[-1] == {
        "hook_type": "webhook",
        "enabled": True,
        "event_types": ["user.deleted"],
        "webhook_url": URL,
    }
    assert hooks[:-1] == DEMO_APP_SETTINGS["event_hooks"]
    only_queues = {
        "event_hooks": [h for h in DEMO_APP_SETTINGS["event_hooks"] if h["hook_type"] == "sqs"]
    }
    assert len(plan_change(only_queues, WebhookChange(URL)).body["event_hooks"]) == 2


def test_nothing_to_change() -> None:
    same = DEMO_APP_SETTINGS["event_hooks"][0]["webhook_url"]
    assert not plan_change(DEMO_APP_SETTINGS, WebhookChange(same)).changes_anything


@pytest.mark.parametrize(
    "bad", ["", "example.com/hook", "ftp://example.com/x", "https://", "https://exa mple.com/"]
)
def test_invalid_urls(bad: str) -> None:
    with pytest.raises(PlanError, match=r"URL|whitespace"):
        validate_url(bad)


def test_backups_drop_credentials_and_restore_takes_them_back() -> None:
    current = copy.deepcopy(DEMO_APP_SETTINGS)
    current["event_hooks"][1]["sqs_secret"] = "aws-secret-value"
    current["event_hooks"][1]["sqs_key"] = "AKIAEXAMPLE"
    saved = without_secrets(current)
    assert "aws-secret-value" not in orjson.dumps(saved).decode()
    assert "AKIAEXAMPLE" not in orjson.dumps(saved).decode()
    body = restore_body(saved, current)
    assert body["event_hooks"] == current["event_hooks"]
    legacy = restore_body(
        {"webhook_url": "https://old/h", "webhook_events": [], "event_hooks": []}, current
    )
    assert legacy == {"webhook_url": "https://old/h", "webhook_events": []}


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("https://hooks.example.com:99999/h", "its port is not a number from 1 to 65535"),
        ("https://hooks.example.com:abc/h", "its port is not a number from 1 to 65535"),
        ("https://[fe80::1/h", "a [ in its host is not closed"),
        ("https://hooks.example.com:0/h", "names port 0"),
        ("https://hooks.example.com\\@evil.example/h", "contains a backslash"),
        ("https://hooks.example.com/h\x00", "contains a control character"),
        ("https://hooks.example.com/h\x7f", "contains a control character"),
    ],
)
def test_urls_stream_cannot_use_are_refused_by_name(bad: str, why: str) -> None:
    """In Python (the widget, the controller, ``check_endpoint``) as at the command line: a
    PlanError naming the problem, never a ValueError, never a URL accepted with a dead port."""
    with pytest.raises(PlanError) as caught:
        validate_url(bad)
    assert why in str(caught.value)
    with pytest.raises(PlanError):
        plan_change(DEMO_APP_SETTINGS, WebhookChange(bad))


@pytest.mark.parametrize("api_key", ["a/b", "../../escaped", "key with spaces"])
def test_backups_stay_in_their_folder_whatever_the_api_key(tmp_path: Path, api_key: str) -> None:
    folder = tmp_path / "deep" / "backups"
    saved = save_backup(DEMO_APP_SETTINGS, api_key, directory=folder)
    assert saved.parent == folder
    assert latest_backup(api_key, directory=folder) == saved
    assert read_backup(saved) == without_secrets(DEMO_APP_SETTINGS)
    assert list(tmp_path.rglob("*.json")) == [saved]


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"saved_at": "x"}', b"[1, 2]"])
def test_a_damaged_backup_is_named_not_a_traceback(tmp_path: Path, content: bytes) -> None:
    damaged = tmp_path / "key-20261128T000000000000Z.json"
    damaged.write_bytes(content)
    with pytest.raises(UsageError, match="the backup") as caught:
        read_backup(damaged)
    assert str(damaged) in str(caught.value)


def test_event_types_are_checked_and_repeats_dropped() -> None:
    change = WebhookChange(
        "https://a.example.com/h", ("message.new", "reminder.due", "message.new")
    )
    plan = plan_change(DEMO_APP_SETTINGS, change)
    assert plan.body["event_hooks"][0]["event_types"] == ["message.new", "reminder.due"]
    for bad, says in (("MESSAGE.NEW", "lower case: message.new"), ("a;b", "such as message.new")):
        with pytest.raises(PlanError, match="is not an event type") as caught:
            plan_change(DEMO_APP_SETTINGS, WebhookChange("https://a.example.com/h", (bad,)))
        assert says in str(caught.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://localhost:8000/hook", ["localhost cannot be reached", "plain HTTP"]),
        ("https://api.localhost/hook", ["api.localhost cannot be reached"]),
        ("https://127.0.0.1/hook", ["127.0.0.1 cannot be reached"]),
        ("https://10.1.2.3:8443/hook", ["10.1.2.3 cannot be reached"]),
        ("https://192.168.0.7/hook", ["192.168.0.7 cannot be reached"]),
        ("https://[::1]/hook", ["::1 cannot be reached"]),
        ("https://[fe80::1%25eth0]/hook", ["cannot be reached"]),
        ("http://hooks.example.com/stream", ["plain HTTP"]),
        (URL, []),
        ("https://8.8.8.8/hook", []),
    ],
)
def test_a_url_stream_cannot_reach_or_sends_in_clear_is_warned_of_in_the_diff(
    url: str, expected: list[str]
) -> None:
    """Setting the production hook to ``localhost`` (a copy-paste from a test) makes every
    delivery fail: the plan says so before it is applied, in the CLI and the widget alike."""
    plan = plan_change(DEMO_APP_SETTINGS, WebhookChange(url))
    warnings = [line for line in plan.diff if line.startswith("!")]
    assert len(warnings) == len(expected)
    for line, words in zip(warnings, expected, strict=True):
        assert words in line
    assert plan.changes_anything
    off = plan_change(DEMO_APP_SETTINGS, WebhookChange(url, enabled=False))
    assert not any(line.startswith("!") for line in off.diff)  # turned off: nothing to reach


@pytest.mark.parametrize(
    "url",
    [
        f"https://{'a' * 64}.example.com/hook",
        "https://a..example.com/hook",
        f"https://{'abcdefgh.' * 30}example.com/hook",
    ],
)
def test_a_host_name_dns_cannot_hold_is_refused_by_name(url: str) -> None:
    """A label over 63 characters passed, then the lookup in ``check-endpoint`` raised a
    ``UnicodeError`` traceback (exit 0), and Apply would have sent it to Stream."""
    with pytest.raises(PlanError, match="has a host name no DNS can hold"):
        validate_url(url)


def test_ip_addresses_and_international_names_are_valid_hosts() -> None:
    for url in ("https://bücher.example/h", "https://[::1]:8443/h", "https://example.com./h"):
        assert validate_url(url) == url
