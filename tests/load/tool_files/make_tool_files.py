"""Write the files in this folder: Stream deliveries as other tools save them.

Run ``python tests/load/tool_files/make_tool_files.py`` to rebuild them. Bodies are documented
Stream payloads encoded as Stream sends them, signed with the demo secret.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import zlib
from pathlib import Path

from streamhook_nb.samples.webhooks import DEMO_API_KEY, DEMO_SECRET, encode, webhook_payloads
from streamhook_nb.verify.signing import sign

HERE = Path(__file__).parent
TOPIC = "arn:aws:sns:us-east-1:123456789012:stream-events"


def payload(event_type: str) -> bytes:
    """A documented payload of this type, as Stream's encoder writes it."""
    return encode(next(p for p in webhook_payloads() if p["type"] == event_type))


REACTION = payload("reaction.new")
READ = payload("message.read")


def stream_request(body: bytes, *, extra: str = "", path: str = "/webhooks/stream") -> bytes:
    """Stream's POST as it is on the wire (Go's net/http writes these headers)."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: hooks.example.com\r\n"
        "User-Agent: Go-http-client/1.1\r\n"
        f"Content-Length: {len(body)}\r\nContent-Type: application/json\r\n{extra}"
        f"X-Api-Key: {DEMO_API_KEY}\r\nX-Signature: {sign(body, DEMO_SECRET)}\r\n"
        "X-Webhook-Attempt: 1\r\nX-Webhook-Id: 6f1c2a57-7d3e-4c55-9b8e-2f0a61d1c0aa\r\n"
        "Accept-Encoding: gzip\r\n\r\n"
    )
    return head.encode() + body


def ok_response(body: bytes = b"OK") -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nDate: Thu, 26 Nov 2026 10:00:00 GMT\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n\r\n" % len(body)
    ) + body


def follow_tcp_stream() -> bytes:
    """Wireshark's "Follow TCP Stream" saved as raw: both directions of one keep-alive
    connection in order, the first request sent with ``Expect: 100-continue`` (curl does so
    for large bodies), so the interim answer sits between its head and its body."""
    first = stream_request(REACTION, extra="Expect: 100-continue\r\n")
    head, _, body = first.partition(b"\r\n\r\n")
    return (
        head
        + b"\r\n\r\n"
        + b"HTTP/1.1 100 Continue\r\n\r\n"
        + body
        + ok_response()
        + stream_request(READ)
        + b"HTTP/1.1 204 No Content\r\nDate: Thu, 26 Nov 2026 10:00:01 GMT\r\n\r\n"
    )


def sns_envelope(message: str, kind: str = "Notification") -> dict[str, object]:
    """An SNS envelope with the fields AWS sends, in AWS's order."""
    envelope: dict[str, object] = {
        "Type": kind,
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": TOPIC,
        "Message": message,
        "Timestamp": "2026-11-26T10:00:00.123Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fU"
        "Qvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6"
        "jI9b5+gLPoBc1Q=",
        "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-"
        "0000000000000000000000.pem",
    }
    if kind == "Notification":
        envelope["UnsubscribeURL"] = (
            "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + TOPIC
        )
    else:
        envelope["Token"] = "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92"
        envelope["SubscribeURL"] = (
            "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + TOPIC
        )
    return envelope


def aws_json(document: object) -> str:
    """SNS writes its envelopes pretty-printed with a space before each colon."""
    return json.dumps(document, indent=2, separators=(",", " : "))


CONFIRMATION = sns_envelope(
    f"You have chosen to subscribe to the topic {TOPIC}.\n"
    "To confirm the subscription, visit the SubscribeURL included in this message.",
    "SubscriptionConfirmation",
)


def sns_http(body: bytes, kind: str = "Notification", *, raw: bool = False) -> bytes:
    """An SNS HTTP/S subscription's POST (``x-amz-sns-rawdelivery`` with raw delivery on)."""
    head = (
        "POST /sns HTTP/1.1\r\n"
        f"x-amz-sns-message-type: {kind}\r\n"
        "x-amz-sns-message-id: 22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\r\n"
        f"x-amz-sns-topic-arn: {TOPIC}\r\n"
        + (f"x-amz-sns-subscription-arn: {TOPIC}:c9135db0\r\n" if kind == "Notification" else "")
        + ("x-amz-sns-rawdelivery: true\r\n" if raw else "")
        + f"Content-Length: {len(body)}\r\nContent-Type: text/plain; charset=UTF-8\r\n"
        "Host: hooks.example.com\r\nConnection: Keep-Alive\r\n"
        "User-Agent: Amazon Simple Notification Service Agent\r\n"
        "Accept-Encoding: gzip,deflate\r\n\r\n"
    )
    return head.encode() + body


