"""The webhook workflow on the stand-in (load, preview, apply, undo), and its widget headless."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from streamhook_nb.capture.demo_endpoint import DemoEndpoint
from streamhook_nb.samples.webhooks import DEMO_API_KEY, DEMO_SECRET
from streamhook_nb.verify.secrets import Secret
from streamhook_nb.webhook.controller import WebhookController, hooks_table
from streamhook_nb.webhook.plan import WebhookChange
from streamhook_nb.webhook.standin import DEMO_APP_SETTINGS, StandIn

URL = "https://new.example.com/webhooks/stream"


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with StandIn(DEMO_API_KEY, DEMO_SECRET) as server:
        server.settings["event_hooks"][1]["sqs_secret"] = "aws-secret-value"
        yield server


@pytest.fixture
def controller(stand_in: StandIn, tmp_path: Path) -> WebhookController:
    c = WebhookController(backup_dir=tmp_path / "backups")
    c.connect(DEMO_API_KEY, stand_in.url, DEMO_SECRET)
    c.load()
    return c


def _non_webhook(hooks: list[dict[str, object]]) -> list[bytes]:
    return [orjson.dumps(h) for h in hooks if h["hook_type"] != "webhook"]


def test_apply_changes_only_the_webhook_and_undo_restores(
    controller: WebhookController, stand_in: StandIn
) -> None:
    before = copy.deepcopy(stand_in.settings)
    controller.preview(WebhookChange(URL, ("message.new",)))
    message = controller.apply()
    assert "previous settings are saved" in message
    after = stand_in.settings["event_hooks"]
    assert after[0]["webhook_url"] == URL
    assert _non_webhook(after) == _non_webhook(before["event_hooks"])
    patch = next(r for r in stand_in.requests if r.method == "PATCH")
    assert patch.body["event_hooks"][1]["sqs_secret"] == "aws-secret-value"  # resent as read
    backup = controller.last_backup
    assert backup is not None
    assert "aws-secret-value" not in backup.read_text()
    controller.undo()
    assert stand_in.settings == before
    assert not backup.exists()


def test_legacy_app(stand_in: StandIn, tmp_path: Path) -> None:
    stand_in.settings = {
        "name": "old",
        "webhook_url": "https://old.example.com/h",
        "webhook_events": ["message.new"],
    }
    c = WebhookController(backup_dir=tmp_path)
    c.connect(DEMO_API_KEY, stand_in.url, DEMO_SECRET)
    c.load()
    c.preview(WebhookChange(URL))
    c.apply()
    assert stand_in.requests[-2].body == {"webhook_url": URL}
    assert stand_in.settings == {
        "name": "old",
        "webhook_url": URL,
        "webhook_events": ["message.new"],
    }
    assert list(hooks_table(stand_in.settings)["id"]) == ["(legacy)"]


def test_apply_needs_a_preview_and_preview_sends_nothing(
    controller: WebhookController, stand_in: StandIn
) -> None:
    _, error = controller.safe(controller.apply)
    assert error is not None
    assert "Press Preview first" in error
    sent = len(stand_in.requests)
    controller.preview(WebhookChange(URL))
    assert len(stand_in.requests) == sent


def test_refused_apply_leaves_settings_untouched(
    controller: WebhookController, stand_in: StandIn
) -> None:
    before = copy.deepcopy(stand_in.settings)
    controller.preview(WebhookChange(URL))
    stand_in.fail_next = [500]
    _, error = controller.safe(controller.apply)
    assert error is not None
    assert "HTTP 500" in error
    assert stand_in.settings == before


def test_hooks_table_hides_credentials(controller: WebhookController) -> None:
    assert controller.settings is not None
    table = hooks_table(controller.settings)
    assert list(table["type"]) == ["webhook", "sqs", "sns", "pending_message"]
    assert "aws-secret-value" not in table.to_string()


def test_widget_headless(stand_in: StandIn, tmp_path: Path) -> None:
    from streamhook_nb.widgets.webhook_view import WebhookView

    view = WebhookView(
        WebhookController(backup_dir=tmp_path), api_key=DEMO_API_KEY, base_url=stand_in.url
    )
    assert view.secret.placeholder in ("not set", "from STREAM_API_SECRET")
    assert type(view.secret).__name__ == "Password"
    assert view.url.continuous_update is False
    view.secret.value = DEMO_SECRET
    view.load_button.click()
    assert view.secret.value == ""  # the widget does not keep the secret
    assert view.said[0].startswith("Loaded the settings of demo_api_key")
    assert view.url.value == DEMO_APP_SETTINGS["event_hooks"][0]["webhook_url"]
    assert view.apply_button.disabled
    with DemoEndpoint(Secret(DEMO_SECRET, "S")) as endpoint:
        view.url.value = endpoint.url
        view.check_button.click()
        assert any("rejects a badly signed request" in line for line in view.said)
        view.test_button.click()
        assert view.said[0].startswith("HTTP 200 in")
    view.url.value = URL
    view.event_types.value = ("reaction.new",)
    view.preview_button.click()
    assert not view.apply_button.disabled
    assert view.said[0] == "PATCH /app (event_hooks):"
    view.enabled.value = False  # an edit invalidates the preview
    assert view.apply_button.disabled
    view.preview_button.click()
    view.apply_button.click()
    assert view.apply_button.disabled
    hook = stand_in.settings["event_hooks"][0]
    assert (hook["webhook_url"], hook["event_types"], hook["enabled"]) == (
        URL,
        ["reaction.new"],
        False,
    )
    view.undo_button.click()
    assert view.said[0].startswith("Restored the settings")
    assert (
        stand_in.settings["event_hooks"][0]["webhook_url"]
        == DEMO_APP_SETTINGS["event_hooks"][0]["webhook_url"]
    )


def test_widget_reports_a_bad_url(stand_in: StandIn, tmp_path: Path) -> None:
    from streamhook_nb.widgets.webhook_view import WebhookView

    view = WebhookView(
        WebhookController(backup_dir=tmp_path), api_key=DEMO_API_KEY, base_url=stand_in.url
    )
    view.secret.value = DEMO_SECRET
    view.load_button.click()
    view.url.value = "not-a-url"
    view.preview_button.click()
    assert "is not a valid webhook URL" in view.said[0]
    assert view.apply_button.disabled


def test_widget_reports_bad_credentials(stand_in: StandIn, tmp_path: Path) -> None:
    from streamhook_nb.widgets.webhook_view import WebhookView

    view = WebhookView(
        WebhookController(backup_dir=tmp_path), api_key=DEMO_API_KEY, base_url=stand_in.url
    )
    view.secret.value = "a-wrong-secret-that-is-long-enough-for-hs256"
    view.load_button.click()
    assert "HTTP 401" in view.said[0]
    assert "a-wrong-secret" not in view.said[0]


def test_apply_names_the_backup_where_the_user_finds_it(
    stand_in: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the notebook's folder: backups under it read relative
    controller = WebhookController(backup_dir=tmp_path / ".streamhook" / "backups")
    controller.connect(DEMO_API_KEY, stand_in.url, DEMO_SECRET)
    controller.load()
    controller.preview(WebhookChange(URL, ("message.new",)))
    message = controller.apply()
    backup = controller.last_backup
    assert backup is not None
    assert message == (
        f"Applied. The previous settings are saved in .streamhook/backups/{backup.name}."
    )
    assert str(tmp_path) not in message


def test_the_stand_ins_temporary_backups_are_named_not_located() -> None:
    """A notebook run offline shows no temporary path of the machine that ran it."""
    controller = WebhookController.offline()
    assert controller.stand_in is not None
    try:
        controller.load()
        controller.preview(WebhookChange(URL, ("message.new",)))
        message = controller.apply()
        backup = controller.last_backup
        assert backup is not None
        assert backup.parent == controller.backup_dir
        assert message == (
            f"Applied. The previous settings are saved in {backup.name},"
            " in the stand-in's temporary backup folder."
        )
        assert str(controller.backup_dir) not in message
        assert controller.undo() == f"Restored the settings saved in {backup.name}."
    finally:
        controller.stand_in.stop()
        shutil.rmtree(controller.backup_dir)
