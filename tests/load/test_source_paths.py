"""A named path that is no log file gets an error saying what it is, not "no such file"."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from streamhook_nb import SourceError, load_log


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


def test_a_missing_path_is_still_missing(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or directory"):
        load_log(tmp_path / "nothing.jsonl")
