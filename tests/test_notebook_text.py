"""What the committed notebooks teach and say matches what they do and show: the backend code
notebook 01 hands out verifies the way it preaches, units and durations read as printed."""

from __future__ import annotations

import ast
import importlib
import json
import re
from typing import Any

from helpers import ROOT

NOTEBOOKS = ROOT / "notebooks"


def _cells(name: str) -> list[dict[str, Any]]:
    cells: list[dict[str, Any]] = json.loads((NOTEBOOKS / name).read_text())["cells"]
    return cells


def _source(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _plain(cell: dict[str, Any]) -> str:
    """The text/plain (or stream) outputs of a code cell, joined."""
    parts = []
    for output in cell.get("outputs", []):
        text = output.get("text") or output.get("data", {}).get("text/plain", "")
        parts.append(text if isinstance(text, str) else "".join(text))
    return "\n".join(parts)


def _code_cell(name: str, needle: str) -> tuple[int, dict[str, Any]]:
    found = [
        (i, c)
        for i, c in enumerate(_cells(name))
        if c["cell_type"] == "code" and needle in _source(c)
    ]
    assert len(found) == 1, f"{name}: {len(found)} code cells hold {needle!r}"
    return found[0]


def _python_snippet() -> str:
    """The Python backend of notebook 01's "same check in your backend" section."""
    text = "\n".join(_source(c) for c in _cells("01-how-verification-works.ipynb"))
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1, "notebook 01 should hold one Python backend example"
    return blocks[0]


def test_the_python_backend_verifies_in_constant_time_with_the_sdk() -> None:
    """``StreamChat.verify_webhook`` compares with ``==`` and ignores gzip; the notebook
    preaches ``compare_digest`` and the uncompressed bytes, so its example must do both."""
    tree = ast.parse(_python_snippet())
    called = {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    assert "verify_webhook" not in called
    assert "verify_and_parse_webhook" in called
    for node in ast.walk(tree):  # every name it takes from the SDK exists
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("stream_chat"):
            module = importlib.import_module(node.module or "")
            for alias in node.names:
                assert hasattr(module, alias.name), f"stream_chat has no {node.module}.{alias.name}"


def test_the_comparison_taught_is_on_the_header_as_received() -> None:
    _, cell = _code_cell("01-how-verification-works.ipynb", "hmac.compare_digest(")
    assert ".strip()" not in _source(cell)
    assert ".lower()" not in _source(cell)
    assert _plain(cell) == "True"
    _, shown = _code_cell("01-how-verification-works.ipynb", "delivery[shown]")
    assert re.search(r"'signature': '[0-9a-f]{64}'", _plain(shown)), "show the whole header"


def test_the_lag_percentiles_are_said_in_the_unit_they_show() -> None:
    name = "03-audit-events.ipynb"
    index, cell = _code_cell(name, "tables.lag_percentiles(")
    assert "(ms)" in _plain(cell)
    said = next(_source(c) for c in reversed(_cells(name)[:index]) if c["cell_type"] == "markdown")
    assert "in seconds" not in said
    assert "milliseconds" in said


def test_a_lasting_change_in_the_timeline_has_no_duration() -> None:
    _, cell = _code_cell("02-validate-a-batch.ipynb", "shn.incident_timeline(verified)")
    rows = [line for line in _plain(cell).splitlines() if "secret_changed" in line]
    rows += [line for line in _plain(cell).splitlines() if "gzip_on" in line]
    assert len(rows) == 2
    for row in rows:
        assert re.search(r"UTC\s+-\s", row), row  # no "0 ms" for a moment
    assert "0 ms" not in _plain(cell)


def _backend_snippet(language: str) -> str:
    """One language's backend example in notebook 01 (a fenced block)."""
    text = "\n".join(_source(c) for c in _cells("01-how-verification-works.ipynb"))
    blocks = re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1, f"notebook 01 should hold one {language} backend example"
    return blocks[0]


def test_the_backends_that_get_compressed_bytes_inflate_them_before_the_hmac() -> None:
    """With payload compression on, Stream signs the uncompressed bytes. Rails, PHP, Go's
    net/http and ASP.NET Core hand the handler the bytes as they arrived, so each example must
    inflate a body that starts with the gzip magic ``1f 8b`` before computing the HMAC, and
    decide by the bytes (a middleware that inflated the body may leave Content-Encoding)."""
    examples = {  # language: (the magic in its syntax, its inflate call, its HMAC call)
        "ruby": ('"\\x1F\\x8B".b', "Zlib.gunzip(", "OpenSSL::HMAC"),
        "php": ('"\\x1f\\x8b"', "gzdecode(", "hash_hmac("),
        "go": ("[]byte{0x1f, 0x8b}", "gzip.NewReader(", "hmac.New("),
        "csharp": ("body[1] == 0x8b", "new GZipStream(", "HMACSHA256.HashData("),
    }
    for language, (magic, inflate, mac) in examples.items():
        code = _backend_snippet(language)
        assert magic in code, f"the {language} example does not test for the gzip magic"
        assert inflate in code, f"the {language} example does not inflate a gzip body"
        assert max(code.index(magic), code.index(inflate)) < code.index(mac), language
        assert "Content-Encoding" not in code, f"the {language} example trusts the header"


def test_the_retry_counts_are_labelled_and_match_the_timeline() -> None:
    """Notebook 02 showed a bare ``(109, 63)`` under a timeline saying Stream retried 92
    events: each number must say what it counts, and the outage's must be the timeline's."""
    name = "02-validate-a-batch.ipynb"
    _, timeline = _code_cell(name, "shn.incident_timeline(verified)")
    said = re.search(r"Stream retried (\d+) events", _plain(timeline))
    never = re.search(r"(\d+) of them never got a 2xx", _plain(timeline))
    assert said, _plain(timeline)
    assert never, _plain(timeline)
    _, cell = _code_cell(name, "shn.retried(result.deliveries)")
    shown = dict(re.findall(r"^(\D+?)\s+(\d+)$", _plain(cell), flags=re.M))
    assert shown.get("of them in the burst of retries above") == said.group(1), shown
    assert shown.get("whose third attempt failed too (never reached the app)") == never.group(1)


def test_the_month_says_what_its_verdicts_show() -> None:
    """Notebook 06 promised "another app's deliveries" while its table showed only ``ok`` and
    ``signature_mismatch`` (and the failing rows sat below the rows shown): every reason of
    the month's verdicts is shown and named in the text, with its count in words."""
    name = "06-audit-a-month-on-a-cluster.ipynb"
    index, cell = _code_cell(name, 'counts.groupby(level="reason"')
    shown = dict(re.findall(r"^(\w+)\s+(\d+)$", _plain(cell), flags=re.M))
    assert shown.get("ok"), _plain(cell)
    text = "\n".join(_source(c) for c in _cells(name)[:index] if c["cell_type"] == "markdown")
    words = {"1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six"}
    for reason, count in shown.items():
        if reason != "ok":
            assert f"`{reason}`" in text, reason
            assert f"{words.get(count, count)} deliveries" in text, (reason, count)
    assert "another app's deliveries" not in text  # same X-Api-Key: not another app's


def test_the_replay_shows_why_a_delivery_got_no_answer() -> None:
    """Notebook 05 counted ``status`` alone: replayed into a stopped receiver (run the cell
    again after Run All), every delivery had no status and the cell showed an empty Series.
    A delivery without an answer is counted as ``no answer``, with its error (``<NA>`` before)."""
    _, cell = _code_cell("05-capture-and-replay.ipynb", "results = replay(sample")
    assert '"status": "no answer"' in _source(cell)
    assert "<NA>" not in _plain(cell)
    assert re.search(r"^status\s+error$", _plain(cell), flags=re.M), _plain(cell)


def test_the_lag_table_shows_the_busiest_types_and_all() -> None:
    """Notebook 03 showed the alphabetically last eight rows: seven ``user.*`` types (one with
    7 deliveries) and the total, as if the lag of a week were about users."""
    _, cell = _code_cell("03-audit-events.ipynb", "tables.lag_percentiles(")
    rows = re.findall(r"^\s*(\S+)\s+(\d+)\s", _plain(cell), flags=re.M)
    assert rows[-1][0] == "(all)", rows
    counts = [int(n) for _, n in rows]
    assert counts == sorted(counts), rows
    assert "message.new" in dict(rows)


CODE_COLUMNS = 60
"""Characters a code block in a markdown cell holds on one line in JupyterLab at 1024 pixels
with the file browser open (509 pixels of 14-pixel monospace, 8.43 each; a tab is 8)."""


def test_code_in_markdown_fits_a_1024_pixel_window() -> None:
    """JupyterLab wraps a long line of a code block wherever it runs out of room: a command
    broke between an option and its value, a Go line inside ``http.StatusBadRequest``. Each
    line is short enough not to wrap; a long command goes on over ``\\`` continuations."""
    long = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in _cells(path.name):
            if cell["cell_type"] != "markdown":
                continue
            for block in re.findall(r"```[^\n]*\n(.*?)```", _source(cell), flags=re.S):
                long += [
                    f"{path.name}: {line}"
                    for line in block.splitlines()
                    if len(line.expandtabs(8)) > CODE_COLUMNS
                ]
    assert not long, "\n".join(long)
