"""The incident timeline: when deliveries failed together, were retried, or changed shape.

A verified deliveries frame says what happened to each delivery; an auditor wants the few
moments that explain them. :func:`incident_timeline` finds them, one row per incident:

- ``failures``: deliveries of one verdict reason and one API key failing close together
  (``unknown_app`` from a staging app, ``body_reserialized`` after a deploy, ...);
- ``endpoint``: authentic deliveries (valid signatures) that the endpoint refused with a 4xx,
  as when it still checks against a secret the app has rotated;
- ``retries``: Stream retrying (``X-Webhook-Attempt`` > 1, or a 408, 429 or 5xx answer),
  as during an outage, with how many events never got a 2xx;
- ``change``: a lasting switch in how an app's deliveries arrive (gzip payload compression
  switched on or off, deliveries matching another secret than before).

Windows are contiguous: deliveries of one kind join a window while less than ``gap`` apart,
and a window counts once it holds ``min_deliveries``. Deliveries without ``received_at`` are
left out of the timeline (they cannot be placed in time).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import pandas as pd

from streamhook_nb.load.payload import event_type

INCIDENT_COLUMNS: dict[str, str] = {
    "start": "datetime64[ns, UTC]",
    "end": "datetime64[ns, UTC]",
    "kind": "string",
    "reason": "string",
    "api_key": "string",
    "deliveries": "Int64",
    "events": "Int64",
    "event_types": "string",
    "hint": "string",
}
"""Column name -> dtype of the frame :func:`incident_timeline` returns."""


@dataclass(frozen=True)
class _Rules:
    gap: pd.Timedelta
    max_quiet: pd.Timedelta
    minimum: int


_READ = {
    "valid": "boolean",
    "reason": "string",
    "matched_secret": "string",
    "hint": "string",
    "api_key": "string",
    "webhook_id": "string",
    "attempt": "Int64",
    "response_status": "Int64",
    "content_encoding": "string",
}
"""Columns read besides ``received_at`` and ``event_type`` (or ``body``); absent ones are NA."""

RETRYABLE = frozenset({408, 429})
"""Statuses below 500 that Stream retries (every 5xx is retried too)."""

_FAILURE_HINTS = {
    "unknown_app": (
        "{n} deliveries carry API key {api_key}, which no configured secret belongs to: "
        "another app (a staging or test app?) has its webhook URL set to this endpoint. Point "
        "that app's webhook elsewhere, or add its secret to the secrets file if it belongs here."
    ),
    "body_reserialized": (
        "From {start} to {end} bodies were parsed and re-dumped before they were captured "
        "(a deploy?): the content is authentic, but the endpoint must verify the raw request "
        "bytes. Check what changed at {start}."
    ),
    "signature_mismatch": (
        "{n} signatures failed together from {start} to {end}: if the failures run to the end "
        "of the log, the app's secret was probably rotated (add the new secret to the secrets "
        "file, newest first); if they stopped, check what changed the bodies in between."
    ),
}


def incident_timeline(
    verified: pd.DataFrame,
    *,
    gap: pd.Timedelta | str = "10min",
    max_quiet: pd.Timedelta | str = "2h",
    min_deliveries: int = 5,
    settle: int = 50,
) -> pd.DataFrame:
    """The incidents in a verified deliveries frame, in time order (columns: INCIDENT_COLUMNS).

    A window ends when nothing of its kind arrives for ``gap`` while the same app had a
    healthy delivery in between, or after ``max_quiet`` with nothing of its kind at all (so a
    failure that lasts through a quiet night stays one incident). ``min_deliveries``: the
    fewest deliveries that make a window an incident (isolated failures stay in the failures
    list, not the timeline). ``settle``: how many deliveries a new content encoding or secret
    must last for to count as a change.
    """
    rules = _Rules(pd.Timedelta(gap), pd.Timedelta(max_quiet), min_deliveries)
    missing = {name: pd.Series(pd.NA, verified.index, dtype=dtype) for name, dtype in _READ.items()}
    complete = verified.assign(**{k: v for k, v in missing.items() if k not in verified})
    types = "event_type" if "event_type" in verified else "body"
    narrow = complete[["received_at", types, *_READ]]  # only what is read: cheaper to group
    timed = narrow[narrow["received_at"].notna()].sort_values("received_at", kind="stable")
    rows = [
        *_failure_incidents(timed, rules),
        *_endpoint_incidents(timed, rules),
        *_retry_incidents(timed, rules),
        *_changes(timed, settle),
    ]
    frame = pd.DataFrame(rows, columns=list(INCIDENT_COLUMNS)).astype(INCIDENT_COLUMNS)
    frame = frame.sort_values(["start", "kind", "reason"], kind="stable").reset_index(drop=True)
    frame.attrs["untimed"] = len(narrow) - len(timed)  # what the chart says when it is empty
    frame.attrs["timed"] = len(timed)
    return frame


def _holds(condition: pd.Series) -> pd.Series:
    """A condition over nullable (masked or Arrow) columns as plain bools: NA does not hold."""
    return condition.fillna(False).astype(bool)


def _windows(
    timed: pd.DataFrame, flag: pd.Series, keys: list[str], rules: _Rules
) -> Iterator[tuple[tuple[Any, ...], pd.DataFrame]]:
    """Per key, the windows of flagged rows (see :func:`incident_timeline` for when one ends)."""
    if not flag.any():
        return
    healthy = (~flag).astype("int64").groupby(timed["api_key"].fillna(""), sort=False).cumsum()
    flagged = timed[flag].assign(_healthy=healthy[flag])
    for key, group in flagged.groupby(keys, observed=True, dropna=False, sort=True):
        quiet = group["received_at"].diff()
        interrupted = group["_healthy"].diff().gt(0)
        ends = (quiet.gt(rules.gap) & interrupted) | quiet.gt(rules.max_quiet)
        for _, window in group.drop(columns="_healthy").groupby(ends.cumsum().to_numpy()):
            if len(window) >= rules.minimum:
                yield tuple(key), window


def around_incident(
    deliveries: pd.DataFrame,
    timeline: pd.DataFrame,
    reason: str,
    pad: str | pd.Timedelta = "30min",
) -> pd.DataFrame:
    """The deliveries to look at to watch the first incident of ``reason`` happen: those of
    its app received from ``pad`` before it started to ``pad`` after it ended. No rows when
    ``timeline`` (from :func:`incident_timeline`) has no incident of that reason."""
    found = timeline[timeline["reason"].astype(str) == reason]
    if found.empty:
        return deliveries.iloc[:0]
    first, margin = found.iloc[0], pd.Timedelta(pad)
    received = deliveries["received_at"]
    keep = _holds(received.ge(first["start"] - margin) & received.le(first["end"] + margin))
    if pd.notna(first["api_key"]):
        keep &= _holds(deliveries["api_key"].eq(first["api_key"]))
    return deliveries[keep.to_numpy()]


def incident_labels(timeline: pd.DataFrame) -> pd.Series:
    """Each incident as ``kind: reason``, or its kind alone when both are the same
    (``retries``)."""
    kinds, reasons = timeline["kind"].astype(str), timeline["reason"].astype(str)
    return kinds.where(kinds == reasons, kinds + ": " + reasons)


def _row(kind: str, reason: str, api_key: Any, window: pd.DataFrame, hint: str) -> dict[str, Any]:
    return {
        "start": window["received_at"].iloc[0],
        "end": window["received_at"].iloc[-1],
        "kind": kind,
        "reason": reason,
        "api_key": None if pd.isna(api_key) else api_key,
        "deliveries": len(window),
        "events": _event_count(window),
        "event_types": _type_summary(window),
        "hint": hint,
    }


def _event_count(window: pd.DataFrame) -> int:
    """Distinct ``X-Webhook-Id`` values; a delivery without one counts as its own event."""
    ids = window["webhook_id"]
    return int(ids.nunique()) + int(ids.isna().sum())


def _type_summary(window: pd.DataFrame, shown: int = 4) -> str:
    if "event_type" in window.columns:
        types = [t if isinstance(t, str) else None for t in window["event_type"].tolist()]
    else:
        types = [event_type(body) for body in window["body"].tolist()]
    counts = Counter(t or "(unknown)" for t in types).most_common()
    text = ", ".join(f"{name} {n}" for name, n in counts[:shown])
    more = len(counts) - shown
    return text + (f", +{more} more type{'s' * (more > 1)}" if more > 0 else "")


def _when(moment: pd.Timestamp) -> str:
    return moment.strftime("%a %Y-%m-%d %H:%M UTC")


def _failure_incidents(timed: pd.DataFrame, rules: _Rules) -> Iterator[dict[str, Any]]:
    failing = _holds(timed["valid"].eq(False)) | _holds(timed["reason"].eq("unverifiable"))
    for (reason, api_key), window in _windows(
        timed, failing.fillna(False), ["reason", "api_key"], rules
    ):
        template = _FAILURE_HINTS.get(str(reason))
        if template is None:
            hint = (
                str(window["hint"].mode(dropna=True).iloc[0])
                if window["hint"].notna().any()
                else ""
            )
        else:
            hint = template.format(
                n=len(window),
                api_key=api_key,
                start=_when(window["received_at"].iloc[0]),
                end=_when(window["received_at"].iloc[-1]),
            )
        yield _row("failures", str(reason), api_key, window, hint)


def _statuses(window: pd.DataFrame) -> str:
    counts = Counter(int(s) for s in window["response_status"].dropna().tolist())
    return ", ".join(f"{status} x{n}" for status, n in sorted(counts.items()))


def _endpoint_incidents(timed: pd.DataFrame, rules: _Rules) -> Iterator[dict[str, Any]]:
    status = timed["response_status"]
    refused = (
        _holds(timed["valid"].eq(True))
        & _holds(status.ge(400) & status.lt(500))
        & ~_holds(status.isin(RETRYABLE))
    )
    for (api_key,), window in _windows(timed, refused.fillna(False), ["api_key"], rules):
        labels = ", ".join(sorted(window["matched_secret"].dropna().unique()))
        hint = (
            f"The endpoint answered {_statuses(window)} to {len(window)} deliveries whose "
            f"signatures are valid (they match {labels}): it checked them against another "
            "secret (a rotation it had not picked up?) or refused them for another reason. "
            "Stream does not retry a 4xx: replay these deliveries from the log once it is fixed."
        )
        yield _row("endpoint", "endpoint_rejected", api_key, window, hint)


def _retry_incidents(timed: pd.DataFrame, rules: _Rules) -> Iterator[dict[str, Any]]:
    status = timed["response_status"]
    retried = (
        _holds(timed["attempt"].gt(1)) | _holds(status.ge(500)) | _holds(status.isin(RETRYABLE))
    )
    for (api_key,), window in _windows(timed, retried.fillna(False), ["api_key"], rules):
        answered = window.dropna(subset=["webhook_id", "response_status"])
        ok = answered["response_status"].between(200, 299)
        lost = int((~ok.groupby(answered["webhook_id"]).any()).sum())
        events = int(window.loc[window["attempt"].gt(1).fillna(False), "webhook_id"].nunique())
        hint = (
            f"The endpoint answered {_statuses(window) or 'with errors'}; Stream retried "
            f"{events} events (same X-Webhook-Id, X-Webhook-Attempt up to "
            f"{int(window['attempt'].max())}). {lost} of them never got a 2xx in this log and "
            "never reached the app: replay them from here. Dedupe on X-Webhook-Id."
        )
        yield _row("retries", "retries", api_key, window, hint)


def _changes(timed: pd.DataFrame, settle: int) -> Iterator[dict[str, Any]]:
    keyed = timed[timed["api_key"].notna()]
    encoding = keyed["content_encoding"].fillna("identity").str.lower()
    for before, after, run in _lasting_switches(keyed, encoding, settle):
        reason = "gzip_on" if after == "gzip" else "gzip_off" if before == "gzip" else "encoding"
        hint = (
            f"From here on this app's payloads arrive with Content-Encoding: {after} (before: "
            f"{before}; {len(run)} deliveries). Signatures cover the uncompressed bytes: the "
            "endpoint must decompress before verifying."
        )
        yield _row("change", reason, run["api_key"].iloc[0], run.iloc[:1], hint) | {
            "deliveries": len(run),
            "events": _event_count(run),
            "event_types": _type_summary(run),
        }
    matched = keyed[_holds(keyed["valid"].eq(True)) & keyed["matched_secret"].notna().to_numpy()]
    for before, after, run in _lasting_switches(matched, matched["matched_secret"], settle):
        hint = (
            f"From here on deliveries match {after} instead of {before}: the app's secret was "
            "rotated. Keep both (newest first) while older deliveries may still be retried or "
            f"replayed, then retire {before}."
        )
        yield _row("change", "secret_changed", run["api_key"].iloc[0], run.iloc[:1], hint) | {
            "deliveries": len(run),
            "events": _event_count(run),
            "event_types": _type_summary(run),
        }


def _lasting_switches(
    frame: pd.DataFrame, values: pd.Series, settle: int
) -> Iterator[tuple[str, str, pd.DataFrame]]:
    """Per API key: (old value, new value, rows of the new run) where both runs last ``settle``."""
    for _, group in frame.assign(_value=values).groupby("api_key", observed=True, sort=True):
        changed = group["_value"].ne(group["_value"].shift()).fillna(True)
        run_id = changed.astype("int64").cumsum()
        lasting = [run for _, run in group.groupby(run_id, sort=True) if len(run) >= settle]
        for previous, current in pairwise(lasting):
            old, new = str(previous["_value"].iloc[0]), str(current["_value"].iloc[0])
            if old != new:
                yield old, new, current.drop(columns="_value")
