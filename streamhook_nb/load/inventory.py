"""A one-table overview of what each source holds: format, deliveries, fidelity, rejections."""

from __future__ import annotations

import pandas as pd

from streamhook_nb.load.fidelity import Fidelity
from streamhook_nb.load.loading import load_log
from streamhook_nb.load.reading import SourceLike
from streamhook_nb.load.sources import expand


def inventory(sources: SourceLike | list[SourceLike]) -> pd.DataFrame:
    """One row per file: its format, how many deliveries and rejections, and their fidelity."""
    rows = []
    for source in expand(sources):
        result = load_log(source.url)
        frame = result.deliveries
        fidelity = frame["fidelity"].value_counts()
        rows.append(
            {
                "source": source.name,
                "format": ", ".join(result.by_format) or "-",
                "transport": ", ".join(sorted(frame["transport"].astype(str).unique())) or "-",
                "deliveries": len(frame),
                "rejected": len(result.rejected),
                **{f.value: int(fidelity.get(f.value, 0)) for f in Fidelity},
            }
        )
    table = pd.DataFrame(rows)
    return table.astype({"source": "string", "format": "string", "transport": "string"})
