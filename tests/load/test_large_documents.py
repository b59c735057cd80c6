"""A log read whole (one JSON document, a raw HTTP dump) has a size cap, checked while reading,
so a small compressed file that inflates to gigabytes is refused by name, not read into memory."""

from __future__ import annotations

import gzip
import subprocess
import sys
import zlib
from pathlib import Path

import orjson
import pytest

from streamhook_nb import SourceError, load_log
from streamhook_nb.cli import main as cli_main
from streamhook_nb.load import sources

CAP = 1 << 20


@pytest.fixture(autouse=True)
def small_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_DOCUMENT_BYTES", CAP)


def _har(padding: int) -> bytes:
    return b'{"log": {"version": "1.2", "entries": [' + b" " * padding + b"]}}"


def test_a_gzip_document_inflating_past_the_cap_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "bomb.har.gz"
    path.write_bytes(gzip.compress(_har(4 * CAP)))
    assert path.stat().st_size < CAP // 100
    with pytest.raises(
        SourceError, match=r"bomb\.har\.gz: too large to read whole: more than 1 MiB"
    ):
        load_log(path)


def test_a_zlib_document_inflating_past_the_cap_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "flows.zhar"
    path.write_bytes(zlib.compress(_har(4 * CAP)))
    with pytest.raises(SourceError, match=r"flows\.zhar: too large to read whole"):
        load_log(path)


def test_a_document_under_the_cap_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "small.har.gz"
    path.write_bytes(gzip.compress(_har(CAP - 100)))
    result = load_log(path)
    assert (len(result.deliveries), len(result.rejected)) == (0, 0)


def test_in_a_folder_the_large_file_is_rejected_and_the_others_load(tmp_path: Path) -> None:
    (tmp_path / "bomb.har.gz").write_bytes(gzip.compress(_har(4 * CAP)))
    record = {"received_at": None, "method": "POST", "path": "/h", "headers": {}, "body": "{}"}
    (tmp_path / "log.jsonl").write_bytes(orjson.dumps(record) + b"\n")
    result = load_log(tmp_path)
    assert len(result.deliveries) == 1
    assert list(result.rejected["source"]) == [str(tmp_path / "bomb.har.gz")]
    assert "too large to read whole" in result.rejected["reason"].iloc[0]


def test_the_cli_says_so_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bomb.http.gz"
    path.write_bytes(gzip.compress(b"POST /h HTTP/1.1\r\n\r\n" + b"x" * 4 * CAP))
    assert cli_main.main(["load", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bomb.http.gz: too large to read whole" in err
    assert "Traceback" not in err


def test_running_out_of_memory_is_one_line_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr("streamhook_nb.pipeline.load_summary.summarize", exhausted)
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"")
    code = cli_main.main(["load", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("streamhook-nb load: error: ran out of memory.")
    assert "Traceback" not in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS as Linux keeps it")
def test_a_small_document_loads_under_an_address_space_limit(tmp_path: Path) -> None:
    """A limit on the address space (``ulimit -v``, as shared Jupyter hosts set) with less than
    the cap to spare: a small document must not ask for the cap's worth up front."""
    path = tmp_path / "small.har"
    path.write_bytes(_har(10))
    script = f"""
import resource
from streamhook_nb import load_log
with open("/proc/self/statm") as statm:
    used = int(statm.read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (used + (512 << 20), resource.RLIM_INFINITY))
print(len(load_log({str(path)!r}).rejected))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip()) == (0, "0"), done.stderr[-2000:]
