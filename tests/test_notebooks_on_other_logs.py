"""The notebooks pointed at other logs than data/, the way a user (or papermill) does it: new
values for the ``parameters`` cell. Each runs through and says true things about that log, or
stops at its first cell that cannot go on, with one line naming the log and what to do."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest
from helpers import ROOT, cell_text
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

DEMO_SECRETS = str(ROOT / "data" / "demo-secrets.toml")


def _run(tmp_path: Path, name: str, **parameters: Any) -> list[nbformat.NotebookNode]:
    """Run notebook ``name`` with ``parameters`` injected after its parameters cell, as
    papermill does; its code cells, run or not."""
    folder = tmp_path / "notebooks"  # beside a link to data/, as in the project
    folder.mkdir(exist_ok=True)
    (tmp_path / "data").symlink_to(ROOT / "data")
    shutil.copy(ROOT / "notebooks" / name, folder / name)
    notebook = nbformat.read(folder / name, as_version=4)
    at = next(n for n, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", []))
    injected = "\n".join(f"{key} = {value!r}" for key, value in parameters.items())
    notebook.cells.insert(at + 1, nbformat.v4.new_code_cell(injected))
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(folder)}})
    with contextlib.suppress(CellExecutionError):  # a stop is what some tests look for
        client.execute()
    return [c for c in notebook.cells if c.cell_type == "code"]


def _errors(cells: list[nbformat.NotebookNode]) -> list[nbformat.NotebookNode]:
    return [o for c in cells for o in c.get("outputs", []) if o.output_type == "error"]


@pytest.mark.timeout(300)
def test_a_path_that_does_not_exist_stops_at_the_first_cell_with_one_line(
    tmp_path: Path,
) -> None:
    """It showed eight frames of the package's source before the message."""
    missing = str(tmp_path / "logs" / "stream.jsonl")
    cells = _run(tmp_path, "03-audit-events.ipynb", LOG=missing, SECRETS_FILE=DEMO_SECRETS)
    (error,) = _errors(cells)
    assert error.ename == "SourceError"
    assert error.evalue == f"{missing}: no such file or directory. Check the path"
    assert len(error.traceback) == 1  # the message, not the package's internals
    stopped = next(n for n, c in enumerate(cells) if c.get("outputs") and _errors([c]))
    assert all(c.execution_count is None for c in cells[stopped + 1 :])


@pytest.mark.timeout(300)
def test_an_empty_log_stops_with_a_sentence_instead_of_a_page_of_empty_tables(
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    cells = _run(tmp_path, "03-audit-events.ipynb", LOG=str(empty), SECRETS_FILE=DEMO_SECRETS)
    (error,) = _errors(cells)
    assert error.evalue == (
        f"{empty}: holds no delivery (it is empty). Point LOG at a log of webhook deliveries "
        "(docs/formats.md lists the formats)"
    )
    assert len(error.traceback) == 1


@pytest.mark.timeout(300)
def test_a_log_without_the_story_weeks_incidents_runs_through_and_says_so(
    tmp_path: Path,
) -> None:
    """On any log but the story week, notebook 02 stopped with an IndexError (its
    re-serialized example) and showed empty cross-tabulations of hard-coded days."""
    log = str(ROOT / "data" / "ngrok" / "requests.json")
    cells = _run(tmp_path, "02-validate-a-batch.ipynb", LOG=log, SECRETS_FILE=DEMO_SECRETS)
    assert _errors(cells) == []
    said = "\n".join(cell_text(c) for c in cells)
    assert "No delivery in this log failed as body_reserialized." in said
    assert "The endpoint refused no authentic delivery in this log" in said
    assert "Empty DataFrame" not in said
    assert "<NA>" not in said


@pytest.mark.timeout(300)
def test_the_quickstart_tours_a_log_of_one_other_format(tmp_path: Path) -> None:
    """With no ngrok delivery among the samples, its HAR round trip took an empty frame's
    first row (IndexError)."""
    har = str(ROOT / "data" / "har" / "devtools-export.har")
    cells = _run(tmp_path, "00-quickstart.ipynb", SAMPLES=[har])
    assert _errors(cells) == []
    round_trip = next(c for c in cells if "shn.to_har(" in c.source)
    assert cell_text(round_trip) == "('har', True)"
    assert "Empty DataFrame" not in "\n".join(cell_text(c) for c in cells)


@pytest.mark.timeout(300)
def test_a_window_that_misses_the_log_says_when_the_log_is(tmp_path: Path) -> None:
    log = str(ROOT / "data" / "ngrok" / "requests.json")
    cells = _run(
        tmp_path, "03-audit-events.ipynb", LOG=log, SECRETS_FILE=DEMO_SECRETS, END="2020-01-02"
    )
    (error,) = _errors(cells)
    assert error.ename == "UsageError"
    assert "the log's deliveries were received from 2026-11-26" in error.evalue
    assert len(error.traceback) == 1
