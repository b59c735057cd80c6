"""The events frame: fields, created_at in every shape, channel derivation, dedupe."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import orjson
import pandas as pd
from helpers import capture_line

from streamhook_nb import dedupe, events_frame, load_log
from streamhook_nb.events.frame import UNKNOWN_TYPE, parse_created_at

WriteFile = Callable[[str, bytes], Path]


def test_created_at_in_every_shape() -> None:
    parsed = parse_created_at(
        [
            "2019-04-24T10:51:28.142291+02:00",
            "2024-10-15T10:12:00.402858186Z",
            "2020-06-23T10:41:51Z",
            1778198400000000000,
            "2020-06-23T10:41:51.3Z",
            "not a time",
            None,
        ]
    )
    assert str(parsed.dtype) == "datetime64[ns, UTC]"
    assert list(parsed[:5]) == [
        pd.Timestamp("2019-04-24T08:51:28.142291Z"),
        pd.Timestamp("2024-10-15T10:12:00.402858186Z"),
        pd.Timestamp("2020-06-23T10:41:51Z"),
        pd.Timestamp(1778198400000000000, tz="UTC"),
        pd.Timestamp("2020-06-23T10:41:51.300Z"),
    ]
    assert parsed[5:].isna().all()


def _log(write_file: WriteFile, *payloads: object, gzip_body: bool = False) -> pd.DataFrame:
    lines = []
    for n, payload in enumerate(payloads):
        body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        if gzip_body:
            body = gzip.compress(body)
        lines.append(capture_line(body, {"x-webhook-id": f"w{n}"}))
    return load_log(write_file("log.jsonl", b"".join(lines))).deliveries


def test_fields_and_derived_channel(write_file: WriteFile) -> None:
    frame = _log(
        write_file,
        {
            "type": "reaction.new",
            "cid": "messaging:fun",
            "created_at": "2026-11-26T09:59:59.5Z",
            "user": {"id": "ada"},
            "message": {"id": "m1"},
            "reaction": {"type": "love"},
            "request_info": {"type": "client"},
        },
        {
            "type": "member.added",
            "cid": "team:ops",
            "channel_type": "team",
            "channel_id": "ops",
            "member": {"user_id": "bo"},
        },
        {
            "type": "reminder.created",
            "user_id": "u9",
            "message_id": "m9",
            "created_at": 1795687200000000000,
        },
        {"type": "custom.thing"},
        b"not json",
        [1, 2],
    )
    events = events_frame(frame)
    row = events.iloc[0]
    assert (row["event_type"], row["channel_type"], row["channel_id"]) == (
        "reaction.new",
        "messaging",
        "fun",
    )
    assert (row["user_id"], row["message_id"], row["reaction_type"], row["request_type"]) == (
        "ada",
        "m1",
        "love",
        "client",
    )
    assert row["lag"] == pd.Timedelta("623456us")  # received 10:00:00.123456
    assert events.iloc[1]["member_user_id"] == "bo"
    assert (events.iloc[2]["user_id"], events.iloc[2]["message_id"]) == ("u9", "m9")
    assert events.iloc[2]["created_at"] == pd.Timestamp("2026-11-26T10:00:00Z")
    assert list(events["event_type"].astype(str)[3:]) == [
        "custom.thing",
        UNKNOWN_TYPE,
        UNKNOWN_TYPE,
    ]
    assert pd.isna(events.iloc[3]["cid"])


def test_gzip_bodies_are_read(write_file: WriteFile) -> None:
    events = events_frame(_log(write_file, {"type": "message.new", "cid": "a:b"}, gzip_body=True))
    assert events["event_type"].iloc[0] == "message.new"


def test_empty_frame(write_file: WriteFile) -> None:
    empty = load_log(write_file("e.jsonl", b"\n"), format="capture-jsonl").deliveries
    assert list(events_frame(empty)["event_type"]) == []


def test_dedupe_keeps_first_attempt(data_dir: Path) -> None:
    events = events_frame(load_log(data_dir).deliveries)
    unique = dedupe(events)
    with_id = events["webhook_id"].notna()
    assert len(unique) == events.loc[with_id, "webhook_id"].nunique() + int((~with_id).sum())
    retried = unique[unique["attempts"] > 1]
    assert len(retried) == 7
    assert (retried["attempt"] == 1).all()
    assert unique["received_at"].dropna().is_monotonic_increasing


def test_any_valid_is_true_when_some_delivery_of_the_event_verified() -> None:
    at = pd.Timestamp("2026-11-26T10:00:00Z")
    events = pd.DataFrame(
        {
            "webhook_id": pd.array(["a", "a", "b", "b", "c", None], dtype="string"),
            "received_at": [at + pd.Timedelta(seconds=n) for n in range(6)],
            "source": [f"log.jsonl:{n}" for n in range(1, 7)],
            "valid": pd.array([False, True, None, False, None, True], dtype="boolean"),
        }
    )
    unique = dedupe(events)
    assert list(unique["webhook_id"].fillna("-")) == ["a", "b", "c", "-"]
    assert list(unique["attempts"]) == [2, 2, 1, 1]
    assert list(unique["any_valid"]) == [True, False, False, True]
    assert unique["any_valid"].dtype == bool


def test_one_odd_body_in_a_chunk_does_not_change_its_neighbours(write_file: WriteFile) -> None:
    payloads: list[object] = [
        {"type": "message.new", "cid": f"messaging:c{n}", "user": {"id": f"u{n}"}}
        for n in range(5000)
    ]
    payloads[2500] = {"type": "message.new", "created_at": True, "user": {"id": 7}}
    payloads[2501] = b"\x00not json"
    events = events_frame(_log(write_file, *payloads))
    assert len(events) == 5000
    assert events["user_id"].iloc[2499] == "u2499"
    assert pd.isna(events["user_id"].iloc[2500])
    assert pd.isna(events["created_at"].iloc[2500])
    assert events["event_type"].iloc[2500] == "message.new"
    assert events["event_type"].iloc[2501] == UNKNOWN_TYPE
    assert events["channel_id"].iloc[4999] == "c4999"
    assert events["user_id"].iloc[4999] == "u4999"


def test_channel_id_is_derived_when_only_it_is_missing(write_file: WriteFile) -> None:
    events = events_frame(
        _log(
            write_file,
            {"type": "channel.updated", "cid": "livestream:tv", "channel_type": "livestream"},
            {"type": "channel.updated", "cid": "no-colon"},
        )
    )
    assert (events["channel_type"].iloc[0], events["channel_id"].iloc[0]) == ("livestream", "tv")
    assert pd.isna(events["channel_type"].iloc[1])
    assert pd.isna(events["channel_id"].iloc[1])
