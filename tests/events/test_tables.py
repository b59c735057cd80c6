"""Every audit table checked against counts computed independently from the sample data."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from audit_reference import by_type as reference_by_type
from audit_reference import payload

from streamhook_nb import UsageError, events_frame, keyring, load_log, verify_deliveries
from streamhook_nb.events import charts, tables
from streamhook_nb.events.catalog import is_documented
from streamhook_nb.load.deliveries import values


@pytest.fixture(scope="module")
def verified(data_dir: Path) -> pd.DataFrame:
    loaded = load_log(data_dir)
    return verify_deliveries(
        loaded.deliveries, keyring(secrets_file=data_dir / "demo-secrets.toml")
    )


@pytest.fixture(scope="module")
def events(verified: pd.DataFrame) -> pd.DataFrame:
    return events_frame(verified)


@pytest.fixture(scope="module")
def data_dir(tour_dir: Path) -> Path:
    return tour_dir


def test_by_type_matches_an_independent_count(verified: pd.DataFrame, events: pd.DataFrame) -> None:
    table = tables.by_type(events)
    assert {
        k: {c: int(v) for c, v in row.items()} for k, row in table.iterrows()
    } == reference_by_type(verified)
    assert table["deliveries"].is_monotonic_decreasing
    assert table.loc["(unknown)", "unverifiable"] == 2  # truncated and missing HAR bodies
    assert table["deliveries"].sum() == len(verified)


def test_gzip_and_retries_are_counted(verified: pd.DataFrame, events: pd.DataFrame) -> None:
    zipped = [body is not None and body[:2] == b"\x1f\x8b" for body in values(verified["body"])]
    assert events.loc[zipped, "event_type"].astype(str).ne("(unknown)").all()
    table = tables.duplicate_rate(events)
    assert table["duplicates"].sum() == 7
    retried = events[events["attempt"] == 2]
    assert set(retried["event_type"].astype(str)) <= set(table[table["duplicates"] > 0].index)


def test_channel_type_table(verified: pd.DataFrame, events: pd.DataFrame) -> None:
    expected: Counter[tuple[str, str]] = Counter()
    for body in verified["body"]:
        value = payload(body)
        kind = value.get("type") if value else None
        cid = value.get("cid") if value else None
        channel = value.get("channel_type") if value else None
        channel = channel or (cid.split(":", 1)[0] if isinstance(cid, str) else "(none)")
        expected[(kind if isinstance(kind, str) else "(unknown)", channel)] += 1
    table = tables.by_type_and_channel_type(events)
    got = {
        (t, c): int(table.loc[t, c]) for t in table.index for c in table.columns if table.loc[t, c]
    }
    assert got == dict(expected)


def test_period_table_sums(events: pd.DataFrame) -> None:
    hourly = tables.by_type_and_period(events, "h")
    assert hourly.to_numpy().sum() == events["received_at"].notna().sum()
    daily = tables.by_type_and_period(events, "D")
    assert [str(d.date()) for d in daily.index] == ["2026-11-26", "2026-11-27"]
    assert daily.loc[pd.Timestamp("2026-11-27", tz="UTC")].sum() == 30


def test_period_table_of_no_timed_deliveries_is_empty(events: pd.DataFrame) -> None:
    empty = tables.by_type_and_period(events.iloc[:0])
    assert empty.shape == (0, 0)
    assert str(empty.index.dtype) == "datetime64[ns, UTC]"
    assert (empty.index.name, empty.columns.name) == ("received_at (UTC)", "event_type")


def test_top_channels_and_users(verified: pd.DataFrame, events: pd.DataFrame) -> None:
    cids = Counter(
        value["cid"]
        for value in map(payload, verified["body"])
        if value and isinstance(value.get("cid"), str)
    )
    top = tables.top_channels(events, 3)
    expected = sorted(cids.items(), key=lambda item: (-item[1], item[0]))[:3]
    assert [(c, int(n)) for c, n in top["deliveries"].items()] == expected
    users = tables.top_users(events, 100)
    assert users["deliveries"].sum() == events["user_id"].notna().sum()


def test_attempt_histogram(events: pd.DataFrame) -> None:
    histogram = tables.attempt_histogram(events)["deliveries"]
    assert histogram.loc[1] == 213
    assert histogram.loc[2] == 7
    assert histogram.sum() == len(events)


def test_attempt_histogram_names_deliveries_without_the_header() -> None:
    """A log holding deliveries without ``X-Webhook-Attempt`` (a HAR of another sender, a
    scanner) showed a bare ``<NA>`` row; it says ``(no header)``, after the numbered ones."""
    events = pd.DataFrame({"attempt": pd.array([2, None, 1, 1, None], dtype="Int64")})
    histogram = tables.attempt_histogram(events)["deliveries"]
    assert list(histogram.index) == [1, 2, "(no header)"]
    assert list(histogram) == [2, 1, 2]
    assert "<NA>" not in histogram.to_frame().to_string()
    assert tables.attempt_histogram(events.iloc[:0]).empty


def test_lag_percentiles(events: pd.DataFrame) -> None:
    """In milliseconds, like the lag chart beside it, and the columns say so."""
    table = tables.lag_percentiles(events)
    ms = (events["received_at"] - events["created_at"]).dt.total_seconds().dropna() * 1000
    assert list(table.columns) == ["deliveries", "p50 (ms)", "p90 (ms)", "p99 (ms)"]
    assert table.loc["(all)", "deliveries"] == len(ms)
    assert table.loc["(all)", "p50 (ms)"] == pytest.approx(ms.median(), abs=0.001)
    assert table.loc["(all)", "p99 (ms)"] == pytest.approx(ms.quantile(0.99), abs=0.001)
    assert table.loc["(all)", "p50 (ms)"] > 0
    assert table.loc["(all)", "p99 (ms)"] < 5000


def test_lag_percentiles_in_seconds_when_the_lag_is_long() -> None:
    """A replayed or queued log (lags of minutes to days) gave ``p99 (ms)`` of seven or eight
    digits, which pandas shows as ``1.2e+07``; the table takes the lag chart's unit."""
    at = pd.Timestamp("2026-11-26T10:00:00Z")
    lags = pd.to_timedelta(["2s", "90s", "3h", "2D"])
    events = pd.DataFrame({"event_type": ["message.new"] * 4, "lag": lags})
    table = tables.lag_percentiles(events)
    assert list(table.columns) == ["deliveries", "p50 (s)", "p90 (s)", "p99 (s)"]
    assert table.loc["(all)", "p50 (s)"] == pytest.approx((90 + 3 * 3600) / 2)
    assert charts.lag_bins(events.assign(received_at=at))[1] == "s"  # the chart says s too
    assert "e+" not in table.to_string()
    quick = events.assign(lag=pd.to_timedelta(["100ms", "200ms", "300ms", "5s"]))
    assert list(tables.lag_percentiles(quick).columns)[1] == "p50 (ms)"


