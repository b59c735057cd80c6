"""Deterministic sample logs in every supported format, built from Stream's documented payloads.

Run ``python -m streamhook_nb.samples.webhooks data`` to (re)write ``data/``. Everything is signed
with :data:`DEMO_SECRET`, a demo-only value documented in ``data/README.md``.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import random
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from streamhook_nb.events.catalog import documented_examples
from streamhook_nb.verify.signing import sign
from streamhook_nb.verify.stream_json import encode

DEMO_API_KEY = "demo_api_key"
DEMO_SECRET = "demo-secret-do-not-use-in-production"
SECOND_API_KEY = "demo_second_app"
SECOND_SECRET = "demo-second-secret-do-not-use"
START = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
DEMO_SECRETS_TOML = f"""\
# Demo-only secrets for the sample logs in this folder (see README.md). They protect nothing.
# Format: API key = "secret", or a list of secrets, newest first (key rotation).
{DEMO_API_KEY} = "{DEMO_SECRET}"
{SECOND_API_KEY} = "{SECOND_SECRET}"
"""
_NAMESPACE = uuid.UUID("6f1c2b0e-6d2b-4c55-9f0e-5a7c1d2e3f40")
_CHANNELS = ("messaging:general", "messaging:support", "livestream:launch", "team:ops")
_USERS = ("ada", "grace", "linus", "margaret", "tommaso", "thierry")


@dataclass(frozen=True)
class SampleDelivery:
    """One HTTP delivery as Stream would send it, plus how the capture saw it."""

    received_at: datetime
    headers: dict[str, str]
    body: bytes
    event_type: str
    remote_addr: str = "203.0.113.10"
    status: int = 200
    duration_ms: float = 1.0
    notes: tuple[str, ...] = field(default=())

    def capture_record(self) -> dict[str, Any]:
        """This delivery as a capture JSON Lines record."""
        record: dict[str, Any] = {
            "received_at": self.received_at.isoformat(timespec="microseconds").replace(
                "+00:00", "Z"
            ),
            "method": "POST",
            "path": "/webhooks/stream",
            "remote_addr": self.remote_addr,
            "http_version": "1.1",
            "headers": self.headers,
        }
        try:
            record["body"] = self.body.decode("utf-8")
        except UnicodeDecodeError:
            record["body_b64"] = base64.b64encode(self.body).decode("ascii")
        record["response"] = {"status": self.status, "duration_ms": self.duration_ms}
        return record

    def raw_http(self) -> bytes:
        """This delivery as the bytes on the wire (HTTP/1.1, Content-Length)."""
        lines = ["POST /webhooks/stream HTTP/1.1"]
        lines += [f"{wire_name(k)}: {v}" for k, v in self.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


def wire_name(name: str) -> str:
    """A header name as Go's net/http writes it: ``x-api-key`` -> ``X-Api-Key``."""
    return "-".join(part.capitalize() for part in name.split("-"))


def _iso(moment: datetime, style: int) -> str | int:
    """created_at in the shapes Stream uses: micro/nano fractions, offsets, epoch nanoseconds."""
    if style == 0:
        return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")
    if style == 1:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"
    if style == 2:
        local = moment.astimezone(timezone_plus_two())
        return local.isoformat(timespec="microseconds")
    if style == 3:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


def timezone_plus_two() -> Any:
    from datetime import timezone

    return timezone(timedelta(hours=2))


_TEXTS = ("Welcome to the Community!", "Ship it <today> & celebrate", "Guten Tag, Jürgen 👋")


def _personalise(payload: dict[str, Any], rng: random.Random, when: datetime, n: int) -> None:
    """Give a documented payload a fresh time, channel, user and ids (in place)."""
    payload["created_at"] = _iso(when, n % 5 if n % 7 else 4)
    cid = rng.choice(_CHANNELS) if "cid" in payload else None
    place(payload, rng, cid, _USERS, _TEXTS)


