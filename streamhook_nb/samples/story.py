"""A week of one app's webhook traffic, with five incidents planted to be found (``data/story/``).

The production app sends its events to one endpoint, whose capture proxy rotates its log
daily (``stream-YYYY-MM-DD.jsonl.gz``). Traffic follows a working-day rhythm (quiet nights,
busy afternoons, lighter weekends) and the type mix of a chat app (mostly messages, reads and
reactions). A few stray requests (scanners posting without a signature, a single 500 that Stream
retried) are the background noise any real log has. The planted incidents are listed in
:data:`PLANTED`, with their windows; the generator is deterministic, so
``python -m streamhook_nb.samples.webhooks data`` rewrites the committed files byte for byte.
"""

from __future__ import annotations

import copy
import gzip
import json
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from streamhook_nb.samples.webhooks import (
    DEMO_API_KEY,
    DEMO_SECRET,
    SampleDelivery,
    place,
    stream_headers,
    webhook_payloads,
)
from streamhook_nb.verify.stream_json import encode

STORY_START = datetime(2026, 11, 16, tzinfo=UTC)
"""Monday 00:00 UTC, the first day of the story week."""
STORY_DAYS = 7
PROD_API_KEY = DEMO_API_KEY
OLD_SECRET = DEMO_SECRET
NEW_SECRET = "demo-rotated-secret-do-not-use-in-production"
STAGING_API_KEY = "demo_staging_app"
STAGING_SECRET = "demo-staging-secret-do-not-use"
STORY_SECRETS_TOML = f"""\
# Demo-only secrets for the story week (see ../README.md). They protect nothing.
# The production app's secret was rotated on Thursday: newest first.
# The staging app is deliberately absent: production's team does not hold its secret.
{PROD_API_KEY} = ["{NEW_SECRET}", "{OLD_SECRET}"]
"""


@dataclass(frozen=True)
class PlantedIncident:
    """One incident the story hides, with the reason an audit should report for it."""

    name: str
    reason: str
    start: datetime
    end: datetime
    api_key: str
    what: str


def _at(day: int, hour: int, minute: int) -> datetime:
    return STORY_START + timedelta(days=day, hours=hour, minutes=minute)


OUTAGE = PlantedIncident(
    "outage",
    "retries",
    _at(1, 14, 5),
    _at(1, 14, 35),
    PROD_API_KEY,
    "the overloaded endpoint answered most requests with 503 (a few 504 timeouts) for 30 "
    "minutes; Stream retried each event up to 3 times with the same X-Webhook-Id; events whose "
    "third attempt failed too never reached the app",
)
RESERIALIZED = PlantedIncident(
    "reserialized",
    "body_reserialized",
    _at(2, 11, 20),
    _at(2, 12, 20),
    PROD_API_KEY,
    "a deploy put a framework in front of the capture that parsed and re-dumped every body "
    "(json.dumps: spaces, \\u escapes) for an hour; the endpoint answered 401",
)
ROTATION = PlantedIncident(
    "rotation",
    "endpoint_rejected",
    _at(3, 9, 30),
    _at(3, 10, 10),
    PROD_API_KEY,
    "the app's secret was rotated at 09:30; Stream signed with the new one at once, but the "
    "endpoint kept the old one until 10:10 and answered 401 to authentic deliveries",
)
GZIP_ON = PlantedIncident(
    "gzip",
    "gzip_on",
    _at(3, 15, 0),
    _at(3, 15, 0),
    PROD_API_KEY,
    "payload compression was switched on at 15:00: from then on bodies are gzip "
    "(Content-Encoding: gzip), signed over the uncompressed bytes",
)
STAGING = PlantedIncident(
    "staging",
    "unknown_app",
    _at(4, 13, 0),
    _at(4, 16, 30),
    STAGING_API_KEY,
    "a staging app (another API key and secret) had its webhook URL set to production's "
    "endpoint for three and a half hours; the endpoint answered 401",
)
PLANTED: tuple[PlantedIncident, ...] = (OUTAGE, RESERIALIZED, ROTATION, GZIP_ON, STAGING)
"""Every planted incident, in time order."""

