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
