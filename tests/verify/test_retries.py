"""Retries share an X-Webhook-Id; a shared id with a different payload is flagged."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

from helpers import capture_line

from streamhook_nb import load_log
from streamhook_nb.verify.retries import conflicting_duplicates, group_retries, retried

WriteFile = Callable[[str, bytes], Path]
BODY = b'{"type":"message.new"}'


def headers(webhook_id: str, attempt: int, **extra: str) -> dict[str, str]:
    return {"x-webhook-id": webhook_id, "x-webhook-attempt": str(attempt), **extra}


def test_retries_grouped_and_conflicts_flagged(write_file: WriteFile) -> None:
    log = b"".join(
        [
            capture_line(BODY, headers("w1", 1), received_at="2026-11-26T10:00:00Z"),
            capture_line(BODY, headers("w1", 2), received_at="2026-11-26T10:00:03Z"),
            capture_line(gzip.compress(BODY), headers("w1", 3, **{"content-encoding": "gzip"})),
            capture_line(BODY, headers("w2", 1)),
            capture_line(b'{"type":"message.deleted"}', headers("w2", 2)),
            capture_line(BODY, {}),
        ]
    )
    frame = load_log(write_file("log.jsonl", log)).deliveries
    table = group_retries(frame)
    assert list(table.index) == ["w1", "w2"]
    assert table.loc["w1", "deliveries"] == 3
    assert table.loc["w1", "payloads"] == 1  # gzip of the same bytes is the same payload
    assert (table.loc["w1", "first_attempt"], table.loc["w1", "last_attempt"]) == (1, 3)
    assert not table.loc["w1", "conflicting"]
    assert table.loc["w2", "conflicting"]
    assert list(retried(frame).index) == ["w1", "w2"]
    assert list(conflicting_duplicates(frame)["webhook_id"]) == ["w2", "w2"]


def test_sample_retries(data_dir: Path) -> None:
    table = retried(load_log(data_dir).deliveries)
    assert len(table) == 7
    assert (table["deliveries"] == 2).all()
    assert not table["conflicting"].any()
    assert ((table["last_received"] - table["first_received"]).dt.total_seconds() < 5).all()
