"""A month of sharded capture logs, deterministic: one file per day and per receiver.

Built from :func:`webhooks.deliveries` (signed with the demo secret), spread over every
hour of the day. Older days are gzip-compressed, as log rotation leaves them; a few deliveries
are retried (attempt 2, same webhook id), one receiver wrote a torn line, a few deliveries
of one day were signed with a secret other than the demo one (``signature_mismatch``), and the
endpoint was down for a few hours on another.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import orjson

from streamhook_nb.samples.webhooks import START, SampleDelivery, deliveries

RECEIVERS = ("eu", "us")
TORN_LINE = b'{"received_at": "2026-11-08T12:00:00Z", "method": "POST", "headers": {"x-sig'
OUTAGE_DAY, OUTAGE_HOURS = 17, range(9, 14)  # nothing arrived on 2026-11-13, 09:00-14:00 UTC
OTHER_APP_SECRET = "not-the-demo-secret"  # planted mismatches: signed with another secret


@dataclass(frozen=True)
class Shards:
    """What :func:`write_month` wrote."""

    directory: Path
    files: int
    records: int
    """Lines written: deliveries, retries and the torn line."""
    gzip_files: int

    def __repr__(self) -> str:
        return (
            f"Shards({self.files} files, {self.gzip_files} gzip, {self.records} records "
            f"in {self.directory})"
        )


def _retried(item: SampleDelivery) -> SampleDelivery:
    headers = {**item.headers, "x-webhook-attempt": "2"}
    return replace(item, received_at=item.received_at + timedelta(seconds=2), headers=headers)


def _day(day: int, receiver: int, per_day: int) -> list[bytes]:
    seed = (1000 + day * len(RECEIVERS) + receiver) * 24
    start = START + timedelta(days=day - 30)
    per_hour = max(1, per_day // 24)
    items: list[SampleDelivery] = []
    for hour in range(24):
        if day == OUTAGE_DAY and hour in OUTAGE_HOURS:
            continue
        at = start + timedelta(hours=hour)
        first = (day * 24 + hour) * per_hour + receiver
        for n, item in enumerate(deliveries(per_hour, seed=seed + hour, start=at, first=first)):
            items.append(item)
            if (hour + n) % 10 == 7:
                items.append(_retried(item))
    if day == 20 and receiver == 1:
        items += deliveries(5, seed=seed - 1, secret=OTHER_APP_SECRET, start=start)
    lines = [orjson.dumps(item.capture_record()) for item in items]
    if day == 12 and receiver == 1:
        lines.insert(len(lines) // 2, TORN_LINE)
    return lines


def write_month(
    directory: str | Path, *, days: int = 30, per_day: int = 100, plain_days: int = 7
) -> Shards:
    """Write ``days`` days of logs per receiver under ``directory``; the last ``plain_days``
    stay uncompressed. Returns what was written (same arguments, same bytes)."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    files = count = compressed = 0
    for day in range(days):
        date = (START + timedelta(days=day - 30)).date().isoformat()
        for receiver, name in enumerate(RECEIVERS):
            lines = _day(day, receiver, per_day)
            data = b"\n".join(lines) + b"\n"
            if day < days - plain_days:
                (root / f"{date}-{name}.jsonl.gz").write_bytes(gzip.compress(data, mtime=0))
                compressed += 1
            else:
                (root / f"{date}-{name}.jsonl").write_bytes(data)
            files += 1
            count += len(lines)
    return Shards(root, files, count, compressed)
