"""A capture log read as blocks of whole lines: one ``read`` per few hundred lines, not one
``readline`` per line.

A block is either one buffer of whole lines, each ending in a newline (what a log is made of),
or a short list of lines read one at a time: the log's last line when it has no newline, and a
line longer than the cap, cut at the cap + 1 bytes while reading (the rest is skipped a block
at a time, so a huge line, a gzip bomb, never sits in memory whole).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO

from streamhook_nb.load.sources import DAMAGE_ERRORS

BOM = b"\xef\xbb\xbf"
"""UTF-8 byte order mark (editors on Windows put one at the start of a file)."""
BLOCK_LINES = 512
"""Lines per block, about: the first read guesses, the later ones follow the length of the
lines read so far, and no read goes past :data:`_MAX_READ`."""
_GUESSED_LINE_BYTES = 128
"""What the first read takes a line to be, until the log shows its own."""
_MIN_READ = 64
_MAX_READ = 120 << 10
"""The biggest read: under the C allocator's 128 KiB threshold for mapping memory on its own.
Bigger reads, freed after each block, raise that threshold, and the loaded frame's long-lived
buffers then share the heap with them: 8 MiB reads cost 8 MB more at the peak of a 300 MB load
in one process (1.21x the file instead of 1.17x)."""


class LineBlock:
    """Consecutive lines of a log: as one buffer (``data``) or as a list of lines."""

    __slots__ = ("_lines", "braced", "count", "data")

    def __init__(self, data: bytes | None = None, lines: list[bytes] | None = None) -> None:
        self.data = data
        """The lines as one buffer, each ending in a newline; None for a list of lines."""
        self._lines = lines
        self.count = len(lines) if lines is not None else 0
        """How many lines the block holds."""
        self.braced = False
        """Whether ``data`` holds lines that each start with ``{`` and end with ``}`` before
        the newline (what a JSON object per line looks like)."""
        if data is not None:
            self.count, self.braced = _braced_lines(data)

    def lines(self) -> list[bytes]:
        """The block's lines, each with its newline (if it had one), as a list."""
        if self._lines is not None:
            return self._lines
        return list(self.iter_lines())

    def iter_lines(self) -> Iterator[bytes]:
        """The block's lines one at a time: a buffer of many short lines is never held as a
        list of them (a long line can make the next read big)."""
        if self.data is None:
            yield from self._lines or ()
            return
        data, start = self.data, 0
        find = data.find
        while (end := find(b"\n", start)) >= 0:
            yield data[start : end + 1]
            start = end + 1

    def __repr__(self) -> str:
        kind = "buffer" if self.data is not None else "list"
        return f"LineBlock({self.count} lines as a {kind})"


def _braced_lines(data: bytes) -> tuple[int, bool]:
    """The number of lines in ``data`` (whole lines), and whether each is braced (see
    :attr:`LineBlock.braced`): one pass of ``find``, which is several times faster than
    ``bytes.count``."""
    find = data.find
    count = 0
    braced = data[:1] == b"{"
    end = find(b"\n")
    while end >= 0:
        count += 1
        braced = braced and data[end - 1] == 125  # b"}"
        following = find(b"\n", end + 1)
        if following >= 0:
            braced = braced and data[end + 1] == 123  # b"{"
        end = following
    return count, braced


def read_blocks(
    stream: IO[bytes],
    max_line_bytes: int,
    *,
    size: int | None = None,
    drop_bom: bool = True,
    block_lines: int = BLOCK_LINES,
) -> Iterator[LineBlock]:
    """The stream's lines in blocks of about ``block_lines``: the next ``size`` bytes (a
    line-aligned range), or all of it. ``drop_bom``: the stream starts the log, so a byte
    order mark before its first line is not part of it."""
    read, readline = stream.read, stream.readline
    left = _Budget(size)
    pending = left.took(read(left.at_most(len(BOM)))) if drop_bom else b""
    pending = pending.removeprefix(BOM)
    want = block_lines * _GUESSED_LINE_BYTES
    while pending or left:
        chunk = pending + left.took(read(left.at_most(want))) if left else pending
        pending = b""
        if not chunk:
            return
        start = chunk.rfind(b"\n") + 1  # where the line after the last newline starts
        if start == len(chunk):  # whole lines (the common case)
            block = LineBlock(chunk)
            yield block
            want = _next_read(block, block_lines)
            continue
        try:
            last = _last_line(chunk[start:], max_line_bytes, readline, left)
        except DAMAGE_ERRORS:  # the file ends in damage: its whole lines before it still count
            if start:
                yield LineBlock(chunk[:start])
            raise
        if last[-1] == 10 and len(last) <= max_line_bytes:  # an ordinary line: keep it here
            block = LineBlock(chunk[:start] + last)
            yield block
            want = _next_read(block, block_lines)
            continue
        if start:
            yield LineBlock(chunk[:start])
        yield LineBlock(lines=[last])


def _next_read(block: LineBlock, block_lines: int) -> int:
    """Bytes to read for the next block: ``block_lines`` lines as long as this block's."""
    size = len(block.data or b"") * block_lines // max(block.count, 1)
    return min(max(size, _MIN_READ), _MAX_READ)


def _last_line(
    head: bytes, max_line_bytes: int, readline: Callable[[int], bytes], left: _Budget
) -> bytes:
    """The line that ``head`` begins, read to its end; a line longer than the cap comes back
    cut at ``max_line_bytes + 1`` bytes, its rest skipped a block at a time."""
    limit = max_line_bytes + 1
    if len(head) < limit:
        rest = left.took(readline(limit - len(head)))
        line = head + rest
        del rest
    else:
        line = head[:limit]
    if line[-1] != 10 and len(line) == limit:  # the line goes on: skip the rest of it
        while (more := left.took(readline(1 << 20))) and more[-1] != 10:
            pass
    return line


class _Budget:
    """Bytes still to read from a range (``None``: to the end of the stream)."""

    def __init__(self, size: int | None) -> None:
        self.left = size

    def __bool__(self) -> bool:
        return self.left is None or self.left > 0

    def at_most(self, wanted: int) -> int:
        """How much of ``wanted`` to read now."""
        return wanted if self.left is None else min(wanted, self.left)

    def took(self, data: bytes) -> bytes:
        """Count ``data`` as read; returns it."""
        if self.left is not None:
            self.left = max(self.left - len(data), 0)
        return data
