"""Queue deliveries: SQS ``receive-message`` output and SNS notification envelopes (unsigned)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.body import signed_bytes
from streamhook_nb.load.fidelity import Fidelity, Transport
from streamhook_nb.load.headers import Headers
from streamhook_nb.load.readers.common import (
    BadEntryError,
    b64,
    check_text,
    entries_batch,
    epoch_ms_to_iso,
    field,
    json_values,
)
from streamhook_nb.load.sources import GZIP_MAGIC

SQS = "sqs"
SNS = "sns"


SNS_CONTROL_TYPES = ("SubscriptionConfirmation", "UnsubscribeConfirmation")
"""SNS envelopes that carry no event: skipped (counted), never loaded or rejected."""


def read_sqs(document: Any, name: str) -> Iterator[DeliveryBatch]:
    """One delivery per SQS message; a message wrapping an SNS envelope counts as SNS.

    ``document``: ``receive-message`` output (``{"Messages": [...]}``), an array of messages,
    or one message.
    """
    yield entries_batch(SQS, name, _messages(document), _add_sqs)


def read_sqs_lines(data: bytes, name: str) -> Iterator[DeliveryBatch]:
    """SQS messages one JSON value per line, or pretty-printed one after another (sources
    ``file:line``, where each starts): a message, or a whole ``receive-message`` response (its
    messages ``file:line#N`` when it holds several)."""
    batch = DeliveryBatch(SQS)
    for lineno, value, problem in json_values(data):
        source = f"{name}:{lineno}"
        if problem is not None:
            batch.reject(source, problem)
            continue
        try:
            messages = _messages(value)
        except BadEntryError as exc:
            batch.reject(source, str(exc))
            continue
        if len(messages) == 1:  # one message on the line: its source is the line
            batch.extend(entries_batch(SQS, source, messages, _add_sqs, numbered=False))
        else:
            batch.extend(entries_batch(SQS, source, messages, _add_sqs))
    yield batch


def _messages(document: Any) -> list[Any]:
    """The messages of a ``receive-message`` response (none when the queue was empty), of an
    array of messages, or one message."""
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        raise BadEntryError("neither an SQS message nor a receive-message response")
    if "Messages" in document:
        messages: list[Any] = field(document, "Messages", list)
        return messages
    if "Body" in document:
        return [document]
    if "ResponseMetadata" in document:
        return []  # an empty receive: boto3 keeps only ResponseMetadata
    raise BadEntryError(
        "neither an SQS message (no field 'Body') nor a receive-message response "
        "(no field 'Messages')"
    )


def read_sns_document(document: Any, name: str) -> Iterator[DeliveryBatch]:
    """SNS envelopes from a parsed document: one object or an array of them."""
    items = [(f"{name}#{i}", item) for i, item in enumerate(_as_list(document), start=1)]
    yield _sns_batch(items, DeliveryBatch(SNS))


def read_sns(data: bytes, name: str) -> Iterator[DeliveryBatch]:
    """SNS envelopes: one object, an array of them, one per line, or pretty-printed one after
    another."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    else:
        yield from read_sns_document(document, name)
        return
    batch = DeliveryBatch(SNS)
    items: list[tuple[str, Any]] = []
    for lineno, value, problem in json_values(data):
        if problem is not None:
            batch.reject(f"{name}:{lineno}", problem)
        else:
            items.append((f"{name}:{lineno}", value))
    yield _sns_batch(items, batch)


def _sns_batch(items: list[tuple[str, Any]], batch: DeliveryBatch) -> DeliveryBatch:
    for source, envelope in items:
        try:
            if is_sns_control(envelope):
                batch.skipped += 1
                continue
            _add_sns(batch, source, envelope, sent_at=None)
        except BadEntryError as exc:
            batch.reject(source, str(exc))
    return batch


def _as_list(document: Any) -> list[Any]:
    return document if isinstance(document, list) else [document]


def _add_sqs(batch: DeliveryBatch, source: str, message: Any) -> None:
    if not isinstance(message, dict):
        raise BadEntryError("message is not an object")
    body = field(message, "Body", str)
    sent_at = epoch_ms_to_iso(
        field(message, "Attributes.SentTimestamp", (str, int), required=False),
        "Attributes.SentTimestamp",
    )
    envelope = _sns_envelope(body)
    if envelope is not None and is_sns_control(envelope):
        batch.skipped += 1  # the confirmation SNS sends a queue when it is subscribed
        return
    if envelope is not None:
        _add_sns(batch, source, envelope, sent_at=sent_at)
        return
    payload, fidelity = _payload(body, "Body")
    headers = _queue_headers(message.get("MessageId"))
    check_text(headers)
    batch.add(
        source,
        headers=headers,
        body=payload,
        fidelity=fidelity,
        transport=Transport.SQS,
        received_at=sent_at,
        method=None,
    )


LAMBDA_SOURCES = ("aws:sqs", "aws:sns")
"""The ``eventSource`` of a Lambda event's ``Records`` that carry queue messages."""


def is_lambda_queue_event(value: Any) -> bool:
    """Whether ``value`` is a Lambda event of SQS messages or SNS notifications (``{"Records":
    [{"eventSource": "aws:sqs", ...}]}``, or ``EventSource: aws:sns``), as a function that
    consumes Stream's SQS or SNS hooks receives and may log it."""
    records = value.get("Records") if isinstance(value, dict) else None
    if not isinstance(records, list) or not records or not isinstance(records[0], dict):
        return False
    first = records[0]
    return (first.get("eventSource") or first.get("EventSource")) in LAMBDA_SOURCES


def add_lambda_record(batch: DeliveryBatch, source: str, record: Any) -> None:
    """One record of a Lambda queue event: an SQS message (``body``, ``attributes``, as the
    Lambda developer guide shows them) or an SNS notification (``Sns``, the envelope)."""
    if not isinstance(record, dict):
        raise BadEntryError("record is not an object")
    kind = record.get("eventSource") or record.get("EventSource")
    if kind == "aws:sqs":
        message = {
            "Body": field(record, "body", str),
            "MessageId": record.get("messageId"),
            "Attributes": field(record, "attributes", dict, required=False) or {},
        }
        _add_sqs(batch, source, message)
    elif kind == "aws:sns":
        envelope = field(record, "Sns", dict)
        if is_sns_control(envelope):
            batch.skipped += 1
            return
        _add_sns(batch, source, envelope, sent_at=None)
    else:
        raise BadEntryError(f"a record from {str(kind)[:40]!r}, not from SQS or SNS")


def _add_sns(batch: DeliveryBatch, source: str, envelope: Any, *, sent_at: str | None) -> None:
    payload, fidelity = sns_payload(envelope)
    headers = _queue_headers(envelope.get("MessageId"))
    received_at = field(envelope, "Timestamp", str, required=False) or sent_at
    check_text(headers, received_at=received_at)
    batch.add(
        source,
        headers=headers,
        body=payload,
        fidelity=fidelity,
        transport=Transport.SNS,
        received_at=received_at,
        method=None,
    )


def sns_payload(envelope: Any) -> tuple[bytes, Fidelity]:
    """Stream's payload inside an SNS notification envelope, and its fidelity."""
    if not isinstance(envelope, dict) or envelope.get("Type") != "Notification":
        raise BadEntryError("not an SNS notification (field 'Type' must be 'Notification')")
    return _payload(field(envelope, "Message", str), "Message")


def _queue_headers(message_id: object) -> Headers:
    """Queue messages have no HTTP headers; keep the queue's message id for tracing."""
    return {"x-queue-message-id": message_id} if isinstance(message_id, str) else {}


def is_sns_control(envelope: Any) -> bool:
    """True for a subscription (un)confirmation envelope: no event in it."""
    return isinstance(envelope, dict) and envelope.get("Type") in SNS_CONTROL_TYPES


def _sns_envelope(body: str) -> dict[str, Any] | None:
    """The SNS envelope an SQS body holds (SNS to SQS without raw message delivery), or None."""
    if '"Type"' not in body:
        return None
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    kinds = ("Notification", *SNS_CONTROL_TYPES)
    return parsed if isinstance(parsed, dict) and parsed.get("Type") in kinds else None


def raw_message(body: bytes) -> tuple[bytes, Fidelity]:
    """Stream's payload sent by SNS with raw message delivery on (the body is the message)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadEntryError("an SNS raw message delivery whose body is not UTF-8 text") from None
    return _payload(text, "body")


def _payload(text: str, field_name: str) -> tuple[bytes, Fidelity]:
    """Stream's payload: raw JSON as it is, otherwise base64 (of JSON or of gzipped JSON)."""
    if text.lstrip().startswith("{"):
        return text.encode("utf-8"), Fidelity.EXACT
    try:
        payload = b64(text.strip(), field_name)
    except BadEntryError:
        raise BadEntryError(f"field {field_name!r} is neither JSON nor base64") from None
    if payload.startswith(GZIP_MAGIC):
        try:
            signed_bytes(payload)
        except ValueError:
            # Kept as the queue held it, not "decoded": verification reports undecodable_body.
            return payload, Fidelity.EXACT
    return payload, Fidelity.DECODED
