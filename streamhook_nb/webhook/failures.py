"""Why an outbound request (a test event, a replayed delivery, an endpoint check) got no
answer, in words a person can act on, instead of an exception's class name."""

from __future__ import annotations

import socket

import requests

from streamhook_nb.webhook.outbound import DeadlineExceeded


def _causes(exc: BaseException) -> list[object]:
    """The exception and everything it wraps (``__cause__``, urllib3's ``reason``, ``args``)."""
    seen: list[object] = []
    todo: list[object] = [exc]
    while todo and len(seen) < 20:
        item = todo.pop(0)
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        if isinstance(item, BaseException):
            todo += [item.__cause__, item.__context__, getattr(item, "reason", None)]
            todo += [a for a in item.args if isinstance(a, BaseException)]
    return seen


def failure_reason(exc: BaseException) -> tuple[str, str]:
    """Why a request got no answer, in words, and what to do: (reason, fix)."""
    causes = _causes(exc)
    text = " ".join(str(c) for c in causes).lower()
    if isinstance(exc, DeadlineExceeded):
        return (
            str(exc),
            "Make the endpoint answer sooner: Stream waits only that long for the whole answer",
        )
    if any(isinstance(c, socket.gaierror) for c in causes) or any(
        words in text
        for words in (
            "name or service not known",
            "failed to resolve",
            "name resolution",
            "nodename nor servname",
        )
    ):
        return "the host name does not resolve", "Check the host name in the URL for typos"
    if any(isinstance(c, ConnectionRefusedError) for c in causes) or "refused" in text:
        return (
            "connection refused: nothing listens at that address",
            "Start the receiver there, or correct the host or port in the URL",
        )
    if isinstance(exc, requests.Timeout) or "timed out" in text:
        return "timed out", "Check that the host is up and reachable from here, then try again"
    if isinstance(exc, requests.exceptions.SSLError):
        return "the TLS handshake failed", "Check the endpoint's certificate (or use http://)"
    if isinstance(exc, requests.ConnectionError):
        return (
            "the connection failed (reset or unreachable)",
            "Check that the host is up and reachable from here",
        )
    return f"the request failed ({type(exc).__name__})", "Check the URL"
