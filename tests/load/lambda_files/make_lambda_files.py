"""Write the files in this folder: Stream deliveries as an AWS Lambda function logged its event.

Run ``python tests/load/lambda_files/make_lambda_files.py`` to rebuild them. The events have
the shapes AWS documents (API Gateway REST and HTTP APIs, function URLs, ALB targets, as in the
Lambda and API Gateway developer guides and ``sam local generate-event``); their bodies are
documented Stream payloads encoded as Stream sends them, signed with the demo secret.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

from streamhook_nb.samples.webhooks import DEMO_API_KEY, DEMO_SECRET, webhook_payloads
from streamhook_nb.verify.signing import sign
from streamhook_nb.verify.stream_json import encode

HERE = Path(__file__).parent
REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
EPOCH_MS = 1_795_687_200_123  # 2026-11-26T10:00:00.123Z
ALB_ARN = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-hooks/6d0ecf831eec9f09"
)


def payload(event_type: str) -> bytes:
    """A documented payload of this type, as Stream's encoder writes it."""
    return encode(next(p for p in webhook_payloads() if p["type"] == event_type))


REACTION = payload("reaction.new")
READ = payload("message.read")


def stream_headers(body: bytes, webhook_id: str, *, gzipped: bytes | None = None) -> list[tuple]:
    """Stream's request headers as Go's net/http sends them (in the sender's case)."""
    sent = gzipped if gzipped is not None else body
    headers = [
        ("Host", "hooks.example.com"),
        ("User-Agent", "Go-http-client/1.1"),
        ("Content-Length", str(len(sent))),
        ("Content-Type", "application/json"),
        ("X-Api-Key", DEMO_API_KEY),
        ("X-Signature", sign(body, DEMO_SECRET)),
        ("X-Webhook-Attempt", "1"),
        ("X-Webhook-Id", webhook_id),
        ("Accept-Encoding", "gzip"),
    ]
    if gzipped is not None:
        headers.insert(4, ("Content-Encoding", "gzip"))
    return headers


def rest_event(body: bytes, webhook_id: str, **changes: Any) -> dict[str, Any]:
    """An API Gateway REST API proxy event (payload 1.0)."""
    headers = stream_headers(body, webhook_id)
    event: dict[str, Any] = {
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
            "extendedRequestId": "JJbxmHc1IAMFe3A=",
            "requestTime": "26/Nov/2026:10:00:00 +0000",
            "path": "/prod/webhooks/stream",
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": "prod",
            "domainPrefix": "70ixmpl4fl",
            "requestTimeEpoch": EPOCH_MS,
            "requestId": REQUEST_ID,
            "identity": {"sourceIp": "34.225.1.7", "userAgent": "Go-http-client/1.1"},
            "domainName": "70ixmpl4fl.execute-api.us-east-1.amazonaws.com",
            "apiId": "70ixmpl4fl",
        },
        "body": body.decode("utf-8"),
        "isBase64Encoded": False,
    }
    event.update(changes)
    return event


def http_api_event(
    body: bytes, webhook_id: str, *, method: str = "POST", gzip_body: bool = False
) -> dict[str, Any]:
    """An HTTP API or function URL event (payload 2.0): lower-case headers."""
    sent = gzip.compress(body, mtime=0) if gzip_body else body
    headers = stream_headers(body, webhook_id, gzipped=sent if gzip_body else None)
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/webhooks/stream",
        "rawQueryString": "app=chat",
        "headers": {name.lower(): value for name, value in headers},
        "queryStringParameters": {"app": "chat"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "r3pmxmplak",
            "domainName": "r3pmxmplak.lambda-url.us-east-1.on.aws",
            "domainPrefix": "r3pmxmplak",
            "http": {
                "method": method,
                "path": "/webhooks/stream",
                "protocol": "HTTP/1.1",
                "sourceIp": "34.225.1.8",
                "userAgent": "Go-http-client/1.1",
            },
            "requestId": REQUEST_ID,
            "routeKey": "$default",
            "stage": "$default",
            "time": "26/Nov/2026:10:00:00 +0000",
            "timeEpoch": EPOCH_MS,
        },
        "body": base64.b64encode(sent).decode("ascii") if gzip_body else body.decode("utf-8"),
        "isBase64Encoded": gzip_body,
    }


