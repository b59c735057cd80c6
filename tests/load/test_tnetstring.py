"""The bounded tnetstring decoder: what mitmproxy writes comes back, anything else is a
TnetstringError saying what and where, never another exception, a recursion or a huge read."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tnetstrings import dumps

from streamhook_nb.load.readers.tnetstring import (
    MAX_DEPTH,
    Frame,
    TnetstringError,
    decode,
    loads,
    next_frame,
)

KEYS = st.text(max_size=8)
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False)
    | st.binary(max_size=20)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=20,
)
FUZZ = settings(max_examples=300, derandomize=True, database=None)


@FUZZ
@given(VALUES)
def test_what_mitmproxy_writes_comes_back(value: Any) -> None:
    assert loads(dumps(value)) == value


@FUZZ
@given(st.binary(max_size=200))
def test_any_bytes_decode_or_raise_a_tnetstring_error(data: bytes) -> None:
    _decoded_or_named(data)


@FUZZ
@given(VALUES, st.integers(min_value=0, max_value=10**6), st.binary(min_size=1, max_size=4))
def test_damaged_values_raise_a_tnetstring_error(value: Any, at: int, junk: bytes) -> None:
    data = bytearray(dumps(value))
    at %= len(data)
    data[at : at + len(junk)] = junk
    _decoded_or_named(bytes(data))


def _decoded_or_named(data: bytes) -> None:
    """``data`` decodes, or fails with a :class:`TnetstringError` that says why: never any
    other exception (an ``IndexError``, a ``RecursionError``)."""
    try:
        loads(data)
    except TnetstringError as exc:
        message = str(exc)
    else:
        message = "decoded"
    assert message


@FUZZ
@given(st.lists(VALUES, max_size=4), st.integers(min_value=0, max_value=400))
def test_frames_of_a_stream_cut_anywhere(values: list[Any], cut: int) -> None:
    """Whole frames before the cut come back; the one it falls in is an error, never a hang."""
    data = b"".join(dumps(value) for value in values)
    stream = io.BytesIO(data[:cut])
    decoded = []
    try:
        while (frame := next_frame(stream, 1 << 20)) is not None:
            decoded.append(decode(frame))
    except TnetstringError:
        assert cut < len(data)
    assert decoded == values[: len(decoded)]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"5:hello~", "not a null"),
        (b"3:abc#", "not an integer"),
        (b"3:1.x^", "not a float"),
        (b"3:yes!", "not a boolean"),
        (b"2:\xff\xfe;", "not UTF-8"),
        (b"3:abc?", "unknown type tag"),
        (b"x:abc,", "expected a length prefix"),
        (b"-3:abc,", "expected a length prefix"),
        (b"9:abc,", "but 3 follow"),
        (b"6:3:abc,}", "has no value"),
        (b"6:0:]0:~}", "key that is a list"),
        (b"10:99:abc,0:~]", "more than its container holds"),
        (b"1234567890123:x,", "expected a length prefix"),
    ],
)
def test_each_fault_is_named(data: bytes, says: str) -> None:
    with pytest.raises(TnetstringError, match=says):
        loads(data)


def test_deep_nesting_is_refused_without_recursion() -> None:
    deep = b"0:]"
    for _ in range(5_000):  # deeper than Python's recursion limit
        deep = b"%d:%s]" % (len(deep), deep)
    with pytest.raises(TnetstringError, match=f"nested deeper than {MAX_DEPTH}"):
        loads(deep)
    five = [[[[[]]]]]
    assert loads(dumps(five), max_depth=5) == five
    with pytest.raises(TnetstringError, match="nested deeper than 4"):
        loads(dumps(five), max_depth=4)


def test_a_declared_length_beyond_the_stream_reads_only_what_is_there() -> None:
    stream = io.BytesIO(b"999999999999:{}")  # a terabyte declared, two bytes there
    with pytest.raises(TnetstringError, match="cut short"):
        next_frame(stream, 10**12)
    with pytest.raises(TnetstringError, match="more than the 1000 allowed"):
        next_frame(io.BytesIO(b"1001:" + b"x" * 1002), 1000)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"12", "followed by the end of the file"),
        (b"12;", "followed by b';'"),
        (b"{}", "found b'{'"),
        (b"1" * 13 + b":", "longer than 12 digits"),
    ],
)
def test_broken_framing_is_named(data: bytes, says: str) -> None:
    with pytest.raises(TnetstringError, match=says):
        next_frame(io.BytesIO(data), 1 << 20)


def test_whitespace_between_frames_is_passed_over() -> None:
    stream = io.BytesIO(b"0:~\n 1:1#\n")
    frames = [next_frame(stream, 100), next_frame(stream, 100), next_frame(stream, 100)]
    assert frames == [Frame(b"", ord("~")), Frame(b"1", ord("#")), None]


def test_old_files_bytes_keys_are_text() -> None:
    assert loads(b"15:7:version,2:21#}") == {"version": 21}
