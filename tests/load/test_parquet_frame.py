"""A Parquet file that ``to_parquet`` wrote is read by Arrow straight into the frame, with the
frame the row reader gives; a file with any row the row reader treats otherwise goes to it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from streamhook_nb import load_log, to_parquet
from streamhook_nb.load import parquet_frame
from streamhook_nb.load.deliveries import header_dicts
from streamhook_nb.load.loading import LoadResult
from streamhook_nb.load.sources import expand


@pytest.fixture
def loaded(data_dir: Path) -> pd.DataFrame:
    return load_log(data_dir).deliveries


def _by_rows(monkeypatch: pytest.MonkeyPatch, *paths: Path) -> LoadResult:
    with monkeypatch.context() as patched:
        patched.setattr(parquet_frame, "stored_batches", lambda source: None)
        return load_log(list(paths))


def _same(a: LoadResult, b: LoadResult) -> None:
    pd.testing.assert_frame_equal(a.deliveries, b.deliveries)
    pd.testing.assert_frame_equal(a.rejected, b.rejected)
    assert a.skipped == b.skipped


def test_a_file_to_parquet_wrote_is_read_by_arrow(
    loaded: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "d.parquet"
    to_parquet(loaded, target)
    (source,) = expand(target)
    assert parquet_frame.stored_batches(source) is not None
    fast = load_log(target)
    pd.testing.assert_frame_equal(fast.deliveries, loaded)
    _same(fast, _by_rows(monkeypatch, target))
    twice = load_log([target, target])
    assert len(twice.deliveries) == 2 * len(loaded)
    _same(twice, _by_rows(monkeypatch, target, target))


def _edit_received_at(frame: pd.DataFrame) -> None:
    frame.loc[3, "received_at"] = pd.Timestamp("2262-01-02T00:00:00Z")


EDITS: dict[str, Callable[[pd.DataFrame], None]] = {
    "headers not an object": lambda f: f.loc.__setitem__((2, "headers"), "[1]"),
    "a lower-case post": lambda f: f.loc.__setitem__((1, "method"), "post"),
    "a GET": lambda f: f.loc.__setitem__((1, "method"), "GET"),
    "a negative attempt": lambda f: f.loc.__setitem__((4, "attempt"), -1),
    "a header that is a number": lambda f: f.loc.__setitem__((2, "headers"), '{"a": 1}'),
    "a status that is no HTTP status": lambda f: f.loc.__setitem__((3, "response_status"), 42),
    "a time the quick parser leaves alone": _edit_received_at,
    "no source": lambda f: f.loc.__setitem__((0, "source"), None),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_rows_the_row_reader_treats_otherwise_go_to_it(
    edit: str, loaded: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = loaded.copy()
    EDITS[edit](frame)
    target = tmp_path / "edited.parquet"
    to_parquet(frame, target)
    (source,) = expand(target)
    assert parquet_frame.stored_batches(source) is None
    _same(load_log(target), _by_rows(monkeypatch, target))


def test_headers_written_otherwise_are_kept_as_written(
    loaded: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = loaded.copy()
    frame["headers"] = frame["headers"].str.replace(":", ": ", n=1)
    target = tmp_path / "spaced.parquet"
    to_parquet(frame, target)
    (source,) = expand(target)
    assert parquet_frame.stored_batches(source) is not None
    fast = load_log(target).deliveries
    pd.testing.assert_frame_equal(fast, frame)  # the file's own text
    rows = _by_rows(monkeypatch, target).deliveries  # parsed and written again, compactly
    pd.testing.assert_frame_equal(fast.drop(columns="headers"), rows.drop(columns="headers"))
    assert header_dicts(fast["headers"]) == header_dicts(rows["headers"])
    assert list(rows["headers"]) == list(loaded["headers"])


def test_one_odd_file_sends_every_file_to_the_row_reader(
    loaded: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain, odd = tmp_path / "a.parquet", tmp_path / "b.parquet"
    to_parquet(loaded, plain)
    frame = loaded.copy()
    frame.loc[1, "method"] = "GET"
    to_parquet(frame, odd)
    calls: list[object] = []
    read = parquet_frame.stored_batches
    monkeypatch.setattr(
        parquet_frame, "stored_batches", lambda source: calls.append(source) or read(source)
    )
    result = load_log([plain, odd])
    assert len(calls) == 2
    assert result.skipped == 1
    _same(result, _by_rows(monkeypatch, plain, odd))


def test_other_files_are_left_to_the_readers(data_dir: Path, tmp_path: Path) -> None:
    for path in [*sorted((data_dir / "capture").iterdir())[:2], data_dir / "har"]:
        for source in expand(path):
            assert parquet_frame.stored_batches(source) is None
    empty = tmp_path / "empty.parquet"
    to_parquet(load_log(data_dir).deliveries.iloc[:0], empty)
    (source,) = expand(empty)
    assert parquet_frame.stored_batches(source) == []
    assert len(load_log(empty).deliveries) == 0
    assert isinstance(load_log(empty).deliveries["body"].dtype, pd.ArrowDtype)
    assert pa.types.is_large_binary(load_log(empty).deliveries["body"].dtype.pyarrow_dtype)
