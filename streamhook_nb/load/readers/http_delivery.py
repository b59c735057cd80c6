"""A captured HTTP request as a delivery: Stream's own POST, or an SNS notification over HTTP."""

from __future__ import annotations

from typing import Any

import orjson

from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.body import signed_bytes
from streamhook_nb.load.fidelity import Fidelity, Transport
from streamhook_nb.load.headers import Headers, joined
from streamhook_nb.load.readers.common import BadEntryError, check_text
from streamhook_nb.load.readers.queue import raw_message, sns_payload

SNS_MESSAGE_TYPE = "x-amz-sns-message-type"
"""The header SNS puts on every HTTP delivery (``Notification``, ``SubscriptionConfirmation``)."""
SNS_RAW_DELIVERY = "x-amz-sns-rawdelivery"
"""The header SNS adds (``true``) when the subscription has raw message delivery on: the body is
then the message itself, not an envelope."""


def add_request(
    batch: DeliveryBatch,
    source: str,
    *,
    headers: Headers,
    body: bytes | None,
    fidelity: Fidelity,
    method: str | None,
    path: str | None,
    received_at: str | None = None,
    remote_addr: str | None = None,
    response_status: int | None = None,
    transport: Transport | None = None,
) -> None:
    """Add one captured HTTP request to ``batch``.

    A POST carrying ``x-amz-sns-message-type`` came from SNS, not from Stream's webhook
    sender: a ``Notification`` is transport ``sns`` (unsigned) with its ``Message`` as the
    payload (with raw message delivery, ``x-amz-sns-rawdelivery: true``, the body is that
    message); a subscription (un)confirmation is no event and is skipped. ``transport``, when
    the tool recorded it (our HAR writer does), is taken as it is.
    """
    check_text(headers, method=method, path=path, received_at=received_at, address=remote_addr)
    message_type = joined(headers.get(SNS_MESSAGE_TYPE))
    if transport is None and message_type is not None and (method or "").upper() == "POST":
        if _kinds(message_type) != {"notification"}:
            batch.skipped += 1  # SubscriptionConfirmation / UnsubscribeConfirmation
            return
        transport = Transport.SNS
        if (joined(headers.get(SNS_RAW_DELIVERY)) or "").strip().lower() == "true":
            body, fidelity = _raw_message(body, fidelity)
        else:
            body, fidelity, sent_at = _notification(body, fidelity)
            received_at = received_at or sent_at
    batch.add(
        source,
        headers=headers,
        body=body,
        fidelity=fidelity,
        transport=transport or Transport.HTTP,
        received_at=received_at,
        method=method,
        path=path,
        remote_addr=remote_addr,
        response_status=response_status,
    )


def add_bodiless_request(
    batch: DeliveryBatch,
    source: str,
    *,
    headers: Headers,
    method: str | None,
    path: str | None,
    **noted: Any,
) -> None:
    """Add a request whose tool kept no body (``curl -v``, an ngrok entry without ``raw``): its
    headers, and the fidelity ``missing`` (``noted``: what else the tool recorded)."""
    add_request(
        batch,
        source,
        headers=headers,
        body=None,
        fidelity=Fidelity.MISSING,
        method=method,
        path=path,
        **noted,
    )


def _kinds(message_type: str) -> set[str]:
    """The message types a header names (a repeated header is joined with commas), in any case."""
    return {kind.strip().lower() for kind in message_type.split(",")}


def _raw_message(body: bytes | None, fidelity: Fidelity) -> tuple[bytes | None, Fidelity]:
    """The payload of an SNS raw message delivery: the body, decoded as the queue formats are."""
    if body is None or fidelity not in _INTACT:
        return body, fidelity  # nothing to decode, or bytes that are not all there
    payload, found = raw_message(body)
    return payload, Fidelity.DECODED if Fidelity.DECODED in (fidelity, found) else found


_INTACT = (Fidelity.EXACT, Fidelity.DECODED)
"""Bodies whose bytes are all there (``decoded``: a transfer coding was undone)."""


def _notification(
    body: bytes | None, fidelity: Fidelity
) -> tuple[bytes | None, Fidelity, str | None]:
    """The payload an SNS notification's body wraps, its fidelity and the SNS timestamp."""
    if body is None:
        return None, fidelity, None
    try:
        envelope = orjson.loads(signed_bytes(body))  # a proxy may have gzipped it
    except (orjson.JSONDecodeError, ValueError):
        raise BadEntryError(
            f"an SNS notification ({SNS_MESSAGE_TYPE} header) whose body is not a JSON "
            f"envelope (fidelity: {fidelity.value})"
        ) from None
    payload, payload_fidelity = sns_payload(envelope)
    sent_at = envelope.get("Timestamp")
    return payload, payload_fidelity, sent_at if isinstance(sent_at, str) else None
