"""The result of a streaming verification: counts, rejected records, optional details."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from streamhook_nb.load.batch import Rejected, shift_source
from streamhook_nb.pipeline.event_tally import EventTally
from streamhook_nb.verify.reasons import Reason


@dataclass
class VerifyReport:
    """Counts of a verification run, plus rejected records and optional per-delivery details."""

    deliveries: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    valid_api_keys: set[str | None] = field(default_factory=set)
    mismatch_api_keys: Counter[str | None] = field(default_factory=Counter)
    rejected: list[Rejected] = field(default_factory=list)
    skipped: int = 0
    """Requests that are not deliveries (not a POST, or not to the webhook path)."""
    details: list[dict[str, Any]] | None = None
    failures_only: bool = False
    """Whether ``details`` keeps only the deliveries that are not ``ok``."""
    tally: EventTally | None = None
    """Counts by event type and verdict, when asked for (``streamhook-nb events``)."""

    @property
    def valid(self) -> int:
        """Deliveries whose signature matches."""
        return self.reasons[Reason.OK.value]

    @property
    def unverifiable(self) -> int:
        """Deliveries without a verdict (unverifiable capture or unsigned transport)."""
        return self.reasons[Reason.UNVERIFIABLE.value] + self.reasons[Reason.UNSIGNED.value]

    @property
    def invalid(self) -> int:
        """Deliveries whose signature is missing, malformed or does not match."""
        return self.deliveries - self.valid - self.unverifiable

    def other_app_note(self) -> str | None:
        """A sentence when failing deliveries carry another X-Api-Key than every valid one."""
        if len(self.valid_api_keys) != 1:
            return None
        (good,) = self.valid_api_keys
        strangers = {
            key: n for key, n in self.mismatch_api_keys.items() if key is not None and key != good
        }
        if good is None or not strangers:
            return None
        names = ", ".join(f"{key!r} ({n})" for key, n in strangers.items())
        return (
            f"Every valid delivery carries X-Api-Key {good!r}, but failing ones carry {names}: "
            "they are probably another app's; map each API key to its secret with "
            "--secrets-file."
        )

    def merge(self, other: VerifyReport) -> None:
        """Add another part's results after this one's (keeps input order)."""
        self.deliveries += other.deliveries
        self.reasons.update(other.reasons)
        self.valid_api_keys |= other.valid_api_keys
        self.mismatch_api_keys.update(other.mismatch_api_keys)
        self.rejected.extend(other.rejected)
        self.skipped += other.skipped
        if self.details is not None and other.details is not None:
            self.details.extend(other.details)
        if self.tally is not None and other.tally is not None:
            self.tally.merge(other.tally)

    def shift_lines(self, name: str, lines: int) -> None:
        """Renumber this part's ``name:line`` sources by ``lines``: a worker that read a range
        of the file numbered its lines from the range's start, before the lines of the
        ranges ahead of it were known (counting them first would read the file twice)."""
        if not lines:
            return
        self.rejected = [
            Rejected(shift_source(r.source, name, lines), r.reason) for r in self.rejected
        ]
        for detail in self.details or ():
            detail["source"] = shift_source(detail["source"], name, lines)

    def as_json(self) -> dict[str, Any]:
        """The ``streamhook-nb verify --json`` shape (DESIGN.md §3)."""
        report: dict[str, Any] = {
            "deliveries": self.deliveries,
            "valid": self.valid,
            "invalid": self.invalid,
            "unverifiable": self.unverifiable,
            "rejected": len(self.rejected),
            "reasons": {r.value: self.reasons[r.value] for r in Reason if self.reasons[r.value]},
        }
        if self.details is not None:
            report["details"] = self.details
        return report