def place(
    payload: dict[str, Any],
    rng: random.Random,
    cid: str | None,
    users: Sequence[str],
    texts: Sequence[str],
) -> None:
    """Put a payload in channel ``cid`` (where it has one), from a user drawn from ``users``,
    with a fresh message id and a text drawn from ``texts`` (in place)."""
    if cid is not None and "cid" in payload:
        payload["cid"] = cid
        if "channel_type" in payload:
            payload["channel_type"], payload["channel_id"] = cid.split(":", 1)
        if isinstance(payload.get("channel"), dict):
            payload["channel"]["cid"] = cid
    user_id = rng.choice(users)
    if isinstance(payload.get("user"), dict):
        payload["user"]["id"] = user_id
    message = payload.get("message")
    if isinstance(message, dict):
        message["id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if isinstance(message.get("user"), dict):
            message["user"]["id"] = user_id
        if isinstance(message.get("text"), str):
            message["text"] = rng.choice(texts)
            message["html"] = f"<p>{message['text']}</p>\n"


def webhook_payloads() -> list[dict[str, Any]]:
    """The documented payloads that are real webhook events (no SQS duplicate, no test vector)."""
    examples = [
        e
        for e in documented_examples()
        if e.get("event_type") and "transport" not in e and "raw_body" not in e
    ]
    return [copy.deepcopy(e["payload"]) for e in examples]


def deliveries(
    count: int,
    *,
    seed: int = 7,
    secret: str = DEMO_SECRET,
    api_key: str = DEMO_API_KEY,
    start: datetime = START,
    first: int = 0,
) -> Iterator[SampleDelivery]:
    """``count`` realistic, correctly signed deliveries, about one every 40 s from ``start``.

    Event types cycle through the documented payloads, starting with number ``first``.
    """
    rng = random.Random(seed)
    templates = webhook_payloads()
    when = start
    for n in range(count):
        when += timedelta(milliseconds=rng.randint(1_000, 80_000))
        payload = copy.deepcopy(templates[(first + n) % len(templates)])
        _personalise(payload, rng, when, n)
        body = encode(payload)
        webhook_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        headers = stream_headers(body, secret, api_key, webhook_id)
        lag = timedelta(milliseconds=rng.randint(20, 900))
        yield SampleDelivery(
            when + lag,
            headers,
            body,
            str(payload["type"]),
            duration_ms=round(rng.uniform(0.4, 6.0), 3),
        )


def stream_headers(body: bytes, secret: str, api_key: str, webhook_id: str) -> dict[str, str]:
    """The headers Stream sends with a delivery (names lower-cased, as in our capture log)."""
    return {
        "host": "hooks.example.com",
        "user-agent": "Go-http-client/1.1",
        "content-length": str(len(body)),
        "content-type": "application/json",
        "x-api-key": api_key,
        "x-signature": sign(body, secret),
        "x-webhook-attempt": "1",
        "x-webhook-id": webhook_id,
        "accept-encoding": "gzip",
    }


def _retry(delivery: SampleDelivery, seconds: float) -> SampleDelivery:
    headers = {**delivery.headers, "x-webhook-attempt": "2"}
    return replace(
        delivery,
        received_at=delivery.received_at + timedelta(seconds=seconds),
        headers=headers,
        notes=("retry",),
    )


def gzipped(delivery: SampleDelivery) -> SampleDelivery:
    """The delivery with payload compression on: a gzip body, signed over the plain bytes."""
    body = gzip.compress(delivery.body, mtime=0)
    headers = {**delivery.headers, "content-encoding": "gzip", "content-length": str(len(body))}
    return replace(delivery, body=body, headers=headers, notes=("gzip",))


def _with_body(delivery: SampleDelivery, body: bytes, note: str) -> SampleDelivery:
    headers = {**delivery.headers, "content-length": str(len(body))}
    return replace(delivery, body=body, headers=headers, notes=(note,))


def _resigned(delivery: SampleDelivery, payload: dict[str, Any]) -> SampleDelivery:
    """The same delivery carrying another payload, signed like the rest."""
    body = encode(payload)
    headers = {
        **delivery.headers,
        "content-length": str(len(body)),
        "x-signature": sign(body, DEMO_SECRET),
    }
    return replace(delivery, body=body, headers=headers, event_type=str(payload["type"]))


def _custom_event(when: datetime) -> dict[str, Any]:
    """A custom event an app sends with ``channel.sendEvent``; Stream forwards it as is."""
    return {
        "type": "order.shipped",
        "cid": "messaging:support",
        "channel_type": "messaging",
        "channel_id": "support",
        "user": {"id": "ada", "role": "user"},
        "order_id": "A-1042",
        "created_at": (when - timedelta(milliseconds=300)).isoformat().replace("+00:00", "Z"),
    }


def _moderation_event(when: datetime) -> dict[str, Any]:
    """A moderation product event, with created_at in epoch nanoseconds as newer fixtures have."""
    created = when - timedelta(milliseconds=450)
    return {
        "type": "moderation.flagged",
        "created_at": int(created.timestamp()) * 1_000_000_000 + created.microsecond * 1000,
        "item": {"entity_type": "stream:chat:v1:message", "entity_id": "msg-77"},
    }


_OTHER_EVENTS = {124: _custom_event, 125: _moderation_event}


def main_log() -> list[SampleDelivery]:
    """The day's capture log: mostly valid, with every classic failure planted once or more."""
    planted: list[SampleDelivery] = []
    for n, item in enumerate(deliveries(150)):
        if n % 23 == 5:  # Stream got a 500, retried: same webhook id, attempt 2
            planted.append(replace(item, status=500))
            planted.append(_retry(item, 1.5 + n % 3))
        elif n % 17 == 3:
            planted.append(gzipped(item))
        elif n == 40:
            tampered = item.body.replace(b'"type":"', b'"type":"x', 1)
            planted.append(_with_body(item, tampered, "tampered"))
        elif n in (60, 61):
            reserialized = json.dumps(json.loads(item.body)).encode()
            planted.append(_with_body(item, reserialized, "reserialized"))
        elif n == 80:
            headers = {k: v for k, v in item.headers.items() if k != "x-signature"}
            planted.append(replace(item, headers=headers, notes=("missing signature",)))
        elif n == 81:
            headers = {**item.headers, "x-signature": "sha256=" + item.headers["x-signature"]}
            planted.append(replace(item, headers=headers, notes=("malformed signature",)))
        elif n in _OTHER_EVENTS:
            planted.append(_resigned(item, _OTHER_EVENTS[n](item.received_at)))
        else:
            planted.append(item)
    second = list(deliveries(12, seed=11, secret=SECOND_SECRET, api_key=SECOND_API_KEY))
    merged = sorted(planted + second, key=lambda d: d.received_at)
    return merged


def _jsonl(records: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE) for r in records)


