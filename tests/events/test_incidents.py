"""The incident timeline finds each incident planted in the story week, and nothing else."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from helpers import DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from streamhook_nb import audit
from streamhook_nb.events.incidents import INCIDENT_COLUMNS, around_incident, incident_timeline
from streamhook_nb.samples import story
from streamhook_nb.verify.secrets import Keyring, Secret, keyring

TOLERANCE = timedelta(minutes=3)


STORY = DATA / "story"


@pytest.fixture(scope="module")
def story_events() -> pd.DataFrame:
    ring = keyring(secrets_file=STORY / "secrets.toml", dotenv=None)
    return audit(STORY, ring, keep_deliveries=False).events


@pytest.fixture(scope="module")
def timeline(story_events: pd.DataFrame) -> pd.DataFrame:
    return incident_timeline(story_events)


def _near(found: pd.Timestamp, planted: datetime) -> bool:
    return abs(found.to_pydatetime() - planted) <= TOLERANCE


@pytest.mark.parametrize(
    ("kind", "planted"),
    [
        ("retries", story.OUTAGE),
        ("failures", story.RESERIALIZED),
        ("endpoint", story.ROTATION),
        ("change", story.GZIP_ON),
        ("failures", story.STAGING),
    ],
    ids=lambda p: p.name if isinstance(p, story.PlantedIncident) else p,
)
def test_each_planted_incident_is_found(
    timeline: pd.DataFrame, kind: str, planted: story.PlantedIncident
) -> None:
    rows = timeline[(timeline["kind"] == kind) & (timeline["reason"] == planted.reason)]
    assert len(rows) == 1, timeline[["start", "kind", "reason"]]
    row = rows.iloc[0]
    assert row["api_key"] == planted.api_key
    assert _near(row["start"], planted.start)
    assert _near(row["end"], planted.end)
    assert row["hint"]
    assert row["event_types"].startswith("message.new ")


def test_the_rotation_also_shows_as_a_change_of_secret(timeline: pd.DataFrame) -> None:
    change = timeline[timeline["reason"] == "secret_changed"]
    assert len(change) == 1
    assert _near(change["start"].iloc[0], story.ROTATION.start)
    assert "demo_api_key[0] instead of" in change["hint"].iloc[0]
    assert "demo-" not in "".join(timeline["hint"])  # labels only, never a secret


def test_nothing_but_the_planted_incidents(timeline: pd.DataFrame) -> None:
    """The scanners and the odd retried 500 are noise: too few, too far apart."""
    assert sorted(zip(timeline["kind"], timeline["reason"], strict=True)) == sorted(
        [
            ("retries", "retries"),
            ("failures", "body_reserialized"),
            ("endpoint", "endpoint_rejected"),
            ("change", "secret_changed"),
            ("change", "gzip_on"),
            ("failures", "unknown_app"),
        ]
    )
    assert timeline["start"].is_monotonic_increasing
    assert list(timeline.columns) == list(INCIDENT_COLUMNS)


def test_outage_counts_match_the_generator(timeline: pd.DataFrame) -> None:
    attempts: dict[str, list[int]] = {}
    for item in story.story_deliveries():
        if story.OUTAGE.start <= item.received_at < story.OUTAGE.end + timedelta(seconds=15):
            attempts.setdefault(item.headers.get("x-webhook-id", ""), []).append(item.status)
    retried = [s for s in attempts.values() if len(s) > 1]
    lost = [s for s in retried if s[-1] != 200]
    row = timeline[timeline["kind"] == "retries"].iloc[0]
    assert f"Stream retried {len(retried)} events" in row["hint"]
    assert f"{len(lost)} of them never got a 2xx" in row["hint"]
    assert row["deliveries"] == sum(len(s) for s in retried)


def test_with_only_the_old_secret_the_rotation_is_a_lasting_mismatch() -> None:
    ring = Keyring((Secret(story.OLD_SECRET, "OLD_SECRET"),), {}, story.PROD_API_KEY)
    events = audit(STORY, ring, keep_deliveries=False).events
    found = incident_timeline(events)
    mismatch = found[found["reason"] == "signature_mismatch"]
    assert len(mismatch) == 1
    assert _near(mismatch["start"].iloc[0], story.ROTATION.start)
    assert mismatch["end"].iloc[0] > pd.Timestamp(story.STORY_START + timedelta(days=6))
    assert "rotated" in mismatch["hint"].iloc[0]


# Small frames built by hand: the rules one at a time.

T0 = pd.Timestamp("2026-11-26T10:00:00Z")


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    base: dict[str, Any] = {
        "valid": True,
        "reason": "ok",
        "api_key": "app",
        "webhook_id": None,
        "attempt": 1,
        "response_status": 200,
        "content_encoding": None,
        "matched_secret": "S",
        "hint": None,
        "event_type": "message.new",
    }
    frame = pd.DataFrame([{**base, **row} for row in rows])
    frame["webhook_id"] = [r.get("webhook_id") or f"id-{n}" for n, r in enumerate(rows)]
    return frame.astype(
        {
            "received_at": "datetime64[ns, UTC]",
            "valid": "boolean",
            "attempt": "Int64",
            "response_status": "Int64",
            "content_encoding": "string",
            "hint": "string",
        }
    )


def _failing(minutes: list[float], **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "received_at": T0 + pd.Timedelta(minutes=m),
            "valid": False,
            "reason": "signature_mismatch",
            **extra,
        }
        for m in minutes
    ]


def _healthy(minutes: list[float], **extra: Any) -> list[dict[str, Any]]:
    return [{"received_at": T0 + pd.Timedelta(minutes=m), **extra} for m in minutes]


def test_a_quiet_gap_with_healthy_deliveries_ends_a_window() -> None:
    rows = [
        *_failing([0, 1, 2, 3, 4]),
        *_healthy([10]),
        *_failing([30, 31, 32, 33, 34, 35]),
        *_healthy([60]),
        *_failing([90, 91]),
    ]
    found = incident_timeline(_frame(rows))
    assert found["deliveries"].tolist() == [5, 6]
    assert found["start"].tolist() == [T0, T0 + pd.Timedelta(minutes=30)]
    assert found["end"].tolist() == [T0 + pd.Timedelta(minutes=4), T0 + pd.Timedelta(minutes=35)]
    assert len(incident_timeline(_frame(rows), gap="40min")) == 1
    assert len(incident_timeline(_frame(rows), min_deliveries=2)) == 3


def test_a_failure_lasting_through_a_quiet_night_is_one_incident() -> None:
    night = _failing([0, 1, 2, 50, 100, 150, 200, 250, 251])
    found = incident_timeline(_frame([*_healthy([-5]), *night]))
    assert found["deliveries"].tolist() == [9]
    assert found["end"].iloc[0] == T0 + pd.Timedelta(minutes=251)
    other_app = _healthy([25, 75], api_key="another app")  # only the same app's health counts
    assert incident_timeline(_frame(night + other_app))["deliveries"].tolist() == [9]
    assert incident_timeline(_frame(night), max_quiet="45min")["deliveries"].tolist() == []
    assert incident_timeline(_frame(_failing([0, 1, 2, 3, 200, 201, 202, 203, 204]))).shape[0] == 1


def test_windows_are_per_reason_and_per_api_key() -> None:
    rows = _failing([0, 1, 2, 3, 4], api_key="a") + _failing([0.5, 1.5, 2.5, 3.5, 4.5], api_key="b")
    found = incident_timeline(_frame(rows))
    assert sorted(found["api_key"]) == ["a", "b"]
    mixed = _failing([0, 1, 2]) + _failing([0.5, 1.5], reason="missing_signature")
    assert incident_timeline(_frame(mixed)).empty


def test_deliveries_without_time_are_left_out() -> None:
    rows = [*_failing([0, 1, 2, 3]), {**_failing([0])[0], "received_at": pd.NaT}]
    assert incident_timeline(_frame(rows)).empty


def test_a_brief_switch_is_not_a_change() -> None:
    plain = [{"received_at": T0 + pd.Timedelta(seconds=s)} for s in range(60)]
    burst = [
        {"received_at": T0 + pd.Timedelta(seconds=60 + s), "content_encoding": "gzip"}
        for s in range(10)
    ]
    after = [{"received_at": T0 + pd.Timedelta(seconds=70 + s)} for s in range(60)]
    assert incident_timeline(_frame(plain + burst + after)).empty
    lasting = [
        {**b, "received_at": T0 + pd.Timedelta(seconds=60 + s)} for s, b in enumerate(burst * 6)
    ]
    found = incident_timeline(_frame(plain + lasting))
    assert found["reason"].tolist() == ["gzip_on"]
    assert found["start"].iloc[0] == T0 + pd.Timedelta(seconds=60)
    assert found["deliveries"].iloc[0] == 60


def test_an_unverified_frame_and_an_empty_one() -> None:
    retried = [
        {"received_at": T0 + pd.Timedelta(seconds=s), "attempt": 2, "webhook_id": f"w{s}"}
        for s in range(6)
    ]
    frame = _frame(retried).drop(columns=["valid", "reason", "matched_secret", "hint"])
    found = incident_timeline(frame.drop(columns=["response_status"]))
    assert found["reason"].tolist() == ["retries"]
    empty = incident_timeline(frame.iloc[:0])
    assert empty.empty
    assert dict(empty.dtypes.astype(str)) == {
        k: ("string" if v == "string" else v) for k, v in INCIDENT_COLUMNS.items()
    }


def test_refused_authentic_deliveries_name_the_secret_that_matches() -> None:
    rows = [
        {
            "received_at": T0 + pd.Timedelta(minutes=m),
            "response_status": 401,
            "matched_secret": "NEW",
        }
        for m in range(5)
    ]
    found = incident_timeline(_frame(rows))
    assert found["reason"].tolist() == ["endpoint_rejected"]
    assert "401 x5" in found["hint"].iloc[0]
    assert "match NEW" in found["hint"].iloc[0]
    timeouts = [{**r, "response_status": 408} for r in rows]
    assert incident_timeline(_frame(timeouts))["reason"].tolist() == ["retries"]


def test_unverifiable_captures_cluster_but_unsigned_queue_deliveries_do_not() -> None:
    cut = _healthy([0, 1, 2, 3, 4], valid=None, reason="unverifiable", hint="cut")
    queued = _healthy([10, 11, 12, 13, 14], valid=None, reason="unsigned")
    found = incident_timeline(_frame(cut + queued))
    assert found["reason"].tolist() == ["unverifiable"]
    assert found["hint"].tolist() == ["cut"]
    assert found["deliveries"].tolist() == [5]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 24 * 60), st.booleans(), st.sampled_from(["a", "b"])),
        min_size=1,
        max_size=80,
    )
)
def test_windows_are_disjoint_ordered_and_big_enough(rows: list[tuple[int, bool, str]]) -> None:
    frame = _frame(
        [
            {
                "received_at": T0 + pd.Timedelta(minutes=m),
                "valid": ok,
                "reason": "ok" if ok else "signature_mismatch",
                "api_key": key,
            }
            for m, ok, key in rows
        ]
    )
    found = incident_timeline(frame, min_deliveries=3)
    assert (found["kind"] == "failures").all()
    assert (found["deliveries"] >= 3).all()
    assert (found["start"] <= found["end"]).all()
    for key, windows in found.groupby("api_key"):
        failing = sum(1 for _, ok, k in rows if k == key and not ok)
        assert windows["deliveries"].sum() <= failing
        assert (windows["start"].iloc[1:].to_numpy() > windows["end"].iloc[:-1].to_numpy()).all()


def test_around_an_incident_are_its_apps_deliveries_padded(
    story_events: pd.DataFrame, timeline: pd.DataFrame
) -> None:
    """Notebook 02 looked at hard-coded hours of the story week: on any other log, empty
    tables under each incident's heading. It now takes the window from the timeline."""
    refused = timeline[timeline["reason"] == "endpoint_rejected"].iloc[0]
    near = around_incident(story_events, timeline, "endpoint_rejected", pad="30min")
    assert near["received_at"].min() >= refused["start"] - pd.Timedelta("30min")
    assert near["received_at"].max() <= refused["end"] + pd.Timedelta("30min")
    assert set(near["api_key"]) == {refused["api_key"]}
    inside = story_events["received_at"].between(refused["start"], refused["end"])
    assert len(near) > int((inside & story_events["api_key"].eq(refused["api_key"])).sum())
    assert around_incident(story_events, timeline, "no_such_reason").empty
    assert list(around_incident(story_events, timeline.iloc[:0], "retries").columns) == list(
        story_events.columns
    )
