"""The deliveries frame is Arrow-backed and hands its data to Arrow, polars and DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb
import orjson
import pandas as pd
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from streamhook_nb import load_log
from streamhook_nb.load.columns import headers_arrow
from streamhook_nb.load.deliveries import BODY, body_array, header_dicts, headers_text, values


def _buffer(column: pa.ChunkedArray) -> int:
    return int(column.chunk(0).buffers()[2].address)


def test_text_and_body_columns_are_arrow_backed(data_dir: Path) -> None:
    frame = load_log(data_dir).deliveries
    for name in ("source", "method", "path", "headers", "signature", "webhook_id"):
        assert isinstance(frame[name].dtype, pd.StringDtype), name
        assert frame[name].dtype.storage == "pyarrow", name
    assert frame["body"].dtype == BODY == pd.ArrowDtype(pa.large_binary())
    assert str(frame["received_at"].dtype) == "datetime64[ns, UTC]"
    assert str(frame["attempt"].dtype) == "Int64"


def test_to_arrow_and_to_polars_do_not_copy_the_bodies(data_dir: Path) -> None:
    result = load_log(data_dir)
    table = result.to_arrow()
    frame_body = pa.array(result.deliveries["body"].array)
    assert _buffer(table.column("body")) == _buffer(frame_body)
    assert table.num_rows == len(result.deliveries)
    assert table.column("body").to_pylist() == values(result.deliveries["body"])
    polars_frame = result.to_polars()
    assert polars_frame.height == len(result.deliveries)
    assert polars_frame["body"].to_list() == values(result.deliveries["body"])


def test_duckdb_queries_the_frame_directly(data_dir: Path) -> None:
    deliveries = load_log(data_dir).deliveries
    rows = duckdb.sql(
        "select format::varchar, count(*), sum(octet_length(body)) from deliveries "
        "group by all order by 1"
    ).fetchall()
    sizes = pd.Series([0 if body is None else len(body) for body in values(deliveries["body"])])
    expected = sizes.groupby(deliveries["format"].astype(str).to_numpy()).agg(["size", "sum"])
    assert rows == list(expected.itertuples(name=None))


def test_headers_are_whole_json_objects_per_row(data_dir: Path) -> None:
    frame = load_log(data_dir).deliveries
    dicts = header_dicts(frame["headers"])
    assert [orjson.loads(text) for text in frame["headers"]] == dicts
    picked = [d.get("x-signature") for d in dicts]
    signatures = values(frame["signature"])
    assert [p if not isinstance(p, list) else ", ".join(p) for p in picked] == signatures


def test_missing_body_is_null_in_arrow(write_file: object, tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_bytes(
        b'{"received_at":null,"headers":{},"body":"","fidelity":"missing"}\n'
        b'{"received_at":null,"headers":{"a":["1","2"]},"body":"x"}\n'
    )
    result = load_log(path)
    assert result.to_arrow().column("body").to_pylist() == [None, b"x"]
    assert header_dicts(result.deliveries["headers"]) == [{}, {"a": ["1", "2"]}]


@given(st.lists(st.none() | st.binary(max_size=50), max_size=30))
def test_body_array_keeps_every_byte_and_every_missing_body(bodies: list[bytes | None]) -> None:
    array = pa.array(body_array(bodies))
    array.validate(full=True)
    assert array.to_pylist() == bodies


@given(st.lists(st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3), max_size=9))
def test_headers_text_is_valid_json_per_row(headers: list[dict[str, str]]) -> None:
    array = pa.array(headers_text(headers))
    array.validate(full=True)
    assert [orjson.loads(text) for text in array.to_pylist()] == headers


_HEADER_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)


@given(
    st.lists(
        st.dictionaries(
            _HEADER_TEXT, _HEADER_TEXT | st.lists(_HEADER_TEXT, min_size=2, max_size=3)
        ),
        min_size=1,
        max_size=5,
    )
)
def test_the_headers_column_holds_the_json_orjson_writes(rows: list[dict[str, object]]) -> None:
    assert headers_arrow(rows).to_pylist() == [orjson.dumps(h).decode() for h in rows]  # type: ignore[arg-type]


def test_a_header_with_a_lone_surrogate_is_written_escaped() -> None:
    texts = headers_arrow([{"x-note": "a\ud800"}, {"x-ok": "é"}]).to_pylist()
    assert texts == ['{"x-note":"a\\ud800"}', '{"x-ok":"\\u00e9"}']
    assert [orjson.loads(t.encode("utf-8", "surrogatepass")) for t in texts[1:]] == [{"x-ok": "é"}]
