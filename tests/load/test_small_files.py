"""A folder of one file per delivery (a tool, or a bucket, that keeps each request on its own)
loads as each file would alone: small reader batches are made Arrow a group at a time, and
whole files are gathered into tasks for the workers, without changing a row or a rejection."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from small_files import DATA, folder_of_small_files

from streamhook_nb import SourceError, iter_load, load_log
from streamhook_nb.load import log_ranges, small_batches, split_load
from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.log_ranges import LogRange
from streamhook_nb.load.sources import Source, expand


def _one_by_one(files: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    results = [load_log(path, progress=False) for path in files]
    deliveries = pd.concat([r.deliveries for r in results], ignore_index=True)
    rejected = pd.concat([r.rejected for r in results], ignore_index=True)
    return deliveries, rejected, sum(r.skipped for r in results)


def _files(folder: Path) -> list[Path]:
    return [Path(source.url) for source in expand(folder)]


@pytest.fixture
def small_files(tmp_path: Path) -> Path:
    return folder_of_small_files(tmp_path / "hooks")


def _assert_same(result: object, expected: tuple[pd.DataFrame, pd.DataFrame, int]) -> None:
    deliveries, rejected, skipped = expected
    pd.testing.assert_frame_equal(result.deliveries, deliveries)  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(result.rejected, rejected)  # type: ignore[attr-defined]
    assert result.skipped == skipped  # type: ignore[attr-defined]


def test_a_folder_of_small_files_loads_as_each_file_alone(small_files: Path) -> None:
    expected = _one_by_one(_files(small_files))
    assert len(expected[1]) > 20  # rejected records
    assert expected[2] > 0  # skipped requests
    _assert_same(load_log(small_files, progress=False), expected)


def test_on_the_workers_too(
    small_files: Path, monkeypatch: pytest.MonkeyPatch, forking: None
) -> None:
    monkeypatch.setattr(split_load, "FILES_MIN_BYTES", 1)
    monkeypatch.setattr(log_ranges, "TASK_MIN_BYTES", 2048)  # several tasks of several files
    parts = split_load.plan(expand(small_files), None)
    tasks = log_ranges.gathered(parts, 2)
    assert len(parts) > len(tasks) > 2
    _assert_same(load_log(small_files, progress=False), _one_by_one(_files(small_files)))


def test_files_named_out_of_order_keep_their_order(small_files: Path) -> None:
    files = list(reversed(_files(small_files)))
    result = load_log(files, progress=False)
    _assert_same(result, _one_by_one(files))
    assert result.rejected["source"].iloc[0].startswith(str(files[0]))


def test_iter_load_cuts_a_document_into_chunks_of_the_size_asked() -> None:
    """A HAR of 9 deliveries came out in one chunk, whatever the chunk size."""
    har = DATA / "har" / "devtools-export.har"
    chunks = list(iter_load(har, chunk_size=4, progress=False))
    assert [len(chunk.deliveries) for chunk in chunks] == [4, 4, 1]
    whole = load_log(har, progress=False).deliveries
    pd.testing.assert_frame_equal(
        pd.concat([c.deliveries for c in chunks], ignore_index=True), whole
    )


@pytest.mark.parametrize("chunk_size", [1, 7, 50_000])
def test_iter_load_gathers_small_files_within_its_chunk_size(
    small_files: Path, chunk_size: int
) -> None:
    chunks = list(iter_load(small_files, chunk_size=chunk_size, progress=False))
    assert all(len(chunk.deliveries) <= chunk_size for chunk in chunks)
    deliveries, rejected, skipped = _one_by_one(_files(small_files))
    pd.testing.assert_frame_equal(
        pd.concat([c.deliveries for c in chunks], ignore_index=True), deliveries
    )
    pd.testing.assert_frame_equal(
        pd.concat([c.rejected for c in chunks], ignore_index=True), rejected
    )
    assert sum(c.skipped for c in chunks) == skipped
    if chunk_size == 50_000:
        assert len(chunks) < len(_files(small_files)) / 4  # not one result per file


def test_groups_gather_small_neighbours_of_one_format_only() -> None:
    class Sized(DeliveryBatch):
        def __init__(self, format: str, size: int) -> None:
            super().__init__(format)
            self.size = size

        def __len__(self) -> int:
            return self.size

    a, b, big, c, d, har = (
        Sized("capture-jsonl", 3),
        Sized("capture-jsonl", 0),
        Sized("capture-jsonl", small_batches.SMALL_ROWS),
        Sized("capture-jsonl", 5),
        Sized("capture-jsonl", 1),
        Sized("har", 2),
    )
    grouped = list(small_batches.groups([a, b, big, c, d, har]))
    assert grouped == [[a, b], [big], [c, d], [har]]
    assert list(small_batches.groups([a, c, d], most=8)) == [[a, c], [d]]


def test_tasks_keep_ranges_alone_and_gather_whole_files() -> None:
    files = [LogRange(Source(f"f{n}", f"f{n}", size=600)) for n in range(5)]
    big = Source("big", "big", size=10_000)
    ranges = [LogRange(big, 0, 5000), LogRange(big, 5000, 10_000, 40)]
    tasks = log_ranges.gathered([*files[:2], *ranges, *files[2:]], workers=1)
    assert tasks == [tuple(files[:2]), (ranges[0],), (ranges[1],), tuple(files[2:])]


def test_inventory_counts_each_file_as_load_log_loads_it(small_files: Path) -> None:
    """Counted a batch at a time (a folder of 10k files: 33 s -> 1 s), with load_log's counts."""
    from streamhook_nb import inventory
    from streamhook_nb.load.fidelity import Fidelity

    (small_files / "sub").mkdir()
    (small_files / "sub" / "junk.bin").write_bytes(b"\x00\x01junk")
    shutil.copy(DATA / "capture" / "second-day.jsonl.gz", small_files / "sub")
    table = inventory([small_files, DATA])
    assert table["error"].notna().sum() == 1
    for row in table.itertuples():
        if not pd.isna(row.error):
            with pytest.raises(SourceError):
                load_log(row.source, progress=False)
            continue
        result = load_log(row.source, progress=False)
        frame = result.deliveries
        assert row.format == (", ".join(result.by_format) or "-")
        assert row.transport == (", ".join(sorted(frame["transport"].astype(str).unique())) or "-")
        assert (row.deliveries, row.rejected, row.skipped) == (
            len(frame),
            len(result.rejected),
            result.skipped,
        )
        fidelity = frame["fidelity"].value_counts()
        for name in Fidelity:
            assert getattr(row, name.value) == fidelity.get(name.value, 0)