WEEKDAY_DELIVERIES = 3_000
"""About this many first attempts on a working day (weekends: :data:`WEEKEND_SHARE` of it)."""
WEEKEND_SHARE = 0.45
# Relative traffic per UTC hour of a working day (an app used in Europe and the Americas).
_HOURLY = (
    0.18, 0.14, 0.12, 0.11, 0.12, 0.16, 0.28, 0.48, 0.72, 0.90, 1.00, 0.98,
    0.92, 0.96, 1.00, 0.97, 0.90, 0.82, 0.74, 0.78, 0.80, 0.66, 0.45, 0.28,
)  # fmt: skip
# The type mix of a busy chat app: event type -> weight.
_MIX = {
    "message.new": 34.0,
    "message.read": 22.0,
    "reaction.new": 13.0,
    "message.updated": 5.0,
    "reaction.deleted": 2.5,
    "message.deleted": 2.0,
    "member.added": 3.0,
    "member.removed": 1.0,
    "member.updated": 0.8,
    "channel.created": 1.2,
    "channel.updated": 1.0,
    "channel.hidden": 0.6,
    "channel.muted": 0.4,
    "channel.deleted": 0.3,
    "user.updated": 3.0,
    "user.banned": 0.3,
    "user.unbanned": 0.15,
    "user.deactivated": 0.1,
    "user.reactivated": 0.05,
    "user.deleted": 0.05,
    "user.messages.deleted": 0.1,
    "user.unread_message_reminder": 1.5,
    "reminder.created": 0.6,
    "reminder.updated": 0.2,
    "reminder.deleted": 0.2,
    "notification.reminder_due": 0.5,
    "export.channels.success": 0.02,
    "export.users.success": 0.02,
}
_STAGING_MIX = {
    "message.new": 5.0,
    "channel.created": 1.0,
    "member.added": 2.0,
    "user.updated": 1.0,
}
_CHANNEL_TYPES = ("messaging", "messaging", "messaging", "team", "livestream")
_FIRST = ("ada", "grace", "linus", "margaret", "tommaso", "thierry", "amara", "kenji", "sofia")
_PROXY_ADDRESS = "203.0.113.10"
_SCANNER_ADDRESSES = ("198.51.100.23", "198.51.100.87", "192.0.2.150")


def _weight(moment: datetime) -> float:
    """Relative delivery rate at ``moment`` (1.0 = a working day's busiest hour)."""
    hour = moment.hour + moment.minute / 60
    low, high = _HOURLY[int(hour) % 24], _HOURLY[(int(hour) + 1) % 24]
    level = low + (high - low) * (hour - int(hour))
    return level * (WEEKEND_SHARE if moment.weekday() >= 5 else 1.0)


def arrivals(
    rng: random.Random, start: datetime, end: datetime, per_day: float
) -> Iterator[datetime]:
    """Event times between ``start`` and ``end``: a Poisson process thinned by the daily rhythm."""
    peak_per_second = per_day / (sum(_HOURLY) * 3600)
    moment = start
    while True:
        moment += timedelta(seconds=rng.expovariate(peak_per_second))
        if moment >= end:
            return
        if rng.random() < _weight(moment):
            yield moment