def test_gaps(events: pd.DataFrame) -> None:
    times = sorted(events["received_at"].dropna())
    expected = [(a, b) for a, b in itertools.pairwise(times) if b - a > pd.Timedelta("15min")]
    found = tables.gaps(events, "15min")
    assert list(zip(found["start"], found["end"], strict=True)) == expected
    assert len(tables.gaps(events, "1min")) > len(expected)


def test_undocumented_types(events: pd.DataFrame) -> None:
    kinds = {str(k) for k in events["event_type"].unique()} - {"(unknown)"}
    expected = sorted(k for k in kinds if not is_documented(k))
    assert (
        sorted(tables.undocumented_types(events).index)
        == expected
        == ["order.shipped", "xchannel.created"]
    )


def test_unverified_events_count_as_unverifiable(data_dir: Path) -> None:
    events = events_frame(load_log(data_dir / "ngrok").deliveries)
    assert tables.by_type(events)["unverifiable"].sum() == 5


def test_by_type_on_a_hand_made_frame() -> None:
    events = pd.DataFrame(
        {
            "event_type": pd.Categorical(["a", "a", "a", "b", None, "b"]),
            "webhook_id": pd.array(["w1", "w1", None, "w2", "w3", "w2"], dtype="string"),
            "valid": pd.array([True, False, None, True, True, True], dtype="boolean"),
        }
    )
    table = tables.by_type(events)
    assert table.to_dict("index") == {
        "a": {"deliveries": 3, "events": 2, "valid": 1, "invalid": 1, "unverifiable": 1},
        "b": {"deliveries": 2, "events": 1, "valid": 2, "invalid": 0, "unverifiable": 0},
        "(unknown)": {"deliveries": 1, "events": 1, "valid": 1, "invalid": 0, "unverifiable": 0},
    }
    assert list(table.dtypes.astype(str)) == ["int64"] * 5
    assert table.index.name == "event_type"
    assert tables.by_type(events.iloc[:0]).empty


def test_secrets_by_day_counts_deliveries_without_a_time_in_their_own_row() -> None:
    """A log without receive times (some capture tools keep none) showed "No delivery matched
    a secret" although every delivery had matched one."""
    events = pd.DataFrame(
        {
            "received_at": pd.to_datetime(["2026-11-19T10:00Z", None, None], utc=True),
            "matched_secret": pd.array(["f.toml:app[0]", "f.toml:app[1]", None], dtype="string"),
        }
    )
    table = tables.secrets_by_day(events)
    assert table.to_dict("records") == [
        {"day (UTC)": "2026-11-19 Thu", "app[0]": 1, "app[1]": 0},
        {"day (UTC)": "(no time)", "app[0]": 0, "app[1]": 1},
    ]
    assert tables.secrets_by_day(events.iloc[2:]).empty


@pytest.mark.parametrize(
    ("gap", "said"),
    [
        ("abc", "GAP='abc' is not a duration (unit abbreviation w/o a number)"),
        (15, "GAP=15 is not a duration"),
        ("-5min", "GAP='-5min' is not a positive duration"),
    ],
)
def test_a_gap_that_is_not_a_duration_is_named(
    events: pd.DataFrame, gap: object, said: str
) -> None:
    """``GAP = "abc"`` in notebook 03 gave pandas' ValueError traceback; ``GAP = 15`` silently
    meant 15 nanoseconds (every pause a gap)."""
    with pytest.raises(UsageError) as raised:
        tables.gaps(events, gap)  # type: ignore[arg-type]
    assert str(raised.value) == f'{said}. Write GAP as a duration such as "15min" or "2h"'
