"""Logs converted to Parquet give the golden results on every command (deliveries, verdicts,
event tables, ``verify``/``events`` output); only the rejected lines stay behind, reported
by the conversion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from golden_snapshot import ROOT, corpus, snapshot

from streamhook_nb import load_log, to_parquet
from streamhook_nb.cli.main import main


def _golden(name: str) -> dict[str, object]:
    path = ROOT / "tests" / "pipeline" / "golden" / f"{name}.json"
    loaded: dict[str, object] = json.loads(path.read_text())
    return loaded


@pytest.mark.parametrize("name", ["full", "bare"])
def test_cli_conversion_gives_the_golden_results_on_every_command(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["load", f"{name}.jsonl", "--to-parquet", "log.parquet", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["deliveries"] == 1670
    found, expected = snapshot("log.parquet"), _golden(name)
    for part in ("deliveries", "verified", "events", "by_type", "duplicate_rate", "cli_events"):
        assert json.loads(json.dumps(found[part])) == expected[part], part
    assert found["cli_verify_details"] == expected["cli_verify_details"]
    assert found["cli_verify"] == {**expected["cli_verify"], "rejected": 0}  # type: ignore[dict-item]


def test_sample_data_converted_keeps_every_format(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    target = tmp_path / "data.parquet"
    to_parquet(load_log("data").deliveries, target)
    found, expected = snapshot(str(target)), _golden("data")
    for part in ("deliveries", "verified", "events", "by_type", "cli_events"):
        assert json.loads(json.dumps(found[part])) == expected[part], part
    assert found["load_summary"]["by_format"] == expected["load_summary"]["by_format"]  # type: ignore[index]
