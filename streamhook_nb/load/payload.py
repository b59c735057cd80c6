"""Reading a delivery's payload: the JSON Stream signed, gzip undone."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import orjson

from streamhook_nb.load.body import signed_bytes

UNKNOWN_TYPE = "(unknown)"
"""The event type of a delivery whose payload cannot be read or has no ``type``."""


class Typed(msgspec.Struct, gc=False):
    """Any JSON object's ``type`` field, the rest skipped unread (msgspec)."""

    type: str | None = None


def event_type(body: bytes | None) -> str | None:
    """The payload's ``type``, or None when the body is missing or not a JSON object."""
    if body is None:
        return None
    try:
        payload = orjson.loads(signed_bytes(body))
    except (ValueError, orjson.JSONDecodeError):
        return None
    kind = payload.get("type") if isinstance(payload, dict) else None
    return kind if isinstance(kind, str) else None


BARE_PAYLOAD = (
    "a webhook body without its request: no headers, so no X-Signature to check. Log the "
    "whole request (headers and the raw body), e.g. with streamhook-nb capture, a HAR or a "
    "tcpdump capture"
)
"""Why a logged event payload alone cannot be verified, and what to log instead."""


def is_bare_payload(value: object) -> bool:
    """Whether a JSON value is a Stream event payload on its own (``type`` and ``created_at``
    at the top, none of a captured request's fields): a body logged without its request."""
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return False
    return "created_at" in value and not _REQUEST_FIELDS.intersection(value)


_REQUEST_FIELDS = frozenset(("headers", "body", "body_b64", "method", "request", "Body"))


def duplicate_keys(payload: bytes) -> list[str] | None:
    """Keys that occur twice in one JSON object, at any depth (each named once, in order).

    Parsers keep one value of a duplicated key (which one differs between them), so a body
    with duplicates may not mean what Stream signed once re-encoded. ``[]`` when there are
    none; ``None`` when it cannot be told (not JSON, or nested too deep to walk).
    """
    found: dict[str, None] = {}

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                found[key] = None
            seen.add(key)
        return dict(items)

    try:
        json.loads(payload, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return None
    return list(found)
