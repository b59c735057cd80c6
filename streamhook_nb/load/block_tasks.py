"""A stream's blocks of lines as numbered tasks for worker processes.

A gzip capture log cannot be cut into byte ranges as a plain one can: it is inflated by one
process, read as blocks of whole lines (:mod:`line_blocks`), and the blocks go to the workers a
few megabytes at a time, each task knowing the number of its first line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import Pool
from typing import IO, Any, TypeVar

from streamhook_nb.load.batch import Rejected
from streamhook_nb.load.detect import HEAD_BYTES, sniff
from streamhook_nb.load.line_blocks import LineBlock, read_blocks
from streamhook_nb.load.log_ranges import bounded_results
from streamhook_nb.load.readers import capture_jsonl
from streamhook_nb.load.readers.capture_blocks import damage_reason
from streamhook_nb.load.sources import DAMAGE_ERRORS, GZIP_MAGIC, Source

R = TypeVar("R")

TASK_BYTES = 2 << 20
"""About how many bytes of lines make a task: enough to pay for sending it to a worker and
back, few enough that the workers start early and the tasks in flight hold little memory."""
AHEAD = 2
"""Tasks in flight per worker: one being read, one waiting."""
MIN_BYTES = 2 << 20
"""A gzip capture log this big (compressed: about 20 MB of lines) is worth the workers."""


def big_gzip_log(sources: list[Source], format: str | None) -> bool:
    """Whether the sources are one local gzip capture log of at least :data:`MIN_BYTES`."""
    if len(sources) != 1 or format not in (None, capture_jsonl.FORMAT):
        return False
    source = sources[0]
    if "://" in source.url or (source.size or 0) < MIN_BYTES:
        return False
    try:
        with open(source.url, "rb") as raw:
            if raw.read(len(GZIP_MAGIC)) != GZIP_MAGIC:
                return False
        with source.open() as stream:
            head = stream.read(HEAD_BYTES)  # the bytes before damage, if it is damaged
    except (OSError, *DAMAGE_ERRORS):  # unreadable: reading it says why
        return False
    return (format or sniff(head)) == capture_jsonl.FORMAT


@dataclass(frozen=True)
class BlockTask:
    """Consecutive blocks of a log, the first of them starting at line ``first_line``."""

    blocks: tuple[LineBlock, ...]
    first_line: int


class BlockTasks:
    """The blocks gathered into tasks of about ``task_bytes``, in order.

    Damage met while reading (a gzip file cut short) is raised once the blocks read before it
    have gone out as a task; :attr:`next_line` is then the line where reading stopped.
    """

    def __init__(
        self, blocks: Iterable[LineBlock], first_line: int = 1, task_bytes: int = TASK_BYTES
    ) -> None:
        self._blocks = blocks
        self._task_bytes = task_bytes
        self.next_line = first_line
        """The number of the line after the lines read so far."""

    def __iter__(self) -> Iterator[BlockTask]:
        group: list[LineBlock] = []
        held = 0
        first = self.next_line
        try:
            for block in self._blocks:
                group.append(block)
                held += _size(block)
                self.next_line += block.count
                if held >= self._task_bytes:
                    yield BlockTask(tuple(group), first)
                    group, held, first = [], 0, self.next_line
        except DAMAGE_ERRORS:
            if group:
                yield BlockTask(tuple(group), first)
            raise
        if group:
            yield BlockTask(tuple(group), first)


def task_results(
    stream: IO[bytes],
    name: str,
    pool: Pool,
    function: Callable[[Any], R],
    workers: int,
    task: Callable[[BlockTask], Any] | None = None,
) -> Iterator[R | Rejected]:
    """``function`` over the tasks of the capture log ``stream``, in order, on ``pool``'s
    workers (``task`` makes each one's argument from its :class:`BlockTask`, else that is
    the argument). Damage met while reading (a file cut short) ends them with its rejected
    record, at the line where reading stopped, as when one process reads the log."""
    numbered = BlockTasks(read_blocks(stream, capture_jsonl.MAX_LINE_BYTES))
    tasks: Iterable[Any] = numbered if task is None else map(task, numbered)
    try:
        yield from bounded_results(pool, function, tasks, AHEAD * workers)
    except DAMAGE_ERRORS as exc:
        yield Rejected(f"{name}:{numbered.next_line}", damage_reason(exc))


class ReadPosition:
    """How far into a compressed file its reader has gone, for a progress bar."""

    def __init__(self, stream: object) -> None:
        self._raw = getattr(stream, "fileobj", None)
        self._last = 0

    def moved(self) -> int:
        """The compressed bytes read since the last call."""
        try:
            now = self._raw.tell() if self._raw is not None else self._last
        except (OSError, ValueError):  # closed
            return 0
        moved, self._last = now - self._last, now
        return max(moved, 0)


def _size(block: LineBlock) -> int:
    return len(block.data) if block.data is not None else sum(map(len, block.lines()))
