"""Shared fixtures: the committed sample data and a temporary file writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import DATA


@pytest.fixture
def data_dir() -> Path:
    """The committed sample logs."""
    return DATA


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, bytes], Path]:
    """Write bytes to a file under a temporary folder and return its path."""

    def write(name: str, content: bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return path

    return write
