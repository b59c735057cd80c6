"""Today's results equal the golden ones computed with the row-based implementation.

Covers the sample data and two capture logs of the same deliveries, one with the optional
fields and one without: the deliveries (every column), verdicts, events frame, tables, and
the ``verify --json --details`` / ``events --json`` outputs, also with the log split across
worker processes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from golden_snapshot import HERE, corpus, snapshot


def _golden(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((HERE / "golden" / f"{name}.json").read_text())
    return loaded


def _same(found: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in expected.items():  # one assert per part: a failure names the part
        assert json.loads(json.dumps(found[key])) == value, key


def test_sample_data_gives_the_golden_results(
    monkeypatch: pytest.MonkeyPatch, tour_dir: Path
) -> None:
    monkeypatch.chdir(tour_dir.parent)
    _same(snapshot("data", "data/demo-secrets.toml"), _golden("data"))


@pytest.mark.parametrize("name", ["full", "bare"])
def test_corpus_gives_the_golden_results(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus(tmp_path)
    monkeypatch.chdir(tmp_path)
    _same(snapshot(f"{name}.jsonl"), _golden(name))


@pytest.mark.parametrize("name", ["full", "bare"])
def test_split_across_workers_gives_the_golden_results(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split_logs: None
) -> None:
    corpus(tmp_path)
    monkeypatch.chdir(tmp_path)
    found, expected = snapshot(f"{name}.jsonl"), _golden(name)
    for key in ("cli_verify", "cli_verify_details", "cli_events"):
        assert json.loads(json.dumps(found[key])) == expected[key], key