def damaged_log() -> bytes:
    """A capture log whose writer misbehaved: every kind of bad record, plus good ones."""
    good = [d.capture_record() for d in deliveries(6, seed=3)]
    lines = [orjson.dumps(r) for r in good[:3]]
    lines.append(b'{"received_at": "2026-11-26T09:00:00Z", "method": "POST", "headers": {}')
    no_body = {k: v for k, v in good[3].items() if k != "body"}
    lines.append(orjson.dumps(no_body))
    lines.append(orjson.dumps({**good[4], "headers": "x-signature: abc"}))
    lines.append(b'["not", "an", "object"]')
    lines.append(orjson.dumps(good[5]))
    lines.append(orjson.dumps({**good[0], "received_at": "yesterday"}))
    torn = orjson.dumps(good[1])[:120]
    return b"\n".join(lines) + b"\n" + torn


_JSON = {"mimeType": "application/json"}


def har_document(items: list[SampleDelivery], *, damaged: int = 0) -> dict[str, Any]:
    """A devtools-style HAR export; gzip bodies are base64 with ``encoding``.

    The last ``damaged`` entries show what proxies do to big bodies: the first one is cut to
    200 characters, the next loses its ``postData`` altogether.
    """
    entries = []
    for n, item in enumerate(items):
        post: dict[str, Any] | None
        if item.body[:2] == b"\x1f\x8b":
            post = {**_JSON, "text": base64.b64encode(item.body).decode(), "encoding": "base64"}
        else:
            post = {**_JSON, "text": item.body.decode("utf-8")}
        if n == len(items) - damaged:
            post["text"] = post["text"][:200]
        elif n > len(items) - damaged:
            post = None
        entries.append(
            {
                "startedDateTime": item.received_at.isoformat(timespec="milliseconds"),
                "time": item.duration_ms,
                "request": {
                    "method": "POST",
                    "url": "https://hooks.example.com/webhooks/stream",
                    "httpVersion": "HTTP/1.1",
                    "cookies": [],
                    "headers": [
                        {"name": wire_name(k), "value": v} for k, v in item.headers.items()
                    ],
                    "queryString": [],
                    **({"postData": post} if post else {}),
                    "headersSize": -1,
                    "bodySize": len(item.body),
                },
                "response": {
                    "status": item.status,
                    "statusText": "OK",
                    "httpVersion": "HTTP/1.1",
                    "cookies": [],
                    "headers": [],
                    "content": {"size": 0, "mimeType": "text/plain"},
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": 0,
                },
                "cache": {},
                "timings": {"send": 0, "wait": item.duration_ms, "receive": 0},
            }
        )
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "Chrome DevTools", "version": ""},
            "entries": entries,
        }
    }


