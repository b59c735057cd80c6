"""Stream's app settings through the official SDK, against the local stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import jwt
import pytest
import requests
from stream_chat import StreamChat

from streamhook_nb.samples.webhooks import DEMO_SECRET
from streamhook_nb.verify.secrets import Secret
from streamhook_nb.webhook.standin import StandIn
from streamhook_nb.webhook.stream_api import ApiError, AppSettingsClient

KEY = "test_api_key"


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with StandIn(KEY, DEMO_SECRET) as server:
        yield server


def test_requests_carry_streams_server_auth(stand_in: StandIn) -> None:
    client = AppSettingsClient(KEY, Secret(DEMO_SECRET, "S"), stand_in.url)
    assert client.get()["name"] == "demo-app"
    client.update({"webhook_url": "https://x.example.com/h"})
    for request in stand_in.requests:
        assert request.query == {"api_key": KEY}
        assert request.headers["stream-auth-type"] == "jwt"
        assert not request.headers["authorization"].startswith("Bearer")
        assert jwt.decode(request.headers["authorization"], DEMO_SECRET, algorithms=["HS256"]) == {
            "server": True
        }
    assert [r.method for r in stand_in.requests] == ["GET", "PATCH"]
    assert stand_in.requests[-1].body == {"webhook_url": "https://x.example.com/h"}


def test_same_request_as_the_official_sdk(stand_in: StandIn) -> None:
    StreamChat(KEY, DEMO_SECRET, base_url=stand_in.url).update_app_settings(
        webhook_url="https://a/b"
    )
    AppSettingsClient(KEY, Secret(DEMO_SECRET, "S"), stand_in.url).update(
        {"webhook_url": "https://a/b"}
    )
    sdk, ours = stand_in.requests
    assert (sdk.method, sdk.path, sdk.query, sdk.body) == (
        ours.method,
        ours.path,
        ours.query,
        ours.body,
    )
    for header in ("authorization", "stream-auth-type", "content-type"):
        assert sdk.headers[header] == ours.headers[header]


def test_base_url_from_the_sdk_variable(stand_in: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAM_CHAT_URL", stand_in.url)
    assert AppSettingsClient(KEY, Secret(DEMO_SECRET, "S")).base_url == stand_in.url


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, "Check the API key and the secret from S: they must belong to the same app"),
        (403, "may not change app settings"),
        (429, "rate-limited"),
        (500, "try again later"),
        (503, "try again later"),
    ],
)
def test_refusals_are_clear_and_change_nothing(
    stand_in: StandIn, status: int, message: str
) -> None:
    client = AppSettingsClient(KEY, Secret(DEMO_SECRET, "S"), stand_in.url)
    before = client.get()
    stand_in.fail_next = [status]
    with pytest.raises(ApiError, match=f"HTTP {status}") as caught:
        client.update({"webhook_url": "https://x.example.com/h"})
    assert message in str(caught.value)
    assert client.get() == before


def test_wrong_secret_is_401_without_the_secret_in_the_message(stand_in: StandIn) -> None:
    wrong = "a-wrong-secret-that-is-long-enough-for-hs256"
    with pytest.raises(ApiError, match="HTTP 401") as caught:
        AppSettingsClient(KEY, Secret(wrong, "S"), stand_in.url).get()
    assert wrong not in str(caught.value)
    assert DEMO_SECRET not in str(caught.value)
    # Not Stream's own API: the refusal is named as the address's, not as Stream's.
    assert str(caught.value).startswith(f"{stand_in.url}: The API at this address refused")


def test_a_refusal_by_streams_own_api_names_stream() -> None:
    client = AppSettingsClient(KEY, Secret(DEMO_SECRET, "S"), "https://chat.stream-io-api.com")
    assert client._who() == "Stream"
    assert AppSettingsClient(KEY, Secret(DEMO_SECRET, "S"), "http://127.0.0.1:9")._who() != "Stream"


@pytest.mark.parametrize(
    ("label", "named"),
    [
        ("STREAM_API_SECRET", "Check STREAM_API_KEY and STREAM_API_SECRET: they must"),
        ("the API secret field", "Check the API key and the API secret field:"),
        ("the demo stand-in secret", "Check the API key and the demo stand-in secret:"),
    ],
)
def test_a_401_names_where_the_refused_secret_came_from(
    stand_in: StandIn, label: str, named: str
) -> None:
    """A secret typed in the widget is not blamed on the environment variables."""
    wrong = "a-wrong-secret-that-is-long-enough-for-hs256"
    with pytest.raises(ApiError, match="HTTP 401") as caught:
        AppSettingsClient(KEY, Secret(wrong, label), stand_in.url).get()
    assert named in str(caught.value)
    if label != "STREAM_API_SECRET":
        assert "STREAM_API" not in str(caught.value)


def test_timeout_and_unreachable(stand_in: StandIn) -> None:
    stand_in.delay_seconds = 1.5
    with pytest.raises(ApiError, match=r"no answer within 0\.5 s"):
        AppSettingsClient(KEY, Secret(DEMO_SECRET, "S"), stand_in.url, timeout=0.5).get()
    with pytest.raises(ApiError, match=r"nothing listens at this address \(connection refused\)"):
        AppSettingsClient(KEY, Secret(DEMO_SECRET, "S"), "http://127.0.0.1:9").get()


def test_repr_shows_no_secret(stand_in: StandIn) -> None:
    client = AppSettingsClient(KEY, Secret(DEMO_SECRET, "S"), stand_in.url)
    assert DEMO_SECRET not in repr(client)
    assert DEMO_SECRET not in repr(stand_in)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe", b'["a list"]', b'{"event_hooks": "x"}', b'{"event_hooks": [1]}'],
    ids=["not-json", "not-utf8", "a-list", "hooks-text", "hooks-numbers"],
)
def test_a_patch_the_stand_in_cannot_apply_is_a_400_in_streams_shape(
    stand_in: StandIn, body: bytes
) -> None:
    token = jwt.encode({"server": True}, DEMO_SECRET, algorithm="HS256")
    before = stand_in.settings.copy()
    answer = requests.patch(
        f"{stand_in.url}/app",
        params={"api_key": KEY},
        headers={"Authorization": token, "stream-auth-type": "jwt"},
        data=body,
        timeout=10,
    )
    assert answer.status_code == 400
    assert answer.json()["StatusCode"] == 400
    assert stand_in.settings == before
