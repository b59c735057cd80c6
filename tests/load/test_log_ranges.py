"""Line-aligned ranges of a capture log read, one after the other, exactly the whole log."""

from __future__ import annotations

from pathlib import Path

from helpers import lines_one_at_a_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamhook_nb.load import log_ranges
from streamhook_nb.load.sources import expand

CAP = 40
_LINES = st.lists(
    st.one_of(
        st.binary(max_size=CAP + 30).map(lambda b: b.replace(b"\n", b"") + b"\n"),
        st.sampled_from([b"\n", b"\r\n", b"\xef\xbb\xbf{}\n", b"x" * (CAP + 1) + b"\n"]),
    ),
    max_size=30,
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=_LINES, last=st.binary(max_size=CAP * 2), bom=st.booleans(), parts=st.integers(1, 6))
def test_ranges_read_the_lines_of_the_whole_log(
    tmp_path: Path, lines: list[bytes], last: bytes, bom: bool, parts: int
) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join(lines) + last.replace(b"\n", b"")
    path = tmp_path / "log.jsonl"
    path.write_bytes(data)
    (source,) = expand(path)
    ranges = log_ranges.split(source, parts)
    split = [
        line
        for part in ranges
        for block in log_ranges.range_blocks(part, CAP)
        for line in block.lines()
    ]
    whole = lines_one_at_a_time(data.removeprefix(b"\xef\xbb\xbf"), CAP)
    assert [_capped(line) for line in split] == list(whole)
    counts = [log_ranges.count_lines(part) for part in ranges]
    assert sum(counts) == data.count(b"\n")
    numbered = log_ranges.number_lines(ranges, counts)
    assert [part.first_line for part in numbered] == [
        1 + sum(counts[:k]) for k in range(len(ranges))
    ]


def _capped(line: bytes) -> bytes:
    """A line as a line-at-a-time read with the cap gives it (a longer line cut at CAP + 1;
    the block reader keeps an overlong line whole when it sits inside a block it read)."""
    return line[: CAP + 1]


def test_a_log_listed_twice_is_numbered_from_its_first_line_each_time(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"{}\n" * 10 + b"{}")
    (source,) = expand(path)
    ranges = log_ranges.split(source, 3) * 2
    counts = [log_ranges.count_lines(part) for part in ranges]
    firsts = [part.first_line for part in log_ranges.number_lines(ranges, counts)]
    assert firsts == firsts[:3] * 2
    assert firsts[0] == 1
