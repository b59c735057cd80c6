"""Check a webhook endpoint against what Stream requires of it, one requirement at a time."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from streamhook_nb.verify.secrets import Secret
from streamhook_nb.verify.stream_json import encode
from streamhook_nb.webhook.failures import failure_reason
from streamhook_nb.webhook.outbound import DeadlineExceeded, OutboundSession, redirect_note
from streamhook_nb.webhook.plan import PlanError, unreachable_host, validate_url
from streamhook_nb.webhook.redact import redact_url, scrub
from streamhook_nb.webhook.sample_event import (
    DEADLINE_SECONDS,
    delivery_headers,
    message_new_payload,
)

PASS, WARN, FAIL = "pass", "warn", "fail"
ANSWER = "answers a signed POST with 2xx in time"

Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class Requirement:
    """One requirement's outcome: ``pass``, ``warn`` or ``fail``, with a sentence."""

    name: str
    status: str
    message: str


def resolve(host: str, port: int) -> list[str]:
    """The host's IP addresses."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def check_endpoint(
    url: str,
    secret: Secret | None,
    api_key: str,
    *,
    resolver: Resolver = resolve,
    timeout: float = DEADLINE_SECONDS,
) -> list[Requirement]:
    """Every requirement, in order; an unreachable endpoint fails a requirement, never raises.

    Requests go out as Stream sends them: redirects are not followed (a 3xx fails, naming where
    it points), and each request has ``timeout`` seconds for its whole answer. Messages show the
    URL with its credentials redacted.
    """
    try:
        url = validate_url(url)
    except PlanError as exc:
        return [Requirement("valid URL", FAIL, str(exc))]
    parts = urlsplit(url)
    shown = redact_url(url)
    results = [Requirement("valid URL", PASS, f"{shown} is an absolute {parts.scheme} URL.")]
    results.append(
        Requirement("HTTPS", PASS, "The endpoint uses HTTPS.")
        if parts.scheme == "https"
        else Requirement(
            "HTTPS", WARN, "Plain HTTP: payloads travel unencrypted; use HTTPS in production."
        )
    )
    port = parts.port or (443 if parts.scheme == "https" else 80)
    results.append(_public_address(parts.hostname or "", port, resolver))
    if results[-1].status == FAIL:
        return results
    with OutboundSession(timeout) as session:
        results += _exchange(session, url, secret, api_key, parts.scheme, timeout)
    return results


def _public_address(host: str, port: int, resolver: Resolver) -> Requirement:
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError) as exc:  # UnicodeError: a name the IDNA codec refuses
        return Requirement("public address", FAIL, f"{host} does not resolve ({exc}).")
    private = [a for a in addresses if unreachable_host(a)]
    if private:
        return Requirement(
            "public address",
            WARN,
            f"{host} resolves to {', '.join(private)}, which Stream's servers cannot reach "
            "(loopback or private); expose it through a tunnel or a public host.",
        )
    return Requirement("public address", PASS, f"{host} resolves to {', '.join(addresses)}.")


def _exchange(
    session: requests.Session,
    url: str,
    secret: Secret | None,
    api_key: str,
    scheme: str,
    timeout: float,
) -> list[Requirement]:
    body = encode(message_new_payload())
    started = time.perf_counter()
    try:
        first = session.post(
            url, data=body, headers=delivery_headers(body, secret, api_key), timeout=timeout
        )
    except requests.exceptions.SSLError as exc:
        return [
            Requirement(
                "TLS certificate",
                FAIL,
                f"The certificate is not valid for this host ({_short(exc, url)}).",
            )
        ]
    except DeadlineExceeded:
        return [
            Requirement(
                ANSWER,
                FAIL,
                f"No complete answer within {timeout:g} s; Stream gives up after "
                f"{DEADLINE_SECONDS:g} s: answer first, process later.",
            )
        ]
    except requests.RequestException as exc:
        fix = f" {failure_reason(exc)[1]}." if isinstance(exc, requests.ConnectionError) else ""
        return [Requirement("answers a signed POST", FAIL, f"No answer: {_short(exc, url)}.{fix}")]
    elapsed = time.perf_counter() - started
    results = []
    if scheme == "https":
        results.append(
            Requirement("TLS certificate", PASS, "The certificate is valid for the host.")
        )
    redirected = redirect_note(first)
    if redirected is not None:
        results.append(Requirement(ANSWER, FAIL, f"{redirected}; give Stream the final URL."))
        return results
    results.append(_answer(first.status_code, elapsed, secret))
    results.append(_keep_alive(session, url, first, body, secret, api_key, timeout))
    results.append(_rejects_forgery(session, url, body, api_key, timeout))
    return results


def _answer(status: int, elapsed: float, secret: Secret | None) -> Requirement:
    seconds = f"{elapsed:.3f} s"
    name = ANSWER
    unsigned = secret is None and status < 500 and elapsed < DEADLINE_SECONDS
    if unsigned:  # a 4xx may be the endpoint refusing the missing signature, as it should
        return Requirement(
            name, WARN, f"Sent unsigned (no secret at hand): HTTP {status} in {seconds}."
        )
    if not 200 <= status < 300:
        return Requirement(
            name, FAIL, f"HTTP {status} in {seconds}: Stream counts that as a failure and retries."
        )
    if elapsed >= DEADLINE_SECONDS:
        return Requirement(
            name,
            FAIL,
            f"HTTP {status} but after {seconds}; Stream gives up after 3 s: "
            "answer first, process later.",
        )
    return Requirement(name, PASS, f"HTTP {status} in {seconds}.")


def _keep_alive(
    session: requests.Session,
    url: str,
    first: requests.Response,
    body: bytes,
    secret: Secret | None,
    api_key: str,
    timeout: float,
) -> Requirement:
    name = "HTTP/1.1 with keep-alive"
    version = getattr(first.raw, "version", 11)
    if version != 11:
        return Requirement(
            name, FAIL, f"The endpoint answered over HTTP/{version / 10:g}; Stream speaks HTTP/1.1."
        )
    try:
        session.post(
            url, data=body, headers=delivery_headers(body, secret, api_key), timeout=timeout
        )
    except requests.RequestException as exc:
        return Requirement(name, WARN, f"A second request failed: {_short(exc, url)}.")
    pool: Any = session.get_adapter(url).poolmanager.connection_from_url(url)  # type: ignore[attr-defined]
    if pool.num_connections > 1 or first.headers.get("Connection", "").lower() == "close":
        return Requirement(
            name,
            WARN,
            "The endpoint closes the connection after each request; keep it alive so "
            "bursts of events do not pay a new connection each.",
        )
    return Requirement(name, PASS, "HTTP/1.1, and the connection is reused.")


def _rejects_forgery(
    session: requests.Session, url: str, body: bytes, api_key: str, timeout: float
) -> Requirement:
    name = "rejects a badly signed request"
    headers = {**delivery_headers(body, None, api_key), "X-Signature": "0" * 64}
    try:
        response = session.post(url, data=body, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        return Requirement(name, WARN, f"Could not tell: {_short(exc, url)}.")
    if 200 <= response.status_code < 300:
        return Requirement(
            name,
            WARN,
            f"A request with a wrong X-Signature got HTTP {response.status_code}: "
            "verify the signature before trusting a delivery.",
        )
    if response.status_code >= 500:
        return Requirement(
            name,
            WARN,
            f"A request with a wrong X-Signature got HTTP {response.status_code}, a server "
            "error rather than a refusal: answer 401 (or 403) to a bad signature.",
        )
    return Requirement(name, PASS, f"A wrong X-Signature got HTTP {response.status_code}.")


def _short(exc: BaseException, url: str) -> str:
    """The error in a few words, never quoting the URL's credentials."""
    if isinstance(exc, DeadlineExceeded):
        return str(exc)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connecting timed out"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "it did not answer in time"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed"
    if isinstance(exc, requests.ConnectionError):
        return failure_reason(exc)[0]  # connection refused, the name does not resolve...
    text = scrub(str(exc), url)
    return text if len(text) <= 160 else text[:160] + "…"
