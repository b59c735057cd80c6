"""The block reader gives exactly what the line-by-line reader gives, for every mix of lines."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamhook_nb.load import columns, deliveries, line_blocks
from streamhook_nb.load.batch import Rejected
from streamhook_nb.load.readers import capture_blocks, capture_jsonl
from streamhook_nb.samples.webhooks import deliveries as sample_deliveries

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pipeline"))
from golden_snapshot import corpus
from helpers import capture_line_variants, lines_one_at_a_time, record_line

_RECORDS = [d.capture_record() for d in sample_deliveries(12, seed=11)]


def _by_blocks(
    data: bytes, block_lines: int, max_line_bytes: int = capture_jsonl.MAX_LINE_BYTES
) -> tuple[pd.DataFrame, list[Rejected]]:
    batches = capture_blocks.read(
        io.BytesIO(data),
        "log.jsonl",
        chunk_size=5,
        max_line_bytes=max_line_bytes,
        block_lines=block_lines,
    )
    return deliveries.from_batches(batches)


def _by_lines(
    data: bytes, max_line_bytes: int = capture_jsonl.MAX_LINE_BYTES
) -> tuple[pd.DataFrame, list[Rejected]]:
    lines = lines_one_at_a_time(data, max_line_bytes)
    batches = capture_jsonl.read_lines(
        lines, "log.jsonl", chunk_size=5, max_line_bytes=max_line_bytes
    )
    return deliveries.from_batches(batches)


def _assert_same(data: bytes, block_lines: int, max_line_bytes: int = 1 << 24) -> None:
    frame, rejected = _by_blocks(data, block_lines, max_line_bytes)
    expected_frame, expected_rejected = _by_lines(data, max_line_bytes)
    pd.testing.assert_frame_equal(frame, expected_frame)
    assert rejected == expected_rejected


_LINES = [line for record in _RECORDS[:3] for line in capture_line_variants(record)]


@settings(max_examples=60, deadline=None)
@given(
    picks=st.lists(st.integers(0, len(_LINES) - 1), max_size=40),
    good_runs=st.lists(st.integers(0, len(_RECORDS) - 1), max_size=30),
    block_lines=st.integers(1, 9),
    last_newline=st.booleans(),
)
def test_any_mix_of_lines_reads_as_the_line_reader_reads_it(
    picks: list[int], good_runs: list[int], block_lines: int, last_newline: bool
) -> None:
    lines = [_LINES[i] for i in picks] + [record_line(_RECORDS[i]) for i in good_runs]
    data = b"".join(lines)
    if not last_newline:
        data = data.removesuffix(b"\n")
    _assert_same(data, block_lines)


@pytest.mark.parametrize("block_lines", [1, 7, 64, line_blocks.BLOCK_LINES])
@pytest.mark.parametrize("kind", ["full", "bare"])
def test_golden_corpus_reads_the_same_in_blocks_of_any_size(
    tmp_path: Path, kind: str, block_lines: int
) -> None:
    data = corpus(tmp_path)[kind].read_bytes()
    frame, rejected = _by_blocks(data, block_lines)
    assert len(frame) > 1500
    assert len(rejected) > 3
    _assert_same(data, block_lines)


def test_common_blocks_become_columns_without_rows() -> None:
    data = b"".join(record_line(r) for r in _RECORDS)
    batches = list(capture_blocks.read(io.BytesIO(data), "log.jsonl", chunk_size=4, block_lines=4))
    assert [len(b) for b in batches] == [4, 4, 4]
    assert all(b.is_columnar for b in batches)
    assert batches[1].columns()["source"] == [f"log.jsonl:{n}" for n in range(5, 9)]


def test_a_block_with_one_bad_line_keeps_its_neighbours_and_names_therecord_line() -> None:
    lines = [record_line(r) for r in _RECORDS[:6]]
    lines.insert(3, record_line({**_RECORDS[0], "received_at": 1}))
    frame, rejected = _by_blocks(b"".join(lines), 4)
    assert len(frame) == 6
    assert [r.source for r in rejected] == ["log.jsonl:4"]
    assert "received_at" in rejected[0].reason


def test_overlong_line_is_rejected_and_skipped_without_reading_it_whole() -> None:
    small = record_line(_RECORDS[0])
    huge = b'{"body": "' + b"x" * 5000 + b'"}\n'
    data = small + huge + small
    frame, rejected = _by_blocks(data, 2, max_line_bytes=len(small) + 10)
    assert list(frame["source"]) == ["log.jsonl:1", "log.jsonl:3"]
    assert [r.source for r in rejected] == ["log.jsonl:2"]
    assert "longer than" in rejected[0].reason
    _assert_same(data, 2, max_line_bytes=len(small) + 10)


def test_byte_order_mark_and_gzip_stream() -> None:
    data = b"\xef\xbb\xbf" + b"".join(record_line(r) for r in _RECORDS)
    with gzip.open(io.BytesIO(gzip.compress(data))) as stream:
        frame, rejected = deliveries.from_batches(capture_blocks.read(stream, "log.gz"))
    assert rejected == []
    assert len(frame) == len(_RECORDS)


times = st.one_of(
    st.datetimes(
        min_value=pd.Timestamp("1677-09-22").to_pydatetime(),
        max_value=pd.Timestamp("2262-04-10").to_pydatetime(),
    ).map(lambda t: t.isoformat()),
    st.from_regex(
        r"\A[12]\d{3}-[01]\d-[0-3]\dT[0-2]\d:[0-6]\d:[0-6]\d(\.\d{1,9})?(Z|[+-][01]\d:[0-6]\d)?\Z"
    ),
    st.text(max_size=30),
    st.none(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(times, max_size=8))
def test_fast_time_parsing_agrees_with_pandas(values: list[str | None]) -> None:
    stamps, bad = columns.received_stamps(values)
    _, received, expected_bad = columns.parse_received_at(values)
    assert bad.tolist() == expected_bad.tolist()
    np.testing.assert_array_equal(stamps, received.array.asi8)


aware_times = st.datetimes(
    min_value=pd.Timestamp("1678-01-02").to_pydatetime(),
    max_value=pd.Timestamp("2261-12-30").to_pydatetime(),
    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30))]),
).map(lambda t: t.isoformat().replace("+00:00", "Z"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(aware_times, st.none()), min_size=1, max_size=8))
def test_times_in_the_written_form_parse_in_one_call_as_pandas_parses_them(
    values: list[str | None],
) -> None:
    stamps, bad = columns.received_stamps(values)
    _, received, _ = columns.parse_received_at(values)
    assert not bad.any()
    np.testing.assert_array_equal(stamps, received.array.asi8)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            aware_times,
            times,
            st.sampled_from(
                [
                    "2026-11-26T10:00:00Z\n2026-11-26T10:00:00Z",  # two times in one value
                    "\uff12026-11-26T10:00:00Z",  # a full-width digit
                    "2026-11-2\u0666T10:00:00Z",  # an Arabic-Indic digit
                    "2026-02-29T10:00:00Z",
                    "2026-11-26T10:00:00+24:00",
                ]
            ),
        ),
        max_size=8,
    )
)
def test_the_streaming_time_check_agrees_with_the_loader(values: list[str | None]) -> None:
    from streamhook_nb.load.timestamps import invalid_times

    _, _, bad = columns.parse_received_at(values)
    assert invalid_times(values) == [int(i) for i in bad.nonzero()[0]]


def test_times_to_the_nanosecond_are_checked_without_pandas() -> None:
    """Parquet rows carry times to the ns (nine digits): the streaming check of ``verify``
    must not load pandas for them (seconds of import and parsing per million rows)."""
    code = (
        "import sys\n"
        "from streamhook_nb.load.timestamps import invalid_times\n"
        "times = ['2026-11-29T00:00:18.727000001Z', '2026-11-26T10:00:00.1234567+05:30']\n"
        "assert invalid_times(times) == []\n"
        "assert 'pandas' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_records_without_headers_take_the_fast_way() -> None:
    data = b"".join(record_line({**r, "headers": {}}) for r in _RECORDS)
    batches = list(capture_blocks.read(io.BytesIO(data), "log.jsonl", block_lines=4))
    assert all(b.is_columnar for b in batches)
    _assert_same(data, 4)


def test_blocks_are_gathered_into_batches_of_the_chunk_size() -> None:
    lines = [record_line(r) for r in _RECORDS] * 20  # 240 lines
    lines[100] = b"{damaged\n"
    data = b"".join(lines)
    batches = list(capture_blocks.read(io.BytesIO(data), "log.jsonl", chunk_size=50, block_lines=8))
    assert [len(b) for b in batches] == [50, 50, 50, 50, 39]  # whatever the blocks' sizes
    assert [r.source for b in batches for r in b.rejected] == ["log.jsonl:101"]
    sources = [s for b in batches for s in b.columns()["source"]]
    assert sources == [f"log.jsonl:{n}" for n in range(1, 241) if n != 101]


def test_a_converted_log_keeps_big_row_groups(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from streamhook_nb.cli.main import main

    log = tmp_path / "log.jsonl"
    log.write_bytes(b"".join(record_line(r) for r in _RECORDS) * 200)  # 2,400 deliveries
    assert main(["load", str(log), "--to-parquet", str(tmp_path / "log.parquet")]) == 0
    assert pq.ParquetFile(tmp_path / "log.parquet").num_row_groups == 1


def test_a_byte_order_mark_does_not_count_against_the_line_cap() -> None:
    line = record_line(_RECORDS[0])
    for data in (line, b"\xef\xbb\xbf" + line):  # the same log, with and without the mark
        frame, rejected = _by_blocks(data, 4, max_line_bytes=len(line))
        assert (len(frame), rejected) == (1, [])


def test_every_calendar_day_but_a_leap_day_is_checked_in_one_expression() -> None:
    """A month's log holds the 29th to the 31st: its times are checked in one regular
    expression, as the 1st to the 28th are, and no day a year lacks ever passes it."""
    from streamhook_nb.load.timestamps import _PLAIN

    plain = re.compile(_PLAIN)
    for year in (2024, 2026):
        for month in range(1, 13):
            for day in range(1, 32):
                value = f"{year}-{month:02}-{day:02}T23:59:59.5+01:00"
                try:
                    dt.datetime.fromisoformat(value)
                    real = True
                except ValueError:
                    real = False
                leap_day = (month, day) == (2, 29)
                assert bool(plain.fullmatch(value)) == (real and not leap_day), value
