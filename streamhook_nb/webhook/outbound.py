"""Requests sent the way Stream sends them: redirects never followed, and one deadline for the
whole response (a server that dribbles its answer byte by byte cannot hold a request open).

Used by the endpoint check, the test event and replay.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


def redirect_host(response: requests.Response) -> str | None:
    """For a 3xx answer, the host its ``Location`` points to (the request's own if relative)."""
    if not 300 <= response.status_code < 400:
        return None
    location = response.headers.get("Location", "")
    target = urljoin(response.url or "", location) if location else ""
    try:
        parts = urlsplit(target)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "an unreadable Location"
    if not host:
        return "nowhere (no Location header)"
    return f"{host}:{port}" if port else host


def redirect_note(response: requests.Response) -> str | None:
    """A sentence for a 3xx answer: where it points, and that it was not followed."""
    host = redirect_host(response)
    if host is None:
        return None
    return f"HTTP {response.status_code} redirect to {host} (not followed: Stream does not follow)"


class DeadlineExceeded(requests.exceptions.ReadTimeout):
    """The whole response did not arrive within the deadline."""


class _Watch:
    """Shuts down the request's socket when the deadline passes, wherever the request is."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self.finished = False
        self.connection: Any = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def finish(self) -> None:
        with self._lock:
            self.finished = True
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            if self.finished:
                return
            self.expired = True
            sock = getattr(self.connection, "sock", None)
            if sock is None:  # still connecting: look again shortly
                retry = threading.Timer(0.05, self._expire)
                retry.daemon = True
                retry.start()
                return
        with contextlib.suppress(OSError):  # already closed
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


_current = threading.local()


class _Watched:
    """A connection pool that tells the current request's watch which connection it uses."""

    def _make_request(self, conn: Any, *args: Any, **kwargs: Any) -> Any:
        watch = getattr(_current, "watch", None)
        if watch is not None:
            watch.connection = conn
        return super()._make_request(conn, *args, **kwargs)  # type: ignore[misc]


class _WatchedPool(_Watched, HTTPConnectionPool):
    pass


class _WatchedTLSPool(_Watched, HTTPSConnectionPool):
    pass


class _DeadlineAdapter(HTTPAdapter):
    """Every request, body included, is answered in full within ``seconds`` or fails."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        # types-requests left this method untyped until 2026.
        super().init_poolmanager(*args, **kwargs)  # type: ignore[no-untyped-call,unused-ignore]
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedPool, "https": _WatchedTLSPool}

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        watch = _Watch(self.seconds)
        kwargs["timeout"] = (self.seconds, self.seconds)
        _current.watch = watch
        started = time.monotonic()
        watch.start()
        try:
            response = super().send(request, **kwargs)
            if not kwargs.get("stream"):
                _ = response.content  # read the body under the same deadline
        except requests.RequestException as exc:
            # A socket timeout (as long as the deadline) can beat a busy machine's timer thread.
            if watch.expired or time.monotonic() - started >= self.seconds:
                raise DeadlineExceeded(
                    f"no complete answer within {self.seconds:g} s", request=request
                ) from exc
            raise
        finally:
            watch.finish()
            _current.watch = None
        if watch.expired:  # the deadline passed as the last byte came in
            response.close()
            raise DeadlineExceeded(f"no complete answer within {self.seconds:g} s", request=request)
        return response


class OutboundSession(requests.Session):
    """A ``requests`` session that never follows redirects and gives every request (connecting,
    sending, and reading the whole answer) at most ``deadline`` seconds."""

    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline
        adapter = _DeadlineAdapter(deadline)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Like ``requests.Session.request``, with ``allow_redirects=False`` always."""
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)
