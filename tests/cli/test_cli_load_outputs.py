"""``load --to-*`` and ``report -o``: an output that is also a source is refused before
anything is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import DATA

from streamhook_nb.cli.main import main

LOG = DATA / "raw-http"


@pytest.fixture
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(LOG, tmp_path / "logs")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "logs"


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{one}", "--to-jsonl", "{one}"], "is the source being loaded"),
        (["{one}", "--to-har", "./logs/../logs/{name}"], "is the source being loaded"),
        (["logs", "--to-jsonl", "logs/all.jsonl"], "is inside logs, which is loaded"),
        (["logs/*.http", "--to-parquet", "logs/out.http"], "matches the pattern logs/*.http"),
        (["{one}", "--to-jsonl", "o.jsonl", "--to-har", "o.jsonl"], "name the same file"),
    ],
)
def test_an_output_that_is_a_source_is_refused(
    logs: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    one = sorted(logs.iterdir())[0]
    before = contents(logs)
    filled = [a.format(one=f"logs/{one.name}", name=one.name) for a in args]
    assert main(["load", *filled]) == 2
    assert message in capsys.readouterr().err
    assert contents(logs) == before  # nothing emptied, nothing added
    assert not Path("o.jsonl").exists()


def test_an_output_beside_the_sources_is_written(
    logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["load", "logs", "--to-jsonl", "all.jsonl", "--to-har", "-"]) == 0
    assert Path("all.jsonl").stat().st_size > 0
    assert '"log"' in capsys.readouterr().out


def test_report_over_its_source_is_refused(
    logs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STREAM_API_SECRET", "s")
    one = f"logs/{sorted(logs.iterdir())[0].name}"
    before = contents(logs)
    assert main(["report", one, "-o", one]) == 2
    assert "--output" in capsys.readouterr().err
    assert contents(logs) == before


def test_report_inside_the_folder_it_reads_is_written(
    logs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder's pages are not logs (never read back), so a report may go beside them."""
    monkeypatch.setenv("STREAM_API_SECRET", "s")
    assert main(["report", "logs", "-o", "logs/report.html"]) == 1  # every delivery invalid
    assert Path("logs/report.html").read_text().startswith("<!DOCTYPE html>")


def test_an_output_that_is_a_hard_link_to_the_source_is_refused(
    logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    one = sorted(logs.iterdir())[0]
    linked = Path("linked.http")
    os.link(one, linked)
    before = one.read_bytes()
    assert main(["load", str(one), "--to-jsonl", str(linked)]) == 2
    assert "is the source being loaded" in capsys.readouterr().err
    assert one.read_bytes() == before