class _Payloads:
    """Documented payloads by type, personalised with the story's channels, users and ids."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.templates: dict[str, dict[str, Any]] = {}
        for payload in webhook_payloads():
            self.templates.setdefault(str(payload["type"]), payload)
        self.channels = [
            f"{rng.choice(_CHANNEL_TYPES)}:{name}-{n}"
            for n, name in enumerate(("general", "support", "sales", "launch", "ops") * 8)
        ]
        self.users = [f"{rng.choice(_FIRST)}-{n:03d}" for n in range(240)]

    def make(self, event_type: str, created: datetime) -> dict[str, Any]:
        rng = self.rng
        payload = copy.deepcopy(self.templates[event_type])
        payload["created_at"] = created.isoformat(timespec="microseconds").replace("+00:00", "Z")
        cid = self.channels[min(int(rng.paretovariate(1.2)) - 1, len(self.channels) - 1)]
        place(payload, rng, cid, self.users, _TEXTS)
        return payload


_TEXTS = (
    "Welcome to the Community!",
    "Ship it <today> & celebrate",
    "Guten Tag, Jürgen 👋",
    "Can someone review PR 412?",
    "Lunch at 12:30?",
    "The build is green again",
    "Merci beaucoup !",
    "👍",
    "Deploying v2.14 now",
    "I'll take a look after standup",
)


def _type_chooser(rng: random.Random, mix: dict[str, float]) -> Iterator[str]:
    types, weights = list(mix), list(mix.values())
    while True:
        yield rng.choices(types, weights)[0]


def _delivery(
    rng: random.Random,
    payloads: _Payloads,
    event_type: str,
    created: datetime,
    *,
    secret: str,
    api_key: str,
) -> SampleDelivery:
    """A first attempt, answered 200 after a normal lag (20 ms to a few seconds)."""
    body = encode(payloads.make(event_type, created))
    webhook_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    lag = timedelta(milliseconds=min(20 + rng.lognormvariate(5.0, 0.8), 4_000))
    return SampleDelivery(
        created + lag,
        stream_headers(body, secret, api_key, webhook_id),
        body,
        event_type,
        remote_addr=_PROXY_ADDRESS,
        duration_ms=round(min(rng.lognormvariate(1.6, 0.6), 2_500.0), 3),
    )


def _attempt(item: SampleDelivery, number: int, after: float, status: int) -> SampleDelivery:
    headers = {**item.headers, "x-webhook-attempt": str(number)}
    return replace(
        item,
        received_at=item.received_at + timedelta(seconds=after),
        headers=headers,
        status=status,
        notes=(*item.notes, f"attempt {number}"),
    )


def _retried(
    rng: random.Random, item: SampleDelivery, failing: Callable[[datetime], int]
) -> list[SampleDelivery]:
    """Stream's retries: up to 3 attempts within 15 s; ``failing(moment)`` is a status or 0."""
    attempts = []
    for number, offset in enumerate((0.0, rng.uniform(1.2, 3.5), rng.uniform(5.0, 9.0)), 1):
        status = failing(item.received_at + timedelta(seconds=offset))
        attempt = _attempt(item, number, offset, status or 200)
        if status == 504:
            attempt = replace(attempt, duration_ms=6_000.0)
        attempts.append(attempt)
        if not status:
            break
    return attempts


def _first_attempt_fails(item: SampleDelivery) -> Callable[[datetime], int]:
    return lambda moment: 500 if moment == item.received_at else 0


def _outage_status(rng: random.Random) -> Callable[[datetime], int]:
    def status(moment: datetime) -> int:
        if OUTAGE.start <= moment < OUTAGE.end and rng.random() < 0.8:  # overloaded, not dead
            return 504 if rng.random() < 0.12 else 503
        return 0

    return status


def _rewritten(item: SampleDelivery, body: bytes, status: int, note: str) -> SampleDelivery:
    headers = {**item.headers, "content-length": str(len(body))}
    return replace(item, body=body, headers=headers, status=status, notes=(note,))


def _compressed(item: SampleDelivery) -> SampleDelivery:
    body = gzip.compress(item.body, mtime=0)
    headers = {**item.headers, "content-encoding": "gzip", "content-length": str(len(body))}
    return replace(item, body=body, headers=headers, notes=(*item.notes, "gzip"))


