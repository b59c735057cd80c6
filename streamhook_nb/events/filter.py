"""The audit filter's logic: which events pass, as a controller that knows nothing of widgets."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from streamhook_nb.errors import UsageError
from streamhook_nb.events import tables
from streamhook_nb.verify.reasons import HINTS

NO_CHANNEL = "(none)"
"""The channel-type choice of events that belong to no channel."""

DRILL_DOWN_COLUMNS = ("source", "received_at", "event_type", "verdict", "reason", "hint")
"""The columns of :meth:`AuditController.matching`, what a reader needs to follow one up."""

_HINTS = {reason.value: text for reason, text in HINTS.items()}


@dataclass(frozen=True)
class AuditFilter:
    """A selection of events; an empty collection means "no restriction".

    A time window (``start``/``end``, ``end`` exclusive) keeps the deliveries whose
    ``received_at`` is unknown when ``include_untimed`` is true: they form a "no time" bucket of
    every window, so that no filter drops them silently.
    """

    event_types: frozenset[str] = frozenset()
    verdicts: frozenset[str] = frozenset()
    channel_types: frozenset[str] = frozenset()
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    include_untimed: bool = True

    @classmethod
    def window(cls, start: object = None, end: object = None) -> AuditFilter:
        """A time window from a notebook's ``START`` and ``END``: ISO 8601 text or timestamps,
        UTC when they name no offset (``"2026-11-16"``, ``"2026-11-16T09:30+01:00"``);
        ``None`` or ``""`` leaves that side open. Text that is not a time is a
        :class:`UsageError` naming the parameter."""
        first, last = _utc(start, "START"), _utc(end, "END")
        if first is not None and last is not None and last <= first:
            raise UsageError(
                f"END={end!r} is not after START={start!r}: the window holds no time",
                fix="Swap them (END is exclusive), or set END = None",
            )
        return cls(start=first, end=last)

    def apply(self, events: pd.DataFrame) -> pd.DataFrame:
        """The events that pass, in their original order."""
        keep = pd.Series(True, index=events.index)
        if self.event_types:
            keep &= events["event_type"].astype(str).isin(self.event_types)
        if self.verdicts:
            keep &= tables.verdict_labels(events).astype(str).isin(self.verdicts)
        if self.channel_types:
            keep &= channel_types(events).isin(self.channel_types)
        received = events["received_at"]
        in_window = pd.Series(True, index=events.index)
        if self.start is not None:
            in_window &= (received >= self.start).fillna(False)
        if self.end is not None:
            in_window &= (received < self.end).fillna(False)
        untimed = received.isna()
        keep &= (in_window & ~untimed) | (untimed & self.include_untimed)
        return events[keep.to_numpy()]


def _utc(value: object, name: str) -> pd.Timestamp | None:
    """``value`` as a UTC timestamp (a time without an offset is taken as UTC), or ``None``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | float):  # epoch what? seconds, ms and ns all parse
        raise UsageError(
            f"{name}={value!r} is a number, not a time",
            fix=f'Write it as ISO 8601, such as "2026-11-16T09:30Z", or set {name} = None',
        )
    try:  # ISO 8601 only: "16/11/2026" is ambiguous, "now" and "today" a hidden clock
        if isinstance(value, str):
            datetime.fromisoformat(value.strip())  # the check; pandas keeps nanoseconds
        moment = pd.Timestamp(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise UsageError(
            f"{name}={value!r} is not a time in ISO 8601 ({error})",
            fix=f'Write it as ISO 8601, such as "2026-11-16T09:30Z", or set {name} = None',
        ) from None
    if pd.isna(moment):
        raise UsageError(f"{name}={value!r} is not a time", fix=f"Set {name} = None")
    return moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")


def channel_types(events: pd.DataFrame) -> pd.Series:
    """Each event's channel type, :data:`NO_CHANNEL` for events outside any channel."""
    return events["channel_type"].astype(object).where(events["channel_type"].notna(), NO_CHANNEL)


def drill_down(events: pd.DataFrame) -> pd.DataFrame:
    """One row per delivery: where it came from, its type, its verdict and what to do."""
    reason = (
        events["reason"].astype("string")
        if "reason" in events
        else pd.Series(pd.NA, index=events.index, dtype="string")
    )
    return pd.DataFrame(
        {
            "source": events["source"].astype("string"),
            "received_at": events["received_at"],
            "event_type": events["event_type"].astype("string"),
            "verdict": tables.verdict_labels(events).astype("string"),
            "reason": reason,
            "hint": reason.map(_HINTS, na_action="ignore").astype("string"),
        },
        columns=list(DRILL_DOWN_COLUMNS),
    ).reset_index(drop=True)


@dataclass
class AuditController:
    """Holds the events and the current filter; the view only forwards what the user picks."""

    events: pd.DataFrame
    selection: AuditFilter = field(default_factory=AuditFilter)

    def choices(self) -> dict[str, list[str]]:
        """The values each filter can take, from the data."""
        return {
            "event_types": sorted(self.events["event_type"].astype(str).unique()),
            "verdicts": list(tables.VERDICTS),
            "channel_types": sorted(channel_types(self.events).unique()),
        }

    @property
    def untimed(self) -> int:
        """How many deliveries have no ``received_at``."""
        return int(self.events["received_at"].isna().sum())

    def periods(self, freq: str = "h") -> list[pd.Timestamp]:
        """Starts (UTC) of the periods spanning the data."""
        times = self.events["received_at"].dropna()
        if times.empty:
            return []
        first, last = times.min().floor(freq), times.max().floor(freq)
        return list(pd.date_range(first, last, freq=freq))

    def update(self, **changes: object) -> pd.DataFrame:
        """Change some filter fields (collections become frozensets) and return the result."""
        normalized = {
            key: frozenset(value) if isinstance(value, list | tuple | set) else value
            for key, value in changes.items()
        }
        self.selection = replace(self.selection, **normalized)  # type: ignore[arg-type]
        return self.filtered()

    def reset(self) -> pd.DataFrame:
        """Drop every restriction: all deliveries match again."""
        self.selection = AuditFilter()
        return self.filtered()

    def filtered(self) -> pd.DataFrame:
        """The events the current filter lets through."""
        return self.selection.apply(self.events)

    def table(self) -> pd.DataFrame:
        """Counts by event type for the filtered events."""
        return tables.by_type(self.filtered())

    def matching(self) -> pd.DataFrame:
        """The filtered deliveries themselves (source, type, verdict, reason, hint)."""
        return drill_down(self.filtered())

    def export_csv(self, path: str | Path) -> Path:
        """Write :meth:`matching` as CSV (UTF-8, ISO times in UTC) and return the file."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.matching().to_csv(target, index=False, date_format="%Y-%m-%dT%H:%M:%S.%fZ")
        return target

    def describe(self) -> str:
        """One line saying how many deliveries pass, and how many of them have no time."""
        shown = self.filtered()
        line = matching_line(len(shown), len(self.events))
        untimed = int(shown["received_at"].isna().sum())
        if untimed:
            line += f" (including {untimed} with no received_at)"
        elif self.untimed and not self.selection.include_untimed:
            line += f" ({self.untimed} with no received_at left out)"
        return line


def matching_line(shown: int, total: int) -> str:
    """``5 of 228 deliveries match``; ``1 of 1 delivery matches``."""
    return f"{shown} of {total} {'delivery matches' if total == 1 else 'deliveries match'}"
