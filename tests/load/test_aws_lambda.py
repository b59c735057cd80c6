"""Lambda events of HTTP requests (API Gateway REST and HTTP APIs, function URLs, ALB) as
deliveries: the shapes AWS documents, header case, times, body fidelity, bad fields."""

from __future__ import annotations

import base64
import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from lambda_files.make_lambda_files import (
    REACTION,
    READ,
    alb_event,
    http_api_event,
    lossy_rest_event,
    rest_event,
)

from streamhook_nb import load_log, verify_deliveries
from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.readers.aws_lambda import add_event
from streamhook_nb.load.readers.common import BadEntryError
from streamhook_nb.samples.webhooks import DEMO_API_KEY, DEMO_SECRET
from streamhook_nb.verify.secrets import Keyring, Secret

RING = Keyring((Secret(DEMO_SECRET, "demo"),))


def one(event: Any) -> DeliveryBatch:
    batch = DeliveryBatch("aws-lambda")
    add_event(batch, "events.json#1", event)
    return batch


def verified(tmp_path: Path, events: list[Any]) -> pd.DataFrame:
    path = tmp_path / "events.json"
    path.write_text(json.dumps(events))
    result = load_log(path)
    assert result.rejected.empty, result.rejected.to_dict("records")
    return verify_deliveries(result.deliveries, RING)


def test_every_documented_shape_verifies(tmp_path: Path) -> None:
    events = [
        rest_event(REACTION, "rest"),
        http_api_event(READ, "http"),
        http_api_event(READ, "gzip", gzip_body=True),
        alb_event(REACTION, "alb-multi", multi=True),
        alb_event(READ, "alb", multi=False),
    ]
    frame = verified(tmp_path, events)
    assert list(frame["reason"].astype(str)) == ["ok"] * 5
    assert list(frame["webhook_id"]) == ["rest", "http", "gzip", "alb-multi", "alb"]
    assert set(frame["api_key"]) == {DEMO_API_KEY}
    assert set(frame["format"].astype(str)) == {"aws-lambda"}
    assert list(frame["transport"].astype(str)) == ["http"] * 5
    assert list(frame["content_encoding"].fillna("-")) == ["-", "-", "gzip", "-", "-"]
    assert frame["body"][2].startswith(b"\x1f\x8b")  # the bytes as sent; verified inflated


def test_times_paths_and_addresses(tmp_path: Path) -> None:
    frame = verified(
        tmp_path,
        [rest_event(REACTION, "a"), http_api_event(READ, "b"), alb_event(READ, "c", multi=True)],
    )
    when = pd.Timestamp("2026-11-26T10:00:00.123Z")
    assert list(frame["received_at"][:2]) == [when, when]
    assert pd.isna(frame["received_at"][2])  # an ALB event has no time: unknown, not invented
    assert list(frame["path"]) == [
        "/webhooks/stream",
        "/webhooks/stream?app=chat",
        "/webhooks/stream",
    ]
    assert list(frame["remote_addr"].fillna("-")) == ["34.225.1.7", "34.225.1.8", "-"]
    assert list(frame["method"]) == ["POST"] * 3


def test_header_names_in_any_case_and_every_value() -> None:
    event = rest_event(REACTION, "hook")
    event["headers"] = {"x-SIGNATURE": event["headers"]["X-Signature"], "X-Extra": "last"}
    event["multiValueHeaders"] = {"X-Extra": ["first", "last"], "x-webhook-id": ["hook"]}
    (row,) = one(event).rows
    assert row.signature == event["headers"]["x-SIGNATURE"]
    assert row.headers["x-extra"] == ["first", "last"]  # multiValueHeaders has them all
    assert row.webhook_id == "hook"


def test_payload_2_headers_and_cookies() -> None:
    event = http_api_event(READ, "hook")
    event["headers"]["x-forwarded-for"] = "1.2.3.4, 5.6.7.8"  # repeats arrive joined
    event["cookies"] = ["a=1", "b=2"]
    (row,) = one(event).rows
    assert row.headers["x-forwarded-for"] == "1.2.3.4, 5.6.7.8"
    assert row.headers["cookie"] == "a=1; b=2"


def test_an_event_saved_without_version_is_still_payload_2() -> None:
    event = http_api_event(READ, "hook")
    del event["version"]
    assert len(one(event)) == 1


