"""The month of sample shards is deterministic and holds what notebook 06 finds in it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from streamhook_nb.events import tables
from streamhook_nb.pipeline.audit import audit
from streamhook_nb.samples.shards import write_month
from streamhook_nb.samples.webhooks import DEMO_SECRET, webhook_payloads
from streamhook_nb.verify.secrets import Keyring, Secret


def test_same_arguments_write_the_same_bytes(tmp_path: Path) -> None:
    first = write_month(tmp_path / "a", days=3, per_day=48)
    second = write_month(tmp_path / "b", days=3, per_day=48)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (first.files, first.records) == (second.files, second.records)
    assert first.files == 6
    assert first.gzip_files == 0  # the last 7 days stay plain


def test_the_month_holds_the_planted_problems(tmp_path: Path) -> None:
    shards = write_month(tmp_path)
    assert (shards.files, shards.gzip_files) == (60, 46)
    ring = Keyring((Secret(DEMO_SECRET, "STREAM_API_SECRET"),))
    result = audit(shards.directory, ring)
    events = result.events
    assert len(events) + len(result.loaded.rejected) == shards.records
    assert list(result.loaded.rejected["source"]) == [f"{tmp_path}/2026-11-08-us.jsonl.gz:53"]
    assert int(events["valid"].eq(False).sum()) == 5  # another app's deliveries
    assert events["event_type"].nunique() == len({p["type"] for p in webhook_payloads()})
    assert int(events["attempt"].eq(2).sum()) > 0
    gaps = tables.gaps(events, "2h")
    assert len(gaps) == 1
    assert gaps["start"].iloc[0] < pd.Timestamp("2026-11-13T09:00Z")
    assert gaps["end"].iloc[0] > pd.Timestamp("2026-11-13T14:00Z")
