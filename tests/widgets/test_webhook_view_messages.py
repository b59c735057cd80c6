"""Notebook 04's widget as a newcomer met it: a wrong typed secret, a token in a hook's URL,
a bad or unreachable test URL, the messages' wording and the Apply button's look."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import ipywidgets as widgets
import pytest
import requests
import urllib3

from streamhook_nb.samples.webhooks import DEMO_API_KEY
from streamhook_nb.webhook.controller import WebhookController
from streamhook_nb.widgets.webhook_view import WebhookView

WRONG = "a-wrong-secret-that-is-long-enough-for-hs256"
TOKEN = "tok-4f1c9e22b7d0-do-not-show"
WITH_TOKEN = f"https://hooks.example.com/stream?token={TOKEN}"


def test_a_refused_typed_secret_is_dropped_and_names_the_field(
    offline: WebhookController,
) -> None:
    view = WebhookView(offline)
    view.load_button.click()
    assert offline.settings is not None
    view.secret.value = WRONG
    view.load_button.click()
    said = view.said[0]
    assert "HTTP 401" in said
    assert "Check the API key and the API secret field" in said
    assert "STREAM_API" not in said  # the secret did not come from the variables
    assert "leave the field empty to use the demo stand-in secret." in said
    assert WRONG not in said
    assert offline.settings is None  # nothing stale: the table and the hook choices go
    assert view.hook.options == (("new hook", "new"),)
    assert view.apply_button.disabled
    view.load_button.click()  # the field is empty now: back to the configured secret
    assert view.said[0].startswith("Loaded the settings of demo_api_key")
    assert view.secret.placeholder == "the demo stand-in secret"


def test_an_empty_field_falls_back_to_the_environment(
    offline: WebhookController, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamhook_nb.samples.webhooks import DEMO_SECRET

    assert offline.stand_in is not None
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("STREAM_API_SECRET", DEMO_SECRET)
    controller = WebhookController(backup_dir=tmp_path / "b")
    view = WebhookView(controller, api_key=DEMO_API_KEY, base_url=offline.stand_in.url)
    view.secret.value = WRONG
    view.load_button.click()
    assert "leave the field empty to use STREAM_API_SECRET (environment or .env)" in view.said[0]
    view.load_button.click()
    assert view.said[0].startswith("Loaded the settings of demo_api_key"), view.said
    assert view.secret.placeholder == "from STREAM_API_SECRET"


def test_the_stand_in_secret_is_labelled_as_such(offline: WebhookController) -> None:
    view = WebhookView(offline)
    assert view.secret.placeholder == "the demo stand-in secret"
    assert "password field" not in repr(offline)


def _state_text() -> str:
    return json.dumps(widgets.Widget.get_manager_state(drop_defaults=False))


def test_a_token_in_a_hook_url_never_reaches_a_widget(offline: WebhookController) -> None:
    assert offline.stand_in is not None
    offline.stand_in.settings["event_hooks"][0]["webhook_url"] = WITH_TOKEN
    view = WebhookView(offline)
    view.load_button.click()
    assert view.url.value == "https://hooks.example.com/stream?token=***"
    assert view.hook.options[0][0] == "hook-webhook-1 (https://hooks.example.com/stream?token=***)"
    assert TOKEN not in _state_text()  # what store_widget_state saves, and the page shows
    # Left unedited, the masked URL stands for the real one: the token stays configured.
    view.event_types.value = ("reaction.new",)
    view.preview_button.click()
    assert not any(TOKEN in line for line in view.said)
    view.apply_button.click()
    hook = offline.stand_in.settings["event_hooks"][0]
    assert (hook["webhook_url"], hook["event_types"]) == (WITH_TOKEN, ["reaction.new"])
    assert TOKEN not in _state_text()
    view.secret.value = WRONG  # a failed Load: the masked URL stands for nothing now
    view.load_button.click()
    assert view.url.value == ""


def test_a_masked_url_that_matches_no_hook_is_refused(offline: WebhookController) -> None:
    view = WebhookView(offline)
    view.load_button.click()
    view.url.value = "https://other.example.com/stream?token=***"
    view.preview_button.click()
    assert "holds *** where a credential was masked" in view.said[0]
    assert view.apply_button.disabled


def test_send_test_event_checks_the_url_first(offline: WebhookController) -> None:
    view = WebhookView(offline)
    view.load_button.click()
    view.url.value = "htp:/not a url"
    view.test_button.click()
    assert view.said == [
        "'htp:/not a url' is not a valid webhook URL. Give an absolute http:// or https:// URL "
        "with a host, such as https://example.com/webhooks/stream."
    ]


def test_an_unreachable_test_url_says_why_in_words(offline: WebhookController) -> None:
    view = WebhookView(offline)
    view.load_button.click()
    view.url.value = "http://127.0.0.1:9/webhooks/stream"
    view.test_button.click()
    assert view.said == [
        "http://127.0.0.1:9/webhooks/stream: the test event got no answer (connection refused: "
        "nothing listens at that address). Start the receiver there, or correct the host or "
        "port in the URL."
    ]


def test_failure_reasons_in_words() -> None:
    from streamhook_nb.webhook.failures import failure_reason

    lookup = urllib3.exceptions.NameResolutionError(
        "nowhere.invalid", None, socket.gaierror(-2, "Name or service not known")
    )
    retries = urllib3.exceptions.MaxRetryError(None, "/", lookup)  # type: ignore[arg-type]
    assert failure_reason(requests.ConnectionError(retries))[0] == (
        "the host name does not resolve"
    )
    assert failure_reason(requests.ConnectTimeout("timed out"))[0] == "timed out"
    assert failure_reason(requests.ConnectionError("reset"))[0] == (
        "the connection failed (reset or unreachable)"
    )


def test_apply_looks_disabled_until_a_preview_and_messages_are_sentences(
    offline: WebhookController,
) -> None:
    view = WebhookView(offline)
    assert view.apply_button.disabled
    assert view.apply_button.button_style == ""
    view.load_button.click()
    view.url.value = "https://new.example.com/webhooks/stream"
    view.preview_button.click()
    assert not view.apply_button.disabled
    assert view.apply_button.button_style == "warning"
    view.enabled.value = False
    assert view.apply_button.button_style == ""
    view.undo_button.click()
    assert view.said == [
        "Nothing to undo. Undo restores the settings saved by Apply: apply a change first."
    ]
    view.apply_button.click()  # disabled in a browser; a click from code says why
    assert view.said == ["Nothing to apply. Press Preview first."]


def test_labels_have_room() -> None:
    view = WebhookView(WebhookController())
    assert view.event_types.description == "events"  # the "none = all" note sits beside it
    assert view.hook.layout.max_width == "520px"  # and no wider than a narrow notebook
    assert view.hook.layout.width == "auto"


def test_a_url_edit_arriving_after_a_click_is_noted(offline: WebhookController) -> None:
    """The browser can deliver the URL box's edit after the button's click (ipywidgets holds
    back a field update while its previous one is unanswered; clicks go at once). The result
    then names the URL it used, and the late edit adds a note instead of a silent mix-up."""
    from streamhook_nb.capture.demo_endpoint import DemoEndpoint
    from streamhook_nb.samples.webhooks import DEMO_SECRET
    from streamhook_nb.verify.secrets import Secret

    view = WebhookView(offline)
    view.load_button.click()
    with DemoEndpoint(Secret(DEMO_SECRET, "S")) as endpoint:
        view.url.value = f"{endpoint.url}/first"
        view.test_button.click()  # the click came before the second edit
        assert view.said[0].endswith(f"from {endpoint.url}/first.")
        view.url.value = f"{endpoint.url}/second"  # the late edit
        assert view.said[-1] == (
            f"The webhook URL is now {endpoint.url}/second: the result above is for "
            f"{endpoint.url}/first. Press the button again for the new URL."
        )
        view.test_button.click()
        assert view.said[0].endswith(f"from {endpoint.url}/second.")
        view.url.value = f"{endpoint.url}/second "  # the same URL: nothing to note
        assert len(view.said) == 2


def test_an_endpoint_echoing_its_url_does_not_show_the_token(
    offline: WebhookController, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamhook_nb.webhook import controller as module
    from streamhook_nb.webhook.sample_event import SentEvent

    def echo(url: str, *_: object) -> SentEvent:
        return SentEvent(404, 1.0, f"no route for {url}")

    monkeypatch.setattr(module, "send_test_event", echo)
    assert offline.stand_in is not None
    offline.stand_in.settings["event_hooks"][0]["webhook_url"] = WITH_TOKEN
    view = WebhookView(offline)
    view.load_button.click()
    view.test_button.click()
    assert view.said[1] == "Response: no route for https://hooks.example.com/stream?token=***"
    assert TOKEN not in _state_text()


def test_choosing_a_hook_shows_its_url_events_and_state(offline: WebhookController) -> None:
    assert offline.stand_in is not None
    second = {
        "id": "hook-webhook-2",
        "hook_type": "webhook",
        "enabled": False,
        "event_types": ["reaction.new"],
        "webhook_url": WITH_TOKEN,
    }
    offline.stand_in.settings["event_hooks"].append(second)
    view = WebhookView(offline)
    view.load_button.click()
    assert view.hook.value == "hook-webhook-1"
    assert view.url.value == "https://hooks.example.com/webhooks/stream"
    view.hook.value = "hook-webhook-2"
    assert view.url.value == "https://hooks.example.com/stream?token=***"
    assert view.event_types.value == ("reaction.new",)
    assert view.enabled.value is False
    assert not any("Press the button again" in line for line in view.said)
    view.hook.value = "new"  # a new hook: the fields stay as they are, to edit
    assert view.url.value == "https://hooks.example.com/stream?token=***"
    view.hook.value = "hook-webhook-2"
    view.enabled.value = True
    view.preview_button.click()
    view.apply_button.click()
    hooks = {h["id"]: h for h in offline.stand_in.settings["event_hooks"]}
    assert (hooks["hook-webhook-2"]["webhook_url"], hooks["hook-webhook-2"]["enabled"]) == (
        WITH_TOKEN,
        True,
    )
    assert hooks["hook-webhook-1"]["webhook_url"] == "https://hooks.example.com/webhooks/stream"
    assert TOKEN not in _state_text()


@pytest.mark.parametrize("button", ["check_button", "test_button", "preview_button"])
def test_an_empty_url_box_asks_for_a_url(offline: WebhookController, button: str) -> None:
    view = WebhookView(offline)
    view.load_button.click()
    view.url.value = "  "
    getattr(view, button).click()
    assert view.said == ["Type the webhook URL first, such as https://example.com/webhooks/stream."]
    assert view.apply_button.disabled


def test_a_new_hook_with_a_loaded_hooks_url_is_flagged(offline: WebhookController) -> None:
    assert offline.stand_in is not None
    offline.stand_in.settings["event_hooks"][0]["webhook_url"] = WITH_TOKEN
    view = WebhookView(offline)
    view.load_button.click()
    view.hook.value = "new"  # the URL box still shows hook-webhook-1's URL
    view.preview_button.click()
    twins = [line for line in view.said if line.startswith("⚠")]
    assert twins == [
        "⚠ Hook hook-webhook-1 already sends to https://hooks.example.com/stream?token=***: a "
        "new hook with the same URL makes Stream deliver every event there twice. Type the new "
        "endpoint's URL, or pick hook-webhook-1 in the hook list to change that hook."
    ]
    view.url.value = "https://other.example.com/webhooks/stream"
    view.preview_button.click()
    assert not [line for line in view.said if line.startswith("⚠")]
    assert view.said[-1] == "Press Apply to send it."
    assert TOKEN not in _state_text()


def test_the_hooks_table_shows_each_target_whole(offline: WebhookController) -> None:
    assert offline.stand_in is not None
    queue = offline.stand_in.settings["event_hooks"][1]["sqs_queue_url"]
    assert len(queue) > 50  # longer than pandas shows a column
    view = WebhookView(offline)
    view.load_button.click()
    shown = view.hooks.outputs[-1]["data"]["text/html"]
    assert f">{queue}</td>" in shown


def test_an_unforeseen_error_is_said_not_left_behind_the_last_message(
    offline: WebhookController,
) -> None:
    """A port out of range passed the controller's URL checks and raised in Check endpoint:
    the click said nothing and the previous message stayed, as if it were the answer."""
    view = WebhookView(offline)
    view.load_button.click()
    view.url.value = "https://hooks.example.com:99999/stream?token=" + TOKEN
    view.check_button.click()
    said = " ".join(view.said)
    assert not said.startswith("Loaded the settings"), said
    assert TOKEN not in said
    assert "99999" in said or "port" in said.lower(), said


def test_a_secret_of_spaces_is_said_and_not_sent(offline: WebhookController) -> None:
    """Spaces typed in the secret field went to the API as the secret: HTTP 401, and the
    loaded settings were dropped."""
    view = WebhookView(offline)
    view.load_button.click()
    assert offline.stand_in is not None
    before = len(offline.stand_in.requests)
    view.secret.value = "   "
    view.load_button.click()
    assert view.said == [
        "The API secret field holds only spaces: nothing was sent. Type the app's secret, or "
        "leave the field empty to use the demo stand-in secret."
    ]
    assert view.secret.value == ""
    assert len(offline.stand_in.requests) == before
    assert offline.settings is not None  # what was loaded stays
