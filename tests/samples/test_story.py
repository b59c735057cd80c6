"""The story week: committed files are the generator's output, and the incidents are as planted."""

from __future__ import annotations

import gzip
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import DATA
from stream_chat.webhook import verify_signature

from streamhook_nb.samples import story
from streamhook_nb.samples.webhooks import SampleDelivery
from streamhook_nb.verify.secrets import from_file

RETRYABLE = {408, 429, 500, 502, 503, 504}


@pytest.fixture(scope="module")
def items() -> list[SampleDelivery]:
    return story.story_deliveries()


def test_committed_story_is_exactly_what_the_generator_writes(tmp_path: Path) -> None:
    written = story.write(tmp_path)
    committed = {p.name for p in (DATA / "story").iterdir()}
    assert committed == set(written)
    for name in written:
        fresh, kept = (tmp_path / name).read_bytes(), (DATA / "story" / name).read_bytes()
        if name.endswith(".gz"):  # compare content: another zlib may pick other deflate blocks
            fresh, kept = gzip.decompress(fresh), gzip.decompress(kept)
        assert fresh == kept, name


def test_one_capture_log_per_day_and_a_few_mb() -> None:
    logs = sorted((DATA / "story").glob("stream-*.jsonl.gz"))
    assert [p.name for p in logs] == [
        f"stream-{story.STORY_START + timedelta(days=d):%Y-%m-%d}.jsonl.gz" for d in range(7)
    ]
    assert sum(p.stat().st_size for p in logs) < 8_000_000


def test_a_week_of_realistic_traffic(items: list[SampleDelivery]) -> None:
    assert 15_000 < len(items) < 30_000
    assert items == sorted(items, key=lambda d: d.received_at)
    by_day = Counter(d.received_at.weekday() for d in items if "staging" not in d.notes)
    assert min(by_day[d] for d in range(5)) > 2 * max(by_day[5], by_day[6])
    by_hour = Counter(d.received_at.hour for d in items)
    assert by_hour[14] > 5 * by_hour[3]
    types = Counter(d.event_type for d in items).most_common(3)
    assert [t for t, _ in types] == ["message.new", "message.read", "reaction.new"]


def test_signatures_use_the_secret_of_their_app_and_time(items: list[SampleDelivery]) -> None:
    for item in items:
        if "scanner" in item.notes:
            assert "x-signature" not in item.headers
            continue
        body = gzip.decompress(item.body) if "gzip" in item.notes else item.body
        if "reserialized" in item.notes:
            assert b'", "' in body  # json.dumps spacing: the signature cannot match these bytes
            continue
        secret = (
            story.STAGING_SECRET
            if item.headers["x-api-key"] == story.STAGING_API_KEY
            else story.NEW_SECRET
            if item.received_at >= story.ROTATION.start
            else story.OLD_SECRET
        )
        assert verify_signature(body, item.headers["x-signature"], secret), item


def test_outage_retries_as_stream_does(items: list[SampleDelivery]) -> None:
    attempts: dict[str, list[SampleDelivery]] = {}
    for item in items:
        if any(n.startswith("attempt") for n in item.notes):
            attempts.setdefault(item.headers["x-webhook-id"], []).append(item)
    in_outage = [
        a for a in attempts.values() if story.OUTAGE.start <= a[0].received_at < story.OUTAGE.end
    ]
    assert len(in_outage) > 50
    for tries in attempts.values():
        numbers = [int(t.headers["x-webhook-attempt"]) for t in tries]
        assert numbers == list(range(1, len(tries) + 1))
        assert len(tries) <= 3
        assert all(t.status in RETRYABLE for t in tries[:-1])
        assert tries[-1].received_at - tries[0].received_at < timedelta(seconds=15)
        assert len({t.body for t in tries}) == 1
    lost = [a for a in in_outage if a[-1].status != 200]
    assert lost
    assert len(lost) < len(in_outage)


def test_incident_windows_hold_what_they_say(items: list[SampleDelivery]) -> None:
    def within(item: SampleDelivery, incident: story.PlantedIncident) -> bool:
        return incident.start <= item.received_at < incident.end

    staging = [d for d in items if d.headers.get("x-api-key") == story.STAGING_API_KEY]
    assert staging
    assert all(within(d, story.STAGING) for d in staging)
    rejected = [d for d in items if "rejected by the endpoint" in d.notes]
    assert rejected
    assert all(within(d, story.ROTATION) and d.status == 401 for d in rejected)
    redumped = [d for d in items if "reserialized" in d.notes]
    assert redumped
    assert all(within(d, story.RESERIALIZED) for d in redumped)
    production = [d for d in items if d.headers.get("x-api-key") == story.PROD_API_KEY]
    gzipped = [d.headers.get("content-encoding") == "gzip" for d in production]
    switch = gzipped.index(True)
    assert not any(gzipped[:switch])
    assert all(gzipped[switch:])
    assert production[switch].received_at - story.GZIP_ON.start < timedelta(minutes=5)


def test_secrets_file_rotation_newest_first() -> None:
    apps = from_file(DATA / "story" / "secrets.toml")
    assert list(apps) == [story.PROD_API_KEY]
    assert [s.reveal() for s in apps[story.PROD_API_KEY]] == [story.NEW_SECRET, story.OLD_SECRET]
