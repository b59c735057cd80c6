"""The records in which serverless platforms hand back what a function logged.

- Google Cloud Logging (Cloud Run, Cloud Functions), as ``gcloud logging read --format json``
  prints it (an array of ``LogEntry`` objects) or a sink exports it (one per line): the line
  the function wrote is the entry's ``textPayload``, or its ``jsonPayload`` when the line was
  a JSON object (structured logging). Every entry has ``logName`` and ``insertId``
  (https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry).
- Cloudflare Workers' ``wrangler tail --format json``: each event as the tail's WebSocket
  sends it, pretty-printed one after another (``JSON.stringify(JSON.parse(data), null, 2)``)
  after two lines of its own; an event has ``outcome``, ``scriptName``, ``logs`` (each a
  ``console.log`` call's arguments in ``message``) and ``event.request`` (the request's
  method, URL and headers, never its body).
- Vercel's log drains (JSON): the function's line in ``message``, beside ``deploymentId``.
"""

from __future__ import annotations

import re
from typing import Any

WRANGLER_LINE = re.compile(
    rb"(?:successfully created tail, expires at |Connected to \S+, waiting for logs\.\.\.)"
)
"""The lines ``wrangler tail --format json`` prints before the events."""
NO_REQUEST_IN_TAIL = (
    "a Cloudflare Workers tail event of a POST whose logs hold no request: the tail keeps a "
    "request's headers but never its body. In the Worker, log the request whole: "
    "console.log(JSON.stringify({headers: Object.fromEntries(request.headers), body: await "
    "request.clone().text()}))"
)


def is_log_entry(record: dict[str, Any]) -> bool:
    """A Google Cloud Logging entry."""
    return "logName" in record and "insertId" in record


def is_tail_event(record: dict[str, Any]) -> bool:
    """A Cloudflare Workers tail event (``wrangler tail --format json``)."""
    return "scriptName" in record and "outcome" in record and isinstance(record.get("logs"), list)


def is_drain_record(record: dict[str, Any]) -> bool:
    """A Vercel log drain record: the function's line in ``message``."""
    return "deploymentId" in record and "message" in record


def entry_payload(entry: dict[str, Any]) -> object:
    """What a function wrote, from a Cloud Logging entry: the line as text, or the JSON
    object Cloud Logging parsed it into; None for an entry of another kind (a request log,
    an audit log)."""
    text = entry.get("textPayload")
    if isinstance(text, str):
        return text
    payload = entry.get("jsonPayload")
    return payload if isinstance(payload, dict) else None


def tail_arguments(event: dict[str, Any]) -> list[tuple[int, object]]:
    """``(number of the log call, argument)`` for every argument of every ``console.log``
    call a tail event holds (a string, or a value logged as it is)."""
    found: list[tuple[int, object]] = []
    for number, log in enumerate(event["logs"], start=1):
        message = log.get("message") if isinstance(log, dict) else None
        arguments = message if isinstance(message, list) else [message]
        found += [(number, argument) for argument in arguments if argument is not None]
    return found


def tail_method(event: dict[str, Any]) -> str | None:
    """The method of the request a tail event is of (None for a scheduled event, an alarm)."""
    request = (
        event.get("event", {}).get("request") if isinstance(event.get("event"), dict) else None
    )
    method = request.get("method") if isinstance(request, dict) else None
    return method.upper() if isinstance(method, str) else None
