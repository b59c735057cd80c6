"""The README's first screen tells a newcomer what this is and where to start."""

from __future__ import annotations

import re

from helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN = "\n".join(README.splitlines()[:35])


def test_first_screen_says_what_it_is_and_where_to_start() -> None:
    assert "Stream Chat webhook" in FIRST_SCREEN
    assert "![" in FIRST_SCREEN
    assert "docs/images/audit-view.png" in FIRST_SCREEN
    assert "make lab" in FIRST_SCREEN
    assert "make test" in FIRST_SCREEN
    assert "open `notebooks/00-quickstart.ipynb` first" in FIRST_SCREEN


def test_short_with_the_reference_in_docs() -> None:
    assert len(README.splitlines()) <= 130
    notebooks = README.index("## Notebooks")
    assert notebooks < README.index("## Command line") < README.index("## How the code is laid out")
    for page in ("cli", "webhook", "formats", "verification", "capture", "columns"):
        assert f"(docs/{page}.md)" in README
    assert "(docs/performance.md)" in README
    assert "(docs/cluster.md)" in README
    assert "## Past one machine" in README


def test_every_notebook_is_in_the_table() -> None:
    listed = set(re.findall(r"`(\d\d-[a-z-]+\.ipynb)`", README))
    assert listed == {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}


def test_pages_written_here_exist() -> None:
    for page in ("cli", "webhook"):
        assert (ROOT / "docs" / f"{page}.md").is_file()


def test_the_reference_pages_name_every_format_in_order() -> None:
    """``--format`` (docs/cli.md) and the ``format`` column (docs/columns.md) list the formats;
    a new reader must not be left out of them."""
    from streamhook_nb.load.detect import FORMATS

    listed = ", ".join(f"`{name}`" for name in FORMATS)
    for page in ("cli", "columns"):
        text = " ".join((ROOT / "docs" / f"{page}.md").read_text(encoding="utf-8").split())
        assert listed in text, page
