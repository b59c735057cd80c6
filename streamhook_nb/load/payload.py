"""Reading a delivery's payload: the JSON Stream signed, gzip undone."""

from __future__ import annotations

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