def _production(rng: random.Random, payloads: _Payloads) -> Iterator[SampleDelivery]:
    end = STORY_START + timedelta(days=STORY_DAYS)
    types = _type_chooser(rng, _MIX)
    outage = _outage_status(rng)
    for created in arrivals(rng, STORY_START, end, WEEKDAY_DELIVERIES):
        secret = NEW_SECRET if created >= ROTATION.start else OLD_SECRET
        item = _delivery(rng, payloads, next(types), created, secret=secret, api_key=PROD_API_KEY)
        if created >= GZIP_ON.start:
            item = _compressed(item)
        if RESERIALIZED.start <= item.received_at < RESERIALIZED.end:
            redumped = json.dumps(json.loads(item.body)).encode()
            yield _rewritten(item, redumped, 401, "reserialized")
        elif secret == NEW_SECRET and item.received_at < ROTATION.end:
            yield replace(item, status=401, notes=("rejected by the endpoint",))
        elif OUTAGE.start <= item.received_at < OUTAGE.end:
            yield from _retried(rng, item, outage)
        elif rng.random() < 1 / 900:  # a rare 500: Stream retries once, successfully
            yield from _retried(rng, item, _first_attempt_fails(item))
        else:
            yield item


def _staging(rng: random.Random, payloads: _Payloads) -> Iterator[SampleDelivery]:
    """A tester's session on the staging app: an event every 25 s or so, no daily rhythm."""
    types = _type_chooser(rng, _STAGING_MIX)
    created = STAGING.start
    while (created := created + timedelta(seconds=rng.expovariate(1 / 25))) < STAGING.end:
        item = _delivery(
            rng, payloads, next(types), created, secret=STAGING_SECRET, api_key=STAGING_API_KEY
        )
        yield replace(item, status=401, notes=("staging",))


def _scanners(rng: random.Random) -> Iterator[SampleDelivery]:
    """Stray POSTs from the internet: no signature, not from Stream (about three a day)."""
    end = STORY_START + timedelta(days=STORY_DAYS)
    moment = STORY_START
    while True:
        moment += timedelta(hours=rng.expovariate(1 / 8))
        if moment >= end:
            return
        body = rng.choice((b'{"test":true}', b"{}", b'{"type":"ping"}', b'{"hello":"world","x":1}'))
        headers = {
            "host": "hooks.example.com",
            "user-agent": rng.choice(
                ("curl/8.5.0", "python-requests/2.32.3", "Go-http-client/1.1")
            ),
            "content-length": str(len(body)),
            "content-type": "application/json",
        }
        yield SampleDelivery(
            moment,
            headers,
            body,
            "(unknown)",
            remote_addr=rng.choice(_SCANNER_ADDRESSES),
            status=401,
            duration_ms=0.4,
            notes=("scanner",),
        )


def story_deliveries(seed: int = 2026) -> list[SampleDelivery]:
    """Every captured request of the story week, in arrival order."""
    rng = random.Random(seed)
    payloads = _Payloads(rng)
    items = [*_production(rng, payloads), *_staging(rng, payloads), *_scanners(rng)]
    return sorted(items, key=lambda d: d.received_at)


def daily_logs(items: list[SampleDelivery]) -> dict[str, list[SampleDelivery]]:
    """The capture proxy's daily rotation: file name -> that UTC day's requests."""
    days: dict[str, list[SampleDelivery]] = {}
    for item in items:
        days.setdefault(f"stream-{item.received_at:%Y-%m-%d}.jsonl.gz", []).append(item)
    return days


def write(directory: Path) -> dict[str, int]:
    """(Re)write the story week under ``directory``; returns file -> bytes written."""
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    for name, items in daily_logs(story_deliveries()).items():
        lines = b"".join(
            orjson.dumps(item.capture_record(), option=orjson.OPT_APPEND_NEWLINE) for item in items
        )
        files[name] = gzip.compress(lines, compresslevel=9, mtime=0)
    files["secrets.toml"] = STORY_SECRETS_TOML.encode()
    for name, content in files.items():
        (directory / name).write_bytes(content)
    return {name: len(content) for name, content in files.items()}
