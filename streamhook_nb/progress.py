"""Progress bars for long loads: notebook-aware, silent when nobody is watching."""

from __future__ import annotations

import sys
from typing import Any

AUTO_THRESHOLD_BYTES = 32 * 1024 * 1024


def interactive() -> bool:
    """True in a terminal or a Jupyter kernel."""
    return sys.stderr.isatty() or "ipykernel" in sys.modules


def byte_bar(total: int | None, enabled: bool | None, description: str) -> Any:
    """A tqdm bar counting bytes; ``enabled=None`` shows it for big loads in interactive use."""
    from tqdm.auto import tqdm

    if enabled is None:
        enabled = interactive() and (total or 0) >= AUTO_THRESHOLD_BYTES
    return tqdm(
        total=total,
        disable=not enabled,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=description,
        leave=False,
    )
