"""The payload fields of the events frame, decoded from the body column into Arrow arrays.

Each body is decoded with msgspec into a struct of just the fields the events frame keeps
(everything else is skipped unread); a chunk of bodies at a time becomes one Arrow array
per field while its strings are still in the CPU cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import pairwise
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
import orjson
import pandas as pd
import pyarrow as pa

from streamhook_nb.load.body import signed_bytes
from streamhook_nb.load.deliveries import values as column_values
from streamhook_nb.load.payload import UNKNOWN_TYPE, Typed

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


def _decoded(chunk: list[Body]) -> list[_Fields]:
    """The fields of each body, at C speed unless some body is odd (then one by one)."""
    try:
        return [_DECODE(body) for body in chunk]  # type: ignore[arg-type]
    except (TypeError, ValueError, msgspec.DecodeError):
        return [_decoded_one(None if body is None else bytes(body)) for body in chunk]


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


Body = bytes | memoryview | None
"""A body as it is decoded: bytes, a view of the Arrow body buffer, or None (no body)."""


def _field_chunks(body: pd.Series, start: int, end: int) -> Iterator[list[_Fields]]:
    """The decoded fields of the bodies of rows ``start:end``, :data:`_CHUNK` at a time.

    An Arrow ``large_binary`` body column is decoded straight from views of its buffer (no
    copy of a body, no large allocation that a forked worker would have to fault in).
    """
    array = body.array
    if not isinstance(array, pd.arrays.ArrowExtensionArray):
        bodies = column_values(body.iloc[start:end])
        for at in range(0, len(bodies), _CHUNK):
            yield _decoded(bodies[at : at + _CHUNK])
        return
    arrow = pa.chunked_array(pa.array(array))  # the column's own buffers, not copied
    for at in range(start, end, _CHUNK):
        part = arrow.slice(at, min(_CHUNK, end - at))
        if not pa.types.is_large_binary(arrow.type):
            yield _decoded(part.to_pylist())
            continue
        fields: list[_Fields] = []
        for chunk in part.chunks:
            fields += _decoded_views(chunk)
        yield fields


def _decoded_views(chunk: pa.LargeBinaryArray) -> list[_Fields]:
    """The fields of each body of a ``large_binary`` array, decoded from views of its data
    buffer as they are cut (a chunk with a null or odd body goes through :func:`_decoded`)."""
    rows = len(chunk)
    _, offsets_buffer, data = chunk.buffers()
    offsets = np.frombuffer(offsets_buffer, np.int64, count=rows + 1, offset=8 * chunk.offset)
    bounds = offsets.tolist()
    whole = memoryview(data) if data is not None else memoryview(b"")
    if not chunk.null_count:
        decode = _DECODE
        try:
            return [decode(whole[a:b]) for a, b in pairwise(bounds)]
        except (ValueError, msgspec.DecodeError):
            pass  # some body is odd: the careful way below
    views: list[Body] = [whole[a:b] for a, b in pairwise(bounds)]
    if chunk.null_count:
        for row in np.flatnonzero(chunk.is_null().to_numpy(zero_copy_only=False)).tolist():
            views[row] = None
    return _decoded(views)


def _event_arrays(chunks: Iterable[list[_Fields]]) -> dict[str, Any]:
    """One Arrow text array per :data:`EVENT_COLUMNS` name, from every body's fields, except
    ``created_at``: a list of its raw values (RFC 3339 text or epoch-nanoseconds)."""
    parts: dict[str, list[pa.Array]] = {name: [] for name in EVENT_COLUMNS}
    created: list[str | int | None] = []
    split = _SplitCids()
    for decoded in chunks:
        chunk = _columns(decoded, split)
        created += chunk.pop("created_at")
        for name, values in chunk.items():  # made Arrow while the strings are in the cache
            parts[name].append(pa.array(values, type=pa.large_string()))
    arrays: dict[str, Any] = {
        name: pa.concat_arrays(arrays) if arrays else pa.array([], type=pa.large_string())
        for name, arrays in parts.items()
    }
    arrays["created_at"] = created
    return arrays


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
    nanos = np.full(len(values), np.iinfo(np.int64).min, dtype=np.int64)  # NaT
    text = raw[~is_int]
    if len(text):
        nanos[~is_int] = _nanos(pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce"))
    numbers = pd.to_numeric(raw[is_int], errors="coerce")
    nanos[is_int] = _nanos(pd.to_datetime(numbers, unit="ns", utc=True, errors="coerce"))
    return pd.Series(nanos.view("datetime64[ns]")).dt.tz_localize("UTC")


def _nanos(times: pd.Series) -> npt.NDArray[np.int64]:
    """UTC times as integer nanoseconds (NaT as the smallest int64, as numpy has it)."""
    naive = times.astype("datetime64[ns, UTC]").dt.tz_localize(None)
    return naive.to_numpy(dtype="datetime64[ns]").view(np.int64)


def event_batch(body: pd.Series, start: int = 0, end: int | None = None) -> pa.RecordBatch:
    """The :data:`EVENT_COLUMNS` of the bodies of rows ``start:end`` as Arrow arrays."""
    arrays = _event_arrays(_field_chunks(body, start, len(body) if end is None else end))
    arrays["created_at"] = pa.array(parse_created_at(arrays["created_at"]).array)
    return pa.record_batch(arrays)
