"""Notebook 06's cluster steps leave a cell quiet: no routine P2P shuffle warnings."""

from __future__ import annotations

import logging
from pathlib import Path

from helpers import DATA

import streamhook_nb.dask as shd
from streamhook_nb.samples.shards import write_month
from streamhook_nb.verify.secrets import keyring


class Records(logging.Handler):
    """Keeps every record its logger lets through."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_notebook_cluster_steps_log_no_shuffle_warning(tmp_path: Path) -> None:
    logger = logging.getLogger(shd.SHUFFLE_LOGGER)
    seen = Records()
    logger.addHandler(seen)
    client = shd.connect(workers=2)
    try:
        shards = write_month(tmp_path, days=6, per_day=10)  # 12 files: a two-column groupby
        events = shd.events(str(shards.directory), keyring(secrets_file=DATA / "demo-secrets.toml"))
        counts = events.groupby(["event_type", "reason"], observed=True).size().compute()
        per_day = events.assign(day=events["received_at"].dt.floor("D")).groupby("day").size()
        days = per_day.compute()
    finally:
        shd.disconnect(client)
        logger.removeHandler(seen)
    assert int(counts.sum()) == int(days.sum()) > 0
    assert [r.getMessage() for r in seen.records if r.levelno >= logging.WARNING] == []


def test_only_the_routine_notes_are_dropped() -> None:
    notes = shd.ShuffleNotes()

    def record(msg: str, *args: object) -> logging.LogRecord:
        return logging.LogRecord(shd.SHUFFLE_LOGGER, logging.WARNING, __file__, 1, msg, args, None)

    assert not notes.filter(record("Shuffle %s initialized by task %r executed on worker %s"))
    assert not notes.filter(record("Shuffle %s deactivated due to stimulus '%s'", "a", "b"))
    assert notes.filter(record("Shuffle %s restarted due to data inconsistency during barrier"))
    assert notes.filter(record("Failure during broadcast of %s, retrying.", "a"))
