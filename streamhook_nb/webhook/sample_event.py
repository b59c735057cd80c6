"""A realistic, signed ``message.new`` delivery, sent the way Stream sends it."""

from __future__ import annotations

import copy
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from streamhook_nb.events.catalog import documented_examples
from streamhook_nb.verify.secrets import Secret
from streamhook_nb.verify.signing import sign
from streamhook_nb.verify.stream_json import encode
from streamhook_nb.webhook.outbound import OutboundSession, redirect_note

PREVIEW_CHARS = 300
DEADLINE_SECONDS = 3.0  # Stream waits this long for the whole answer


def message_new_payload(now: datetime | None = None) -> dict[str, Any]:
    """Stream's documented ``message.new`` payload with fresh ids and ``created_at``."""
    example = next(e for e in documented_examples() if e.get("event_type") == "message.new")
    payload: dict[str, Any] = copy.deepcopy(example["payload"])
    when = (now or datetime.now(UTC)).isoformat(timespec="microseconds").replace("+00:00", "Z")
    payload["created_at"] = when
    payload["message"]["id"] = str(uuid.uuid4())
    payload["message"]["text"] = "Test event from streamhook-nb"
    payload["message"]["html"] = "<p>Test event from streamhook-nb</p>\n"
    payload["message"]["created_at"] = payload["message"]["updated_at"] = when
    return payload


def delivery_headers(
    body: bytes, secret: Secret | None, api_key: str, *, attempt: int = 1
) -> dict[str, str]:
    """The headers Stream sends (``X-Signature`` only when a secret is given)."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Stream-Webhook-Client (streamhook-nb test)",
        "X-Api-Key": api_key,
        "X-Webhook-Id": str(uuid.uuid4()),
        "X-Webhook-Attempt": str(attempt),
    }
    if secret is not None:
        headers["X-Signature"] = sign(body, secret)
    return headers


@dataclass(frozen=True)
class SentEvent:
    """What the endpoint answered (a redirect is not followed: its preview says where to)."""

    status: int
    elapsed_ms: float
    body_preview: str

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return 200 <= self.status < 300


def send_test_event(
    url: str,
    secret: Secret,
    api_key: str,
    *,
    session: requests.Session | None = None,
    timeout: float = DEADLINE_SECONDS,
    now: datetime | None = None,
) -> SentEvent:
    """POST a signed ``message.new`` to ``url`` as Stream would: no redirects followed, the whole
    answer within ``timeout`` seconds. Raises ``requests`` errors when unreachable or too slow
    (:class:`~streamhook_nb.webhook.outbound.DeadlineExceeded`)."""
    body = encode(message_new_payload(now))
    http = session or OutboundSession(timeout)
    started = time.perf_counter()
    response = http.post(
        url,
        data=body,
        headers=delivery_headers(body, secret, api_key),
        timeout=timeout,
        allow_redirects=False,
    )
    elapsed = (time.perf_counter() - started) * 1000
    text = redirect_note(response) or response.text
    preview = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"
    return SentEvent(response.status_code, round(elapsed, 1), preview)