def ngrok_document(items: list[SampleDelivery]) -> dict[str, Any]:
    """The JSON ``GET http://127.0.0.1:4040/api/requests/http`` returns (newest first)."""
    requests = []
    for n, item in enumerate(items):
        request_id = f"548fb5c7{n:08x}"
        requests.append(
            {
                "uri": f"/api/requests/http/{request_id}",
                "id": request_id,
                "tunnel_name": "command_line",
                "remote_addr": item.remote_addr,
                "start": item.received_at.isoformat(),
                "duration": int(item.duration_ms * 1_000_000),
                "request": {
                    "method": "POST",
                    "proto": "HTTP/1.1",
                    "headers": {wire_name(k): [v] for k, v in item.headers.items()},
                    "uri": "/webhooks/stream",
                    "raw": base64.b64encode(item.raw_http()).decode(),
                },
                "response": {
                    "status": f"{item.status} OK",
                    "status_code": item.status,
                    "proto": "HTTP/1.1",
                    "headers": {"Content-Length": ["0"]},
                    "raw": base64.b64encode(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                    ).decode(),
                },
            }
        )
    return {"uri": "/api/requests/http", "requests": list(reversed(requests))}


def chunked(item: SampleDelivery) -> bytes:
    """The delivery sent with ``Transfer-Encoding: chunked`` instead of a length."""
    headers = {k: v for k, v in item.headers.items() if k != "content-length"}
    head = ["POST /webhooks/stream HTTP/1.1"] + [f"{wire_name(k)}: {v}" for k, v in headers.items()]
    head.append("Transfer-Encoding: chunked")
    body = item.body
    chunks = b"".join(
        f"{len(body[i : i + 256]):x}\r\n".encode() + body[i : i + 256] + b"\r\n"
        for i in range(0, len(body), 256)
    )
    return ("\r\n".join(head) + "\r\n\r\n").encode() + chunks + b"0\r\n\r\n"


def sqs_document(items: list[SampleDelivery]) -> dict[str, Any]:
    """``aws sqs receive-message --output json``: raw JSON, base64, base64+gzip, SNS-wrapped."""
    messages = []
    for n, item in enumerate(items):
        style = n % 4
        if style == 0:
            body = item.body.decode()
        elif style == 1:
            body = base64.b64encode(item.body).decode()
        elif style == 2:
            body = base64.b64encode(gzip.compress(item.body, mtime=0)).decode()
        else:
            body = json.dumps(sns_envelope(item, n))
        messages.append(
            {
                "MessageId": str(uuid.uuid5(_NAMESPACE, f"sqs-{n}")),
                "ReceiptHandle": f"AQEB{n:06d}demo",
                "MD5OfBody": "",
                "Body": body,
                "Attributes": {"SentTimestamp": str(int(item.received_at.timestamp() * 1000))},
            }
        )
    return {"Messages": messages}


def sns_envelope(item: SampleDelivery, n: int) -> dict[str, Any]:
    """An SNS notification carrying the payload base64+gzip, as Stream's SNS hook sends it."""
    return {
        "Type": "Notification",
        "MessageId": str(uuid.uuid5(_NAMESPACE, f"sns-{n}")),
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:stream-webhooks",
        "Message": base64.b64encode(gzip.compress(item.body, mtime=0)).decode(),
        "Timestamp": item.received_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "SignatureVersion": "1",
    }


def write(directory: Path) -> dict[str, int]:
    """(Re)write every sample file under ``directory``; returns file -> deliveries written."""
    main = main_log()
    extra = list(deliveries(26, seed=5))
    files: dict[str, bytes] = {
        "capture/stream-2026-11-26.jsonl": _jsonl([d.capture_record() for d in main]),
        "capture/damaged.jsonl": damaged_log(),
        "capture/second-day.jsonl.gz": gzip.compress(
            _jsonl(
                [
                    d.capture_record()
                    for d in deliveries(30, seed=21, start=START + timedelta(days=1))
                ]
            ),
            mtime=0,
        ),
        "har/devtools-export.har": _json(
            har_document([*extra[:6], gzipped(extra[6]), *extra[23:25]], damaged=2)
        ),
        "ngrok/requests.json": _json(ngrok_document(extra[7:12])),
        "raw-http/two-requests.http": extra[12].raw_http() + b"\r\n" + extra[13].raw_http(),
        "raw-http/chunked.http": chunked(extra[14]),
        "sqs/receive-message.json": _json(sqs_document(extra[15:22])),
        "sns/notification.json": _json(sns_envelope(extra[22], 99)),
        "demo-secrets.toml": DEMO_SECRETS_TOML.encode(),
    }
    from streamhook_nb.samples import other_tools  # it builds on this module

    files.update(other_tools.files())
    for name, content in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return {name: len(content) for name, content in files.items()}


def _json(document: Any) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


if __name__ == "__main__":
    from streamhook_nb.samples import story

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "data")
    for written, size in write(target).items():
        print(f"{written}: {size} bytes")
    for written, size in story.write(target / "story").items():
        print(f"story/{written}: {size} bytes")
