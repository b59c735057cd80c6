"""AWS Lambda events of Stream's deliveries, and the function's CloudWatch logs of them.

The events have the shapes AWS documents (API Gateway REST API proxy events, payload 1.0;
function URL events, payload 2.0; the same as ``sam local generate-event`` writes), with the
headers the gateway adds. How each keeps the body is what AWS does: a REST API without binary
media types hands the function every body as UTF-8 text (bytes that are not UTF-8, such as a
gzip body, replaced by U+FFFD); a function URL passes a JSON body as text and base64-encodes
one that is not text (``isBase64Encoded``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from streamhook_nb.samples.webhooks import SampleDelivery, wire_name

ACCOUNT = "123456789012"
REST_API = "70ixmpl4fl"
FUNCTION_URL = "r3pmxmplak"
LOG_STREAM = "2026/11/26/[$LATEST]4f1c9d2e7a3b4c5d8e6f0a1b2c3d4e5f"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _gateway_time(moment: datetime) -> str:
    return moment.strftime("%d/%b/%Y:%H:%M:%S +0000")


def _trace_id(request_id: str) -> str:
    return f"Root=1-{request_id[:8]}-{request_id.replace('-', '')[8:32]}"


def _body(item: SampleDelivery, *, base64_binary: bool) -> tuple[str, bool]:
    """The body as the event holds it: text when UTF-8; else base64 (a function URL), or
    text with U+FFFD for each byte that is not UTF-8 (a REST API without binary types)."""
    try:
        return item.body.decode("utf-8"), False
    except UnicodeDecodeError:
        if base64_binary:
            return base64.b64encode(item.body).decode("ascii"), True
        return item.body.decode("utf-8", "replace"), False


def rest_event(item: SampleDelivery, request_id: str) -> dict[str, Any]:
    """An API Gateway REST API proxy event (payload 1.0) for ``item``: headers in the case
    Stream's Go client sends them, plus what the gateway adds."""
    headers = [(wire_name(name), value) for name, value in item.headers.items()]
    headers += [
        ("X-Amzn-Trace-Id", _trace_id(request_id)),
        ("X-Forwarded-For", item.remote_addr),
        ("X-Forwarded-Port", "443"),
        ("X-Forwarded-Proto", "https"),
    ]
    body, encoded = _body(item, base64_binary=False)
    when = item.received_at
    return {
        "resource": "/webhooks/stream",
        "path": "/webhooks/stream",
        "httpMethod": "POST",
        "headers": dict(headers),
        "multiValueHeaders": {name: [value] for name, value in headers},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "2gxmpl",
            "resourcePath": "/webhooks/stream",
            "httpMethod": "POST",
            "extendedRequestId": base64.b64encode(request_id.encode()[:12]).decode(),
            "requestTime": _gateway_time(when),
            "path": "/prod/webhooks/stream",
            "accountId": ACCOUNT,
            "protocol": "HTTP/1.1",
            "stage": "prod",
            "domainPrefix": REST_API,
            "requestTimeEpoch": _ms(when),
            "requestId": request_id,
            "identity": {"sourceIp": item.remote_addr, "userAgent": "Go-http-client/1.1"},
            "domainName": f"{REST_API}.execute-api.us-east-1.amazonaws.com",
            "apiId": REST_API,
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def url_event(item: SampleDelivery, request_id: str, *, method: str = "POST") -> dict[str, Any]:
    """A function URL event (payload 2.0): lower-case headers, plus what Lambda adds."""
    headers = dict(item.headers)
    headers.update(
        {
            "x-amzn-tls-cipher-suite": "TLS_AES_128_GCM_SHA256",
            "x-amzn-tls-version": "TLSv1.3",
            "x-amzn-trace-id": _trace_id(request_id),
            "x-forwarded-for": item.remote_addr,
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        }
    )
    headers["host"] = f"{FUNCTION_URL}.lambda-url.us-east-1.on.aws"
    body, encoded = _body(item, base64_binary=True)
    when = item.received_at
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/webhooks/stream",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": FUNCTION_URL,
            "domainName": f"{FUNCTION_URL}.lambda-url.us-east-1.on.aws",
            "domainPrefix": FUNCTION_URL,
            "http": {
                "method": method,
                "path": "/webhooks/stream",
                "protocol": "HTTP/1.1",
                "sourceIp": item.remote_addr,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": _gateway_time(when),
            "timeEpoch": _ms(when),
        },
        "isBase64Encoded": encoded,
    }
    if body:  # a GET has no body: the event has none
        event["body"] = body
    return event


def invocation(request_id: str, version: str = "$LATEST") -> tuple[str, str, str]:
    """The runtime's own START, END and REPORT lines of one invocation."""
    return (
        f"START RequestId: {request_id} Version: {version}",
        f"END RequestId: {request_id}",
        f"REPORT RequestId: {request_id}\tDuration: 3.12 ms\tBilled Duration: 4 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 71 MB",
    )


def _iso_ms(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def node_log(moment: datetime, request_id: str, message: str) -> str:
    """A Node.js function's ``console.log`` line."""
    return f"{_iso_ms(moment)}\t{request_id}\tINFO\t{message}"


def python_log(moment: datetime, request_id: str, message: str, level: str = "INFO") -> str:
    """A Python function's ``logging`` line (Lambda's default format)."""
    return f"[{level}]\t{_iso_ms(moment)}\t{request_id}\t{message}"


def filter_log_events(lines: Sequence[tuple[datetime, str]]) -> dict[str, Any]:
    """``aws logs filter-log-events --output json`` of the log lines (time, message)."""
    events = []
    for number, (moment, message) in enumerate(lines):
        stamp = _ms(moment)
        events.append(
            {
                "logStreamName": LOG_STREAM,
                "timestamp": stamp,
                "message": message + "\n",
                "ingestionTime": stamp + 412,
                "eventId": f"{stamp * 10**5 + number:056d}",
            }
        )
    return {"events": events, "searchedLogStreams": []}


def tail(lines: Sequence[tuple[datetime, str]]) -> str:
    """What ``aws logs tail LOG_GROUP > FILE`` prints: time, log stream, message."""
    return "".join(
        f"{moment.isoformat(timespec='microseconds')} {LOG_STREAM} {message}\n"
        for moment, message in lines
    )


def compact(event: dict[str, Any]) -> str:
    """``JSON.stringify(event)`` / ``json.dumps(event, separators=...)``: one line."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)
