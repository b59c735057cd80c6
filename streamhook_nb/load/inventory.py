"""A one-table overview of what each source holds: format, deliveries, fidelity, rejections."""

from __future__ import annotations

from typing import Any

import pandas as pd

from streamhook_nb.errors import SourceError
from streamhook_nb.load.fidelity import Fidelity
from streamhook_nb.load.loading import load_log
from streamhook_nb.load.reading import SourceLike
from streamhook_nb.load.sources import expand


def inventory(sources: SourceLike | list[SourceLike], *, path: str | None = None) -> pd.DataFrame:
    """One row per file: its format, how many deliveries, rejections and skipped requests,
    their fidelity, and ``error`` (why the file cannot be read at all; NA when it can)."""
    rows = [_row(source.name, source.url, path) for source in expand(sources)]
    table = pd.DataFrame(rows)
    return table.astype(
        {"source": "string", "format": "string", "transport": "string", "error": "string"}
    )


def _row(name: str, url: str, path: str | None) -> dict[str, Any]:
    try:
        result = load_log(url, path=path)
    except SourceError as exc:
        empty = {"deliveries": 0, "rejected": 0, "skipped": 0, **{f.value: 0 for f in Fidelity}}
        error = f"{exc.message}. {exc.fix}" if exc.fix else exc.message
        return {"source": name, "format": "-", "transport": "-", **empty, "error": error}
    frame = result.deliveries
    fidelity = frame["fidelity"].value_counts()
    return {
        "source": name,
        "format": ", ".join(result.by_format) or "-",
        "transport": ", ".join(sorted(frame["transport"].astype(str).unique())) or "-",
        "deliveries": len(frame),
        "rejected": len(result.rejected),
        "skipped": result.skipped,
        **{f.value: int(fidelity.get(f.value, 0)) for f in Fidelity},
        "error": None,
    }
