"""The audit filter's logic: which events pass, as a controller that knows nothing of widgets."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from streamhook_nb.events import tables


@dataclass(frozen=True)
class AuditFilter:
    """A selection of events; an empty collection means "no restriction"."""

    event_types: frozenset[str] = frozenset()
    verdicts: frozenset[str] = frozenset()
    channel_types: frozenset[str] = frozenset()
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None

    def apply(self, events: pd.DataFrame) -> pd.DataFrame:
        """The events that pass, in their original order (``end`` is exclusive)."""
        keep = pd.Series(True, index=events.index)
        if self.event_types:
            keep &= events["event_type"].astype(str).isin(self.event_types)
        if self.verdicts:
            keep &= tables.verdict_labels(events).astype(str).isin(self.verdicts)
        if self.channel_types:
            channel = (
                events["channel_type"]
                .astype(object)
                .where(events["channel_type"].notna(), "(none)")
            )
            keep &= channel.isin(self.channel_types)
        if self.start is not None:
            keep &= events["received_at"] >= self.start
        if self.end is not None:
            keep &= events["received_at"] < self.end
        return events[keep.to_numpy()]


@dataclass
class AuditController:
    """Holds the events and the current filter; the view only forwards what the user picks."""

    events: pd.DataFrame
    selection: AuditFilter = field(default_factory=AuditFilter)

    def choices(self) -> dict[str, list[str]]:
        """The values each filter can take, from the data."""
        channel = (
            self.events["channel_type"]
            .astype(object)
            .where(self.events["channel_type"].notna(), "(none)")
        )
        return {
            "event_types": sorted(self.events["event_type"].astype(str).unique()),
            "verdicts": list(tables.VERDICTS),
            "channel_types": sorted(channel.unique()),
        }

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

    def filtered(self) -> pd.DataFrame:
        """The events the current filter lets through."""
        return self.selection.apply(self.events)

    def table(self) -> pd.DataFrame:
        """Counts by event type for the filtered events."""
        return tables.by_type(self.filtered())

    def describe(self) -> str:
        """One line saying how many events pass."""
        shown = self.filtered()
        return f"{len(shown)} of {len(self.events)} deliveries match"