def test_not_a_post_is_skipped_and_a_missing_body_is_missing() -> None:
    get = rest_event(REACTION, "hook", httpMethod="GET")
    get["body"] = None
    batch = one(get)
    assert (len(batch), batch.skipped) == (0, 1)
    head = http_api_event(READ, "hook", method="HEAD")
    assert one(head).skipped == 1
    no_body = rest_event(REACTION, "hook")
    del no_body["body"]
    (row,) = one(no_body).rows
    assert (row.body, row.fidelity) == (None, "missing")
    nulled = http_api_event(READ, "hook")
    nulled["body"] = None
    assert one(nulled).rows[0].fidelity == "missing"


def test_post_in_lower_case_is_a_delivery() -> None:
    assert len(one(rest_event(REACTION, "hook", httpMethod="post"))) == 1


def test_text_that_was_not_utf8_is_reconstructed_never_a_mismatch(tmp_path: Path) -> None:
    frame = verified(tmp_path, [lossy_rest_event()])
    assert list(frame["fidelity"].astype(str)) == ["reconstructed"]
    assert list(frame["reason"].astype(str)) == ["unverifiable"]


def test_a_replacement_character_in_text_is_reconstructed() -> None:
    body = READ.replace(b'"type"', b'"\xef\xbf\xbd":1,"type"', 1)  # one byte replaced on the way
    event = rest_event(body, "hook")
    assert one(event).rows[0].fidelity == "reconstructed"


def test_a_body_gunzipped_before_the_event_is_decoded(tmp_path: Path) -> None:
    event = rest_event(READ, "hook")
    event["headers"]["Content-Encoding"] = "gzip"
    event["multiValueHeaders"]["Content-Encoding"] = ["gzip"]
    frame = verified(tmp_path, [event])
    assert list(frame["fidelity"].astype(str)) == ["decoded"]
    assert list(frame["reason"].astype(str)) == ["ok"]


def test_base64_body_is_exact_and_base64_json_verifies(tmp_path: Path) -> None:
    event = rest_event(READ, "hook", isBase64Encoded=True)
    event["body"] = base64.b64encode(READ).decode()
    frame = verified(tmp_path, [event])
    assert list(frame["fidelity"].astype(str)) == ["exact"]
    assert list(frame["reason"].astype(str)) == ["ok"]


def test_damaged_gzip_in_base64_is_undecodable(tmp_path: Path) -> None:
    event = http_api_event(READ, "hook", gzip_body=True)
    event["body"] = base64.b64encode(gzip.compress(READ)[:20]).decode()
    frame = verified(tmp_path, [event])
    assert list(frame["reason"].astype(str)) == ["undecodable_body"]


def test_content_length_tells_a_shortened_body() -> None:
    event = rest_event(READ, "hook")
    event["body"] = event["body"][:-5]
    assert one(event).rows[0].fidelity == "truncated"
    longer = rest_event(READ, "hook")
    longer["body"] += "\n"
    assert one(longer).rows[0].fidelity == "reconstructed"


def test_a_body_parsed_before_logging_is_reconstructed(tmp_path: Path) -> None:
    """Its bytes are gone: Stream's encoding of the content matching the signature makes it
    ``body_reserialized`` (authentic content); a changed payload has no verdict."""
    event = rest_event(READ, "hook")
    event["body"] = json.loads(READ)
    changed = rest_event(READ, "hook")
    changed["body"] = {**json.loads(READ), "type": "message.deleted"}
    frame = verified(tmp_path, [event, changed])
    assert list(frame["fidelity"].astype(str)) == ["reconstructed"] * 2
    assert list(frame["reason"].astype(str)) == ["body_reserialized", "unverifiable"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"httpMethod": 5}, "field 'httpMethod' has the wrong type (int)"),
        ({"httpMethod": None}, "field 'httpMethod' is missing"),
        ({"headers": "x"}, "field 'headers' has the wrong type (str)"),
        ({"headers": {"X-Signature": ["a"]}}, "field 'headers.X-Signature' must be a string"),
        ({"multiValueHeaders": {"X-A": "a"}}, "field 'multiValueHeaders.X-A' must be a list"),
        ({"multiValueHeaders": {"X-A": [1]}}, "field 'multiValueHeaders.X-A' must be a list"),
        ({"body": 12}, "field 'body' has the wrong type (int)"),
        ({"body": True}, "field 'body' has the wrong type (bool)"),
        ({"isBase64Encoded": "true"}, "field 'isBase64Encoded' must be true or false"),
        ({"isBase64Encoded": True, "body": "not base64!"}, "field 'body' is not valid base64"),
        ({"body": "\ud800"}, "field 'body' holds a lone UTF-16 surrogate"),
        ({"requestContext": []}, "field 'requestContext' has the wrong type (list)"),
        ({"requestContext": {"requestTimeEpoch": "soon"}}, "'requestContext.requestTimeEpoch'"),
        (
            {"requestContext": {"requestTimeEpoch": 10**30}},
            "field 'requestContext.requestTimeEpoch' is not a time in epoch milliseconds",
        ),
        ({"requestContext": {"requestTimeEpoch": True}}, "has the wrong type (bool)"),
        ({"path": ["/"]}, "field 'path' has the wrong type (list)"),
    ],
)
def test_each_bad_field_is_named(change: dict[str, Any], reason: str) -> None:
    _assert_named(rest_event(REACTION, "hook"), change, reason)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"requestContext": {"http": "POST"}}, "field 'requestContext.http.method' is missing"),
        ({"requestContext": {"http": {"method": 1}}}, "'requestContext.http.method' has the wrong"),
        ({"rawQueryString": 3}, "field 'rawQueryString' has the wrong type (int)"),
        ({"cookies": "a=1"}, "field 'cookies' has the wrong type (str)"),
        ({"cookies": [1]}, "field 'cookies' must be a list of strings"),
        ({"requestContext": {"http": {"method": "POST"}, "timeEpoch": 1.5}}, "wrong type (float)"),
    ],
)
def test_each_bad_payload_2_field_is_named(change: dict[str, Any], reason: str) -> None:
    _assert_named(http_api_event(READ, "hook"), change, reason)


