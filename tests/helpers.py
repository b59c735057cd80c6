"""Helpers shared by the tests: where the repo is, and builders of small logs."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import requests

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def capture_line(
    body: bytes = b'{"type":"message.new"}',
    headers: dict[str, Any] | None = None,
    **extra: Any,
) -> bytes:
    """One capture JSONL line holding ``body`` exactly."""
    record: dict[str, Any] = {
        "received_at": "2026-11-26T10:00:00.123456Z",
        "method": "POST",
        "path": "/hook",
        "headers": headers if headers is not None else {"x-signature": "ab" * 32},
    }
    try:
        record["body"] = body.decode("utf-8")
    except UnicodeDecodeError:
        record["body_b64"] = base64.b64encode(body).decode()
    record.update(extra)
    return orjson.dumps(record) + b"\n"


def record_line(record: dict[str, object]) -> bytes:
    """One capture JSONL line holding ``record``."""
    return orjson.dumps(record) + b"\n"


def capture_line_variants(record: dict[str, object]) -> list[bytes]:
    """One delivery written the ways real logs hold it, good and bad."""
    bare = {k: v for k, v in record.items() if k not in ("remote_addr", "http_version", "response")}
    headers = dict(record["headers"])  # type: ignore[call-overload]
    upper = {**record, "headers": {k.title(): v for k, v in headers.items()}}
    cgi = {
        **record,
        "headers": {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()},
    }
    no_cased = {**record, "headers": {"123": "x"}}
    repeated = {**record, "headers": {**headers, "x-webhook-id": ["a", "b"]}}
    body_b64 = {k: v for k, v in record.items() if k != "body"}
    body_b64["body_b64"] = "H4sIAAAAAAAAA6tWKkktLlGyUlBKzs8rSc0rUaoFAMshMiAVAAAA"
    bad_time = {**record, "received_at": "yesterday"}
    offset_time = {**record, "received_at": "2026-11-26T10:00:00.5+02:00"}
    far_time = {**record, "received_at": "2300-01-01T00:00:00Z"}
    get = {**record, "method": "GET"}
    number_body = {**record, "body": 5}
    status = {**record, "response": {"status": 99999}}
    return [
        record_line(record),
        record_line(bare),
        record_line(upper),
        record_line(cgi),
        record_line(no_cased),
        record_line(repeated),
        record_line(body_b64),
        record_line(bad_time),
        record_line(offset_time),
        record_line(far_time),
        record_line(get),
        record_line(number_body),
        record_line(status),
        json.dumps(record, indent=None, separators=(", ", ": ")).encode() + b"\n",
        b"\n",
        b"   \n",
        b"{not json\n",
        b"[1, 2]\n",
        record_line(record)[:-20] + b"\n",
        record_line(record)
        + record_line(record)[:-1]
        + b" "
        + record_line(record),  # two objects on one line
    ]


def run_cli(
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m streamhook_nb ARGS`` in a child process with no stdin: its exit code,
    stdout and stderr as text (``env``: the whole environment, when given)."""
    return subprocess.run(
        [sys.executable, "-m", "streamhook_nb", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


def start_receiver(
    log: Path,
    port: int,
    *extra: str,
    open_files: int | None = None,
    env: dict[str, str] | None = None,
    stderr: int = subprocess.DEVNULL,
) -> subprocess.Popen[bytes]:
    """``streamhook-nb capture`` on ``port`` writing ``log``, once it answers ``/healthz``
    (``open_files``: the process's limit on open files; ``env``: its whole environment;
    ``stderr``: where its messages go, ``subprocess.PIPE`` to read them)."""

    def limit() -> None:
        import resource

        if open_files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamhook_nb",
            "capture",
            "--port",
            str(port),
            "--out",
            str(log),
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        env=env,
        preexec_fn=limit,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return process
        except requests.ConnectionError:
            assert process.poll() is None, "the receiver exited"
            assert time.monotonic() < deadline, "the receiver did not start"
            time.sleep(0.1)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
"""Headless Chromium as root on a machine with no network beyond loopback."""


def chromium_path() -> str:
    """Debian's Chromium (installed by ``make test``)."""
    import shutil

    return shutil.which("chromium") or "/usr/bin/chromium"


@contextmanager
def jupyterlab(
    folder: Path, runtime: Path, token: str, env: dict[str, str] | None = None, *extra: str
) -> Iterator[str]:
    """JupyterLab on 127.0.0.1 serving ``folder``; yields its base URL once it answers."""
    import os
    import subprocess
    import sys
    import time

    import requests

    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "jupyter"),
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.runtime_dir={runtime}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
            *extra,
        ],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"{base}/api/status?token={token}", timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None, "JupyterLab exited"
            assert time.monotonic() < deadline, "JupyterLab did not start"
            time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def offline_page(
    target: Path, requests: list[str], console: list[str] | None = None
) -> Iterator[Any]:
    """Chromium showing the local file ``target`` with the network blocked: every request that
    is not for a file is aborted and its URL appended to ``requests``; yields the page once its
    charts (``.chart``) have each drawn an SVG (or says which did not). The browser console's
    messages are appended to ``console`` (``"warning: ..."``) when it is given."""
    from playwright.sync_api import sync_playwright

    def route(request_route: Any) -> None:
        if request_route.request.url.startswith("file:"):
            request_route.continue_()
        else:
            requests.append(request_route.request.url)
            request_route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            context.route("**/*", route)
            tab = context.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda error: errors.append(str(error)))
            if console is not None:
                tab.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
            tab.goto(target.as_uri())
            drawn = (
                "[...document.querySelectorAll('.chart')].every(c => c.querySelector('svg.marks'))"
            )
            try:
                tab.wait_for_function(drawn, timeout=30_000)
            except Exception as exc:
                states = tab.evaluate(
                    "[...document.querySelectorAll('.chart')].map(c => [c.id, c.innerText])"
                )
                raise AssertionError(f"charts not drawn: {states}; page errors: {errors}") from exc
            assert not errors, errors
            yield tab
        finally:
            browser.close()


def lines_one_at_a_time(data: bytes, max_line_bytes: int) -> Iterator[bytes]:
    """The reference for a log read in blocks: each line read alone, a line longer than the
    cap cut at ``max_line_bytes + 1`` bytes (so it is rejected as too long), its rest skipped."""
    readline = io.BytesIO(data).readline
    limit = max_line_bytes + 1
    while line := readline(limit):
        if len(line) == limit and line[-1] != 10:  # 10: b"\n"; the line goes on: skip the rest
            while (rest := readline(1 << 20)) and rest[-1] != 10:
                pass
        yield line


def cell_text(cell: Any) -> str:
    """What an executed notebook cell printed or showed as text (its outputs, joined)."""
    parts = []
    for output in cell.get("outputs", []):
        text = output.get("text") or output.get("data", {}).get("text/plain", "")
        parts.append(text if isinstance(text, str) else "".join(text))
    return "\n".join(parts)
