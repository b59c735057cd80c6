"""Deliveries and distinct events per event type and verdict, counted while streaming.

What ``streamhook-nb events`` prints, gathered by the streaming verifier without building a
DataFrame; the counts are those of ``tables.by_type`` over the events frame.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import msgspec

from streamhook_nb.load.payload import UNKNOWN_TYPE, Typed, event_type
from streamhook_nb.pipeline.distinct_ids import DistinctIds
from streamhook_nb.verify.reasons import VERDICT_LABELS

_DECODE_TYPE = msgspec.json.Decoder(Typed).decode


def event_kind(body: bytes | None) -> str:
    """The payload's ``type`` as the events frame has it (``(unknown)`` when unreadable)."""
    try:
        return _DECODE_TYPE(body).type or UNKNOWN_TYPE  # type: ignore[arg-type]
    except (TypeError, ValueError):  # no body, gzip, not an object, a type that is no string
        return event_type(body) or UNKNOWN_TYPE


def event_kinds(bodies: list[bytes]) -> list[str]:
    """:func:`event_kind` of each body: decoded in one pass when every one is a JSON object
    whose ``type`` (if any) is a string, else one by one."""
    decode = _DECODE_TYPE
    try:
        return [decode(body).type or UNKNOWN_TYPE for body in bodies]
    except (TypeError, ValueError):
        return list(map(event_kind, bodies))


@dataclass
class EventTally:
    """Counts by event type: deliveries per verdict, and the webhook ids seen (exactly, in
    compact form: :mod:`~streamhook_nb.pipeline.distinct_ids`)."""

    deliveries: Counter[tuple[str, str]] = field(default_factory=Counter)
    webhook_ids: DistinctIds = field(default_factory=DistinctIds)
    without_id: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, label: str, webhook_id: str | None) -> None:
        """Count one delivery of type ``kind`` with verdict ``label``."""
        self.deliveries[kind, label] += 1
        self.add_id(kind, webhook_id)

    def add_many(self, kinds: list[str], label: str, webhook_ids: list[str | None]) -> None:
        """Count deliveries that share a verdict: ``kinds[i]`` with ``webhook_ids[i]``."""
        if len(kinds) != len(webhook_ids):
            raise ValueError("one webhook id (or None) is needed per event type")
        for kind, count in Counter(kinds).items():
            self.deliveries[kind, label] += count
        if None not in webhook_ids:
            self.webhook_ids.add_many(kinds, webhook_ids)  # type: ignore[arg-type]
            return
        for kind, webhook_id in zip(kinds, webhook_ids, strict=True):
            self.add_id(kind, webhook_id)

    def add_id(self, kind: str, webhook_id: str | None) -> None:
        """Remember one delivery's webhook id (a delivery without one is an event of its own)."""
        if webhook_id is None:
            self.without_id[kind] += 1
        else:
            self.webhook_ids.add(kind, webhook_id)

    def merge(self, other: EventTally) -> None:
        """Add another part's counts."""
        self.deliveries.update(other.deliveries)
        self.without_id.update(other.without_id)
        self.webhook_ids.merge(other.webhook_ids)

    def as_json(self) -> dict[str, Any]:
        """The ``streamhook-nb events --json`` shape (DESIGN.md §3), most delivered type first.

        ``events`` counts distinct webhook ids (a delivery without one is an event of its own).
        """
        distinct, every_id = self.webhook_ids.counts()
        types: dict[str, dict[str, int]] = {}
        for kind in sorted({kind for kind, _ in self.deliveries}):
            by_verdict = {label: self.deliveries[kind, label] for label in VERDICT_LABELS}
            types[kind] = {
                "deliveries": sum(by_verdict.values()),
                "events": distinct.get(kind, 0) + self.without_id[kind],
                **by_verdict,
            }
        ordered = sorted(
            types.items(), key=lambda item: (-item[1]["deliveries"], -item[1]["events"])
        )
        return {
            "deliveries": self.deliveries.total(),
            "events": every_id + self.without_id.total(),
            "event_types": dict(ordered),
        }
