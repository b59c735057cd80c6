"""Keep the receiver answering under slow or many clients: open-file budget, connection cap.

Every connection holds a file descriptor. Clients that open connections and send their headers
slowly (slowloris) would otherwise use up the open-file limit, and then neither deliveries nor
``/healthz`` get in. The receiver raises its soft limit to the hard one at start, keeps its
connections below that limit, and when the cap is reached a new connection closes the oldest one
that is not in the middle of a request, so there is always room for a new request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

try:
    import resource
except ImportError:  # pragma: no cover - Windows has no resource module
    resource = None  # type: ignore[assignment]

FALLBACK_LIMIT = 1024
ACCEPT_BURST = 100
"""asyncio accepts up to ``backlog`` (100) connections at once, before the cap sees any."""
STARTING_SECONDS = 10.0
REFUSED = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
    b"Connection: close\r\n\r\n"
)


def raise_open_file_limit() -> int:
    """Raise the soft open-file limit to the hard one (where allowed); returns the soft limit."""
    if resource is None:
        return FALLBACK_LIMIT
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (OSError, ValueError):
            return int(soft)
        return int(hard)
    return int(soft) if soft != resource.RLIM_INFINITY else 1 << 20


def connection_budget(open_file_limit: int | None = None) -> int:
    """How many connections fit under the open-file limit, with room for the log and the rest."""
    if open_file_limit is None:
        if resource is None:
            open_file_limit = FALLBACK_LIMIT
        else:
            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
            open_file_limit = int(soft) if soft != resource.RLIM_INFINITY else 1 << 20
    reserve = max(ACCEPT_BURST + 32, open_file_limit // 8)
    return max(1, open_file_limit - reserve)


class _Refused(asyncio.Protocol):
    """Answers 503 and closes: every connection is busy with a request."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(REFUSED)
        transport.close()


class ConnectionGuard:
    """Caps open connections at ``limit``; at the cap the oldest idle connection makes room.

    ``middleware`` marks connections in the middle of a request (those are never closed);
    :meth:`protocol_factory` wraps the aiohttp server handed to ``loop.create_server``.
    Connections accepted but not yet started count too: asyncio accepts a burst of them before
    any is registered with the server.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.evicted = 0
        self._busy: set[object] = set()
        self._starting: dict[object, float] = {}  # made, not yet registered: creation time

    @web.middleware
    async def middleware(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        """Mark the connection busy while its request is handled."""
        protocol = request.protocol
        self._busy.add(protocol)
        try:
            return await handler(request)
        finally:
            self._busy.discard(protocol)

    def protocol_factory(self, server: web.Server) -> Callable[[], asyncio.BaseProtocol]:
        """A protocol factory that enforces the cap before each new connection."""

        def make() -> asyncio.BaseProtocol:
            registered = server.connections
            for connection in registered:
                self._starting.pop(connection, None)
            now = time.monotonic()
            for waiting, made in list(self._starting.items()):
                if now - made > STARTING_SECONDS:  # never started (the peer went away)
                    del self._starting[waiting]
            open_now = [c for c in registered if c.transport is not None]
            if len(open_now) + len(self._starting) >= self.limit:
                idle = next((c for c in open_now if c not in self._busy), None)
                if idle is None:
                    return _Refused()
                idle.force_close()
                self.evicted += 1
            protocol: Any = server()
            self._starting[protocol] = now
            return protocol  # type: ignore[no-any-return]

        return make
