"""Sample logs of the tools that record deliveries without our receiver: a tcpdump capture, a
webhook.site export, an AWS Lambda function's logs and a mitmproxy flow file.

Each holds deliveries signed with the demo secret and shows what that tool keeps and loses;
``data/README.md`` lists them and the verdicts they give. No tool is needed to write them.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import formatdate

from streamhook_nb.samples import flows, lambda_events, packets, webhook_site
from streamhook_nb.samples.webhooks import (
    DEMO_API_KEY,
    DEMO_SECRET,
    SampleDelivery,
    deliveries,
    gzipped,
    stream_headers,
    webhook_payloads,
    wire_name,
)
from streamhook_nb.verify.stream_json import encode

PCAP = "pcap/tcpdump-behind-nginx.pcap"
PCAPNG = "pcap/wireshark-ngrok-tunnel.pcapng"
WEBHOOK_SITE = "webhook-site/requests.json"
LAMBDA_URL = "aws-lambda/function-url-filter-log-events.json"
LAMBDA_REST = "aws-lambda/rest-api-tail.log"
MITMPROXY = "mitmproxy/flows.mitm"
FOLDERS = ("pcap", "webhook-site", "aws-lambda", "mitmproxy")
"""The folders of ``data/`` these samples are in, one per tool."""
_NAMESPACE = uuid.UUID("8e4d1b7a-2c3f-4a59-b6e0-d1c2b3a4f5e6")
_OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK"


def files() -> dict[str, bytes]:
    """Every sample file: path under ``data/`` -> bytes."""
    return {
        PCAP: pcap_sample(),
        PCAPNG: pcapng_sample(),
        WEBHOOK_SITE: _json(webhook_site_sample()),
        LAMBDA_URL: _json(function_url_sample()),
        LAMBDA_REST: rest_api_sample().encode(),
        MITMPROXY: mitmproxy_sample(),
    }


def _json(document: object) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode() + b"\n"


def _at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 26, hour, minute, tzinfo=UTC)


def _us(moment: datetime) -> int:
    return int(moment.timestamp()) * 10**6 + moment.microsecond


def _behind_nginx(item: SampleDelivery) -> bytes:
    """The request as nginx passes it to the app after ending TLS (``proxy_set_header Host
    $host``, ``X-Real-IP``, ``X-Forwarded-For``, ``X-Forwarded-Proto``; HTTP/1.1 keep-alive)."""
    lines = [
        "POST /webhooks/stream HTTP/1.1",
        f"Host: {item.headers['host']}",
        f"X-Real-IP: {item.remote_addr}",
        f"X-Forwarded-For: {item.remote_addr}",
        "X-Forwarded-Proto: https",
        f"Content-Length: {len(item.body)}",
    ]
    lines += [
        f"{wire_name(name)}: {value}"
        for name, value in item.headers.items()
        if name not in ("host", "content-length")
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + item.body


def pcap_items() -> list[SampleDelivery]:
    """The deliveries the capture holds, in the order they were sent."""
    found = list(deliveries(10, seed=41, start=_at(10, 15)))
    return [found[0], gzipped(found[2]), found[9], found[4]]


def pcap_sample() -> bytes:
    """``tcpdump -i any -w hook.pcap 'tcp port 8080'`` on the app's host behind nginx.

    One keep-alive connection from nginx carries three deliveries (the third, 3.5 KB, split
    over three segments, one of them captured twice: a retransmission, and two swapped); the
    kubelet's health check (``GET /healthz``) comes on its own connection; on a third the capture
    missed a segment (the kernel dropped it: ``1 packet dropped by kernel``) that the app
    acknowledged: that request is cut short.
    """
    first, zipped, large, dropped = pcap_items()
    app = ("10.0.2.15", 8080)
    keep_alive = packets.Connection(("10.0.1.20", 41822), app, 3_104_882_193, 1_902_557_080)
    keep_alive.open(_us(first.received_at) - 900)
    for item in (first, zipped, large):
        keep_alive.request(_us(item.received_at), _behind_nginx(item), _OK)
    keep_alive.close(_us(large.received_at) + 60_000_000)
    frames = packets.captured(keep_alive)
    split = [s for s in keep_alive.segments if s.payload.startswith(b"POST")][2:]
    head = keep_alive.segments.index(split[0])
    second, third = keep_alive.segments[head + 1], keep_alive.segments[head + 2]
    swapped = {
        second: replace(second, time_us=third.time_us),
        third: replace(third, time_us=second.time_us),
    }
    frames = [(c, swapped.get(s, s)) for c, s in frames]  # the third segment came first
    frames.append((keep_alive, replace(second, time_us=third.time_us + 200_000)))  # again

    health = packets.Connection(("10.0.1.9", 52014), app, 88_310_440, 2_611_004_973)
    health.open(_us(first.received_at) + 5_000_000)
    health.request(
        _us(first.received_at) + 5_000_200,
        b"GET /healthz HTTP/1.1\r\nHost: 10.0.2.15:8080\r\nConnection: close\r\n"
        b"User-Agent: kube-probe/1.31\r\nAccept: */*\r\n\r\n",
        _OK,
    )
    health.close(_us(first.received_at) + 5_001_000)
    frames += packets.captured(health)

    lost = packets.Connection(("10.0.1.20", 41830), app, 551_020_777, 4_111_220_019)
    lost.open(_us(dropped.received_at) - 800)
    sent = lost.request(_us(dropped.received_at), _behind_nginx(dropped), _OK)
    lost.close(_us(dropped.received_at) + 60_000_000)
    frames += [(lost, s) for s in lost.segments if s is not sent[1]]
    return packets.pcap_file(frames)


def pcapng_items() -> list[SampleDelivery]:
    """The deliveries the Wireshark capture holds, as Stream sent them to the tunnel."""
    found = list(deliveries(2, seed=61, start=_at(15, 30), first=30))
    host = "a1b2-203-0-113-77.ngrok-free.app"
    return [replace(item, headers={**item.headers, "host": host}) for item in found]


def _through_ngrok(item: SampleDelivery) -> bytes:
    """The request as the ngrok agent passes it to the local app: Stream's headers, then the
    ``X-Forwarded-*`` ngrok adds (the ``Host`` stays the tunnel's)."""
    lines = ["POST /webhooks/stream HTTP/1.1"]
    lines += [f"{wire_name(name)}: {value}" for name, value in item.headers.items()]
    lines += [
        f"X-Forwarded-For: {item.remote_addr}",
        f"X-Forwarded-Host: {item.headers['host']}",
        "X-Forwarded-Proto: https",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + item.body


def pcapng_sample() -> bytes:
    """Wireshark on a developer's machine (``dumpcap -i lo -f 'tcp port 3000' -w
    hook.pcapng``) while Stream's deliveries reach the local app through an ngrok tunnel
    (``ngrok http 3000``): two deliveries on the agent's keep-alive connection, to the
    nanosecond; the client is the agent on 127.0.0.1, Stream's address only in
    ``X-Forwarded-For``."""
    items = pcapng_items()
    tunnel = packets.Connection(
        ("127.0.0.1", 38514), ("127.0.0.1", 3000), 2_771_940_115, 3_520_117_401,
        mss=packets.LOOPBACK_MSS,
    )  # fmt: skip
    tunnel.open(_us(items[0].received_at) - 700)
    for item in items:
        date = formatdate(item.received_at.timestamp(), usegmt=True)
        answer = f"HTTP/1.1 204 No Content\r\nDate: {date}\r\n\r\n".encode()
        tunnel.request(_us(item.received_at), _through_ngrok(item), answer)
    tunnel.close(_us(items[-1].received_at) + 90_000_000)
    section = [
        (2, "Intel(R) Core(TM) i7-1165G7 @ 2.80GHz (with SSE4.2)"),  # shb_hardware
        (3, "Linux 6.8.0-49-generic"),  # shb_os
        (4, "Dumpcap (Wireshark) 4.2.2 (Git v4.2.2 packaged as 4.2.2-1.1build3)"),
    ]
    frames = packets.captured(tunnel)
    return packets.pcapng_file(frames, "lo", "tcp port 3000", section)


def webhook_site_items() -> list[SampleDelivery]:
    """The deliveries sent to the webhook.site URL."""
    found = list(deliveries(5, seed=43, start=_at(11, 0), first=4))
    for n, item in enumerate(found):
        found[n] = replace(item, headers={**item.headers, "host": "webhook.site"})
    return [found[0], found[1], gzipped(found[2]), found[3]]


def webhook_site_sample() -> dict[str, object]:
    """The API's page of requests: four deliveries (one gzip body, which webhook.site could
    keep only as text) and a ``GET`` someone sent to the URL to try it."""
    items = webhook_site_items()
    opened = SampleDelivery(
        items[1].received_at + timedelta(seconds=20),
        {"host": "webhook.site", "user-agent": "curl/8.5.0", "accept": "*/*"},
        b"",
        "",
        remote_addr="198.51.100.23",
    )
    sent = [items[0], items[1], opened, items[2], items[3]]
    requests = [
        webhook_site.request(item, n, method="GET" if item is opened else "POST")
        for n, item in enumerate(sent)
    ]
    return webhook_site.page(requests)


def _request_id(n: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"lambda-{n}"))


def function_url_items() -> list[SampleDelivery]:
    """The deliveries to the function URL."""
    found = list(deliveries(3, seed=47, start=_at(12, 0), first=0))
    return [found[0], gzipped(found[1]), found[2]]


def function_url_sample() -> dict[str, object]:
    """``aws logs filter-log-events --log-group-name /aws/lambda/stream-webhooks --output
    json`` of a Node.js function behind a function URL that logs each event
    (``console.log(JSON.stringify(event))``): three deliveries (the gzip one base64-encoded by
    Lambda) and a ``GET`` of the URL from a browser."""
    items = function_url_items()
    browser = SampleDelivery(
        items[1].received_at + timedelta(seconds=30),
        {
            "host": "",
            "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36",
            "accept": "text/html",
        },
        b"",
        "",
        remote_addr="198.51.100.23",
    )
    lines: list[tuple[datetime, str]] = []
    for n, (item, method) in enumerate(
        [(items[0], "POST"), (items[1], "POST"), (browser, "GET"), (items[2], "POST")]
    ):
        request_id = _request_id(n)
        event = lambda_events.url_event(item, request_id, method=method)
        start, end, report = lambda_events.invocation(request_id)
        logged = item.received_at + timedelta(milliseconds=2)
        message = lambda_events.node_log(logged, request_id, lambda_events.compact(event))
        lines += [(logged, start), (logged, message)]
        if method == "GET":
            note = lambda_events.node_log(logged, request_id, "not a webhook: 405")
            lines.append((logged, note))
        done = logged + timedelta(milliseconds=3)
        lines += [(done, end), (done, report)]
    return lambda_events.filter_log_events(lines)


def rest_api_items() -> list[SampleDelivery]:
    """The deliveries to the REST API."""
    found = list(deliveries(3, seed=53, start=_at(13, 0), first=9))
    return [found[0], gzipped(found[1]), found[2]]


def rest_api_sample() -> str:
    """``aws logs tail /aws/lambda/stream-webhooks-rest > rest-api-tail.log`` of a Python
    function behind an API Gateway REST API without binary media types, which logs each event
    (``logger.info(json.dumps(event))``): three deliveries; the gzip one reached the function
    as text, its bytes that are not UTF-8 replaced by U+FFFD."""
    lines: list[tuple[datetime, str]] = []
    for n, item in enumerate(rest_api_items()):
        request_id = _request_id(10 + n)
        event = lambda_events.rest_event(item, request_id)
        start, end, report = lambda_events.invocation(request_id)
        logged = item.received_at + timedelta(milliseconds=2)
        lines.append((logged, start))
        lines.append((logged, lambda_events.python_log(logged, request_id, json.dumps(event))))
        if "content-encoding" in item.headers:
            warning = "signature check failed: 401"
            lines.append((logged, lambda_events.python_log(logged, request_id, warning, "WARNING")))
        done = logged + timedelta(milliseconds=3)
        lines += [(done, end), (done, report)]
    return lambda_events.tail(lines)


def mitmproxy_items() -> list[SampleDelivery]:
    """The deliveries that went through mitmproxy."""
    found = list(deliveries(6, seed=59, start=_at(14, 0), first=20))
    return found


def mitmproxy_sample() -> bytes:
    """``mitmdump --mode reverse:http://localhost:8000 -p 8080 --set stream_large_bodies=16k
    -w flows.mitm``: a delivery; a gzip one (kept as it came); a browser's ``GET``; an 84 KB
    body mitmproxy streamed through without keeping it; a delivery edited in mitmweb (the
    flow keeps the request as received in its backup); the same delivery replayed from mitmweb
    (mitmproxy sent it, not Stream)."""
    items = mitmproxy_items()
    plain, zipped, edited = items[0], gzipped(items[1]), items[3]
    large = _crowded_channel(items[2])
    client = ("203.0.113.10", 43120)

    def exchange(
        item: SampleDelivery,
        content: bytes | None,
        *,
        edit: bytes | None = None,
        replayed: float = 0.0,
    ) -> flows.Exchange:
        return flows.Exchange(
            started=item.received_at.timestamp() + replayed,
            method=b"POST",
            path=b"/webhooks/stream",
            headers=[(wire_name(name), value) for name, value in item.headers.items()],
            content=content,
            client=client,
            status=401 if edit is not None else 200,
            edited=edit,
            replay=bool(replayed),
        )

    browser = flows.Exchange(
        plain.received_at.timestamp() + 12.5,
        b"GET",
        b"/webhooks/stream",
        [("Host", "hooks.example.com"), ("User-Agent", "Mozilla/5.0"), ("Accept", "*/*")],
        b"",
        ("198.51.100.23", 50110),
        status=405,
    )
    edit = edited.body.replace(b'"type":"', b'"type":"test.', 1)
    return flows.flow_file(
        [
            exchange(plain, plain.body),
            exchange(zipped, zipped.body),
            browser,
            exchange(large, None),  # streamed through, not kept
            exchange(edited, edited.body, edit=edit),
            exchange(edited, edited.body, edit=edit, replayed=95.0),  # a copy, backup and all
        ]
    )


def _crowded_channel(item: SampleDelivery, members: int = 50) -> SampleDelivery:
    """``item``'s time and webhook id carrying a ``channel.created`` event of a channel with
    ``members`` members (Stream lists up to 50 in a payload): a body of 84 KB."""
    payload = copy.deepcopy(next(p for p in webhook_payloads() if p["type"] == "channel.created"))
    template = payload["members"][0]
    crowd = []
    for n in range(members):
        member = copy.deepcopy(template)
        name = f"member{n + 1:02d}"
        member["user_id"] = member["user"]["id"] = name
        member["user"]["name"] = member["user"]["first_name"] = name.capitalize()
        member["user"]["image"] = f"https://getstream.io/random_png/?name={name}"
        crowd.append(member)
    payload["members"] = payload["channel"]["members"] = crowd
    payload["channel"]["member_count"] = members
    payload["created_at"] = item.received_at.isoformat(timespec="microseconds").replace(
        "+00:00", "Z"
    )
    body = encode(payload)
    headers = stream_headers(body, DEMO_SECRET, DEMO_API_KEY, item.headers["x-webhook-id"])
    return replace(item, body=body, headers=headers, event_type="channel.created")
