"""The capture receiver: takes Stream's POSTs, writes each to the capture log, then answers.

Read, store, forget: the record is in the log before the 200 goes out; nothing else is done
with the delivery. Optionally it verifies the signature, records the verdict, and answers 401 to
a bad one (still logging it).
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from streamhook_nb.background_server import ServedInBackground
from streamhook_nb.capture.log import CaptureLog
from streamhook_nb.load.headers import fold
from streamhook_nb.verify.secrets import Keyring
from streamhook_nb.verify.verdict import judge_request

DEFAULT_BODY_LIMIT = 8 * 1024 * 1024
HEADER_LIMITS = {"max_line_size": 8190, "max_field_size": 8190, "max_headers": 128}
"""Limits on the request line and headers (aiohttp answers 400 / 431 past them)."""


@dataclass
class CaptureSettings:
    """How the receiver behaves."""

    keyring: Keyring | None = None
    reject_invalid: bool = False
    path: str | None = None  # only this path takes deliveries; None: any path
    body_limit: int = DEFAULT_BODY_LIMIT


def capture_record(
    request: web.Request, body: bytes, status: int, started: float, verdict: str | None
) -> dict[str, Any]:
    """The capture JSON Lines record for one delivery (DESIGN.md §3)."""
    pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.raw_headers]
    record: dict[str, Any] = {
        "received_at": datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "method": request.method,
        "path": request.path_qs,
        "remote_addr": request.remote,
        "http_version": f"{request.version.major}.{request.version.minor}",
        "headers": fold(pairs),
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


def build_app(log: CaptureLog, settings: CaptureSettings) -> web.Application:
    """The aiohttp application; closing it flushes and closes the log."""

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def deliver(request: web.Request) -> web.Response:
        started = time.perf_counter()
        if request.method != "POST" or (settings.path and request.path != settings.path):
            if settings.path and request.path != settings.path:
                raise web.HTTPNotFound()
            raise web.HTTPMethodNotAllowed(request.method, ["POST"])
        body = await request.read()  # aiohttp answers 413 above client_max_size
        verdict = None
        status = 200
        if settings.keyring is not None:
            result = judge_request(body, request.headers, settings.keyring)
            verdict = result.reason.value
            if settings.reject_invalid and result.valid is False:
                status = 401
        line = orjson.dumps(
            capture_record(request, body, status, started, verdict),
            option=orjson.OPT_APPEND_NEWLINE,
        )
        await log.append(line)
        return web.Response(status=status, text="ok" if status == 200 else "invalid signature")

    async def close_log(_: web.Application) -> None:
        log.close()

    app = web.Application(client_max_size=settings.body_limit)
    app.router.add_get("/healthz", healthz)
    app.router.add_route("*", "/{tail:.*}", deliver)
    app.on_startup.append(lambda _: _open(log))
    app.on_cleanup.append(close_log)
    return app


async def _open(log: CaptureLog) -> None:
    log.open()


def runner_options() -> dict[str, Any]:
    """What the receiver's HTTP handler needs: exact bytes (no gzip undoing) and header limits."""
    return {"auto_decompress": False, **HEADER_LIMITS, "access_log": None}


def serve(log: CaptureLog, settings: CaptureSettings, host: str, port: int) -> None:
    """Run until SIGINT/SIGTERM, then flush everything and stop."""
    web.run_app(
        build_app(log, settings),
        host=host,
        port=port,
        print=lambda text: print(
            text.replace("(Press CTRL+C to quit)", "(CTRL+C or SIGTERM to stop)"), flush=True
        ),
        **runner_options(),
    )


class CaptureServer(ServedInBackground):
    """The receiver in a background thread, for notebooks: ``start()`` returns its URL."""

    def __init__(
        self, log_path: str, settings: CaptureSettings | None = None, **log_options: Any
    ) -> None:
        self.log = CaptureLog(log_path, **log_options)
        self.settings = settings or CaptureSettings()
        self.url = ""

    def application(self) -> web.Application:
        """The receiver's aiohttp application."""
        return build_app(self.log, self.settings)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host`` (loopback by default) and serve until :meth:`stop`."""
        options = runner_options()
        options.pop("access_log")
        bound_host, bound_port = self._serve(host, port, **options)
        self.url = f"http://{bound_host}:{bound_port}"
        return self.url
