"""Stream's documented webhook event types and the documented example payloads."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

WEBHOOK_EVENT_TYPES: tuple[str, ...] = (
    "message.new",
    "message.read",
    "message.updated",
    "message.deleted",
    "message.flagged",
    "reaction.new",
    "reaction.updated",
    "reaction.deleted",
    "member.added",
    "member.updated",
    "member.removed",
    "channel.created",
    "channel.updated",
    "channel.muted",
    "channel.unmuted",
    "channel.truncated",
    "channel.deleted",
    "channel.hidden",
    "channel.visible",
    "channel.frozen",
    "channel.unfrozen",
    "user.updated",
    "user.deleted",
    "user.deactivated",
    "user.reactivated",
    "user.muted",
    "user.unmuted",
    "user.banned",
    "user.unbanned",
    "user.flagged",
    "user.messages.deleted",
    "user.unread_message_reminder",
    "export.users.success",
    "export.users.error",
    "export.channels.success",
    "export.channels.error",
    "reminder.created",
    "reminder.updated",
    "reminder.deleted",
    "notification.reminder_due",
)
"""Chat event types Stream documents as webhook events (DESIGN.md §1)."""

PRODUCT_PREFIXES: tuple[str, ...] = ("moderation.", "campaign.", "call.")
"""Event families sent to apps that use Stream's moderation, campaign or video products."""

CLIENT_ONLY_PREFIXES: tuple[str, ...] = ("typing.", "user.watching.", "health.check")
"""Client-side events that Stream never sends as webhooks."""


def is_documented(event_type: str) -> bool:
    """True for a documented webhook event type or a product family (moderation, campaign, call)."""
    return event_type in WEBHOOK_EVENT_TYPES or event_type.startswith(PRODUCT_PREFIXES)


@cache
def documented_examples() -> tuple[dict[str, Any], ...]:
    """Every documented example payload, with its ``source`` (the reference file, as shipped)."""
    text = (
        files("streamhook_nb").joinpath("payloads/stream-payload-examples.json").read_text("utf-8")
    )
    return tuple(json.loads(text))
