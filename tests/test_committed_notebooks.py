"""A committed notebook (its outputs and saved widget state) names no folder of the machine
that ran it: files the notebooks write go to ``exports/``, next to them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import ROOT

MACHINE_PATH = re.compile(r"(?<![\w.])(/tmp/|/var/folders/|/home/|/root/|/Users/|[A-Z]:\\\\Users)")


def _saved(notebook: Path) -> str:
    """What the run left in the notebook: the cells' outputs and the widgets' state."""
    content = json.loads(notebook.read_text())
    outputs = [cell.get("outputs", []) for cell in content["cells"]]
    return json.dumps([outputs, content["metadata"].get("widgets", {})])


@pytest.mark.parametrize(
    "notebook",
    sorted((ROOT / "notebooks").glob("*.ipynb")),
    ids=lambda p: p.name,
)
def test_outputs_name_no_folder_of_the_machine(notebook: Path) -> None:
    saved = _saved(notebook)
    found = sorted({m.group(0) for m in MACHINE_PATH.finditer(saved)})
    if str(ROOT) in saved:
        found.append(str(ROOT))
    assert not found, f"{notebook.name} names {found}: write files next to it, in exports/"
