"""The committed sample data is what the generator makes, and it is signed as documented."""

from __future__ import annotations

import gzip
from pathlib import Path

from helpers import DATA
from stream_chat.webhook import verify_signature

from streamhook_nb import load_log
from streamhook_nb.events.catalog import WEBHOOK_EVENT_TYPES, documented_examples
from streamhook_nb.samples import story
from streamhook_nb.samples.webhooks import (
    DEMO_SECRET,
    SECOND_API_KEY,
    SECOND_SECRET,
    main_log,
    write,
)
from streamhook_nb.verify.stream_json import encode


def test_data_dir_is_exactly_what_the_generator_writes(tmp_path: Path) -> None:
    written = write(tmp_path)
    for name in written:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
    committed = {str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.is_file()}
    story_files = {f"story/{name}" for name in story.write(tmp_path / "story")}
    assert committed - {"README.md"} == set(written) | story_files


def test_planted_deliveries_and_signatures() -> None:
    notes: dict[str, int] = {}
    for item in main_log():
        for note in item.notes:
            notes[note] = notes.get(note, 0) + 1
        if item.notes and item.notes[0] != "gzip" and item.notes[0] != "retry":
            continue
        body = gzip.decompress(item.body) if item.body[:2] == b"\x1f\x8b" else item.body
        secret = SECOND_SECRET if item.headers["x-api-key"] == SECOND_API_KEY else DEMO_SECRET
        assert verify_signature(body, item.headers["x-signature"], secret)
    assert notes == {
        "retry": 7,
        "gzip": 9,
        "tampered": 1,
        "reserialized": 2,
        "missing signature": 1,
        "malformed signature": 1,
    }


def test_bodies_are_encoded_like_stream() -> None:
    frame = load_log(DATA / "capture" / "stream-2026-11-26.jsonl").deliveries
    plain = frame[frame["content_encoding"].isna()]
    assert (
        plain["body"].map(lambda b: b"<" not in b and b"&" not in b and b", " not in b[:40]).sum()
        >= len(plain) - 2
    )
    assert any(b"\\u003c" in b for b in plain["body"])


def test_go_encoding_matches_the_official_test_vectors() -> None:
    vectors = [e for e in documented_examples() if "raw_body" in e]
    assert vectors
    for vector in vectors:
        assert encode(vector["payload"]) == vector["raw_body"].encode()
        assert verify_signature(
            vector["raw_body"].encode(), vector["x_signature"], vector["secret"]
        )


def test_catalogue_covers_the_documented_examples() -> None:
    types = {e["event_type"] for e in documented_examples() if e.get("event_type")}
    assert types - set(WEBHOOK_EVENT_TYPES) == {"moderation.flagged"}