def _assert_named(event: dict[str, Any], change: dict[str, Any], reason: str) -> None:
    """The event with ``change`` applied is refused with a reason naming the field."""
    event.update(change)
    with pytest.raises(BadEntryError) as caught:
        one(event)
    assert reason in str(caught.value)


def test_an_event_without_request_context_still_loads() -> None:
    event = rest_event(REACTION, "hook")
    del event["requestContext"]
    (row,) = one(event).rows
    assert (row.received_at, row.fidelity) == (None, "exact")


def test_every_field_of_a_real_event_replaced_by_garbage_never_raises_anything_else() -> None:
    garbage: list[Any] = [None, 0, -1, 2**64, 1.5, True, "", "x", [], [None], {}, {"a": {"b": []}}]
    reasons: list[str] = []
    for template in (rest_event(REACTION, "a"), http_api_event(READ, "b", gzip_body=True)):
        for key in template:
            for value in garbage:
                event = copy.deepcopy(template)
                event[key] = value
                try:
                    one(event)
                except BadEntryError as exc:  # anything else fails the test
                    reasons.append(str(exc))
    assert reasons
    assert all(reason.strip() for reason in reasons)


def test_an_sns_http_subscription_behind_api_gateway_is_unsigned(tmp_path: Path) -> None:
    envelope = {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:stream-events",
        "Message": READ.decode(),
        "Timestamp": "2026-11-26T10:00:00.500Z",
    }
    notification = rest_event(READ, "sns")
    notification["body"] = json.dumps(envelope)
    notification["headers"] = {"x-amz-sns-message-type": "Notification"}
    notification["multiValueHeaders"] = None
    confirmation = copy.deepcopy(notification)
    confirmation["headers"] = {"X-Amz-Sns-Message-Type": "SubscriptionConfirmation"}
    path = tmp_path / "sns.json"
    path.write_text(json.dumps([notification, confirmation]))
    result = load_log(path)
    frame = verify_deliveries(result.deliveries, RING)
    assert (list(frame["transport"].astype(str)), result.skipped) == (["sns"], 1)
    assert list(frame["reason"].astype(str)) == ["unsigned"]
    assert frame["body"][0] == READ


def test_huge_and_bad_base64_bodies(tmp_path: Path) -> None:
    blob = bytes(range(256)) * 32_768  # 8 MiB that are not UTF-8
    huge = http_api_event(READ, "huge", gzip_body=True)
    huge["body"] = base64.b64encode(blob).decode()
    bad = http_api_event(READ, "bad", gzip_body=True)
    bad["body"] = "QUJD" * 1_000_000 + "!"
    path = tmp_path / "events.json"
    path.write_text(json.dumps([huge, bad]))
    result = load_log(path)
    assert result.deliveries["body"].tolist() == [blob]
    assert result.rejected.to_dict("records") == [
        {"source": f"{path}#2", "reason": "field 'body' is not valid base64"}
    ]
