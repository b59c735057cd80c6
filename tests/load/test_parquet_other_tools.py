"""A Parquet file of deliveries that another tool wrote (DuckDB, polars, pandas) loads with the
same deliveries and verdicts; a row that is no delivery is rejected as ``file#row``."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from streamhook_nb import (
    SourceError,
    iter_load,
    keyring,
    load_log,
    to_parquet,
    verify_deliveries,
)
from streamhook_nb.cli.main import main

_SECRETS = Path(__file__).resolve().parents[2] / "data" / "demo-secrets.toml"


@pytest.fixture
def written(data_dir: Path, tmp_path: Path) -> tuple[pd.DataFrame, Path]:
    loaded = load_log(data_dir / "capture").deliveries
    target = tmp_path / "d.parquet"
    to_parquet(loaded, target)
    return loaded, target


def _verdicts(deliveries: pd.DataFrame, data_dir: Path) -> list[tuple[str, str]]:
    ring = keyring(secrets_file=data_dir / "demo-secrets.toml", dotenv=None)
    verified = verify_deliveries(deliveries, ring, workers=1)
    return list(zip(verified["source"].astype(str), verified["reason"].astype(str), strict=True))


def test_duckdb_copy_of_a_query_loads_back(
    written: tuple[pd.DataFrame, Path], data_dir: Path, tmp_path: Path
) -> None:
    loaded, target = written
    out = tmp_path / "duck.parquet"
    duckdb.sql(f"copy (select * from '{target}' where method = 'POST') to '{out}' (format parquet)")
    assert pq.read_schema(out).metadata is None or b"streamhook-nb" not in (
        pq.read_schema(out).metadata or {}
    )
    again = load_log(out)
    assert len(again.rejected) == 0
    expected = loaded[loaded["method"] == "POST"].reset_index(drop=True)
    # DuckDB keeps microseconds: every other column is the same, bytes included.
    pd.testing.assert_frame_equal(
        again.deliveries.drop(columns="received_at"), expected.drop(columns="received_at")
    )
    assert (again.deliveries["received_at"] == expected["received_at"].dt.floor("us")).all()
    assert _verdicts(again.deliveries, data_dir) == _verdicts(expected, data_dir)


@pytest.mark.parametrize("tool", ["polars", "pandas"])
def test_polars_and_pandas_copies_load_back_exactly(
    written: tuple[pd.DataFrame, Path], tmp_path: Path, tool: str
) -> None:
    loaded, target = written
    out = tmp_path / f"{tool}.parquet"
    if tool == "polars":
        pl.read_parquet(target).write_parquet(out)
    else:
        pd.read_parquet(target).to_parquet(out)
    again = load_log(out)
    assert len(again.rejected) == 0
    pd.testing.assert_frame_equal(again.deliveries, loaded)


def _first_rows(target: Path, count: int) -> tuple[pa.Table, pd.DataFrame]:
    """The file's table without our schema key, and its first rows as objects to edit."""
    table = pq.read_table(target).replace_schema_metadata(None)
    return table, table.to_pandas(types_mapper=pd.ArrowDtype).head(count).astype("object")


