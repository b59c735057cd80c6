"""The audit filter's time window from a notebook's START and END."""

from __future__ import annotations

import pandas as pd
import pytest

from streamhook_nb import AuditFilter, UsageError


def test_a_time_without_an_offset_is_utc_and_filters_utc_times() -> None:
    """``START = "2026-11-16"`` compared a naive time with the UTC column: a TypeError
    traceback from pandas."""
    received = pd.Series(pd.to_datetime(["2026-11-15T23:00Z", "2026-11-16T01:00Z", None], utc=True))
    events = pd.DataFrame({"received_at": received})
    window = AuditFilter.window("2026-11-16", None)
    assert window.start == pd.Timestamp("2026-11-16T00:00Z")
    assert list(window.apply(events).index) == [1, 2]  # the untimed one stays, as documented
    shifted = AuditFilter.window(None, "2026-11-16T01:30+01:00")
    assert shifted.end == pd.Timestamp("2026-11-16T00:30Z")
    assert AuditFilter.window(None, "") == AuditFilter()


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("yesterday", "START='yesterday' is not a time"),
        (1763251200, "START=1763251200 is a number, not a time"),
        ("NaT", "START='NaT' is not a time"),
    ],
)
def test_a_start_that_is_not_a_time_is_named(value: object, said: str) -> None:
    with pytest.raises(UsageError) as raised:
        AuditFilter.window(value, None)
    assert str(raised.value).startswith(said)
    assert "START = None" in str(raised.value)


@pytest.mark.parametrize("value", ["now", "today", "16/11/2026", "11/16/2026"])
def test_only_iso_8601_is_a_time(value: str) -> None:
    """``"now"`` and ``"today"`` read the wall clock (an archived log's window moved with
    it), and ``"01/02/2026"`` is January or February depending on who reads it."""
    with pytest.raises(UsageError) as raised:
        AuditFilter.window(value, None)
    assert str(raised.value).startswith(f"START={value!r} is not a time in ISO 8601")


def test_iso_8601_keeps_nanoseconds() -> None:
    window = AuditFilter.window("2026-11-16T09:30:00.123456789Z", " 2026-11-17 ")
    assert window.start == pd.Timestamp("2026-11-16T09:30:00.123456789Z")
    assert window.end == pd.Timestamp("2026-11-17T00:00Z")


@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-11-20", "2026-11-18"), ("2026-11-16T10:30+01:00", "2026-11-16T09:30Z")],
)
def test_an_end_not_after_the_start_is_said(start: str, end: str) -> None:
    """END before START said "no delivery was received between ...", as if the log missed
    the window."""
    with pytest.raises(UsageError) as raised:
        AuditFilter.window(start, end)
    assert str(raised.value).startswith(f"END={end!r} is not after START={start!r}")
    assert "Swap them" in str(raised.value)
