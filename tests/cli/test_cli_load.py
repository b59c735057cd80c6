"""``streamhook-nb load``: JSON shape, exit codes, conversion, and no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from helpers import run_cli

from streamhook_nb.cli.main import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args)


def test_json_summary_and_exit_1_when_records_were_rejected(data_dir: Path) -> None:
    done = run("load", str(data_dir), "--json")
    assert done.returncode == 1
    summary = orjson.loads(done.stdout)
    assert summary["deliveries"] == 228
    assert summary["rejected"] == 6
    assert summary["by_format"]["ngrok"] == 5
    assert summary["rejected_records"][0] == {
        "source": f"{data_dir}/capture/damaged.jsonl:4",
        "reason": "not valid JSON (unexpected end of data at character 73)",
    }


def test_clean_load_exits_0_with_a_readable_table(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["load", str(data_dir / "har"), str(data_dir / "ngrok")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("14 deliveries loaded, 0 rejected")
    assert "har " in out
    assert "ngrok " in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["load", "missing.jsonl"], "missing.jsonl: no such file or directory"),
        (["load", "README.md"], "not a known capture format"),
        (["load", "data/capture", "--strict"], "damaged.jsonl:4: not valid JSON"),
    ],
)
def test_user_errors_exit_2_without_traceback(args: list[str], message: str) -> None:
    done = run(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_option_is_a_usage_error() -> None:
    done = run("load", "data", "--format", "saz")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_to_jsonl_and_to_har(data_dir: Path, tmp_path: Path) -> None:
    jsonl, har = tmp_path / "all.jsonl", tmp_path / "all.har"
    done = run("load", str(data_dir / "ngrok"), "--to-jsonl", str(jsonl), "--to-har", str(har))
    assert done.returncode == 0
    assert "wrote 5 deliveries" in done.stderr
    assert run("load", str(jsonl), "--json").returncode == 0
    assert orjson.loads(run("load", str(har), "--json").stdout)["by_format"] == {"har": 5}


def test_to_jsonl_on_stdout(data_dir: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamhook_nb",
            "load",
            str(data_dir / "har"),
            "--to-jsonl",
            "-",
            "--json",
        ],
        capture_output=True,
        check=False,
    )
    lines = done.stdout.split(b"\n")
    assert orjson.loads(lines[0])["method"] == "POST"


def test_the_streamed_summary_is_the_load_summary(data_dir: Path) -> None:
    from streamhook_nb import load_log
    from streamhook_nb.pipeline.load_summary import summarize

    for source in (data_dir, data_dir / "capture", data_dir / "sqs"):
        assert summarize(source).as_json() == load_log(source).summary()


@pytest.mark.filterwarnings("ignore::streamhook_nb.load.writers.HarLossWarning")
def test_conversion_in_chunks_equals_converting_the_whole_frame(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamhook_nb import load_log, to_capture_jsonl, to_har
    from streamhook_nb.cli import load_command

    monkeypatch.setattr(load_command, "CONVERT_CHUNK", 7)  # many chunks
    whole = load_log(data_dir).deliveries
    to_capture_jsonl(whole, tmp_path / "whole.jsonl")
    to_har(whole, tmp_path / "whole.har")
    jsonl, har = tmp_path / "chunked.jsonl", tmp_path / "chunked.har"
    code = main(["load", str(data_dir), "--to-jsonl", str(jsonl), "--to-har", str(har)])
    assert code == 1  # the damaged sample records are rejected, the rest converted
    assert jsonl.read_bytes() == (tmp_path / "whole.jsonl").read_bytes()
    assert har.read_bytes() == (tmp_path / "whole.har").read_bytes()


def test_an_output_that_cannot_be_written_is_a_clear_error(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "out.jsonl"
    done = run("load", str(data_dir / "ngrok"), "--to-jsonl", str(target))
    assert done.returncode == 2
    assert f"cannot write {target}" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_failed_conversion_leaves_no_half_written_file(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.har"
    done = run("load", str(data_dir / "capture"), "--strict", "--to-har", str(target))
    assert done.returncode == 2
    assert "damaged.jsonl:4" in done.stderr
    assert not target.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["load", "{data}/capture/stream-2026-11-26.jsonl", "--json"],
        ["verify", "{data}/capture", "--secrets-file", "{data}/demo-secrets.toml", "--json"],
        ["events", "{data}/capture", "--secrets-file", "{data}/demo-secrets.toml", "--json"],
    ],
)
def test_streaming_commands_never_import_pandas(data_dir: Path, args: list[str]) -> None:
    code = (
        "import contextlib, io, sys\n"
        "from streamhook_nb.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(sys.argv[1:])\n"
        "print('pandas' in sys.modules)"
    )
    argv = [a.format(data=data_dir) for a in args]
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"


def test_the_command_line_starts_without_the_heavy_libraries() -> None:
    """``streamhook-nb --help`` (and every command's start) loads neither pandas nor the
    server and cluster libraries: each command imports those only when it runs."""
    code = (
        "import sys\n"
        "import streamhook_nb.cli.main\n"
        "heavy = ('pandas', 'asyncio', 'aiohttp', 'distributed', 'dask', 'altair', 'pyarrow')\n"
        "print(sorted(name for name in heavy if name in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
