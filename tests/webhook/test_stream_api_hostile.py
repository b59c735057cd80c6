"""The app-settings client against servers that answer the way a broken proxy, a captive
portal or a misconfigured base URL does: clear errors, never a traceback, never a credential
(the secret, the server token the SDK signs, a proxy password in the base URL)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from helpers import run_cli

from streamhook_nb.background_server import BackgroundServer
from streamhook_nb.errors import ApiError, UsageError
from streamhook_nb.verify.secrets import Secret
from streamhook_nb.webhook.controller import WebhookController
from streamhook_nb.webhook.plan import WebhookChange, plan_change
from streamhook_nb.webhook.stream_api import AppSettingsClient

KEY = "hostile_key"
SECRET = "hostile-secret-value-0123456789-long-enough"
Answer = Callable[[web.Request], Any]


@pytest.fixture
def api() -> Iterator[Callable[[Answer], str]]:
    """Serve one answer for every request; returns the base URL."""
    servers: list[BackgroundServer] = []

    def serve(answer: Answer) -> str:
        async def handle(request: web.Request) -> web.StreamResponse:
            result = answer(request)
            return await result if asyncio.iscoroutine(result) else result  # type: ignore[no-any-return]

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        server = BackgroundServer(app)
        servers.append(server)
        host, port = server.start()
        return f"http://{host}:{port}"

    yield serve
    for server in servers:
        server.stop()


def _client(url: str, timeout: float = 6.0) -> AppSettingsClient:
    return AppSettingsClient(KEY, Secret(SECRET, "S"), url, timeout=timeout)


def _echo(request: web.Request) -> web.Response:
    """A proxy that quotes the request in its error page."""
    return web.json_response(
        {"code": 4, "message": f"bad token {request.headers['Authorization']}"}, status=400
    )


def test_an_echoed_server_token_is_not_in_the_error(api: Callable[[Answer], str]) -> None:
    url = api(_echo)
    with pytest.raises(ApiError, match="HTTP 400") as caught:
        _client(url).get()
    message = str(caught.value)
    assert "bad token ***" in message
    assert "eyJ" not in message
    assert SECRET not in message


@pytest.mark.parametrize("body", [["oops"], "denied", 5])
def test_an_error_whose_json_is_not_an_object_is_a_refusal(
    api: Callable[[Answer], str], body: object
) -> None:
    url = api(lambda _: web.json_response(body, status=503))
    with pytest.raises(ApiError, match="HTTP 503") as caught:
        _client(url).get()
    assert "try again later" in str(caught.value)


def test_a_success_that_is_not_json_says_the_base_url_is_wrong(
    api: Callable[[Answer], str],
) -> None:
    url = api(lambda _: web.Response(text="<html>captive portal</html>"))
    with pytest.raises(ApiError, match="not Stream's JSON") as caught:
        _client(url).get()
    assert "refused" not in str(caught.value)
    assert "base URL" in str(caught.value)


@pytest.mark.parametrize(
    ("app", "named"),
    [
        ({"webhook_url": 5}, "'webhook_url' is a number, not a URL"),
        ({"event_hooks": "x"}, "'event_hooks' is text, not a list"),
        ({"event_hooks": [5]}, "event_hooks[0] is a number, not a hook"),
        ({"event_hooks": [{"event_types": "message.new"}]}, "event_hooks[0].event_types is"),
        ({"event_hooks": [{"webhook_url": ["a"]}]}, "event_hooks[0].webhook_url is a list"),
        ({"webhook_events": [1]}, "'webhook_events' holds something other than event types"),
    ],
)
def test_settings_of_the_wrong_shape_are_named(
    api: Callable[[Answer], str], app: dict[str, Any], named: str, tmp_path: Path
) -> None:
    url = api(lambda _: web.json_response({"app": app}))
    with pytest.raises(ApiError, match="not Stream's") as caught:
        _client(url).get()
    assert named in str(caught.value)
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAM_")}
    env.update(STREAM_API_KEY=KEY, STREAM_API_SECRET=SECRET)
    for command in (["show"], ["set", "--url", "https://a.example.com/h", "--dry-run"]):
        done = run_cli("webhook", *command, "--base-url", url, env=env, cwd=tmp_path)
        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        assert named in done.stderr


def test_a_change_without_an_answer_may_have_been_made(api: Callable[[Answer], str]) -> None:
    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"app": {"webhook_url": ""}})

    url = api(slow)
    client = _client(url, timeout=0.5)
    with pytest.raises(ApiError, match=r"no answer within 0\.5 s") as read:
        client.get()
    assert "may or may not" not in str(read.value)
    with pytest.raises(ApiError, match="may or may not have been made") as caught:
        client.update({"webhook_url": "https://a.example.com/h"})
    assert "webhook show" in caught.value.shell_message()


def test_a_password_in_the_base_url_is_never_shown(api: Callable[[Answer], str]) -> None:
    url = api(lambda _: web.json_response({"message": "no"}, status=401))
    with_password = url.replace("http://", "http://admin:PROXY-PASSWORD@") + "/?token=TOKEN-VALUE"
    client = _client(with_password)
    with pytest.raises(ApiError, match="HTTP 401") as caught:
        client.get()
    refused = _client("http://admin:PROXY-PASSWORD@127.0.0.1:9/")
    with pytest.raises(ApiError, match="connection refused") as unreachable:
        refused.get()
    for text in (str(caught.value), str(unreachable.value), repr(client)):
        assert "PROXY-PASSWORD" not in text
        assert "TOKEN-VALUE" not in text


HOOKS = [
    {
        "id": "h1",
        "hook_type": "webhook",
        "enabled": True,
        "event_types": [],
        "webhook_url": "https://a.example.com/h?token=URL-TOKEN",
    },
    {
        "id": "s1",
        "hook_type": "sqs",
        "enabled": True,
        "event_types": [],
        "sqs_queue_url": "https://sqs.example.com/q",
        "sqs_key": "SQS-KEY-VALUE",
        "sqs_secret": "SQS-SECRET-VALUE",
    },
]


def test_the_controller_and_its_plan_show_no_credentials_in_their_repr(
    api: Callable[[Answer], str],
) -> None:
    url = api(lambda _: web.json_response({"app": {"event_hooks": HOOKS}}))
    controller = WebhookController(backup_dir=Path("unused"))
    controller.connect(KEY, url.replace("http://", "http://admin:PROXY-PASSWORD@"), SECRET)
    controller.load()
    controller.plan = plan_change(controller.settings or {}, WebhookChange("https://b.example/h"))
    assert "SQS-SECRET-VALUE" in str(controller.plan.body)  # the PATCH must keep them
    shown = repr(controller)
    for secret in ("SQS-SECRET-VALUE", "SQS-KEY-VALUE", "URL-TOKEN", "PROXY-PASSWORD", SECRET):
        assert secret not in shown
        assert secret not in repr(controller.plan)
    assert "hooks=2" in shown


def test_no_exception_in_the_chain_keeps_the_server_token(api: Callable[[Answer], str]) -> None:
    """The SDK's exception holds the answer, a requests exception the request (whose
    ``Authorization`` is the server token): neither stays attached to the error raised."""
    url = api(_echo)
    with pytest.raises(ApiError) as refused:
        _client(url).get()
    with pytest.raises(ApiError) as unreachable:
        _client("http://127.0.0.1:9").get()
    for caught in (refused, unreachable):
        assert caught.value.__cause__ is None
        assert caught.value.__context__ is None


@pytest.mark.parametrize(
    "base_url", ["not a url", "ftp://x.example", "http://[::1", "http://127.0.0.1:99999"]
)
def test_a_base_url_that_cannot_work_is_a_usage_error(base_url: str, tmp_path: Path) -> None:
    """Not a network failure ("cannot reach the API (InvalidURL). Check the network"), exit 2."""
    with pytest.raises(UsageError, match="is not an API base URL"):
        _client(base_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAM_")}
    env.update(STREAM_API_KEY=KEY, STREAM_API_SECRET=SECRET, STREAM_CHAT_URL=base_url)
    done = run_cli("webhook", "show", env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert "Set STREAM_CHAT_URL (or --base-url) to an http(s) URL" in done.stderr
