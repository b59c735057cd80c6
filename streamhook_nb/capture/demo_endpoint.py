"""A small webhook endpoint on 127.0.0.1 for demos and tests: it verifies X-Signature.

Its behaviour can be bent to fail each of Stream's requirements (slow answers, errors, closed
connections, accepting bad signatures), so that the endpoint check has something to find.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field

from aiohttp import web

from streamhook_nb.background_server import ServedInBackground
from streamhook_nb.capture.arrival import request_headers, verdict_on_arrival
from streamhook_nb.verify.secrets import Keyring, Secret


@dataclass
class DemoEndpoint(ServedInBackground):
    """``POST /webhooks/stream``: 200 for a valid signature, else 401 (unless told to accept)."""

    secret: Secret
    status: int | None = None  # answer this status whatever the signature
    delay_seconds: float = 0.0
    close_connections: bool = False
    accept_bad_signatures: bool = False
    redirect_to: str | None = None  # answer 307 with this Location
    dribble_seconds: float = 0.0  # send the answer one byte at a time, this far apart
    received: list[bytes] = field(default_factory=list)
    path: str = "/webhooks/stream"
    url: str = ""

    def __repr__(self) -> str:
        return f"DemoEndpoint(url={self.url!r})"

    async def _hook(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.received.append(body)
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.redirect_to is not None:
            raise web.HTTPTemporaryRedirect(self.redirect_to)
        if self.dribble_seconds:
            return await self._dribble(request)
        verdict = verdict_on_arrival(body, request_headers(request), Keyring((self.secret,)))
        status = self.status or (200 if verdict.valid or self.accept_bad_signatures else 401)
        headers = {"Connection": "close"} if self.close_connections else {}
        response = web.Response(status=status, text=verdict.reason.value, headers=headers)
        if self.close_connections:
            response.force_close()
        return response

    async def _dribble(self, request: web.Request) -> web.StreamResponse:
        text = b"ok, slowly" * 10
        response = web.StreamResponse(status=200)
        response.content_length = len(text)
        await response.prepare(request)
        for byte in text:
            await response.write(bytes([byte]))
            await asyncio.sleep(self.dribble_seconds)
        return response

    def application(self) -> web.Application:
        """The aiohttp application."""
        application = web.Application()
        application.router.add_post(self.path, self._hook)
        return application

    def start(self, ssl_context: ssl.SSLContext | None = None) -> str:
        """Serve in a background thread (HTTPS with ``ssl_context``); returns the URL."""
        host, port = self._serve("127.0.0.1", 0, ssl_context)
        scheme = "https" if ssl_context else "http"
        self.url = f"{scheme}://{host}:{port}{self.path}"
        return self.url
