"""Verify every delivery of a deliveries DataFrame: valid, reason, matched secret, hint."""

from __future__ import annotations

import os
from collections import Counter
from itertools import pairwise
from typing import Any

import pandas as pd

from streamhook_nb.display import Summary
from streamhook_nb.load.deliveries import STRING, values
from streamhook_nb.load.log_ranges import can_fork, forked_pool, results
from streamhook_nb.load.payload import event_type
from streamhook_nb.verify.reasons import Reason
from streamhook_nb.verify.secrets import Keyring
from streamhook_nb.verify.verdict import Verdict, judge_many

REASON_DTYPE = pd.CategoricalDtype([r.value for r in Reason])
VERDICT_COLUMNS: dict[str, Any] = {
    "valid": "boolean",
    "reason": REASON_DTYPE,
    "matched_secret": "string",
    "hint": "string",
}
"""Columns :func:`verify_deliveries` adds, with their dtypes."""


_objects = values
"""A column as plain Python objects, with NA as None."""


FORK_MIN_ROWS = 20_000
"""Frames at least this long are verified by forked workers (when forking is safe)."""
_SHARED: dict[str, Any] = {}  # what forked workers inherit: the frame and the keyring


def verdicts(
    deliveries: pd.DataFrame, keyring: Keyring, workers: int | None = None
) -> list[Verdict]:
    """One :class:`Verdict` per row, in row order.

    A long frame is split across ``workers`` forked processes (``None``: every core). They
    inherit the frame: the bodies sit in one Arrow buffer, which a child reads without
    touching any Python object's reference count (no copy-on-write), and only the verdicts
    come back. Forking is safe only while this process runs one thread (a script, the command
    line; not a Jupyter kernel): otherwise, and for short frames, the work runs here.
    """
    wanted = workers or os.cpu_count() or 1
    if wanted < 2 or len(deliveries) < FORK_MIN_ROWS or not can_fork():
        return _verdicts(deliveries, keyring)
    bounds = [len(deliveries) * k // wanted for k in range(wanted + 1)]
    _SHARED.update(frame=deliveries, keyring=keyring)
    try:
        with forked_pool(wanted) as pool:
            parts = list(results(pool, _verdicts_between, pairwise(bounds)))
    finally:
        _SHARED.clear()
    return [verdict for part in parts for verdict in part]


def _verdicts_between(bounds: tuple[int, int]) -> list[Verdict]:
    start, end = bounds
    return _verdicts(_SHARED["frame"].iloc[start:end], _SHARED["keyring"])


def _verdicts(deliveries: pd.DataFrame, keyring: Keyring) -> list[Verdict]:
    return judge_many(
        values(deliveries["body"]),
        _objects(deliveries["signature"]),
        _objects(deliveries["api_key"]),
        deliveries["transport"].astype(str).tolist(),
        deliveries["fidelity"].astype(str).tolist(),
        keyring,
    )


def verify_deliveries(
    deliveries: pd.DataFrame, keyring: Keyring, *, workers: int | None = None
) -> pd.DataFrame:
    """A new frame with ``valid``, ``reason``, ``matched_secret`` and ``hint`` added
    (``workers``: processes for a long frame, see :func:`verdicts`)."""
    results = verdicts(deliveries, keyring, workers)
    return deliveries.assign(
        valid=pd.array([v.valid for v in results], dtype="boolean"),
        reason=pd.Categorical([v.reason.value for v in results], dtype=REASON_DTYPE),
        matched_secret=pd.array([v.matched_secret for v in results], dtype="string"),
        hint=pd.array([None if v.reason is Reason.OK else v.hint for v in results], dtype="string"),
    )


def summary(verified: pd.DataFrame, rejected: int, *, details: bool = False) -> Summary:
    """The ``streamhook-nb verify --json`` shape (DESIGN.md §3) for a verified frame, as a dict
    that notebooks show as a table."""
    valid = verified["valid"]
    reasons = Counter(verified["reason"].astype(str).tolist())
    report: dict[str, Any] = {
        "deliveries": len(verified),
        "valid": int(valid.eq(True).sum()),
        "invalid": int(valid.eq(False).sum()),
        "unverifiable": int(valid.isna().sum()),
        "rejected": rejected,
        "reasons": {r.value: reasons[r.value] for r in Reason if reasons[r.value]},
    }
    if details:
        report["details"] = detail_rows(verified)
    return Summary(report)


def detail_rows(verified: pd.DataFrame) -> list[dict[str, Any]]:
    """One dict per delivery, in input order (the ``details`` of ``verify --json``)."""
    return [
        {
            "source": source,
            "webhook_id": webhook_id,
            "attempt": attempt,
            "event_type": event_type(body),
            "valid": valid,
            "reason": reason,
            "matched_secret": matched,
            "hint": hint,
        }
        for source, webhook_id, attempt, body, valid, reason, matched, hint in zip(
            verified["source"].tolist(),
            _objects(verified["webhook_id"]),
            _objects(verified["attempt"]),
            values(verified["body"]),
            _objects(verified["valid"]),
            verified["reason"].astype(str).tolist(),
            _objects(verified["matched_secret"]),
            _objects(verified["hint"]),
            strict=True,
        )
    ]


def failures(verified: pd.DataFrame) -> pd.DataFrame:
    """The invalid deliveries with what a reader needs: where, which event, why, what to do."""
    invalid = verified[verified["valid"].eq(False).fillna(False)]
    return pd.DataFrame(
        {
            "source": invalid["source"],
            "received_at": invalid["received_at"],
            "event_type": pd.array([event_type(b) for b in values(invalid["body"])], dtype=STRING),
            "api_key": invalid["api_key"],
            "reason": invalid["reason"],
            "hint": invalid["hint"],
        }
    ).reset_index(drop=True)
