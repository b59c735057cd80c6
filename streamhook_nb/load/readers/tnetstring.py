"""A bounded decoder of tnetstrings (typed netstrings), the encoding of mitmproxy's flow files.

A tnetstring is ``LENGTH:PAYLOAD`` and a one-byte type tag: ``,`` bytes, ``;`` UTF-8 text,
``#`` integer, ``^`` float, ``!`` boolean, ``~`` null, ``]`` list, ``}`` dictionary (keys and
values alternate). Nothing here trusts a declared length: each is checked against the bytes
there are, nesting is walked with a stack of our own (no recursion), and every fault is a
:class:`TnetstringError` saying what is wrong and at which byte.
"""

from __future__ import annotations

import re
from typing import IO, Any, NamedTuple

MAX_DEPTH = 256
"""Deepest nesting decoded (a flow nests about six deep; more is refused, not recursed into)."""
MAX_PREFIX_DIGITS = 12
"""Longest length prefix, as mitmproxy's own reader allows (up to a terabyte)."""
READ_CHUNK = 1 << 20
"""A declared length is read a MiB at a time, so a huge one costs only the bytes that exist."""
_CONTAINERS = frozenset(b"]}")
_INTEGER = re.compile(rb"-?[0-9]{1,40}")
_FLOAT = re.compile(rb"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,4})?|-?inf|nan")
_WHITESPACE = b" \t\r\n"


class TnetstringError(ValueError):
    """Bytes that are not a tnetstring; the message says what is wrong and where."""


class Frame(NamedTuple):
    """One top-level tnetstring of a stream, not yet decoded: its payload and type tag."""

    payload: bytes
    tag: int


def next_frame(stream: IO[bytes], max_bytes: int) -> Frame | None:
    """The next top-level tnetstring of ``stream`` (whitespace before it is passed over), or
    None at the end of the stream.

    Raises :class:`TnetstringError` when the framing is broken (a length prefix that is not a
    number, a declared length beyond ``max_bytes`` or beyond the end of the stream): nothing
    after such a frame can be found.
    """
    first = stream.read(1)
    while first and first in _WHITESPACE:
        first = stream.read(1)
    if not first:
        return None
    digits, char = b"", first
    while char.isdigit():
        digits += char
        if len(digits) > MAX_PREFIX_DIGITS:
            raise TnetstringError(f"a length prefix longer than {MAX_PREFIX_DIGITS} digits")
        char = stream.read(1)
    if not digits:
        raise TnetstringError(f"expected a length prefix (digits and ':'), found {first!r}")
    if char != b":":
        found = "the end of the file" if not char else repr(char)
        raise TnetstringError(f"length prefix {digits.decode()} followed by {found}, not ':'")
    length = int(digits)
    if length > max_bytes:
        raise TnetstringError(f"declares {length} bytes, more than the {max_bytes} allowed")
    data = _read_exactly(stream, length + 1)
    if len(data) <= length:
        raise TnetstringError(
            f"declares {length} bytes but the file ends {len(data)} bytes into it: cut short"
        )
    return Frame(data[:length], data[length])


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    """Up to ``size`` bytes, read a chunk at a time (fewer only at the end of the stream)."""
    parts, left = [], size
    while left:
        part = stream.read(min(left, READ_CHUNK))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def loads(data: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """The value of one whole tnetstring (nothing may follow it)."""
    length, start = _prefix(data, 0, len(data))
    end = start + length
    if end + 1 != len(data):
        raise TnetstringError(
            f"declares {length} bytes, but {max(len(data) - start - 1, 0)} follow its prefix"
        )
    return decode(Frame(data[start:end], data[end]), max_depth)


def decode(frame: Frame, max_depth: int = MAX_DEPTH) -> Any:
    """The value of a frame: ``None``, ``bool``, ``int``, ``float``, ``bytes``, ``str``, a
    list, or a dict with ``str`` keys (``bytes`` keys, as old files have, decoded as Latin-1)."""
    data = frame.payload
    if frame.tag not in _CONTAINERS:
        return _scalar(frame.tag, data, 0, len(data))
    root = _Container(frame.tag, len(data))
    stack, position = [root], 0
    while stack:
        top = stack[-1]
        if position == top.end:
            stack.pop()
            if stack:
                stack[-1].add(top.finish(position), position)
                position += 1  # past the finished container's type tag
            continue
        length, start = _prefix(data, position, top.end)
        end = start + length
        if end >= top.end:
            raise TnetstringError(
                f"at byte {position}: declares {length} bytes, more than its container holds"
            )
        tag = data[end]
        if tag in _CONTAINERS:
            if len(stack) >= max_depth:
                raise TnetstringError(f"at byte {position}: nested deeper than {max_depth}")
            stack.append(_Container(tag, end))
            position = start
        else:
            top.add(_scalar(tag, data, start, end), position)
            position = end + 1
    return root.finish(len(data))


class _Container:
    """A list or dictionary being filled: its items, where it ends, a key awaiting its value."""

    __slots__ = ("end", "items", "key", "mapping")

    def __init__(self, tag: int, end: int) -> None:
        self.end = end
        self.items: list[Any] | None = [] if tag == ord("]") else None
        self.mapping: dict[str, Any] = {}
        self.key: str | None = None

    def add(self, value: Any, position: int) -> None:
        if self.items is not None:
            self.items.append(value)
        elif self.key is not None:
            self.mapping[self.key], self.key = value, None
        elif isinstance(value, str):
            self.key = value
        elif isinstance(value, bytes):
            self.key = value.decode("latin-1")
        else:
            raise TnetstringError(
                f"at byte {position}: a dictionary key that is {_kind(value)}, not text"
            )

    def finish(self, position: int) -> Any:
        if self.items is not None:
            return self.items
        if self.key is not None:
            raise TnetstringError(f"at byte {position}: key {self.key[:40]!r} has no value")
        return self.mapping


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    return "a dictionary" if isinstance(value, dict) else type(value).__name__


def _prefix(data: bytes, position: int, end: int) -> tuple[int, int]:
    """The length a prefix at ``position`` declares and where its payload starts."""
    colon = data.find(b":", position, min(end, position + MAX_PREFIX_DIGITS + 1))
    digits = data[position:colon] if colon > position else b""
    if not digits.isdigit():
        shown = data[position : min(end, position + 16)]
        raise TnetstringError(f"at byte {position}: expected a length prefix, found {shown!r}")
    return int(digits), colon + 1


def _scalar(tag: int, data: bytes, start: int, end: int) -> Any:
    """The value of a payload that is not a container."""
    payload = data[start:end]
    if tag == ord(","):
        return payload
    if tag == ord(";"):
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            raise TnetstringError(f"at byte {start}: text that is not UTF-8") from None
    if tag == ord("#") and _INTEGER.fullmatch(payload):
        return int(payload)
    if tag == ord("^") and _FLOAT.fullmatch(payload):
        return float(payload)
    if tag == ord("!") and payload in (b"true", b"false"):
        return payload == b"true"
    if tag == ord("~") and not payload:
        return None
    if chr(tag) in "#^!~":
        kind = {"#": "an integer", "^": "a float", "!": "a boolean", "~": "a null"}[chr(tag)]
        raise TnetstringError(f"at byte {start}: {payload[:40]!r} is not {kind}")
    raise TnetstringError(f"at byte {end}: unknown type tag {bytes([tag])!r}")
