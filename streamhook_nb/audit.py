"""Load, verify (when a secret is at hand) and build the events frame: the audit's first step."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import tables
from .events import events_frame
from .loading import LoadResult, load_log
from .reading import SourceLike
from .secrets import Keyring
from .verification import verify_deliveries


@dataclass(frozen=True)
class Audit:
    """The loaded log, its events frame (verified when a keyring was given) and its rejects."""

    loaded: LoadResult
    events: pd.DataFrame
    verified: bool

    def summary(self) -> dict[str, Any]:
        """The ``streamhook-nb events --json`` shape (DESIGN.md §3)."""
        table = tables.by_type(self.events)
        return {
            "deliveries": len(self.events),
            "events": int(tables.event_keys(self.events).nunique()),
            "event_types": {
                str(kind): {column: int(row[column]) for column in table.columns}
                for kind, row in table.iterrows()
            },
        }


def audit(
    sources: SourceLike | Iterable[SourceLike],
    keyring: Keyring | None,
    *,
    format: str | None = None,
    strict: bool = False,
) -> Audit:
    """Load the sources and build the events frame, verified when ``keyring`` is given."""
    loaded = load_log(sources, format=format, strict=strict)
    deliveries = loaded.deliveries
    if keyring is not None:
        deliveries = verify_deliveries(deliveries, keyring)
    return Audit(loaded, events_frame(deliveries), keyring is not None)
