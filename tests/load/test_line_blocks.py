"""A log read in blocks of lines gives the lines a line-at-a-time read gives, and a block decoded
in one call gives the records that decoding each of its lines gives."""

from __future__ import annotations

import io

from helpers import capture_line_variants, lines_one_at_a_time, record_line
from hypothesis import given, settings
from hypothesis import strategies as st

from streamhook_nb.load import line_blocks
from streamhook_nb.load.line_blocks import LineBlock
from streamhook_nb.load.readers import capture_blocks, capture_jsonl
from streamhook_nb.samples.webhooks import deliveries

CAP = 60
BOM = b"\xef\xbb\xbf"
_RECORDS = [d.capture_record() for d in deliveries(4, seed=21)]
_GOOD = [record_line(r) for r in _RECORDS]
_SPLIT = _GOOD[0].replace(b'","', b'",\n"', 1)  # one record written over two lines
_PAIR = _GOOD[1][:-1] + _GOOD[2]  # two records on one line, nothing between
_ODD = [
    _SPLIT,
    _PAIR,
    _GOOD[3].replace(b"\n", b"\r\n"),
    b" " + _GOOD[3],
    _GOOD[3][:-1] + b" \n",
    b"{}\n",
    b"{\n",
    b"}\n",
    b"\n",
    *capture_line_variants(_RECORDS[3]),
]

_ANY_LINE = st.one_of(
    st.binary(max_size=CAP + 20).map(lambda b: b.replace(b"\n", b"") + b"\n"),
    st.sampled_from([b"\n", b"\r\n", BOM + b"{}\n", b"x" * (CAP + 1) + b"\n", b"{}\n", b"{\n"]),
)


def _capped(line: bytes) -> bytes:
    """A line as a line-at-a-time read with the cap gives it (cut at CAP + 1 bytes when it is
    longer than the cap; a block read keeps a long line whole when it lies inside a block)."""
    return line[: CAP + 1]


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(_ANY_LINE, max_size=40),
    last=st.binary(max_size=CAP * 2),
    bom=st.booleans(),
    block_lines=st.integers(1, 9),
)
def test_blocks_hold_the_lines_a_line_reader_reads(
    lines: list[bytes], last: bytes, bom: bool, block_lines: int
) -> None:
    data = (BOM if bom else b"") + b"".join(lines) + last.replace(b"\n", b"")
    blocks = list(line_blocks.read_blocks(io.BytesIO(data), CAP, block_lines=block_lines))
    expected = list(lines_one_at_a_time(data.removeprefix(BOM), CAP))
    assert [_capped(line) for block in blocks for line in block.lines()] == expected
    assert sum(block.count for block in blocks) == len(expected)
    for block in blocks:
        assert block.count == len(block.lines())
        if block.data is not None:
            assert block.data.endswith(b"\n")
            assert block.braced == all(
                line.startswith(b"{") and line.endswith(b"}\n") for line in block.lines()
            )


@settings(max_examples=100, deadline=None)
@given(size=st.integers(0, 400), block_lines=st.integers(1, 5))
def test_a_range_stops_at_its_size(size: int, block_lines: int) -> None:
    data = b"".join(_GOOD) * 2
    cut = data.rfind(b"\n", 0, size) + 1  # a range ends where a line starts
    stream = io.BytesIO(data)
    blocks = line_blocks.read_blocks(stream, CAP * 100, size=cut, block_lines=block_lines)
    assert b"".join(line for block in blocks for line in block.lines()) == data[:cut]
    assert stream.tell() == cut


def test_a_line_longer_than_a_read_is_cut_at_the_cap_and_the_next_line_read() -> None:
    data = _GOOD[0] + b"{" + b"x" * 500_000 + b"}\n" + _GOOD[1]  # longer than any one read
    blocks = list(line_blocks.read_blocks(io.BytesIO(data), 3000, block_lines=1))
    lines = [line for block in blocks for line in block.lines()]
    assert [len(line) for line in lines] == [len(_GOOD[0]), 3001, len(_GOOD[1])]


@settings(max_examples=300, deadline=None)
@given(picks=st.lists(st.integers(0, len(_GOOD) + len(_ODD) - 1), min_size=1, max_size=12))
def test_a_block_decodes_as_its_lines_decode(picks: list[int]) -> None:
    pool = _GOOD + _ODD
    data = b"".join(pool[i] for i in picks)
    block = LineBlock(data)
    expected = capture_blocks.common_records(block.lines())
    assert capture_blocks.block_records(LineBlock(data)) == expected


def test_a_record_over_two_lines_and_two_on_one_line_do_not_make_up_for_each_other() -> None:
    data = _SPLIT + _PAIR  # three lines, three records: counted alone, they would match
    block = LineBlock(data)
    assert block.count == 3
    assert len(capture_jsonl.decode_common_lines(data)) == 3
    assert capture_blocks.block_records(block) is None
    assert capture_blocks.common_records(block.lines()) is None


def test_a_clean_block_is_decoded_in_one_call() -> None:
    block = LineBlock(b"".join(_GOOD))
    assert block.braced
    records = capture_blocks.block_records(block)
    assert records is not None
    assert [r.body for r in records] == [r["body"] for r in _RECORDS]


def test_a_long_line_then_a_run_of_short_ones_is_read_without_holding_them_all() -> None:
    import tracemalloc

    first_read = 3 + line_blocks.BLOCK_LINES * 128  # the reader's first two reads, in bytes
    # (three for a byte order mark, then its first guess)
    long = dict(_RECORDS[0])
    long["body"] = str(long["body"])[:-1] + ', "pad": "' + "x" * first_read + '"}'
    line = record_line(long)
    line = line.replace(b"x" * (len(line) - first_read), b"", 1)  # exactly the first read:
    assert len(line) == first_read  # the next read is as big as a read gets
    data = line + b" \n" * 200_000 + b"".join(_GOOD) * 40  # then many whitespace lines
    tracemalloc.start()
    try:
        batches = list(capture_blocks.read(io.BytesIO(data), "log.jsonl"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sum(len(batch) for batch in batches) == 1 + len(_GOOD) * 40
    assert peak < 8 * len(data)  # a list of those lines alone takes about 20x their bytes


def test_the_reads_follow_the_lines_again_after_a_run_of_short_ones() -> None:
    data = b"".join(_GOOD) * 10 + b"\n" * 1000 + b"".join(_GOOD) * 30
    blocks = list(line_blocks.read_blocks(io.BytesIO(data), 1 << 24, block_lines=8))
    last = [block.count for block in blocks[-10:]]
    assert min(last[:-1]) > 4  # about 7 lines a read, not one line each
