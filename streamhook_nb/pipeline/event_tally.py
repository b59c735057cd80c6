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
from streamhook_nb.verify.reasons import VERDICT_LABELS

_DECODE_TYPE = msgspec.json.Decoder(Typed).decode


def event_kind(body: bytes | None) -> str:
    """The payload's ``type`` as the events frame has it (``(unknown)`` when unreadable)."""
    if body is None:
        return UNKNOWN_TYPE
    try:
        kind = _DECODE_TYPE(body).type
    except ValueError:  # gzip, not an object, or a type that is not a string
        kind = event_type(body)
    return kind or UNKNOWN_TYPE


@dataclass
class EventTally:
    """Counts by event type: deliveries per verdict, and the webhook ids seen."""

    deliveries: Counter[tuple[str, str]] = field(default_factory=Counter)
    webhook_ids: dict[str, set[str]] = field(default_factory=dict)
    without_id: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, label: str, webhook_id: str | None) -> None:
        """Count one delivery of type ``kind`` with verdict ``label``."""
        self.deliveries[kind, label] += 1
        if webhook_id is None:
            self.without_id[kind] += 1
        else:
            self.webhook_ids.setdefault(kind, set()).add(webhook_id)

    def add_many(self, kinds: list[str], label: str, webhook_ids: list[str | None]) -> None:
        """Count deliveries that share a verdict: ``kinds[i]`` with ``webhook_ids[i]``."""
        for kind, count in Counter(kinds).items():
            self.deliveries[kind, label] += count
        ids = self.webhook_ids
        for kind, webhook_id in zip(kinds, webhook_ids, strict=True):
            if webhook_id is None:
                self.without_id[kind] += 1
            elif kind in ids:
                ids[kind].add(webhook_id)
            else:
                ids[kind] = {webhook_id}

    def merge(self, other: EventTally) -> None:
        """Add another part's counts."""
        self.deliveries.update(other.deliveries)
        self.without_id.update(other.without_id)
        for kind, ids in other.webhook_ids.items():
            self.webhook_ids.setdefault(kind, set()).update(ids)

    def as_json(self) -> dict[str, Any]:
        """The ``streamhook-nb events --json`` shape (DESIGN.md §3), most delivered type first.

        ``events`` counts distinct webhook ids (a delivery without one is an event of its own).
        """
        types: dict[str, dict[str, int]] = {}
        for kind in sorted({kind for kind, _ in self.deliveries}):
            by_verdict = {label: self.deliveries[kind, label] for label in VERDICT_LABELS}
            types[kind] = {
                "deliveries": sum(by_verdict.values()),
                "events": len(self.webhook_ids.get(kind, ())) + self.without_id[kind],
                **by_verdict,
            }
        ordered = sorted(
            types.items(), key=lambda item: (-item[1]["deliveries"], -item[1]["events"])
        )
        every_id: set[str] = set().union(*self.webhook_ids.values())
        return {
            "deliveries": self.deliveries.total(),
            "events": len(every_id) + self.without_id.total(),
            "event_types": dict(ordered),
        }
