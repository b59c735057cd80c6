"""The events frame: the payload fields that matter, one row per delivery; a deduplicated view."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from streamhook_nb.events.batches import event_batches
from streamhook_nb.events.fields import EVENT_COLUMNS as EVENT_COLUMNS
from streamhook_nb.events.fields import _Fields as _Fields
from streamhook_nb.events.fields import parse_created_at as parse_created_at
from streamhook_nb.load.gc_pause import paused_gc
from streamhook_nb.load.payload import UNKNOWN_TYPE as UNKNOWN_TYPE  # also known here

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


def events_frame(deliveries: pd.DataFrame, *, workers: int | None = None) -> pd.DataFrame:
    """One row per delivery with the event's fields, its lag, and the verdict columns if any.

    ``lag`` is ``received_at - created_at``. ``channel_type``/``channel_id`` come from ``cid``
    when the payload lacks them. Unknown and custom event types are kept as they are. Only the
    fields listed in :data:`EVENT_COLUMNS` are decoded; the rest of each payload is skipped.
    A long frame is decoded by ``workers`` forked processes (``None``: every core; see
    :func:`event_batches`).
    """
    with paused_gc():  # a collection here would walk every decoded field
        return _frame(deliveries, pa.Table.from_batches(event_batches(deliveries, workers)))


def _frame(deliveries: pd.DataFrame, events: pa.Table) -> pd.DataFrame:
    """The carried delivery columns plus the event columns, typed."""
    carried = deliveries[[name for name in _CARRIED if name in deliveries]].reset_index(drop=True)
    created = pd.Series(events["created_at"].to_pandas(), index=carried.index)
    strings = {name: _strings(events[name]) for name in EVENT_COLUMNS[5:]}
    return carried.assign(
        event_type=_categorical(events["event_type"]),
        created_at=created,
        lag=carried["received_at"] - created,
        cid=_strings(events["cid"]),
        channel_type=_categorical(events["channel_type"]),
        channel_id=_strings(events["channel_id"]),
        **strings,
    )


def _strings(column: pa.ChunkedArray) -> pd.arrays.ArrowStringArray:
    """An Arrow text column as a pandas ``string`` array, not copied."""
    return pd.arrays.ArrowStringArray(column)


def _categorical(column: pa.ChunkedArray) -> pd.Categorical[str]:
    """Few distinct strings as a categorical, categories sorted, encoded by Arrow."""
    encoded = column.combine_chunks().dictionary_encode()
    order = pc.sort_indices(encoded.dictionary).to_numpy()  # UTF-8 order = code point order
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    indices = encoded.indices.fill_null(-1).to_numpy()
    codes = np.where(indices >= 0, rank[indices], -1) if len(order) else indices
    categories = pd.Index(encoded.dictionary.take(order).to_pylist(), dtype=str)
    return pd.Categorical.from_codes(codes, categories=categories)


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
        valid = ordered["valid"].eq(True).fillna(False).astype(bool)
        first["any_valid"] = valid.groupby(ordered["_key"], sort=False).any()
    result = first.sort_values(["received_at", "source"], kind="stable").reset_index(drop=True)
    return result.astype({"attempts": "Int64"})
