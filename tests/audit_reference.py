"""Counts computed independently of the package, with json and plain Python, for the tests."""

from __future__ import annotations

import gzip
import json
from collections import Counter, defaultdict
from typing import Any

import pandas as pd


def payload(body: bytes | None) -> dict[str, Any] | None:
    if body is None or body is pd.NA:  # the Arrow body column gives NA for "no body"
        return None
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except OSError:
            return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def event_type(body: bytes | None) -> str:
    value = payload(body)
    kind = value.get("type") if value else None
    return kind if isinstance(kind, str) and kind else "(unknown)"


def by_type(verified: pd.DataFrame) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    ids: dict[str, set[str]] = defaultdict(set)
    for n, (body, webhook_id, valid) in enumerate(
        zip(verified["body"], verified["webhook_id"], verified["valid"], strict=True)
    ):
        kind = event_type(body)
        counts[kind]["deliveries"] += 1
        ids[kind].add(webhook_id if isinstance(webhook_id, str) else f"#{n}")
        label = "unverifiable" if valid is pd.NA else ("valid" if valid else "invalid")
        counts[kind][label] += 1
    return {
        kind: {
            "deliveries": c["deliveries"],
            "events": len(ids[kind]),
            "valid": c["valid"],
            "invalid": c["invalid"],
            "unverifiable": c["unverifiable"],
        }
        for kind, c in counts.items()
    }
