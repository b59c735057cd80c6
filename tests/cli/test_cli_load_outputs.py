"""``load --to-*`` and ``report -o``: an output that is also a source is refused before
anything is written; standard output holds only the conversion; what is not written is said."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from helpers import DATA, run_cli

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


@pytest.mark.parametrize("summary", [[], ["--json"]])
def test_a_conversion_to_standard_output_holds_nothing_else(summary: list[str]) -> None:
    done = run_cli("load", str(DATA / "capture" / "damaged.jsonl"), "--to-jsonl", "-", *summary)
    assert done.returncode == 1  # rejected records
    records = [orjson.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == 4
    assert "4 deliveries loaded, 6 rejected" in done.stderr or '"rejected": 6' in done.stderr


def test_a_conversion_says_what_it_did_not_write(tmp_path: Path) -> None:
    sources = [str(DATA / "capture" / "damaged.jsonl"), str(DATA / "har")]
    done = run_cli("load", *sources, "--to-har", str(tmp_path / "out.har"))
    assert done.returncode == 1
    assert (
        f"wrote 13 deliveries to {tmp_path / 'out.har'}; not written: 6 rejected records "
        "(listed in the summary with their reasons)"
    ) in done.stderr
    assert "damaged.jsonl:4: not valid JSON" in done.stdout
    assert "note: HAR cannot hold all of what these deliveries carry: 4 carry the client's " in (
        done.stderr
    )


def test_skipped_requests_are_said_not_written(tmp_path: Path) -> None:
    source = DATA.parent / "tests" / "load" / "tool_files" / "mitmproxy.har"
    done = run_cli("load", str(source), "--to-jsonl", str(tmp_path / "out.jsonl"))
    assert done.returncode == 0
    assert "not written: 1 request skipped as not deliveries" in done.stderr


def test_a_delivery_too_long_for_a_capture_line_is_noted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from streamhook_nb.load import writers

    monkeypatch.setattr(writers, "MAX_LINE_BYTES", 500)
    out = tmp_path / "out.jsonl"
    assert main(["load", str(DATA / "raw-http"), "--to-jsonl", str(out)]) == 0
    assert "note: 3 deliveries make capture-log lines longer than 500 bytes" in (
        capsys.readouterr().err
    )
