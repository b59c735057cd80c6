"""Notebook 04's widget survives Run All: Load after the stand-in was stopped, Undo twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from streamhook_nb.errors import ApiError
from streamhook_nb.samples.webhooks import DEMO_API_KEY, DEMO_SECRET
from streamhook_nb.verify.secrets import Secret
from streamhook_nb.webhook.controller import WebhookController
from streamhook_nb.webhook.standin import StandIn
from streamhook_nb.webhook.stream_api import AppSettingsClient
from streamhook_nb.widgets.webhook_view import WebhookView

NEW_URL = "https://new.example.com/webhooks/stream"


def test_load_after_the_stand_in_was_stopped_restarts_it(offline: WebhookController) -> None:
    """Run All stops the stand-in in the last cell; a click on Load afterwards must work."""
    view = WebhookView(offline)
    assert offline.stand_in is not None
    offline.stand_in.stop()  # what notebook 04's last cell did
    view.load_button.click()
    assert view.said[0].startswith("The local stand-in had been stopped: restarted it at")
    assert "Loaded the settings of demo_api_key" in view.said[0]
    assert offline.stand_in.running
    assert view.url.value == "https://hooks.example.com/webhooks/stream"


def test_load_against_a_stopped_server_names_the_cause(tmp_path: Path) -> None:
    """A server nobody restarts: the message says nothing listens there, not 'the network'."""
    stopped = WebhookController.offline(tmp_path)
    assert stopped.stand_in is not None
    address = stopped.stand_in.url
    stopped.stand_in.stop()
    with pytest.raises(ApiError) as caught:
        AppSettingsClient(DEMO_API_KEY, Secret(DEMO_SECRET, "S"), address).get()
    assert str(caught.value) == (
        f"{address}: nothing listens at this address (connection refused). "
        "Start the server there, or correct STREAM_CHAT_URL / the API base URL"
    )


@pytest.fixture
def plain(tmp_path: Path) -> Iterator[tuple[WebhookController, StandIn]]:
    """The way notebook 04 wired it before: a stand-in the controller does not own."""
    with StandIn(DEMO_API_KEY, DEMO_SECRET) as stand_in:
        controller = WebhookController(backup_dir=tmp_path / "backups")
        controller.connect(DEMO_API_KEY, stand_in.url, DEMO_SECRET)
        yield controller, stand_in


def test_second_undo_does_not_claim_a_restore(plain: tuple[WebhookController, StandIn]) -> None:
    controller, stand_in = plain
    view = WebhookView(controller)
    view.load_button.click()
    before = stand_in.settings["event_hooks"][0]["webhook_url"]
    view.url.value = NEW_URL
    view.preview_button.click()
    view.apply_button.click()
    assert stand_in.settings["event_hooks"][0]["webhook_url"] == NEW_URL
    view.undo_button.click()
    assert view.said[0].startswith("Restored the settings saved in")
    assert stand_in.settings["event_hooks"][0]["webhook_url"] == before
    patches = sum(r.method == "PATCH" for r in stand_in.requests)
    view.undo_button.click()
    assert view.said == [
        "Nothing to undo: every change applied here was undone already.",
    ]
    assert sum(r.method == "PATCH" for r in stand_in.requests) == patches


def test_undo_before_any_apply_says_so(plain: tuple[WebhookController, StandIn]) -> None:
    view = WebhookView(plain[0])
    view.undo_button.click()
    assert view.said == [
        "Nothing to undo. Undo restores the settings saved by Apply: apply a change first."
    ]


def test_undo_when_the_settings_already_match_sends_nothing(offline: WebhookController) -> None:
    assert offline.stand_in is not None
    offline.load()
    from streamhook_nb.webhook.plan import WebhookChange

    offline.preview(WebhookChange(NEW_URL))
    offline.apply()
    # someone put the old URL back by hand (another notebook, the dashboard)
    offline.stand_in.settings["event_hooks"][0]["webhook_url"] = (
        "https://hooks.example.com/webhooks/stream"
    )
    patches = sum(r.method == "PATCH" for r in offline.stand_in.requests)
    message = offline.undo()
    assert message.startswith("Nothing to undo: the settings already match")
    assert sum(r.method == "PATCH" for r in offline.stand_in.requests) == patches


def test_a_stand_in_whose_port_was_taken_comes_back_elsewhere(
    offline: WebhookController,
) -> None:
    import socket
    from urllib.parse import urlsplit

    view = WebhookView(offline)
    assert offline.stand_in is not None
    old = offline.stand_in.url
    offline.stand_in.stop()
    with socket.socket() as squatter:  # something else took the port meanwhile
        squatter.bind(("127.0.0.1", urlsplit(old).port or 0))
        squatter.listen()
        view.load_button.click()
        assert view.said[0].startswith("The local stand-in had been stopped: restarted it at")
        assert offline.stand_in.url != old
        assert view.base_url.value == offline.stand_in.url
        view.load_button.click()  # and again, from the URL the view now shows
        assert view.said[0].startswith("Loaded the settings of demo_api_key")
