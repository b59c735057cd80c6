"""Parquet: written from a frame or by ``load --to-parquet``, read back by every command with
the same deliveries, verdicts and event tables as the logs it came from."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from streamhook_nb import SourceError, UsageError, load_log, to_parquet
from streamhook_nb.cli.main import main
from streamhook_nb.load.deliveries import values


def test_frame_round_trips_exactly(data_dir: Path, tmp_path: Path) -> None:
    loaded = load_log(data_dir).deliveries
    assert to_parquet(loaded, tmp_path / "d.parquet") == len(loaded)
    again = load_log(tmp_path / "d.parquet")
    pd.testing.assert_frame_equal(again.deliveries, loaded)
    assert len(again.rejected) == 0


def test_other_tools_read_the_file(data_dir: Path, tmp_path: Path) -> None:
    loaded = load_log(data_dir).deliveries
    target = tmp_path / "d.parquet"
    to_parquet(loaded, target)
    table = pq.read_table(target)
    assert table.column("body").to_pylist() == values(loaded["body"])
    assert table.schema.field("body").type == pa.large_binary()
    with pytest.raises(duckdb.BinderException):  # verdicts are not stored: they are recomputed
        duckdb.sql(f"select count(*) from read_parquet('{target}') where valid is null")
    rows = duckdb.sql(f"select source, body from read_parquet('{target}') limit 1").fetchall()
    assert rows == [(loaded["source"].iloc[0], loaded["body"].iloc[0])]


def test_verify_events_and_report_read_parquet(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "d.parquet"
    to_parquet(load_log(data_dir).deliveries, target)
    secrets = ["--secrets-file", str(data_dir / "demo-secrets.toml")]
    assert main(["verify", str(target), *secrets, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["reasons"]["ok"] == 213
    assert main(["events", str(target), *secrets, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["deliveries"] == 228
    assert main(["report", str(target), "-o", str(tmp_path / "r.html"), *secrets]) == 1
    page = (tmp_path / "r.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.endswith("</body></html>")  # one whole page (its inline scripts hold "<html")


def test_parquet_that_holds_no_deliveries_is_a_clear_error(tmp_path: Path) -> None:
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"x": [1, 2]}), other)
    with pytest.raises(SourceError, match="a Parquet file, but not one of deliveries"):
        load_log(other)
    damaged = tmp_path / "damaged.parquet"
    damaged.write_bytes(b"PAR1" + b"\0" * 50)
    with pytest.raises(SourceError, match="not a readable Parquet file"):
        load_log(damaged)


def test_writing_needs_the_delivery_columns(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a deliveries frame: no column 'body'"):
        to_parquet(load_log(data_dir).deliveries.drop(columns="body"), tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists()


def test_cli_unwritable_target_is_a_one_line_error(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing-folder" / "d.parquet"
    assert main(["load", str(data_dir), "--to-parquet", str(target)]) == 2
    assert f"cannot write {target}" in capsys.readouterr().err
    assert not target.exists()


def test_verify_splits_a_parquet_file_by_row_groups(
    data_dir: Path, tmp_path: Path, forking: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamhook_nb import keyring, verify_sources
    from streamhook_nb.load import log_ranges
    from streamhook_nb.load.parquet import ParquetDeliveriesWriter

    loaded = load_log(data_dir).deliveries
    target = tmp_path / "groups.parquet"
    with ParquetDeliveriesWriter(target) as writer:
        for start in range(0, len(loaded), 50):  # five row groups
            writer.write(loaded.iloc[start : start + 50])
    assert pq.ParquetFile(target).num_row_groups == 5
    ring = keyring(secrets_file=data_dir / "demo-secrets.toml", dotenv=None)
    tasks: list[object] = []
    split = log_ranges.split_parquet
    monkeypatch.setattr(
        log_ranges, "split_parquet", lambda s, n: tasks.extend(split(s, n)) or split(s, n)
    )
    parallel = verify_sources(target, ring, workers=2, details=True, tally=True)
    assert [t.row_groups for t in tasks] == [(0, 1), (2, 3, 4)]
    serial = verify_sources(target, ring, workers=1, details=True, tally=True)
    assert parallel.details == serial.details
    assert parallel.as_json() == serial.as_json()
    assert parallel.tally is not None
    assert serial.tally is not None
    assert parallel.tally.as_json() == serial.tally.as_json()
    assert len(parallel.details or []) == len(loaded)


def test_big_frames_are_written_in_row_groups(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamhook_nb.load import parquet

    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 50)
    loaded = load_log(data_dir).deliveries
    to_parquet(loaded, tmp_path / "d.parquet")
    sizes = [
        pq.ParquetFile(tmp_path / "d.parquet").metadata.row_group(g).num_rows
        for g in range(pq.ParquetFile(tmp_path / "d.parquet").num_row_groups)
    ]
    assert sizes == [50] * (len(loaded) // 50) + [len(loaded) % 50]
    pd.testing.assert_frame_equal(load_log(tmp_path / "d.parquet").deliveries, loaded)
