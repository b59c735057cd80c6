"""A local stand-in of Stream's app-settings API (``GET``/``PATCH /app``) on 127.0.0.1.

It checks the server-side auth exactly as Stream does (``api_key`` query, ``Authorization``
JWT signed HS256 with the secret over ``{"server": true}``, ``stream-auth-type: jwt``), and
applies ``PATCH`` the way Stream does: ``event_hooks`` replaces the whole list. Tests and the
notebook's offline demo talk to it instead of the real API.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web

from streamhook_nb.background_server import ServedInBackground

DEMO_APP_SETTINGS: dict[str, Any] = {
    "name": "demo-app",
    "webhook_url": "",
    "webhook_events": [],
    "event_hooks": [
        {
            "id": "hook-webhook-1",
            "hook_type": "webhook",
            "enabled": True,
            "event_types": ["message.new", "message.updated"],
            "webhook_url": "https://hooks.example.com/webhooks/stream",
        },
        {
            "id": "hook-sqs-1",
            "hook_type": "sqs",
            "enabled": True,
            "event_types": [],
            "sqs_queue_url": "https://sqs.us-east-1.amazonaws.com/123456789012/stream-events",
            "sqs_region": "us-east-1",
            "sqs_auth_type": "resource",
        },
        {
            "id": "hook-sns-1",
            "hook_type": "sns",
            "enabled": False,
            "event_types": ["user.deleted"],
            "sns_topic_arn": "arn:aws:sns:us-east-1:123456789012:stream-webhooks",
            "sns_region": "us-east-1",
            "sns_auth_type": "resource",
        },
        {
            "id": "hook-pending-1",
            "hook_type": "pending_message",
            "enabled": True,
            "event_types": [],
            "webhook_url": "https://moderation.example.com/pending",
            "timeout_ms": 3000,
            "callback": {"mode": "CALLBACK_MODE_REST"},
        },
    ],
}
"""The app the stand-in serves by default: one hook of every type."""


@dataclass
class Recorded:
    """One request the stand-in received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class StandIn(ServedInBackground):
    """The stand-in server; ``start()`` runs it in a background thread."""

    api_key: str
    secret: str
    settings: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEMO_APP_SETTINGS))
    requests: list[Recorded] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # statuses to answer with, in order
    delay_seconds: float = 0.0
    url: str = ""

    def __repr__(self) -> str:
        return f"StandIn(url={self.url!r}, api_key={self.api_key!r})"

    def application(self) -> web.Application:
        """The aiohttp application."""
        application = web.Application()
        application.router.add_get("/app", self._get)
        application.router.add_patch("/app", self._patch)
        return application

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a background thread; returns the base URL."""
        bound_host, bound_port = self._serve(host, port)
        self.url = f"http://{bound_host}:{bound_port}"
        return self.url

    async def _record(self, request: web.Request) -> web.Response | None:
        body: object = None
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:  # not JSON or not UTF-8: the PATCH answers 400, as Stream does
                body = None
        self.requests.append(
            Recorded(
                request.method,
                request.path,
                dict(request.query),
                {k.lower(): v for k, v in request.headers.items()},
                body,
            )
        )
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.fail_next:
            status = self.fail_next.pop(0)
            return _error(status, f"stand-in configured to answer {status}")
        return self._auth_error(request)

    def _auth_error(self, request: web.Request) -> web.Response | None:
        if request.query.get("api_key") != self.api_key:
            return _error(401, "api_key not valid")
        if request.headers.get("stream-auth-type") != "jwt":
            return _error(401, "stream-auth-type header must be jwt")
        token = request.headers.get("Authorization", "")
        try:
            claims = jwt.decode(token, self.secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            return _error(401, "JWTAuth error: signature is not valid")
        if claims.get("server") is not True:
            return _error(403, "server-side auth requires a token with server: true")
        return None

    async def _get(self, request: web.Request) -> web.Response:
        refused = await self._record(request)
        if refused is not None:
            return refused
        return web.json_response({"app": copy.deepcopy(self.settings), "duration": "0.10ms"})

    async def _patch(self, request: web.Request) -> web.Response:
        refused = await self._record(request)
        if refused is not None:
            return refused
        body = self.requests[-1].body
        if not isinstance(body, dict):
            return _error(400, "body must be a JSON object")
        hooks = body.get("event_hooks", [])
        if not isinstance(hooks, list) or not all(isinstance(hook, dict) for hook in hooks):
            return _error(400, "event_hooks must be a list of objects")
        for name, value in body.items():
            if name == "event_hooks":
                hooks = copy.deepcopy(value)
                for hook in hooks:
                    hook.setdefault("id", str(uuid.uuid4()))
                self.settings["event_hooks"] = hooks  # PATCH replaces the whole list
            else:
                self.settings[name] = copy.deepcopy(value)
        return web.json_response({"duration": "0.20ms"})


def _error(status: int, message: str) -> web.Response:
    return web.json_response(
        {"code": 5 if status < 500 else -1, "message": message, "StatusCode": status},
        status=status,
    )
