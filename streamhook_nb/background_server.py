"""Run an aiohttp application on 127.0.0.1 in a background thread (for notebooks and tests).

Everything asyncio happens in that thread, so it works in a Jupyter kernel, whose main thread
already runs an event loop.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Callable
from typing import Any

from aiohttp import web

ProtocolWrapper = Callable[[web.Server], Callable[[], asyncio.BaseProtocol]]
"""Wraps the aiohttp server into the protocol factory given to ``loop.create_server``."""


async def start_serving(
    application: web.Application,
    host: str,
    port: int,
    *,
    ssl_context: ssl.SSLContext | None = None,
    wrap: ProtocolWrapper | None = None,
    **runner_options: Any,
) -> tuple[web.AppRunner, asyncio.Server]:
    """Set the application up and listen; ``wrap`` may gate every new connection."""
    runner = web.AppRunner(application, **{"access_log": None, **runner_options})
    await runner.setup()
    server = runner.server
    assert server is not None
    factory = server if wrap is None else wrap(server)
    try:
        listener = await asyncio.get_running_loop().create_server(
            factory, host, port, ssl=ssl_context, reuse_address=True
        )
    except BaseException:
        await runner.cleanup()
        raise
    return runner, listener


async def stop_serving(runner: web.AppRunner, listener: asyncio.Server) -> None:
    """Stop listening, let requests in flight finish, run the application's cleanup."""
    listener.close()
    await runner.cleanup()


class BackgroundServer:
    """An aiohttp app served from its own event loop thread; ``start()`` returns host and port."""

    def __init__(
        self,
        application: web.Application,
        name: str = "streamhook-server",
        wrap: ProtocolWrapper | None = None,
        **runner_options: Any,
    ) -> None:
        self._application = application
        self._wrap = wrap
        self._runner_options = runner_options
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._address: tuple[str, int] | None = None
        self._error: BaseException | None = None

    def start(
        self, host: str = "127.0.0.1", port: int = 0, ssl_context: ssl.SSLContext | None = None
    ) -> tuple[str, int]:
        """Listen (port 0: any free port; TLS with ``ssl_context``) and serve until :meth:`stop`."""
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(host, port, ssl_context, ready), name=self._name, daemon=True
        )
        self._thread.start()
        ready.wait(timeout=30)
        if self._error is not None or self._address is None:
            self._thread.join(timeout=5)
            if isinstance(self._error, OSError) and self._error.strerror:
                raise OSError(
                    self._error.errno, f"cannot listen on {host}:{port}: {self._error.strerror}"
                ) from self._error
            raise OSError(f"cannot listen on {host}:{port}") from self._error
        return self._address

    def _serve(
        self, host: str, port: int, ssl_context: ssl.SSLContext | None, ready: threading.Event
    ) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            runner, listener = loop.run_until_complete(
                start_serving(
                    self._application,
                    host,
                    port,
                    ssl_context=ssl_context,
                    wrap=self._wrap,
                    **self._runner_options,
                )
            )
        except BaseException as exc:
            self._error = exc
            ready.set()
            loop.close()
            return
        bound_host, bound_port = listener.sockets[0].getsockname()[:2]
        self._loop, self._runner, self._listener = loop, runner, listener
        self._address = (str(bound_host), int(bound_port))
        ready.set()
        loop.run_forever()
        loop.run_until_complete(stop_serving(runner, listener))
        loop.close()

    def stop(self) -> None:
        """Stop serving and end the thread (safe to call twice)."""
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop = self._runner = self._thread = self._listener = None


class ServedInBackground:
    """Mixin for a class that builds an aiohttp app: serve it, stop it, use it in ``with``.

    The class defines ``application()`` and a ``start()`` that calls :meth:`_serve` and makes
    its URL from the bound address.
    """

    _server: BackgroundServer | None = None

    def application(self) -> web.Application:
        """The aiohttp application to serve."""
        raise NotImplementedError

    def _serve(
        self,
        host: str,
        port: int,
        ssl_context: ssl.SSLContext | None = None,
        wrap: ProtocolWrapper | None = None,
        **options: Any,
    ) -> tuple[str, int]:
        self._server = BackgroundServer(self.application(), type(self).__name__, wrap, **options)
        return self._server.start(host, port, ssl_context)

    def start(self) -> str:
        """Serve in a background thread; returns the URL."""
        raise NotImplementedError

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._server is not None

    def stop(self) -> None:
        """Stop serving (safe to call twice)."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Any:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
