"""Retries and duplicates: deliveries that share an ``X-Webhook-Id`` are one event."""

from __future__ import annotations

import hashlib

import pandas as pd

from streamhook_nb.load.body import signed_bytes
from streamhook_nb.load.deliveries import values


def payload_digest(body: bytes | None) -> str | None:
    """SHA-256 of the signed payload (gzip undone), to compare bodies across retries."""
    if body is None:
        return None
    try:
        return hashlib.sha256(signed_bytes(body)).hexdigest()
    except ValueError:
        return hashlib.sha256(body).hexdigest()


def group_retries(deliveries: pd.DataFrame) -> pd.DataFrame:
    """One row per webhook id: attempts seen, first and last arrival, distinct payloads.

    ``conflicting`` is true when two deliveries share the id but carry different payloads: a
    retry never changes the body, so one of them was altered or the id was reused.
    """
    with_id = deliveries[deliveries["webhook_id"].notna()]
    digests = pd.Series([payload_digest(b) for b in values(with_id["body"])], index=with_id.index)
    grouped = with_id.assign(_digest=digests).groupby("webhook_id", sort=True, observed=True)
    table = grouped.agg(
        deliveries=("source", "size"),
        first_attempt=("attempt", "min"),
        last_attempt=("attempt", "max"),
        first_received=("received_at", "min"),
        last_received=("received_at", "max"),
        payloads=("_digest", "nunique"),
        sources=("source", list),
    )
    table["conflicting"] = table["payloads"] > 1
    return table.astype({"deliveries": "Int64", "payloads": "Int64"})


def retried(deliveries: pd.DataFrame) -> pd.DataFrame:
    """Only the webhook ids that arrived more than once."""
    table = group_retries(deliveries)
    return table[table["deliveries"] > 1]


def conflicting_duplicates(deliveries: pd.DataFrame) -> pd.DataFrame:
    """The deliveries whose webhook id also arrived with a different payload."""
    table = group_retries(deliveries)
    ids = table.index[table["conflicting"]]
    return deliveries[deliveries["webhook_id"].isin(ids)]
