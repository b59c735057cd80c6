"""Progress bars for long loads: notebook-aware, silent when nobody is watching."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from typing import Any

AUTO_THRESHOLD_BYTES = 32 * 1024 * 1024


class _Silent:
    """Stands in for a disabled bar: no tqdm object, so no monitor thread either."""

    def update(self, _: float) -> None:
        """Ignore progress."""


def interactive() -> bool:
    """True in a terminal or a Jupyter kernel."""
    return sys.stderr.isatty() or "ipykernel" in sys.modules


def byte_bar(
    total: int | None,
    enabled: bool | None,
    description: str,
    *,
    unit: str = "B",
    threshold: int = AUTO_THRESHOLD_BYTES,
) -> Any:
    """A context manager giving a progress bar (bytes by default).

    ``enabled=None`` shows it for big jobs (``threshold`` units and more) in a terminal or
    notebook.
    """
    if enabled is None:
        enabled = interactive() and (total or 0) >= threshold
    if not enabled:
        return nullcontext(_Silent())
    from tqdm.auto import tqdm

    class Bar(tqdm):  # type: ignore[misc]
        monitor_interval = 0  # tqdm's monitor thread would make forking workers unsafe

    return Bar(
        total=total,
        unit=unit,
        unit_scale=unit == "B",
        unit_divisor=1024 if unit == "B" else 1000,
        desc=description,
        leave=False,
    )
