"""An AWS Lambda ``event`` for an HTTP request as a delivery: API Gateway REST APIs (payload
1.0), HTTP APIs and function URLs (payload 2.0), and Application Load Balancer targets.

The shapes are AWS's (the Lambda and API Gateway developer guides; the same events as
``sam local generate-event`` writes them):

- payload 1.0 (REST API, ALB): ``httpMethod``, ``path``, ``headers`` (the last value of a
  repeated header, names as the sender wrote them) and ``multiValueHeaders`` (every value);
  ``requestContext.requestTimeEpoch`` in epoch milliseconds (no time in an ALB event, whose
  ``requestContext`` holds only ``elb``);
- payload 2.0 (HTTP API, function URL): ``version: "2.0"``, ``rawPath``, ``rawQueryString``,
  ``requestContext.http.method``, lower-case ``headers`` with repeated values joined by commas,
  ``cookies`` (taken out of the ``cookie`` header), ``requestContext.timeEpoch``;
- both: ``body``, the request as text, or base64 when ``isBase64Encoded``.
"""

from __future__ import annotations

from typing import Any

import orjson

from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.fidelity import Fidelity
from streamhook_nb.load.headers import Headers, fold, joined, normalize_name
from streamhook_nb.load.readers.common import (
    BadEntryError,
    b64,
    content_decoded,
    declared_length,
    epoch_ms_to_iso,
    field,
)
from streamhook_nb.load.readers.http_delivery import add_request

FORMAT = "aws-lambda"
EVENT_KEYS = frozenset(
    {"httpMethod", "requestContext", "rawPath", "routeKey", "isBase64Encoded", "multiValueHeaders"}
)
"""Keys only a Lambda event for an HTTP request has (one is enough to call a value an event)."""
_REPLACEMENT = "\ufffd"


def is_event(value: object) -> bool:
    """Whether ``value`` is (meant to be) a Lambda event for an HTTP request."""
    return isinstance(value, dict) and not EVENT_KEYS.isdisjoint(value)


def add_event(batch: DeliveryBatch, source: str, event: Any) -> None:
    """Add the request one Lambda event describes to ``batch``: a POST is a delivery, any other
    method is skipped (counted). Raises :class:`BadEntryError` naming the field at fault."""
    if not isinstance(event, dict):
        raise BadEntryError(f"not a Lambda event (a JSON {type(event).__name__}, not an object)")
    field(event, "requestContext", dict, required=False)
    if _is_v2(event):
        method = field(event, "requestContext.http.method", str)
        path = _v2_path(event)
        headers = _v2_headers(event)
        time_field = "requestContext.timeEpoch"
        remote_addr = field(event, "requestContext.http.sourceIp", str, required=False)
    else:
        method = field(event, "httpMethod", str)
        path = field(event, "path", str, required=False)
        headers = _v1_headers(event)
        time_field = "requestContext.requestTimeEpoch"
        remote_addr = field(event, "requestContext.identity.sourceIp", str, required=False)
    if method.upper() != "POST":
        batch.skipped += 1  # a page load or a health check: never a webhook
        return
    received_at = epoch_ms_to_iso(field(event, time_field, (int, str), required=False), time_field)
    body, fidelity = _body(event, headers)
    add_request(
        batch,
        source,
        headers=headers,
        body=body,
        fidelity=fidelity,
        method=method,
        path=path,
        received_at=received_at,
        remote_addr=remote_addr,
    )


def _is_v2(event: dict[str, Any]) -> bool:
    """Payload 2.0: its ``version``, or (for an event saved without it) ``rawPath`` or a
    ``requestContext.http`` object without the ``httpMethod`` of payload 1.0."""
    if event.get("version") == "2.0":
        return True
    context = event.get("requestContext")
    return "httpMethod" not in event and (
        "rawPath" in event or (isinstance(context, dict) and "http" in context)
    )


def _v2_path(event: dict[str, Any]) -> str | None:
    path = field(event, "rawPath", str, required=False)
    if path is None:
        path = field(event, "requestContext.http.path", str, required=False)
    query = field(event, "rawQueryString", str, required=False)
    return f"{path or '/'}?{query}" if query else path


