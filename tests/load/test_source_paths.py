"""A named path that is no log file gets an error saying what it is, not "no such file"; a
path that is not UTF-8 is shown, not a traceback."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import orjson
import pytest

from streamhook_nb import SourceError, inventory, load_log


def test_a_pipe_is_named_as_one(tmp_path: Path) -> None:
    fifo = tmp_path / "live.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match=r"live\.jsonl: not a regular file \(a pipe"):
        load_log(fifo)


def test_a_broken_link_names_its_target(tmp_path: Path) -> None:
    link = tmp_path / "today.jsonl"
    link.symlink_to(tmp_path / "gone" / "2026-11-26.jsonl")
    with pytest.raises(SourceError, match=r"today\.jsonl: a symbolic link to .*gone.*does not"):
        load_log(link)


def test_a_loop_of_links_is_named_as_one(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").symlink_to(tmp_path / "b.jsonl")
    (tmp_path / "b.jsonl").symlink_to(tmp_path / "a.jsonl")
    with pytest.raises(SourceError, match=r"a\.jsonl: a symbolic link to .*b\.jsonl, which leads"):
        load_log(tmp_path / "a.jsonl")


@pytest.mark.skipif(sys.platform != "linux", reason="file names as bytes, as Linux keeps them")
def test_a_file_name_that_is_not_utf8_is_shown_with_a_replacement(tmp_path: Path) -> None:
    """A zip made on Windows and unpacked here names its files in cp1252 (``café`` as
    ``caf\\xe9``): Python keeps those bytes as lone surrogates, which no text column holds."""
    record = {"received_at": None, "method": "POST", "path": "/h", "headers": {}, "body": "{}"}
    folder = tmp_path / "unzipped"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.jsonl")
    (folder / name).write_bytes(orjson.dumps(record) + b"\n")
    shown = f"{folder}{os.sep}caf\ufffd.jsonl"
    for source in (folder, folder / name):
        assert list(load_log(source).deliveries["source"]) == [f"{shown}:1"]
    assert list(inventory(folder)["source"]) == [shown]
    with pytest.raises(SourceError, match=r"caf\ufffd\.jsonlx: no such file"):
        load_log(f"{folder / name}x")


def test_any_path_text_can_be_shown() -> None:
    from streamhook_nb.load.sources import shown_path

    assert shown_path("logs/café.jsonl") == "logs/café.jsonl"
    assert shown_path(os.fsdecode(b"caf\xe9.jsonl")) == "caf\ufffd.jsonl"
    assert shown_path("a\ud800b.jsonl") == "a\ufffdb.jsonl"  # stands for no byte: replaced too


def test_a_missing_path_is_still_missing(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or directory"):
        load_log(tmp_path / "nothing.jsonl")


def test_a_folder_lists_its_log_files_in_path_order(tmp_path: Path) -> None:
    """As ``sorted(Path.rglob)`` lists them (``a/x`` before ``a-b``), without hidden files or
    folders, links to folders, broken links, pipes or notes; a link to a file is its file."""
    from streamhook_nb.load.sources import expand

    root = tmp_path / "logs"
    for name in ("a/x.jsonl", "a-b", "a.b/c.jsonl", "B.jsonl", "b.jsonl", "z/y/w.har", "README.MD"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"{}\n" * len(name))
    for hidden in (".git/HEAD", "a/.swap.jsonl", ".env"):
        (root / hidden).parent.mkdir(parents=True, exist_ok=True)
        (root / hidden).write_bytes(b"x")
    (root / "linked").symlink_to(root / "z")  # a folder reached twice: not walked again
    (root / "alias.jsonl").symlink_to(root / "b.jsonl")
    (root / "gone.jsonl").symlink_to(root / "nowhere.jsonl")
    os.mkfifo(root / "live.jsonl")
    listed = [(Path(s.name).relative_to(root).as_posix(), s.size, s.listed) for s in expand(root)]
    assert listed == [
        ("B.jsonl", 21, True),
        ("a/x.jsonl", 27, True),
        ("a-b", 9, True),
        ("a.b/c.jsonl", 33, True),
        ("alias.jsonl", 21, True),
        ("b.jsonl", 21, True),
        ("z/y/w.har", 27, True),
    ]