def sqs_message(body: str, number: int) -> dict[str, object]:
    """A message as ``aws sqs receive-message --attribute-names All`` prints it."""
    return {
        "MessageId": f"a9f2e1d0-1111-2222-3333-44445555666{number}",
        "ReceiptHandle": "AQEBzWwaftRI0KuVm4tP+/7q1rGgNqicHq/RrT0kR+BdQ1h2e0fR9l8uhQ==",
        "MD5OfBody": hashlib.md5(body.encode()).hexdigest(),  # what SQS sends
        "Body": body,
        "Attributes": {
            "SenderId": "AIDAIT2UOQQY3AUEKVGXU",
            "ApproximateFirstReceiveTimestamp": "1795687200456",
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1795687200123",
        },
    }


UPLOAD = bytes(range(256))
"""A binary request body that is not UTF-8 (another endpoint's upload in the same capture)."""


def har_header_list(raw_request: bytes) -> list[dict[str, str]]:
    head = raw_request.partition(b"\r\n\r\n")[0].decode().split("\r\n")[1:]
    return [{"name": n, "value": v} for n, _, v in (line.partition(": ") for line in head)]


def mitmproxy_entry(
    method: str, path: str, headers: list[dict[str, str]], text: str | None, size: int
) -> dict[str, object]:
    """An entry as mitmproxy's savehar addon writes it: ``text`` is ``get_text(strict=False)``
    (the body after undoing Content-Encoding, as text; bytes that are not UTF-8 kept with
    ``surrogateescape``), ``bodySize`` the decoded length, ``params`` the form fields."""
    request: dict[str, object] = {
        "method": method,
        "url": f"https://hooks.example.com{path}",
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers,
        "queryString": [],
        "headersSize": 412,
        "bodySize": size,
    }
    if method in ("POST", "PUT", "PATCH"):
        request["postData"] = {"mimeType": "application/json", "text": text, "params": []}
    return {
        "startedDateTime": "2026-11-26T10:00:00.123456+00:00",
        "time": 14.2,
        "request": request,
        "response": {
            "status": 200,
            "statusText": "OK",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": "content-length", "value": "0"}],
            "content": {"size": 0, "compression": 0, "mimeType": "", "text": ""},
            "redirectURL": "",
            "headersSize": 40,
            "bodySize": 0,
        },
        "cache": {},
        "timings": {"connect": -1.0, "ssl": -1.0, "send": 0.4, "receive": 0.1, "wait": 13.7},
        "serverIPAddress": "127.0.0.1",
    }


def mitmproxy_har() -> bytes:
    """``mitmdump --set hardump=out.har``: the addon's ``json.dumps(har, indent=2)``, so
    non-ASCII is escaped and lone surrogates are written as ``\\udcXX``."""
    gzipped = gzip.compress(REACTION, mtime=0)
    stream = har_header_list(stream_request(REACTION, extra="Content-Encoding: gzip\r\n"))
    upload = [{"name": "Content-Type", "value": "application/octet-stream"}]
    entries = [
        mitmproxy_entry("POST", "/webhooks/stream", stream, REACTION.decode(), len(REACTION)),
        mitmproxy_entry("POST", "/upload", upload, UPLOAD.decode("utf8", "surrogateescape"), 256),
        mitmproxy_entry("GET", "/health", [], None, 0),
        mitmproxy_entry(
            "POST",
            "/webhooks/stream",
            har_header_list(stream_request(READ)),
            READ.decode(),
            len(READ),
        ),
    ]
    assert len(gzipped) != len(REACTION)
    har = {
        "log": {
            "version": "1.2",
            "creator": {
                "name": "mitmproxy exporthar",
                "version": "0.1",
                "comment": "mitmproxy version 11.0.0",
            },
            "pages": [],
            "entries": entries,
        }
    }
    return json.dumps(har, indent=2).encode()


def http_toolkit_har() -> bytes:
    """A HAR whose exporter decoded a gzip request body as UTF-8 with replacement characters
    (HTTP Toolkit, ProxyPin): the bytes are lost, not decompressed."""
    gzipped = gzip.compress(REACTION, mtime=0)
    raw = stream_request(gzipped, extra="Content-Encoding: gzip\r\n")
    entry = mitmproxy_entry(
        "POST",
        "/webhooks/stream",
        har_header_list(raw),
        gzipped.decode("utf-8", "replace"),
        len(gzipped),
    )
    har = {
        "log": {
            "version": "1.2",
            "creator": {"name": "HTTP Toolkit", "version": "1.19"},
            "entries": [entry],
        }
    }
    return json.dumps(har, indent=2, ensure_ascii=False).encode()


