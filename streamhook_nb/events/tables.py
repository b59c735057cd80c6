"""Audit tables over an events frame: pure functions, each returning a new DataFrame."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from streamhook_nb.errors import UsageError
from streamhook_nb.events.catalog import is_documented
from streamhook_nb.load.payload import UNKNOWN_TYPE
from streamhook_nb.verify.reasons import VERDICT_LABELS

VERDICTS = VERDICT_LABELS
_VERDICT_DTYPE = pd.CategoricalDtype(list(VERDICTS))


def verdict_labels(events: pd.DataFrame) -> pd.Series:
    """``valid`` / ``invalid`` / ``unverifiable`` per row (all unverifiable when not verified)."""
    if "valid" not in events:
        return pd.Series("unverifiable", index=events.index, dtype=_VERDICT_DTYPE)
    valid = events["valid"]
    codes = np.where(valid.isna().to_numpy(dtype=bool), VERDICTS.index("unverifiable"), -1)
    codes[_is(valid, True)] = VERDICTS.index("valid")
    codes[_is(valid, False)] = VERDICTS.index("invalid")
    labels = pd.Categorical.from_codes(codes, dtype=_VERDICT_DTYPE)
    return pd.Series(labels, index=events.index, name="valid")


def _is(column: pd.Series, value: bool) -> npt.NDArray[np.bool_]:
    """Where ``column`` equals ``value`` (False where NA), as a numpy mask."""
    return column.eq(value).fillna(False).to_numpy(dtype=bool)


def event_keys(events: pd.DataFrame) -> pd.Series:
    """What identifies an event: its ``X-Webhook-Id``, else the delivery itself."""
    own = pd.Series([f"#{n}" for n in range(len(events))], index=events.index, dtype="string")
    return events["webhook_id"].fillna(own)


def by_type(events: pd.DataFrame) -> pd.DataFrame:
    """Per event type: deliveries, distinct events (webhook ids), and deliveries by verdict."""
    kinds = _type_codes(events)
    types = len(kinds.categories)
    codes = kinds.codes.astype(np.int64)
    verdicts = np.bincount(
        codes * len(VERDICTS) + verdict_labels(events).cat.codes.to_numpy(),
        minlength=types * len(VERDICTS),
    ).reshape(types, len(VERDICTS))
    table = pd.DataFrame(
        {"deliveries": verdicts.sum(axis=1), "events": _distinct_events(events, codes, types)},
        index=pd.Index(kinds.categories.astype(str), name="event_type"),
    )
    table[list(VERDICTS)] = verdicts
    table = table[table["deliveries"] > 0].astype("int64")
    return table.sort_values(["deliveries", "events"], ascending=False, kind="stable")


def _type_codes(events: pd.DataFrame) -> pd.Categorical:
    """``event_type`` as a categorical, a missing type counted as ``(unknown)``."""
    kinds = pd.Categorical(events["event_type"])
    if (kinds.codes < 0).any():
        if UNKNOWN_TYPE not in kinds.categories:
            kinds = kinds.add_categories([UNKNOWN_TYPE])
        kinds = kinds.fillna(UNKNOWN_TYPE)
    return kinds


def _distinct_events(events: pd.DataFrame, codes: npt.NDArray[np.int64], types: int) -> Any:
    """Per type code: distinct webhook ids, plus every delivery that has none."""
    all_ids, uniques = pd.factorize(events["webhook_id"])  # a missing id: -1
    with_id = all_ids >= 0
    ids = all_ids[with_id]
    pairs = np.sort(codes[with_id] * (len(uniques) + 1) + ids)  # sorting beats hashing here
    first_of_pair = np.diff(pairs, prepend=-1) != 0
    return np.bincount(pairs[first_of_pair] // (len(uniques) + 1), minlength=types) + np.bincount(
        codes[~with_id], minlength=types
    )


def by_type_and_channel_type(events: pd.DataFrame) -> pd.DataFrame:
    """Deliveries per event type x channel type (``(none)`` for events without a channel)."""
    channel = events["channel_type"].astype(object).where(events["channel_type"].notna(), "(none)")
    return pd.crosstab(events["event_type"].astype(str), channel.rename("channel_type"))


def by_type_and_period(events: pd.DataFrame, freq: str = "h") -> pd.DataFrame:
    """Deliveries per event type x period of ``received_at`` (UTC), e.g. ``"h"`` or ``"D"``."""
    timed = events[events["received_at"].notna()]
    period = timed["received_at"].dt.floor(freq).rename("received_at (UTC)")
    event_type = timed["event_type"].astype(str)
    if timed.empty:  # pandas 2.2 fails to cross-tabulate no rows of UTC timestamps
        return pd.DataFrame(index=pd.DatetimeIndex(period), columns=pd.Index(event_type))
    return pd.crosstab(period, event_type)


def top(events: pd.DataFrame, column: str, n: int = 10) -> pd.DataFrame:
    """The ``n`` values of ``column`` with the most deliveries, with their distinct events."""
    present = events[events[column].notna()]
    frame = pd.DataFrame({column: present[column].astype(str), "key": event_keys(present)})
    grouped = frame.groupby(column, sort=True)
    table = pd.DataFrame({"deliveries": grouped.size(), "events": grouped["key"].nunique()})
    return table.sort_values(["deliveries", "events"], ascending=False, kind="stable").head(n)


def top_channels(events: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """Channels (``cid``) with the most deliveries."""
    return top(events, "cid", n)


def top_users(events: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """Users with the most deliveries."""
    return top(events, "user_id", n)


NO_TIME = "(no time)"
"""The day of deliveries without ``received_at`` in :func:`secrets_by_day`."""

NO_ATTEMPT = "(no header)"
"""The attempt of deliveries that carry no ``X-Webhook-Attempt`` (other senders, some tools)."""


def attempt_histogram(events: pd.DataFrame) -> pd.DataFrame:
    """Deliveries per ``X-Webhook-Attempt`` value (1, 2, ...), in order, then ``(no header)``
    for the deliveries without one (never a bare ``<NA>``)."""
    counts = events["attempt"].value_counts().sort_index()
    index: list[object] = [int(n) for n in counts.index]
    missing = int(events["attempt"].isna().sum())
    values = [*counts.to_numpy(dtype=np.int64)] + ([missing] if missing else [])
    index += [NO_ATTEMPT] if missing else []
    return pd.DataFrame(
        {"deliveries": np.asarray(values, dtype=np.int64)},
        index=pd.Index(index, dtype=object, name="attempt"),
    )


def duplicate_rate(events: pd.DataFrame) -> pd.DataFrame:
    """Per event type: deliveries, events, extra deliveries (retries/duplicates) and their rate."""
    table = by_type(events)[["deliveries", "events"]].copy()
    table["duplicates"] = table["deliveries"] - table["events"]
    table["duplicate_rate"] = (table["duplicates"] / table["deliveries"]).round(4)
    return table.sort_values(["duplicate_rate", "deliveries"], ascending=False, kind="stable")


def lag_unit(seconds: pd.Series | npt.NDArray[np.float64]) -> tuple[str, float]:
    """The unit lags read best in, and the factor from seconds: ``("ms", 1000.0)`` when the
    median lag is under a second, else ``("s", 1.0)``. The lag chart and the lag table use
    it both, so they say the same numbers in the same unit."""
    values = np.abs(np.asarray(seconds, dtype="float64"))
    return ("ms", 1000.0) if len(values) and np.median(values) < 1 else ("s", 1.0)


def lag_percentiles(
    events: pd.DataFrame, percentiles: Sequence[float] = (0.5, 0.9, 0.99)
) -> pd.DataFrame:
    """Delivery lag (``received_at - created_at``) per event type, and ``(all)``, in the unit
    the lag chart uses (:func:`lag_unit`: ms, or s when the median lag is a second or more,
    as for a replayed or queued log). The columns name it: ``p50 (ms)`` or ``p50 (s)``."""
    timed = events[events["lag"].notna()]
    seconds = timed["lag"].dt.total_seconds()
    unit, scale = lag_unit(seconds)
    values = seconds * scale
    names = [f"p{round(p * 100):g} ({unit})" for p in percentiles]
    if timed.empty:
        return pd.DataFrame(columns=["deliveries", *names]).rename_axis("event_type")
    per_type = values.groupby(timed["event_type"].astype(str)).quantile(list(percentiles))
    table = per_type.unstack()
    table.columns = names
    overall = pd.DataFrame([values.quantile(list(percentiles)).to_numpy()], columns=names)
    overall.index = pd.Index(["(all)"])
    table.insert(0, "deliveries", timed.groupby(timed["event_type"].astype(str)).size())
    overall.insert(0, "deliveries", len(timed))
    # To the microsecond in ms, the millisecond in s: an even table, and no false digits.
    digits = dict.fromkeys(names, 3)
    combined: pd.DataFrame = pd.concat([table.sort_index(), overall]).round(digits)
    return combined.rename_axis("event_type")


def gaps(events: pd.DataFrame, threshold: str | pd.Timedelta = "15min") -> pd.DataFrame:
    """Periods longer than ``threshold`` with no delivery at all (start, end, duration)."""
    times = events["received_at"].dropna().sort_values().reset_index(drop=True)
    limit = _duration(threshold, "GAP")
    following = times.shift(-1)
    wide = (following - times) > limit
    return pd.DataFrame(
        {
            "start": times[wide].to_numpy(),
            "end": following[wide].to_numpy(),
            "duration": (following - times)[wide].to_numpy(),
        }
    ).astype({"start": "datetime64[ns, UTC]", "end": "datetime64[ns, UTC]"})


def secrets_by_day(events: pd.DataFrame) -> pd.DataFrame:
    """Deliveries per UTC day (``day (UTC)``, e.g. ``2026-11-19 Thu``) and matched secret: one
    column per secret, named by the end of its label (``demo_api_key``, ``STREAM_API_SECRET``,
    ``demo_api_key[1]``); deliveries with no ``received_at`` in a last ``(no time)`` row. Days
    and secrets that signed nothing do not appear: a log in which no delivery matched a secret
    gives no rows."""
    signed = events[events["matched_secret"].notna()]
    if signed.empty:
        return pd.DataFrame(columns=["day (UTC)"])
    day = signed["received_at"].dt.strftime("%Y-%m-%d %a").astype(object).fillna(NO_TIME)
    secret = signed["matched_secret"].astype(str).str.rsplit(":", n=1).str[-1]
    table = pd.crosstab(day.rename("day (UTC)"), secret.rename("matched secret"))
    days = sorted(d for d in table.index if d != NO_TIME) + [d for d in table.index if d == NO_TIME]
    table = table.loc[days].reset_index()
    table.columns.name = None
    return table


def _duration(value: str | pd.Timedelta, name: str) -> pd.Timedelta:
    """``value`` as a positive duration (``"15min"``, ``"2h"``), or a :class:`UsageError`
    naming the notebook parameter (a bare number would be nanoseconds)."""
    fix = f'Write {name} as a duration such as "15min" or "2h"'
    if not isinstance(value, str | pd.Timedelta | timedelta):
        raise UsageError(f"{name}={value!r} is not a duration", fix=fix)
    try:
        limit = pd.Timedelta(value)
    except ValueError as error:
        raise UsageError(f"{name}={value!r} is not a duration ({error})", fix=fix) from None
    if pd.isna(limit) or limit <= pd.Timedelta(0):
        raise UsageError(f"{name}={value!r} is not a positive duration", fix=fix)
    return limit


def undocumented_types(events: pd.DataFrame) -> pd.DataFrame:
    """Event types that are not in Stream's documented webhook catalogue, with their counts."""
    table = by_type(events)
    keep = [t for t in table.index if t != UNKNOWN_TYPE and not is_documented(t)]
    return table.loc[keep, ["deliveries", "events"]]
