"""The events frame: the payload fields that matter, one row per delivery; a deduplicated view."""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np
import orjson
import pandas as pd

from .gc_pause import paused_gc
from .sources import GZIP_MAGIC
from .verdict import signed_bytes

UNKNOWN_TYPE = "(unknown)"
"""``event_type`` of a delivery whose payload cannot be read or has no ``type``."""

EVENT_COLUMNS = (
    "event_type",
    "created_at",
    "cid",
    "channel_type",
    "channel_id",
    "user_id",
    "message_id",
    "member_user_id",
    "reaction_type",
    "request_type",
)
_CARRIED = (
    "source",
    "format",
    "transport",
    "received_at",
    "webhook_id",
    "attempt",
    "valid",
    "reason",
    "matched_secret",
)


class _Ref(msgspec.Struct, gc=False):
    id: str | None = None


class _Member(msgspec.Struct, gc=False):
    user_id: str | None = None


class _Typed(msgspec.Struct, gc=False):
    type: str | None = None


class _Fields(msgspec.Struct, gc=False):
    """The payload fields the events frame keeps; everything else is skipped unread."""

    type: str | None = None
    created_at: str | int | None = None
    cid: str | None = None
    channel_type: str | None = None
    channel_id: str | None = None
    user: _Ref | None = None
    user_id: str | None = None
    message: _Ref | None = None
    message_id: str | None = None
    member: _Member | None = None
    reaction: _Typed | None = None
    request_info: _Typed | None = None


_DECODE = msgspec.json.Decoder(_Fields).decode
_UNREADABLE = (UNKNOWN_TYPE, None, None, None, None, None, None, None, None, None)


def _fields(body: bytes | None) -> tuple[Any, ...]:
    """The extracted fields of one body, in :data:`EVENT_COLUMNS` order."""
    if body is None:
        return _UNREADABLE
    try:
        if body.startswith(GZIP_MAGIC):
            body = signed_bytes(body)
        f = _DECODE(body)
    except (ValueError, msgspec.DecodeError):
        return _fields_leniently(body)
    return (
        f.type or UNKNOWN_TYPE,
        f.created_at if type(f.created_at) is not bool else None,
        f.cid,
        f.channel_type,
        f.channel_id,
        (f.user.id if f.user else None) or f.user_id,
        (f.message.id if f.message else None) or f.message_id,
        f.member.user_id if f.member else None,
        f.reaction.type if f.reaction else None,
        f.request_info.type if f.request_info else None,
    )


def _fields_leniently(body: bytes) -> tuple[Any, ...]:
    """The same fields from a payload whose fields have unexpected types (they become None)."""
    try:
        payload = orjson.loads(signed_bytes(body))
    except (ValueError, orjson.JSONDecodeError):
        return _UNREADABLE
    if not isinstance(payload, dict):
        return _UNREADABLE
    kind = payload.get("type")
    created = payload.get("created_at")
    return (
        kind if isinstance(kind, str) and kind else UNKNOWN_TYPE,
        created if isinstance(created, str | int) and not isinstance(created, bool) else None,
        _id(payload.get("cid")),
        _id(payload.get("channel_type")),
        _id(payload.get("channel_id")),
        _nested(payload, "user", "id") or _id(payload.get("user_id")),
        _nested(payload, "message", "id") or _id(payload.get("message_id")),
        _nested(payload, "member", "user_id"),
        _nested(payload, "reaction", "type"),
        _nested(payload, "request_info", "type"),
    )


def _id(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _nested(payload: dict[str, Any], outer: str, inner: str) -> str | None:
    value = payload.get(outer)
    return _id(value.get(inner)) if isinstance(value, dict) else None


def parse_created_at(values: list[str | int | None]) -> pd.Series:
    """``created_at`` as UTC: RFC 3339 (any precision, any offset) or integer epoch-nanoseconds."""
    raw = pd.Series(values, dtype="object")
    is_int = np.array([type(v) is int for v in values], dtype=bool)
    if not is_int.any():
        return pd.to_datetime(raw, format="ISO8601", utc=True, errors="coerce").astype(
            "datetime64[ns, UTC]"
        )
    result = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]")
    text = raw[~is_int]
    if len(text):
        result[~is_int] = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    numbers = pd.to_numeric(raw[is_int], errors="coerce")
    result[is_int] = pd.to_datetime(numbers, unit="ns", utc=True, errors="coerce")
    return result


def events_frame(deliveries: pd.DataFrame) -> pd.DataFrame:
    """One row per delivery with the event's fields, its lag, and the verdict columns if any.

    ``lag`` is ``received_at - created_at``. ``channel_type``/``channel_id`` come from ``cid``
    when the payload lacks them. Unknown and custom event types are kept as they are. Only the
    fields listed in :data:`EVENT_COLUMNS` are decoded; the rest of each payload is skipped.
    """
    with paused_gc():
        fields = [_fields(body) for body in deliveries["body"].tolist()]
        columns = (
            [list(c) for c in zip(*fields, strict=True)] if fields else [[] for _ in EVENT_COLUMNS]
        )
        del fields
    kinds, created, cids, channel_types, channel_ids, *rest = columns
    for row, (kind, cid) in enumerate(zip(channel_types, cids, strict=True)):
        if kind is None and cid is not None and ":" in cid:  # older payloads: only cid
            channel_types[row], _, channel_id = cid.partition(":")
            if channel_ids[row] is None:
                channel_ids[row] = channel_id
    frame = deliveries[[name for name in _CARRIED if name in deliveries]].reset_index(drop=True)
    frame["event_type"] = pd.Categorical(kinds)
    frame["created_at"] = parse_created_at(created)
    frame["lag"] = frame["received_at"] - frame["created_at"]
    frame["cid"] = pd.array(cids, dtype="string")
    frame["channel_type"] = pd.Categorical(channel_types)
    frame["channel_id"] = pd.array(channel_ids, dtype="string")
    for name, values in zip(EVENT_COLUMNS[5:], rest, strict=True):
        frame[name] = pd.array(values, dtype="string")
    return frame


def dedupe(events: pd.DataFrame) -> pd.DataFrame:
    """One row per event: deliveries sharing an ``X-Webhook-Id`` collapse into the first.

    Adds ``attempts`` (deliveries seen) and, when verified, ``any_valid``. Deliveries without a
    webhook id are events of their own.
    """
    own_keys = pd.Series([f"#{n}" for n in range(len(events))], index=events.index, dtype="string")
    keyed = events.assign(_key=events["webhook_id"].fillna(own_keys))
    ordered = keyed.sort_values(["_key", "received_at"], kind="stable")
    grouped = ordered.groupby("_key", sort=False)
    first = grouped.head(1).set_index("_key")
    first["attempts"] = grouped.size()
    if "valid" in events:
        first["any_valid"] = grouped["valid"].apply(lambda v: bool(v.eq(True).any()))
    result = first.sort_values(["received_at", "source"], kind="stable").reset_index(drop=True)
    return result.astype({"attempts": "Int64"})
