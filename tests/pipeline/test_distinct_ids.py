"""Distinct webhook ids per event type: exact, whatever the ids look like and however split."""

from __future__ import annotations

import pickle
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamhook_nb.pipeline import distinct_ids
from streamhook_nb.pipeline.distinct_ids import DistinctIds
from streamhook_nb.pipeline.event_tally import EventTally

KINDS = st.sampled_from(["message.new", "message.updated", "user.updated", "(unknown)", "é"])
UUIDS = st.sampled_from([str(uuid.UUID(int=n * 7919 + 1)) for n in range(12)])
ODD_IDS = st.sampled_from(
    [
        str(uuid.UUID(int=7920)).upper(),  # another spelling of a UUID above: another id
        "w1",
        "",
        "x" * 36,
        "0" * 8 + "_" + "0" * 27,
        "00000000-0000-0000-0000-00000000000é",
        "00000000-0000-0000-0000-0000000000001",
        "g0000000-0000-0000-0000-000000000000",
    ]
)
PAIRS = st.lists(st.tuples(KINDS, st.one_of(UUIDS, UUIDS, ODD_IDS)), max_size=60)


def expected(pairs: list[tuple[str, str]]) -> tuple[dict[str, int], int]:
    per_kind: dict[str, set[str]] = {}
    for kind, webhook_id in pairs:
        per_kind.setdefault(kind, set()).add(webhook_id)
    return {k: len(v) for k, v in per_kind.items()}, len({i for _, i in pairs})


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pack every few pairs and compact often, so that every path runs on small inputs."""
    monkeypatch.setattr(distinct_ids, "_PACK_AT", 3)
    monkeypatch.setattr(distinct_ids, "_COMPACT_AT", 7)


@pytest.mark.usefixtures("small_batches")
@settings(max_examples=150, deadline=None)
@given(parts=st.lists(PAIRS, min_size=1, max_size=4), one_by_one=st.booleans(), sort=st.booleans())
def test_counts_equal_those_of_python_sets(
    parts: list[list[tuple[str, str]]], one_by_one: bool, sort: bool
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(distinct_ids, "_SORT_FROM", 0 if sort else 10**9)  # numpy, or a set
        check_counts(parts, one_by_one)


def check_counts(parts: list[list[tuple[str, str]]], one_by_one: bool) -> None:
    total = DistinctIds()
    for part in parts:
        ids = DistinctIds()
        if one_by_one:
            for kind, webhook_id in part:
                ids.add(kind, webhook_id)
        else:
            ids.add_many([k for k, _ in part], [i for _, i in part])
        ids = pickle.loads(pickle.dumps(ids))  # as a worker process sends it
        total.merge(ids)
    per_kind, every_id = total.counts()
    want_per_kind, want_every_id = expected([pair for part in parts for pair in part])
    assert {k: n for k, n in per_kind.items() if n} == want_per_kind
    assert every_id == want_every_id


def test_many_uuids_are_merged_exactly() -> None:
    ids = [str(uuid.UUID(int=n * 104729)) for n in range(150_000)]
    kinds = ["message.new" if n % 3 else "user.updated" for n in range(150_000)]
    first, second = DistinctIds(), DistinctIds()
    first.add_many(kinds[:100_000], ids[:100_000])
    second.add_many(kinds[50_000:], ids[50_000:])  # a third of it seen by both
    second.add("reaction.new", ids[0])
    first.merge(second)
    per_kind = {"message.new": 100_000, "user.updated": 50_000, "reaction.new": 1}
    assert first.counts() == (per_kind, 150_000)


def test_a_tally_counts_deliveries_without_an_id_as_events() -> None:
    tally = EventTally()
    tally.add_many(["a", "a", "b"], "valid", ["w1", None, "w1"])
    tally.add_many(["a"], "invalid", ["w1"])
    assert tally.as_json()["events"] == 2
    assert {k: v["events"] for k, v in tally.as_json()["event_types"].items()} == {"a": 2, "b": 1}
    with pytest.raises(ValueError, match="one webhook id"):
        tally.add_many(["a", "b"], "valid", ["w1"])


def test_ids_of_other_lengths_never_shift_the_ones_after_them() -> None:
    canonical = str(uuid.UUID(int=0xABC))
    short, long = canonical[:-1], "a" + canonical  # 35 + 37 characters: 72, two UUIDs' worth
    ids = DistinctIds()
    ids.add_many(["a", "a", "a"], [short, long, canonical])
    assert ids.counts() == ({"a": 3}, 3)
    assert ids._others == {("a", short), ("a", long)}
