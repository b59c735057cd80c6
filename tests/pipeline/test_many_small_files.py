"""A folder of one file per delivery, streamed by workers on every core (several files a task)
gives what one process gives: the same verdicts, details in order, tallies and rejections."""

from __future__ import annotations

from pathlib import Path

import pytest
from small_files import folder_of_small_files, record_gathered

from streamhook_nb import Keyring, Secret
from streamhook_nb.load import log_ranges
from streamhook_nb.pipeline.load_summary import summarize
from streamhook_nb.pipeline.verify_logs import verify_sources
from streamhook_nb.samples.webhooks import DEMO_SECRET


@pytest.fixture
def gathered_tasks(monkeypatch: pytest.MonkeyPatch, forking: None) -> list[int]:
    """Small tasks (so that a small folder still makes several), and the size of each."""
    monkeypatch.setattr(log_ranges, "TASK_MIN_BYTES", 2048)
    return record_gathered(monkeypatch)


@pytest.mark.parametrize("details", [True, "failures", False])
def test_workers_verify_what_one_process_verifies(
    tmp_path: Path, gathered_tasks: list[int], details: bool | str, data_dir: Path
) -> None:
    folder = folder_of_small_files(tmp_path / "hooks")
    keyring = Keyring((Secret(DEMO_SECRET, "demo"),))
    sources = [folder, data_dir]
    alone = verify_sources(sources, keyring, workers=1, details=details, tally=True)  # type: ignore[arg-type]
    split = verify_sources(sources, keyring, workers=2, details=details, tally=True)  # type: ignore[arg-type]
    assert max(gathered_tasks) > 1  # several files a task
    assert split.as_json() == alone.as_json()
    assert split.tally is not None
    assert alone.tally is not None
    assert split.tally.as_json() == alone.tally.as_json()
    assert [(r.source, r.reason) for r in split.rejected] == [
        (r.source, r.reason) for r in alone.rejected
    ]


def test_workers_count_what_one_process_counts(
    tmp_path: Path, gathered_tasks: list[int], data_dir: Path
) -> None:
    folder = folder_of_small_files(tmp_path / "hooks")
    alone = summarize([folder, data_dir], workers=1).as_json()
    split = summarize([folder, data_dir], workers=2).as_json()
    assert max(gathered_tasks) > 1
    assert split == alone
