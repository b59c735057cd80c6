"""The capture receiver: takes Stream's POSTs, writes each to the capture log, then answers.

Read, store, forget: the record is in the log before the 200 goes out; nothing else is done
with the delivery. Optionally it verifies the signature, records the verdict, and answers 401 to
a bad one (still logging it). While the log cannot be written it answers 503 with
``Retry-After`` (Stream retries), and ``/healthz`` says why.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import signal
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiohttp.web_urldispatcher import _default_expect_handler

from streamhook_nb.background_server import ServedInBackground, start_serving, stop_serving
from streamhook_nb.capture.arrival import request_headers, verdict_on_arrival
from streamhook_nb.capture.limits import ConnectionGuard, connection_budget, raise_open_file_limit
from streamhook_nb.capture.log import CaptureLog
from streamhook_nb.capture.paths import path_problem
from streamhook_nb.capture.request_log import one_line_server_log
from streamhook_nb.errors import UsageError
from streamhook_nb.load.capture_lines import capture_line
from streamhook_nb.load.headers import Headers
from streamhook_nb.load.readers.capture_jsonl import MAX_LINE_BYTES
from streamhook_nb.verify.secrets import Keyring

DEFAULT_BODY_LIMIT = 8 * 1024 * 1024
MAX_BODY_LIMIT = 11 * 1024 * 1024
"""The largest body limit: such a body, as base64 (4/3 of it), still leaves 1.3 MiB of a
capture-log line (16 MiB) for the rest of its record."""
DEFAULT_READ_TIMEOUT = 15.0
HEADER_FIELD_LIMIT = 8190
HEADER_COUNT_LIMIT = 128
"""Past these the receiver answers 431 (a header line longer than this, or more headers)."""
PARSER_LIMITS = {"max_line_size": 8190, "max_field_size": 32 * 1024, "max_headers": 256}
"""Where the HTTP parser itself stops reading (it answers 400); above the 431 limits."""
RETRY_AFTER_SECONDS = 5
_TOO_LARGE_TO_LOG = f"the request would take more than {MAX_LINE_BYTES:,} bytes as a log record"

logger = logging.getLogger(__name__)


@dataclass
class CaptureSettings:
    """How the receiver behaves.

    ``read_timeout``: seconds a client has to send a request's headers (and, separately, its
    body); also how long an idle keep-alive connection stays open. ``max_connections``: open
    connections at most (None: what fits under the open-file limit).
    """

    keyring: Keyring | None = None
    reject_invalid: bool = False
    path: str | None = None  # only this path takes deliveries; None: any path
    body_limit: int = DEFAULT_BODY_LIMIT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_connections: int | None = None

    def __post_init__(self) -> None:
        problem = path_problem(self.path) if self.path is not None else None
        if problem is not None:
            raise UsageError(f"path= {problem}")
        problem = body_limit_problem(self.body_limit)
        if problem is not None:
            raise UsageError(f"body_limit= {problem}")


def body_limit_problem(limit: int) -> str | None:
    """What is wrong with a body limit, in words (None: nothing)."""
    if limit <= 0:
        return "must be a positive number of bytes"
    if limit > MAX_BODY_LIMIT:
        return (
            f"may be at most {MAX_BODY_LIMIT:,} bytes (11 MiB): a bigger body would not fit on "
            f"one line of the capture log ({MAX_LINE_BYTES:,} bytes)"
        )
    return None


def capture_record(
    request: web.Request,
    headers: Headers,
    body: bytes,
    status: int,
    started: float,
    verdict: str | None,
) -> dict[str, Any]:
    """The capture JSON Lines record for one delivery (DESIGN.md §3)."""
    record: dict[str, Any] = {
        "received_at": datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "method": request.method,
        "path": request.rel_url.raw_path_qs,  # as sent (path_qs turns //a into ////a)
        "remote_addr": request.remote,
        "http_version": f"{request.version.major}.{request.version.minor}",
        "headers": headers,
    }
    try:
        record["body"] = body.decode("utf-8")
    except UnicodeDecodeError:
        record["body_b64"] = base64.b64encode(body).decode("ascii")
    record["response"] = {
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
    }
    if verdict is not None:
        record["verdict"] = verdict
    return record


def _unavailable(reason: str) -> web.Response:
    return web.Response(
        status=503,
        text=f"{reason}; retry later",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _headers_too_large(request: web.Request) -> bool:
    raw = request.raw_headers
    return len(raw) > HEADER_COUNT_LIMIT or any(
        len(name) + len(value) + 2 > HEADER_FIELD_LIMIT for name, value in raw
    )


def build_app(
    log: CaptureLog, settings: CaptureSettings, guard: ConnectionGuard | None = None
) -> web.Application:
    """The aiohttp application; closing it flushes and closes the log."""

    async def healthz(_: web.Request) -> web.Response:
        problem = log.problem()
        if problem is not None:
            return _unavailable(f"unhealthy: {problem}")
        return web.Response(text="ok")

    async def deliver(request: web.Request) -> web.Response:
        started = time.perf_counter()
        if request.method != "POST" or (settings.path and request.path != settings.path):
            if settings.path and request.path != settings.path:
                raise web.HTTPNotFound()
            raise web.HTTPMethodNotAllowed(request.method, ["POST"])
        if (request.version.major, request.version.minor) not in ((1, 0), (1, 1)):
            response = web.Response(status=505, text="HTTP/1.1 (or 1.0) only")
            response.force_close()
            return response
        if _headers_too_large(request):
            raise web.HTTPRequestHeaderFieldsTooLarge(
                text=f"at most {HEADER_COUNT_LIMIT} headers of {HEADER_FIELD_LIMIT} bytes each"
            )
        try:
            async with asyncio.timeout(settings.read_timeout):
                body = await request.read()  # aiohttp answers 413 above client_max_size
        except TimeoutError:
            response = web.Response(status=408, text="the body did not arrive in time")
            response.force_close()
            return response
        headers = request_headers(request)
        verdict = None
        status = 200
        if settings.keyring is not None:
            result = verdict_on_arrival(body, headers, settings.keyring)
            verdict = result.reason.value
            if settings.reject_invalid and result.valid is False:
                status = 401
        record = capture_record(request, headers, body, status, started, verdict)
        line = capture_line(record, MAX_LINE_BYTES)
        if len(line) > MAX_LINE_BYTES:  # headers escaped six times over, say: never loadable
            logger.warning("a request too large to log (%d bytes as a record): 413", len(line))
            return web.Response(status=413, text=_TOO_LARGE_TO_LOG)
        try:
            await log.append(line)
        except (OSError, UsageError) as exc:  # UsageError: the path became a directory, a device
            why = exc.message if isinstance(exc, UsageError) else exc.strerror or exc
            logger.warning("capture log %s: %s; answering 503", log.path, why)
            return _unavailable(f"the capture log cannot be written ({why})")
        return web.Response(status=status, text="ok" if status == 200 else "invalid signature")

    async def expect(request: web.Request) -> web.StreamResponse | None:
        """``Expect: 100-continue``: a body declared over the limit gets its 413 at once, so
        the client is not invited to send it."""
        declared = request.content_length
        if declared is not None and declared > settings.body_limit:
            response = web.Response(
                status=413,
                text=f"the body ({declared} bytes) is over the limit of {settings.body_limit}",
            )
            response.force_close()
            request.content.feed_eof()  # the body will not come: no lingering to wait for it
            return response
        await _default_expect_handler(request)
        return None

    async def open_log(_: web.Application) -> None:
        if not log.is_open:
            log.open()

    async def close_log(_: web.Application) -> None:
        log.close()

    middlewares = [guard.middleware] if guard is not None else []
    app = web.Application(client_max_size=settings.body_limit, middlewares=middlewares)
    app.router.add_get("/healthz", healthz)
    app.router.add_route("*", "/{tail:.*}", deliver, expect_handler=expect)
    app.on_startup.append(open_log)
    app.on_cleanup.append(close_log)
    return app


def runner_options(settings: CaptureSettings) -> dict[str, Any]:
    """What the receiver's HTTP handler needs: exact bytes (no gzip undoing), header limits,
    a deadline for headers and idle connections, and a one-line log of malformed requests."""
    return {
        "auto_decompress": False,
        **PARSER_LIMITS,
        "keepalive_timeout": settings.read_timeout,
        "lingering_time": 2.0,
        "logger": one_line_server_log(),
    }


def _guard(settings: CaptureSettings) -> ConnectionGuard:
    return ConnectionGuard(settings.max_connections or connection_budget())


def serve(log: CaptureLog, settings: CaptureSettings, host: str, port: int) -> None:
    """Run until SIGINT/SIGTERM, then flush everything and stop.

    Raises ``OSError`` when it cannot listen on ``host:port``.
    """
    open_files = raise_open_file_limit()
    guard = ConnectionGuard(settings.max_connections or connection_budget(open_files))
    asyncio.run(_serve_until_signalled(log, settings, guard, host, port))


async def _serve_until_signalled(
    log: CaptureLog, settings: CaptureSettings, guard: ConnectionGuard, host: str, port: int
) -> None:
    runner, listener = await start_serving(
        build_app(log, settings, guard),
        host,
        port,
        wrap=guard.protocol_factory,
        **runner_options(settings),
    )
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows: CTRL+C still interrupts
            loop.add_signal_handler(signum, stopped.set)
    bound_host, bound_port = listener.sockets[0].getsockname()[:2]
    print(
        f"======== Running on http://{bound_host}:{bound_port} ========\n"
        "(CTRL+C or SIGTERM to stop)",
        flush=True,
    )
    try:
        await stopped.wait()
    finally:
        await stop_serving(runner, listener)


class CaptureServer(ServedInBackground):
    """The receiver in a background thread, for notebooks: ``start()`` returns its URL."""

    def __init__(
        self, log_path: str, settings: CaptureSettings | None = None, **log_options: Any
    ) -> None:
        self.log = CaptureLog(log_path, **log_options)
        self.settings = settings or CaptureSettings()
        self.url = ""
        self.guard = _guard(self.settings)

    def __repr__(self) -> str:
        return f"CaptureServer(url={self.url!r}, log={str(self.log.path)!r})"

    def application(self) -> web.Application:
        """The receiver's aiohttp application."""
        return build_app(self.log, self.settings, self.guard)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host`` (loopback by default) and serve until :meth:`stop`.

        The log is opened first, so a path that cannot be written fails here, by name.
        """
        if not self.log.is_open:
            self.log.open()
        bound_host, bound_port = self._serve(
            host, port, wrap=self.guard.protocol_factory, **runner_options(self.settings)
        )
        self.url = f"http://{bound_host}:{bound_port}"
        return self.url