def curl_verbose() -> bytes:
    """``curl -v -o answer.txt -H ... --data-binary @body.json URL 2> curl.log``: curl 8's
    stderr, progress meter included, the head lines as sent (CRLF) after ``> ``; no body."""
    head = (
        stream_request(REACTION)
        .partition(b"\r\n\r\n")[0]
        .replace(b"Host: hooks.example.com", b"Host: localhost:8000")
    )
    sent = b"".join(b"> " + line + b"\r\n" for line in head.split(b"\r\n")) + b"> \r\n"
    return (
        b"  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
        b"                                 Dload  Upload   Total   Spent    Left  Speed\n"
        b"\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0"
        b"* Host localhost:8000 was resolved.\n* IPv6: ::1\n* IPv4: 127.0.0.1\n"
        b"*   Trying [::1]:8000...\n* Connected to localhost (::1) port 8000\n"
        + sent.replace(b"> POST", b"> POST", 1)
        + b"} [1650 bytes data]\n* upload completely sent off: 1650 bytes\n"
        b"< HTTP/1.1 200 OK\r\n< Content-Length: 0\r\n< \r\n"
        b"* Connection #0 to host localhost left intact\n"
    )


def main() -> None:
    gzipped = base64.b64encode(gzip.compress(REACTION, mtime=0)).decode()
    plain = base64.b64encode(READ).decode()
    files = {
        "follow-tcp-stream.http": follow_tcp_stream(),
        "sns-http-subscription.http": (
            sns_http(aws_json(CONFIRMATION).encode(), "SubscriptionConfirmation")
            + sns_http(aws_json(sns_envelope(gzipped)).encode())
            + sns_http(gzipped.encode(), raw=True)
            + sns_http(READ, raw=True)
        ),
        "sns-lines.jsonl": "".join(
            json.dumps(e) + "\n" for e in (CONFIRMATION, sns_envelope(REACTION.decode()))
        ).encode(),
        "sns-confirmation.json": aws_json(CONFIRMATION).encode(),
        # `aws sqs receive-message ... --output json >> log` once per receive, compacted by jq -c
        "sqs-receive-lines.jsonl": "".join(
            json.dumps({"Messages": [sqs_message(body, n)]}, separators=(",", ":")) + "\n"
            for n, body in enumerate((gzipped, plain))
        ).encode(),
        # one message a line (`jq -c '.Messages[]'`), an SNS subscription confirmation among them
        "sqs-messages.jsonl": "".join(
            json.dumps(sqs_message(body, n)) + "\n"
            for n, body in enumerate((REACTION.decode(), aws_json(CONFIRMATION), plain))
        ).encode(),
        # one message, pretty-printed (`--query 'Messages[0]'`)
        "sqs-one-message.json": json.dumps(sqs_message(gzipped, 0), indent=4).encode(),
        # Windows PowerShell 5.1: `aws sqs receive-message ... > sqs.json` is UTF-16LE, CRLF
        "sqs-powershell-utf16.json": json.dumps(
            {"Messages": [sqs_message(REACTION.decode(), 0)]}, indent=4, ensure_ascii=False
        )
        .replace("\n", "\r\n")
        .encode("utf-16"),
        "curl-verbose.log": curl_verbose(),
        # `aws sqs receive-message ... | jq '.Messages[]'`: pretty objects one after another
        "sqs-jq-messages.json": "".join(
            json.dumps(sqs_message(body, n), indent=2) + "\n"
            for n, body in enumerate((gzipped, aws_json(CONFIRMATION), plain))
        ).encode(),
        # SNS envelopes saved one after another, as SNS writes each (pretty, " : ")
        "sns-envelopes.json": "".join(
            aws_json(e) + "\n" for e in (CONFIRMATION, sns_envelope(plain))
        ).encode(),
        "mitmproxy.har": mitmproxy_har(),
        # `--set hardump=out.zhar`: the same document through zlib
        "mitmproxy.zhar": zlib.compress(mitmproxy_har(), 9),
        "http-toolkit-gzip.har": http_toolkit_har(),
    }
    for name, content in files.items():
        (HERE / name).write_bytes(content)


if __name__ == "__main__":
    main()
