"""Every reader of captured requests (HAR, webhook.site, Lambda events, ngrok) and of queue
messages checks their text: a field holding what no bytes sent give (a lone UTF-16 surrogate,
escaped in a JSON document) is a rejected record, named, and the other deliveries load."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lambda_files.make_lambda_files import REACTION, http_api_event
from test_har import post
from test_webhook_site import page, request

from streamhook_nb import load_log

WriteFile = Callable[[str, bytes], Path]
LONE = "\ud800"


def _lambda(**changes: Any) -> dict[str, Any]:
    event = http_api_event(REACTION, "w")
    event.update(changes)
    return event


def _sns(**changes: Any) -> dict[str, Any]:
    envelope = {"Type": "Notification", "MessageId": "m", "Message": REACTION.decode()}
    return envelope | changes


def _sqs(**changes: Any) -> dict[str, Any]:
    return {"MessageId": "m", "Body": REACTION.decode()} | changes


def har(*requests: dict[str, Any]) -> str:
    entries = [{"startedDateTime": "2026-11-26T10:00:00Z", "request": r} for r in requests]
    return json.dumps({"log": {"version": "1.2", "entries": entries}})


def _har_headers(value: str) -> dict[str, Any]:
    return post("{}", headers=[{"name": "x-webhook-id", "value": value}])


CASES = {
    # name: (file name, a document with a bad request then a good one, where the bad one is)
    "har header": ("h.har", lambda bad: har(_har_headers(bad), post("{}")), "#1"),
    "har path": ("p.har", lambda bad: har(post("{}", url=f"https://h/{bad}"), post("{}")), "#1"),
    "webhook.site header": (
        "w.json",
        lambda bad: json.dumps(page([request(1, headers={"x-webhook-id": [bad]}), request(2)])),
        "#1",
    ),
    "lambda query": (
        "l.json",
        lambda bad: json.dumps([_lambda(rawQueryString=bad), _lambda()]),
        "#1",
    ),
    "sns timestamp": (
        "sns.json",
        lambda bad: json.dumps([_sns(Timestamp=f"2026-11-26T10:00:00{bad}Z"), _sns()]),
        "#1",
    ),
    "sqs message id": (
        "sqs.json",
        lambda bad: json.dumps({"Messages": [_sqs(MessageId=bad), _sqs()]}),
        "#1",
    ),
    "lambda header name": (
        "n.json",
        lambda bad: json.dumps([_lambda(headers={bad: "x"}), _lambda()]),
        "#1",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_lone_surrogate_in_a_request_field_is_a_rejected_record(
    write_file: WriteFile, case: str
) -> None:
    name, document, where = CASES[case]
    text = document(f"a{LONE}b")
    data = text if isinstance(text, bytes) else text.encode()
    assert b"\\ud800" in data  # escaped, as a JSON writer keeps it
    result = load_log(write_file(name, data))
    assert len(result.deliveries) == 1
    [(source, reason)] = result.rejected[["source", "reason"]].itertuples(index=False)
    assert source.endswith(where)
    assert "holds a lone UTF-16 surrogate ('\\ud800')" in reason, reason