def test_rows_that_are_no_delivery_are_rejected_by_row(
    written: tuple[pd.DataFrame, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loaded, target = written
    table, frame = _first_rows(target, 6)
    frame.loc[1, "fidelity"] = "bogus"
    frame.loc[2, "headers"] = "not json"
    frame.loc[3, "format"] = "xml"
    frame.loc[4, "headers"] = '["x-signature"]'
    frame.loc[4, "transport"] = "pigeon"  # two faults: the first column checked is named
    frame.loc[5, "source"] = None
    out = tmp_path / "edited.parquet"
    pq.write_table(pa.Table.from_pandas(frame, schema=table.schema, preserve_index=False), out)
    again = load_log(out)
    assert list(again.rejected["source"]) == [f"{out}#2", f"{out}#3", f"{out}#4", f"{out}#5"]
    reasons = list(again.rejected["reason"])
    assert reasons[0].startswith("column 'fidelity' is 'bogus', not one of: decoded, exact")
    assert reasons[1] == "column 'headers' is not a JSON object of header names and text values"
    assert reasons[2].startswith("column 'format' is 'xml', not one of: aws-lambda, capture-jsonl")
    assert reasons[3].startswith("column 'transport' is 'pigeon', not one of: http, sns, sqs")
    assert list(again.deliveries["source"]) == [loaded["source"][0], f"{out}#6"]
    assert main(["load", str(out), "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert (summary["deliveries"], summary["rejected"]) == (2, 4)


def test_a_time_that_is_no_time_is_named_by_its_row_in_this_file(
    written: tuple[pd.DataFrame, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The stored ``source`` names the log the row came from, where its time is fine."""
    table, frame = _first_rows(written[1], 4)
    frame["received_at"] = frame["received_at"].map(lambda t: t.isoformat())
    frame.loc[1, "received_at"] = "yesterday"
    frame.loc[2, "received_at"] = "3000-01-01T00:00:00Z"
    out = tmp_path / "times-as-text.parquet"
    schema = table.schema.set(
        table.schema.get_field_index("received_at"), pa.field("received_at", pa.string())
    )
    pq.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False), out)
    again = load_log(out)
    assert list(again.rejected["source"]) == [f"{out}#2", f"{out}#3"]
    assert list(again.rejected["reason"]) == [
        "field 'received_at' is not an ISO 8601 time: 'yesterday'",
        "field 'received_at' is outside the times pandas can hold (1677-09-21 to 2262-04-11 UTC): "
        "'3000-01-01T00:00:00Z'",
    ]
    assert len(again.deliveries) == 2
    assert main(["load", str(out), "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert [r["source"] for r in summary["rejected_records"]] == [f"{out}#2", f"{out}#3"]


def test_missing_or_mistyped_columns_are_named(
    written: tuple[pd.DataFrame, Path], tmp_path: Path
) -> None:
    _, target = written
    table = pq.read_table(target)
    out = tmp_path / "x.parquet"
    pq.write_table(table.drop_columns(["body", "headers"]), out)
    with pytest.raises(SourceError, match="not one of deliveries: no column 'headers', 'body'"):
        load_log(out)
    numbers = pa.array(range(table.num_rows), pa.int64())
    pq.write_table(table.set_column(table.schema.get_field_index("body"), "body", numbers), out)
    with pytest.raises(SourceError, match="column 'body' is int64, which cannot hold bytes"):
        load_log(out)
    pq.write_table(table.append_column("body", table.column("body")), out)
    with pytest.raises(SourceError, match="a Parquet file with two columns named 'body'"):
        load_log(out)
    newer = table.replace_schema_metadata({b"streamhook-nb": b"deliveries/2"})
    pq.write_table(newer, out)
    with pytest.raises(SourceError, match=r"in a newer layout \(deliveries/2\)"):
        load_log(out)


def _damage_bodies(path: Path, group: int) -> None:
    """Overwrite the body column's pages of one row group (an uncompressed file)."""
    metadata = pq.ParquetFile(path).metadata
    body = metadata.row_group(group).column(pq.read_schema(path).get_field_index("body"))
    data = bytearray(path.read_bytes())
    start = body.dictionary_page_offset if body.has_dictionary_page else body.data_page_offset
    data[start : start + body.total_compressed_size] = b"\xff" * body.total_compressed_size
    path.write_bytes(bytes(data))


def test_a_damaged_row_group_is_rejected_and_the_others_load(
    written: tuple[pd.DataFrame, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loaded, target = written
    out = tmp_path / "damaged.parquet"
    pq.write_table(pq.read_table(target), out, row_group_size=50, compression="none")
    _damage_bodies(out, group=1)
    again = load_log(out)
    expected = pd.concat([loaded.iloc[:50], loaded.iloc[100:]]).reset_index(drop=True)
    pd.testing.assert_frame_equal(again.deliveries, expected)
    (reason,) = again.rejected["reason"]
    assert again.rejected["source"][0] == f"{out}#51"
    assert reason.startswith("damaged Parquet data in row group 2 (")
    assert reason.endswith("): rows 51 to 100 are not loaded")
    assert main(["load", str(out), "--json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["rejected"] == 1
    assert "Traceback" not in captured.err


def test_a_group_damaged_midway_keeps_the_same_rows_in_every_reader(
    written: tuple[pd.DataFrame, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rows read before the damage are kept; how many must not depend on the chunk size."""
    _, target = written
    table = pq.read_table(target)
    big = pa.concat_tables([table] * -(-3000 // table.num_rows))
    out = tmp_path / "midway.parquet"
    pq.write_table(big, out, compression="none", use_dictionary=False, data_page_size=8192)
    body = pq.ParquetFile(out).metadata.row_group(0).column(big.schema.get_field_index("body"))
    data = bytearray(out.read_bytes())
    middle = body.data_page_offset + body.total_compressed_size * 6 // 10
    data[middle : middle + 4096] = b"\xff" * 4096
    out.write_bytes(bytes(data))
    kept = len(load_log(out).deliveries)
    assert 512 <= kept < big.num_rows
    for chunk in (7, 1000, 50_000):
        results = list(iter_load(out, chunk_size=chunk))
        assert sum(len(r.deliveries) for r in results) == kept
        assert [s for r in results for s in r.rejected["source"]] == [f"{out}#{kept + 1}"]
    assert main(["verify", str(out), "--json", "--secrets-file", str(_SECRETS)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["deliveries"], report["rejected"]) == (kept, 1)


def test_a_page_changed_on_disk_is_damage_not_a_silent_mismatch(
    written: tuple[pd.DataFrame, Path], tmp_path: Path
) -> None:
    """``to_parquet`` writes page checksums and every reader checks them: bytes changed in a
    compressed page would otherwise decode into other bodies (false mismatches) or other
    headers, with nothing rejected."""
    loaded, _ = written
    many = pd.concat([loaded] * -(-3000 // len(loaded)), ignore_index=True)
    out = tmp_path / "changed.parquet"
    to_parquet(many, out)
    group = pq.ParquetFile(out).metadata.row_group(0)
    body = group.column(pq.read_schema(out).get_field_index("body"))
    data = bytearray(out.read_bytes())
    middle = body.data_page_offset + body.total_compressed_size // 2
    data[middle : middle + 64] = bytes((i * 37 + 11) % 256 for i in range(64))
    out.write_bytes(bytes(data))
    again = load_log(out)
    (reason,) = again.rejected["reason"]
    assert "damaged Parquet data in row group 1" in reason
    assert len(again.deliveries) < len(many)
    kept = again.deliveries["body"]
    assert (kept.to_numpy() == many["body"].head(len(kept)).to_numpy()).all()


def test_many_tiny_row_groups_load_as_one_and_a_damaged_one_alone(
    written: tuple[pd.DataFrame, Path], tmp_path: Path
) -> None:
    loaded, target = written
    out = tmp_path / "tiny.parquet"
    table = pq.read_table(target).replace_schema_metadata(None)
    pq.write_table(table, out, row_group_size=7, compression="none")
    assert pq.ParquetFile(out).num_row_groups == -(-len(loaded) // 7)
    again = load_log(out)
    pd.testing.assert_frame_equal(again.deliveries, loaded)
    _damage_bodies(out, group=5)
    damaged = load_log(out)
    expected = pd.concat([loaded.iloc[:35], loaded.iloc[42:]]).reset_index(drop=True)
    pd.testing.assert_frame_equal(damaged.deliveries, expected)
    assert list(damaged.rejected["source"]) == [f"{out}#36"]
    assert damaged.rejected["reason"][0].endswith("): rows 36 to 42 are not loaded")


def _unchecked_text(values: list[bytes]) -> pa.Array:
    """A string array holding exactly these bytes, UTF-8 or not (as a careless writer leaves)."""
    raw = pa.array(values, pa.large_binary())
    return pa.Array.from_buffers(pa.large_string(), len(raw), raw.buffers())


def test_values_no_delivery_can_hold_are_rejected_or_read_as_the_capture_reader_reads_them(
    written: tuple[pd.DataFrame, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = written[1]
    table = pq.read_table(target).replace_schema_metadata(None).slice(0, 4)
    bodies = [b"\xff\xfe not UTF-8", *table.column("body").to_pylist()[1:]]
    sources = [s.encode() for s in table.column("source").to_pylist()]
    sources[1] = b"\xc0\xaf"
    headers = table.column("headers").to_pylist()
    headers[2] = '{"x-webhook-attempt": 1}'
    status = pa.array([2**64 - 1, 42, None, 200], pa.uint64())
    for name, column in (
        ("body", _unchecked_text(bodies)),
        ("source", _unchecked_text(sources)),
        ("headers", pa.array(headers, pa.large_string())),
        ("response_status", status),
    ):
        table = table.set_column(table.schema.get_field_index(name), name, column)
    out = tmp_path / "careless.parquet"
    pq.write_table(table, out)
    again = load_log(out)
    assert list(again.rejected["reason"]) == [
        "column 'source' holds bytes that are not UTF-8 text",
        "column 'headers' is not a JSON object of header names and text values",
    ]
    assert again.deliveries["body"].iloc[0] == bodies[0]  # the bytes as they are
    assert again.deliveries["response_status"].tolist() == [pd.NA, 200]
    assert main(["load", str(out), "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert (summary["deliveries"], summary["rejected"]) == (2, 2)
