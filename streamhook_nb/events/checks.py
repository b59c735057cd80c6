"""What a notebook checks before it tabulates a log: that there is something to tabulate.

A notebook pointed at the wrong log (an empty file, a folder of other files, a browser export
holding only page loads, a window that misses the log) should stop at once with one sentence
naming the log and what to do, not draw a page of empty tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike
from typing import Protocol

import pandas as pd

from streamhook_nb.errors import SourceError, UsageError


class _Loaded(Protocol):
    @property
    def rejected(self) -> pd.DataFrame: ...
    @property
    def skipped(self) -> int: ...


def _named(sources: object) -> str:
    """The sources as the notebook's parameter gave them: one path, or several."""
    if isinstance(sources, str | PathLike):
        return str(sources)
    if isinstance(sources, Iterable):
        names = [str(s) for s in sources]
        more = f" (and {len(names) - 3} more)" if len(names) > 3 else ""
        return ", ".join(names[:3]) + more
    return str(sources)


def require_deliveries(
    deliveries: pd.DataFrame | pd.Series,
    loaded: _Loaded | None,
    sources: object,
    parameter: str = "LOG",
) -> None:
    """Raise :class:`SourceError` when ``deliveries`` (the deliveries or the events frame of
    ``loaded``, or counts of them) has no row, saying why the log gave none: only rejected
    records (the first one named), only requests that are not deliveries, or nothing at all.
    Without ``loaded`` (a lazy count on a cluster) the reason is left to ``load_log``."""
    if len(deliveries):
        return
    where = _named(sources)
    other = f"point {parameter} at a log of webhook deliveries (docs/formats.md lists the formats)"
    if loaded is None:
        raise SourceError(
            "holds no delivery",
            source=where,
            fix=f"shn.load_log({parameter}) says why (its rejected records, if any), or {other}",
        )
    rejected, skipped = loaded.rejected, loaded.skipped
    if len(rejected):
        first = f"{rejected['source'].iloc[0]}: {rejected['reason'].iloc[0]}"
        records = "1 rejected record" if len(rejected) == 1 else f"{len(rejected)} rejected records"
        raise SourceError(
            f"holds no delivery, only {records} (the first: {first})",
            source=where,
            fix=f"Fix or re-export the log (shn.load_log({parameter}).rejected lists every "
            f"rejected record), or {other}",
        )
    if skipped:
        raise SourceError(
            f"holds no delivery: its {skipped} request(s) are not webhook POSTs (page loads, "
            "preflights, other methods)",
            source=where,
            fix=f"Export the POSTs Stream sent to your endpoint, or {other}",
        )
    raise SourceError(
        "holds no delivery (it is empty)", source=where, fix=other[0].upper() + other[1:]
    )


def require_window(
    events: pd.DataFrame, selected: pd.DataFrame, start: object, end: object
) -> None:
    """Raise :class:`UsageError` when a ``START``/``END`` window keeps none of ``events``,
    saying when the log's deliveries were received."""
    if len(selected) or not len(events):
        return
    times = events["received_at"].dropna()
    span = (
        f"the log's deliveries were received from {times.min():%Y-%m-%d %H:%M} to "
        f"{times.max():%Y-%m-%d %H:%M} UTC"
        if len(times)
        else "no delivery in the log has a receive time"
    )
    raise UsageError(
        f"no delivery was received between START={start!r} and END={end!r}: {span}",
        fix="Widen START and END, or set both to None",
    )
