"""Run an aiohttp application on 127.0.0.1 in a background thread (for notebooks and tests).

Everything asyncio happens in that thread, so it works in a Jupyter kernel, whose main thread
already runs an event loop.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from typing import Any

from aiohttp import web


class BackgroundServer:
    """An aiohttp app served from its own event loop thread; ``start()`` returns host and port."""

    def __init__(
        self,
        application: web.Application,
        name: str = "streamhook-server",
        **runner_options: Any,
    ) -> None:
        self._application = application
        self._runner_options = runner_options
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
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
            raise OSError(f"cannot listen on {host}:{port}") from self._error
        return self._address

    def _serve(
        self, host: str, port: int, ssl_context: ssl.SSLContext | None, ready: threading.Event
    ) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            options = {"access_log": None, **self._runner_options}
            runner = web.AppRunner(self._application, **options)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
            loop.run_until_complete(site.start())
        except BaseException as exc:
            self._error = exc
            ready.set()
            loop.close()
            return
        bound_host, bound_port = runner.addresses[0][:2]
        self._loop, self._runner = loop, runner
        self._address = (str(bound_host), int(bound_port))
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    def stop(self) -> None:
        """Stop serving and end the thread (safe to call twice)."""
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop = self._runner = self._thread = None


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
        self, host: str, port: int, ssl_context: ssl.SSLContext | None = None, **options: Any
    ) -> tuple[str, int]:
        self._server = BackgroundServer(self.application(), type(self).__name__, **options)
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