def alb_event(body: bytes, webhook_id: str, *, multi: bool) -> dict[str, Any]:
    """An Application Load Balancer target event (``multiValueHeaders`` when enabled)."""
    headers = [(name.lower(), value) for name, value in stream_headers(body, webhook_id)]
    event: dict[str, Any] = {
        "requestContext": {"elb": {"targetGroupArn": ALB_ARN}},
        "httpMethod": "POST",
        "path": "/webhooks/stream",
    }
    if multi:
        event["multiValueQueryStringParameters"] = {}
        event["multiValueHeaders"] = {name: [value] for name, value in headers}
    else:
        event["queryStringParameters"] = {}
        event["headers"] = dict(headers)
    event["body"] = body.decode("utf-8")
    event["isBase64Encoded"] = False
    return event


def node_line(message: str) -> str:
    """A line of a Node.js function's CloudWatch log (``console.log``)."""
    return f"2026-11-26T10:00:00.456Z\t{REQUEST_ID}\tINFO\t{message}"


def runtime_lines(inner: list[str]) -> list[str]:
    """Lines between the runtime's own START and END/REPORT lines."""
    return [
        f"START RequestId: {REQUEST_ID} Version: $LATEST",
        *inner,
        f"END RequestId: {REQUEST_ID}",
        f"REPORT RequestId: {REQUEST_ID}\tDuration: 2.31 ms\tBilled Duration: 3 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 68 MB",
    ]


def lossy_rest_event() -> dict[str, Any]:
    """A gzip body through a REST API without binary media types: API Gateway passed it on as
    UTF-8 text, every byte that is not UTF-8 replaced by U+FFFD (no way back to the bytes)."""
    sent = gzip.compress(READ, mtime=0)
    event = rest_event(READ, "hook-lossy")
    event["headers"]["Content-Encoding"] = "gzip"
    event["multiValueHeaders"]["Content-Encoding"] = ["gzip"]
    event["body"] = sent.decode("utf-8", "replace")
    return event


def files() -> dict[str, str]:
    """Every file's name and text."""
    rest = rest_event(REACTION, "hook-rest-1")
    read_event = http_api_event(READ, "hook-url-1")
    return {
        "rest-api-test-event.json": json.dumps(rest, indent=2) + "\n",
        "http-api-print.jsonl": "".join(
            json.dumps(event) + "\n"
            for event in (
                http_api_event(REACTION, "hook-http-1"),
                http_api_event(b"", "-", method="GET"),
                http_api_event(READ, "hook-http-2"),
            )
        ),
        "function-url-gzip.json": json.dumps(
            http_api_event(READ, "hook-gzip-1", gzip_body=True), indent=4
        )
        + "\n",
        "alb-events.json": json.dumps(
            [
                alb_event(REACTION, "hook-alb-1", multi=True),
                alb_event(READ, "hook-alb-2", multi=False),
            ],
            indent=2,
        )
        + "\n",
        "rest-api-gzip-as-text.json": json.dumps(lossy_rest_event(), indent=2) + "\n",
        "cloudwatch-node.log": "\n".join(
            runtime_lines(
                [
                    node_line(json.dumps(rest, separators=(",", ":"))),
                    node_line("signature check failed"),
                    *node_line(json.dumps(read_event, indent=2)).split("\n"),
                ]
            )
        )
        + "\n",
        "cloudwatch-python.log": "\n".join(
            runtime_lines(
                [
                    f"[INFO]\t2026-11-26T10:00:00.456Z\t{REQUEST_ID}\treceived a webhook",
                    json.dumps(http_api_event(REACTION, "hook-py-1")),
                    f"[INFO]\t2026-11-26T10:00:00.457Z\t{REQUEST_ID}\t"
                    + json.dumps(rest_event(READ, "hook-py-2")),
                ]
            )
        )
        + "\n",
        "filter-log-events.json": json.dumps(
            {
                "events": [
                    {
                        "logStreamName": "2026/11/26/[$LATEST]0123456789abcdef0123456789abcdef",
                        "timestamp": EPOCH_MS + index,
                        "message": message + "\n",
                        "ingestionTime": EPOCH_MS + 500,
                        "eventId": f"3817{index:052d}",
                    }
                    for index, message in enumerate(
                        runtime_lines([node_line(json.dumps(rest)), node_line("done")])
                    )
                ],
                "searchedLogStreams": [],
            },
            indent=4,
        )
        + "\n",
        "powertools-log-event.jsonl": json.dumps(
            {
                "level": "INFO",
                "location": "decorate:448",
                "message": http_api_event(REACTION, "hook-pt-1"),
                "timestamp": "2026-11-26 10:00:00,456+0000",
                "service": "stream-webhooks",
                "cold_start": True,
                "function_name": "stream-webhooks",
                "function_request_id": REQUEST_ID,
            }
        )
        + "\n",
    }


def main() -> None:
    for name, text in files().items():
        (HERE / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
