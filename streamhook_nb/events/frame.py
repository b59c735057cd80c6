"""The events frame: the payload fields that matter, one row per delivery; a deduplicated view."""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np
import orjson
import pandas as pd

from streamhook_nb.load.body import signed_bytes
from streamhook_nb.load.gc_pause import paused_gc
from streamhook_nb.load.payload import UNKNOWN_TYPE as UNKNOWN_TYPE  # also known here
from streamhook_nb.load.payload import Typed

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
    "hint",  # the incident timeline and the report's failures section read these four
    "api_key",
    "response_status",
    "content_encoding",
)


class _Ref(msgspec.Struct, gc=False):
    id: str | None = None


class _Member(msgspec.Struct, gc=False):
    user_id: str | None = None


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
    reaction: Typed | None = None
    request_info: Typed | None = None


_DECODE = msgspec.json.Decoder(_Fields).decode
_UNREADABLE = _Fields()
_CHUNK = 2048
"""Bodies decoded at a time: their fields are read while still in the CPU cache, and a chunk
with one odd body is redone body by body."""


def _decoded(chunk: list[bytes | None]) -> list[_Fields]:
    """The fields of each body, at C speed unless some body is odd (then one by one)."""
    try:
        return [_DECODE(body) for body in chunk]  # type: ignore[arg-type]
    except (TypeError, ValueError, msgspec.DecodeError):
        return [_decoded_one(body) for body in chunk]


def _decoded_one(body: bytes | None) -> _Fields:
    """One body's fields: gzip inflated, odd field types read leniently, else unreadable."""
    if body is None:
        return _UNREADABLE
    try:
        return _DECODE(signed_bytes(body))
    except (ValueError, msgspec.DecodeError):
        return _fields_leniently(body)


def _fields_leniently(body: bytes) -> _Fields:
    """The same fields from a payload whose fields have unexpected types (they become None)."""
    try:
        payload = orjson.loads(signed_bytes(body))
    except (ValueError, orjson.JSONDecodeError):
        return _UNREADABLE
    if not isinstance(payload, dict):
        return _UNREADABLE
    kind = payload.get("type")
    created = payload.get("created_at")
    return _Fields(
        type=kind if isinstance(kind, str) and kind else None,
        created_at=created
        if isinstance(created, str | int) and not isinstance(created, bool)
        else None,
        cid=_id(payload.get("cid")),
        channel_type=_id(payload.get("channel_type")),
        channel_id=_id(payload.get("channel_id")),
        user=_Ref(_nested(payload, "user", "id")),
        user_id=_id(payload.get("user_id")),
        message=_Ref(_nested(payload, "message", "id")),
        message_id=_id(payload.get("message_id")),
        member=_Member(_nested(payload, "member", "user_id")),
        reaction=Typed(_nested(payload, "reaction", "type")),
        request_info=Typed(_nested(payload, "request_info", "type")),
    )


def _id(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _nested(payload: dict[str, Any], outer: str, inner: str) -> str | None:
    value = payload.get(outer)
    return _id(value.get(inner)) if isinstance(value, dict) else None


class _SplitCids(dict[str | None, tuple[str | None, str | None]]):
    """``cid -> (channel_type, channel_id)``, each cid split once."""

    def __missing__(self, cid: str | None) -> tuple[str | None, str | None]:
        kind, colon, channel_id = (cid or "").partition(":")
        self[cid] = parts = (kind, channel_id) if colon else (None, None)
        return parts


def _event_columns(bodies: list[bytes | None]) -> dict[str, list[Any]]:
    """One list per :data:`EVENT_COLUMNS` name, from every body."""
    columns: dict[str, list[Any]] = {name: [] for name in EVENT_COLUMNS}
    split = _SplitCids()
    for start in range(0, len(bodies), _CHUNK):
        chunk = _columns(_decoded(bodies[start : start + _CHUNK]), split)
        for name, values in columns.items():
            values += chunk[name]
    return columns


def _columns(decoded: list[_Fields], split: _SplitCids) -> dict[str, list[Any]]:
    """The decoded fields as one list per :data:`EVENT_COLUMNS` name."""
    cids = [f.cid for f in decoded]
    channel_types = [f.channel_type or split[f.cid][0] for f in decoded]  # older: only cid
    channel_ids = [f.channel_id or split[f.cid][1] for f in decoded]
    return {
        "event_type": [f.type or UNKNOWN_TYPE for f in decoded],
        "created_at": [f.created_at for f in decoded],
        "cid": cids,
        "channel_type": channel_types,
        "channel_id": channel_ids,
        "user_id": [(f.user.id if f.user is not None else None) or f.user_id for f in decoded],
        "message_id": [
            (f.message.id if f.message is not None else None) or f.message_id for f in decoded
        ],
        "member_user_id": [f.member.user_id if f.member is not None else None for f in decoded],
        "reaction_type": [f.reaction.type if f.reaction is not None else None for f in decoded],
        "request_type": [
            f.request_info.type if f.request_info is not None else None for f in decoded
        ],
    }


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
    with paused_gc():  # a collection here would walk every header dict of the deliveries
        return _frame(deliveries, _event_columns(deliveries["body"].tolist()))


def _frame(deliveries: pd.DataFrame, columns: dict[str, list[Any]]) -> pd.DataFrame:
    """The carried delivery columns plus the event columns, typed."""
    carried = deliveries[[name for name in _CARRIED if name in deliveries]].reset_index(drop=True)
    created = parse_created_at(columns["created_at"])
    strings = {name: pd.array(columns[name], dtype="string") for name in EVENT_COLUMNS[5:]}
    return carried.assign(
        event_type=_categorical(columns["event_type"]),
        created_at=created,
        lag=carried["received_at"] - created,
        cid=pd.array(columns["cid"], dtype="string"),
        channel_type=_categorical(columns["channel_type"]),
        channel_id=pd.array(columns["channel_id"], dtype="string"),
        **strings,
    )


def _categorical(values: list[str | None]) -> pd.Categorical[str]:
    """Few distinct strings as a categorical, categories sorted (faster than from the list)."""
    codes, categories = pd.factorize(np.array(values, dtype=object), sort=True)
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=str))


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