def _v1_headers(event: dict[str, Any]) -> Headers:
    """Every value of ``multiValueHeaders``, and the ``headers`` it lacks (a name in any case)."""
    pairs = _pairs(event, "multiValueHeaders", multi=True)
    seen = {normalize_name(name) for name, _ in pairs}
    pairs += [pair for pair in _pairs(event, "headers") if normalize_name(pair[0]) not in seen]
    return fold(pairs)


def _v2_headers(event: dict[str, Any]) -> Headers:
    """``headers`` as they are (repeats already joined by commas), and ``cookies`` as the
    ``cookie`` header they came from."""
    pairs = _pairs(event, "headers")
    cookies = field(event, "cookies", list, required=False)
    if cookies:
        if not all(isinstance(cookie, str) for cookie in cookies):
            raise BadEntryError("field 'cookies' must be a list of strings")
        if all(normalize_name(name) != "cookie" for name, _ in pairs):
            pairs.append(("cookie", "; ".join(cookies)))
    return fold(pairs)


def _pairs(event: dict[str, Any], key: str, *, multi: bool = False) -> list[tuple[str, str]]:
    mapping = field(event, key, dict, required=False) or {}
    pairs: list[tuple[str, str]] = []
    for name, value in mapping.items():
        if multi and isinstance(value, list) and all(isinstance(item, str) for item in value):
            pairs += [(name, item) for item in value]
        elif not multi and isinstance(value, str):
            pairs.append((name, value))
        else:
            kind = "a list of strings" if multi else "a string"
            raise BadEntryError(f"field '{key}.{name[:80]}' must be {kind}")
    return pairs


def _body(event: dict[str, Any], headers: Headers) -> tuple[bytes | None, Fidelity]:
    """The request body and how faithfully the event kept it.

    With ``isBase64Encoded`` the body is the bytes exactly. Otherwise the gateway decoded the
    bytes as UTF-8 text: UTF-8 (every JSON body Stream sends) comes back byte for byte, but a
    body that is not UTF-8 (gzip, when no binary media type matched) had its bad bytes replaced
    by U+FFFD, which nothing can undo: ``reconstructed``, so it is never called a mismatch.
    A body the function parsed before logging it (an object, not text) is re-encoded and
    ``reconstructed`` too.
    """
    raw = event.get("body")
    if raw is None:
        return None, Fidelity.MISSING
    encoded = event.get("isBase64Encoded", False)
    if encoded is None:
        encoded = False
    if not isinstance(encoded, bool):
        raise BadEntryError(
            f"field 'isBase64Encoded' must be true or false, not {type(encoded).__name__}"
        )
    if isinstance(raw, dict | list) and not encoded:
        return orjson.dumps(raw), Fidelity.RECONSTRUCTED  # parsed by the function, then logged
    if not isinstance(raw, str):
        raise BadEntryError(f"field 'body' has the wrong type ({type(raw).__name__})")
    if encoded:
        data = b64(raw, "body")
        return data, Fidelity.DECODED if content_decoded(headers, data) else Fidelity.EXACT
    try:
        data = raw.encode("utf-8")
    except UnicodeEncodeError:
        raise BadEntryError(
            "field 'body' holds a lone UTF-16 surrogate, which no request bytes give"
        ) from None
    return data, _text_fidelity(headers, raw, data)


def _text_fidelity(headers: Headers, text: str, data: bytes) -> Fidelity:
    """Exact, unless the gateway replaced bytes that were not UTF-8 (a U+FFFD in the text: a
    body Stream sent with one is then unverifiable too, never a false mismatch), something
    gunzipped it (``decoded``), or it is not as long as its ``Content-Length`` says."""
    encoding = (joined(headers.get("content-encoding")) or "identity").strip().lower()
    declared = declared_length(headers) if encoding == "identity" else None
    if _REPLACEMENT in text:  # bytes replaced (gzip decoded as UTF-8 text among them), or
        # (rarely) a U+FFFD Stream sent: cannot tell
        return Fidelity.RECONSTRUCTED
    if content_decoded(headers, data):
        return Fidelity.DECODED
    if declared is not None and declared > len(data):
        return Fidelity.TRUNCATED
    if declared is not None and declared < len(data):
        return Fidelity.RECONSTRUCTED
    return Fidelity.EXACT
