"""A one-table overview of what each source holds: format, deliveries, fidelity, rejections."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from streamhook_nb.errors import SourceError
from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.detect import FORMATS
from streamhook_nb.load.fidelity import Fidelity
from streamhook_nb.load.reading import SourceLike, read_batches
from streamhook_nb.load.sources import Source, expand
from streamhook_nb.load.timestamps import invalid_times

_CHUNK = 4096
"""Deliveries held at a time: a file is counted as it is read, never loaded into a frame."""


def inventory(sources: SourceLike | list[SourceLike], *, path: str | None = None) -> pd.DataFrame:
    """One row per file: its format, how many deliveries, rejections and skipped requests,
    their fidelity, and ``error`` (why the file cannot be read at all; NA when it can).

    Each file is counted as ``load_log`` of the same sources counts it (the rows add up to
    that load), a batch at a time, so a folder of thousands of files is listed in about the
    time it takes to read them.
    """
    rows = [_row(source, path) for source in expand(sources)]
    table = pd.DataFrame(rows)
    return table.astype(
        {"source": "string", "format": "string", "transport": "string", "error": "string"}
    )


@dataclass
class _Counts:
    """What loading one file gives, counted batch by batch."""

    deliveries: int = 0
    rejected: int = 0
    skipped: int = 0
    formats: Counter[str] = field(default_factory=Counter)
    transports: set[str] = field(default_factory=set)
    fidelity: Counter[str] = field(default_factory=Counter)

    def add(self, batch: DeliveryBatch) -> None:
        """Count a reader batch; a row whose time is not a time is rejected, as loading does."""
        columns = batch.columns()
        bad = set(invalid_times(columns["received_at"]))
        transports, fidelities = columns["transport"], columns["fidelity"]
        if bad:
            transports = [t for i, t in enumerate(transports) if i not in bad]
            fidelities = [f for i, f in enumerate(fidelities) if i not in bad]
        self.deliveries += len(transports)
        self.rejected += len(batch.rejected) + len(bad)
        self.skipped += batch.skipped
        self.formats[batch.format] += len(transports)
        self.transports.update(transports)
        self.fidelity.update(fidelities)


def _row(source: Source, path: str | None) -> dict[str, Any]:
    """A file's row, counted as loading it counts it (a log damaged partway: what was read
    before the damage, and the damage as one rejected record). One that cannot be read at all
    gives its reason in ``error``; found in a folder, it is one rejected record, as loading the
    folder counts it; named on its own, loading it fails: no counts."""
    counts = _Counts()
    named = Source(source.name, source.url, source.size)  # an unreadable file raises
    error = None
    try:
        for batch in read_batches(named, None, _CHUNK, path):
            counts.add(batch)
    except SourceError as exc:
        error = f"{exc.message}. {exc.fix}" if exc.fix else exc.message
        if not source.listed:
            empty = {"deliveries": 0, "rejected": 0, "skipped": 0}
            return {
                "source": source.name,
                "format": "-",
                "transport": "-",
                **empty,
                **{f.value: 0 for f in Fidelity},
                "error": error,
            }
        counts.rejected += 1
    return {
        "source": source.name,
        "format": ", ".join(name for name in FORMATS if counts.formats[name]) or "-",
        "transport": ", ".join(sorted(counts.transports)) or "-",
        "deliveries": counts.deliveries,
        "rejected": counts.rejected,
        "skipped": counts.skipped,
        **{f.value: counts.fidelity[f.value] for f in Fidelity},
        "error": error,
    }
