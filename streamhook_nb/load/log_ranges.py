"""Line-aligned byte ranges of a capture log, so that worker processes can share it."""

from __future__ import annotations

import multiprocessing
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from multiprocessing.pool import AsyncResult, Pool
from typing import TypeVar

from streamhook_nb.errors import SourceError, WorkerLostError
from streamhook_nb.load.detect import HEAD_BYTES, sniff
from streamhook_nb.load.line_blocks import LineBlock, read_blocks
from streamhook_nb.load.parquet import is_parquet
from streamhook_nb.load.readers import capture_jsonl
from streamhook_nb.load.sources import GZIP_MAGIC, Source

T = TypeVar("T")
R = TypeVar("R")

SPLIT_MIN_BYTES = 16 * 1024 * 1024
"""Capture logs at least this big are split across worker processes."""


def can_fork() -> bool:
    """Forking is safe only while this process runs one thread (and the OS can fork)."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def forked_pool(processes: int) -> Pool:
    """A pool of ``processes`` forked workers that leave Ctrl-C to this process: on an
    interrupt the pool is terminated from here, so no worker prints a traceback of its own."""
    return multiprocessing.get_context("fork").Pool(processes, initializer=_leave_interrupts)


def results(pool: Pool, function: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
    """``pool.imap(function, tasks)``: the results in order, but an error instead of waiting
    forever when a worker dies (killed for memory, say). A pool replaces a dead worker and
    loses its task, so ``imap`` alone would never finish."""
    workers = _worker_ids(pool)
    pending = pool.imap(function, tasks)
    while True:
        try:
            yield pending.next(timeout=_WATCH_SECONDS)
        except StopIteration:
            return
        except multiprocessing.TimeoutError:
            _check_workers(pool, workers)


def bounded_results(
    pool: Pool, function: Callable[[T], R], tasks: Iterable[T], ahead: int
) -> Iterator[R]:
    """:func:`results` for tasks made as they are needed (the blocks of a stream): at most
    ``ahead`` are sent before the result waited for, so memory stays bounded (``imap`` takes
    every task at once). An error in making a task is raised after the results of the tasks
    made before it."""
    workers = _worker_ids(pool)
    pending: deque[AsyncResult[R]] = deque()
    making = iter(tasks)
    failure: Exception | None = None
    while True:
        while failure is None and len(pending) < ahead:
            try:
                task = next(making)
            except StopIteration:
                break
            except Exception as exc:  # damage met while reading: after the tasks before it
                failure = exc
                break
            pending.append(pool.apply_async(function, (task,)))
        if not pending:
            if failure is not None:
                raise failure
            return
        yield _result(pending.popleft(), pool, workers)


def _result(pending: AsyncResult[R], pool: Pool, workers: set[int]) -> R:
    while True:
        try:
            return pending.get(timeout=_WATCH_SECONDS)
        except multiprocessing.TimeoutError:
            _check_workers(pool, workers)


def _check_workers(pool: Pool, workers: set[int]) -> None:
    """Raise when a worker died: a pool replaces it and loses its task, so waiting for that
    task's result would never end."""
    if _worker_ids(pool) != workers:
        raise WorkerLostError(
            "a worker process stopped before finishing its part (killed, perhaps for "
            "want of memory); nothing was written",
            fix="Free some memory, or read fewer or smaller logs at once",
        ) from None


_WATCH_SECONDS = 0.5
"""How often a wait for results checks that every worker is still there."""


def _worker_ids(pool: Pool) -> set[int]:
    # The pool's processes: the public API offers no other way to see one die.
    return {process.pid for process in pool._pool}  # type: ignore[attr-defined]


def server_pool(processes: int) -> Pool:
    """A pool of ``processes`` workers forked from a clean server process (``forkserver``),
    for a process where forking itself is unsafe (a Jupyter kernel runs threads). Its tasks
    and results travel by pickle; the server starts once, with the loader imported, and stays
    for the next pool. Ctrl-C (a kernel interrupt) is left to this process, as in
    :func:`forked_pool`."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([SERVER_PRELOAD])
    return context.Pool(processes, initializer=_leave_interrupts)


SERVER_PRELOAD = "streamhook_nb.load.split_load"
"""What the server process imports once, so that each worker starts ready."""


def can_serve() -> bool:
    """Whether workers can start from a server process without running this program again:
    true in a Jupyter kernel or an interactive session, whose main module is no file. A
    script's main module would be imported again by the server (a script without an
    ``if __name__ == "__main__"`` guard would start over), so a script that runs threads
    loads in one process instead."""
    main = sys.modules.get("__main__")
    named = getattr(getattr(main, "__spec__", None), "name", None)
    return (
        "forkserver" in multiprocessing.get_all_start_methods()
        and getattr(main, "__file__", None) is None
        and named is None
    )


def _leave_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def line_log(source: Source, format: str | None) -> bool:
    """A local, uncompressed capture log (the only format whose records are lines)."""
    head = _head(source, HEAD_BYTES)
    if not head:  # a URL, or a file that cannot be read: read whole, by a reader that says why
        return False
    return not head.startswith(GZIP_MAGIC) and (format or sniff(head)) == capture_jsonl.FORMAT


def splittable(source: Source, format: str | None) -> bool:
    """A local, uncompressed capture log big enough (:data:`SPLIT_MIN_BYTES`) to split."""
    return (source.size or 0) >= SPLIT_MIN_BYTES and line_log(source, format)


@dataclass(frozen=True)
class LogRange:
    """One unit of work: a whole source (``end`` None), or a line-aligned byte range of a
    capture log whose first line is number ``first_line``."""

    source: Source
    start: int = 0
    end: int | None = None
    first_line: int = 1
    row_groups: tuple[int, ...] | None = None  # a Parquet file's share: these row groups

    @property
    def whole(self) -> bool:
        """Whether the part is its whole file (not a share of its row groups; a byte range
        only when it spans the file: a small log on a cluster)."""
        spans = self.end is None or (self.start == 0 and self.end == self.source.size)
        return spans and self.row_groups is None

    @property
    def size(self) -> int:
        """The bytes of its file the part covers (a whole file's, for a whole file or share)."""
        return (self.source.size or 0) if self.end is None else self.end - self.start


def split(source: Source, parts: int) -> list[LogRange]:
    """Line-aligned byte ranges of a local capture log."""
    size = source.size or 0
    bounds = [0]
    with open(source.url, "rb") as handle:
        for k in range(1, parts):
            handle.seek(max(size * k // parts, bounds[-1]))
            handle.readline()
            bounds.append(min(handle.tell(), size))
    bounds.append(size)
    return [LogRange(source, a, b) for a, b in pairwise(bounds) if b > a]


TASK_MIN_BYTES = 1024 * 1024
"""Whole files are gathered into tasks of at least this many bytes (a folder of one file per
delivery would otherwise cost a task, a hand-back and a merge per delivery)."""


def streaming_parts(sources: list[Source], format: str | None, wanted: int) -> list[LogRange]:
    """The units of work for ``wanted`` workers that stream (``verify``, ``events``, the
    ``load`` summary): big local capture logs as byte ranges, local Parquet files as shares of
    their row groups, any other file whole."""
    parts: list[LogRange] = []
    for source in sources:
        if wanted > 1 and splittable(source, format):
            parts.extend(split(source, wanted))
        elif wanted > 1 and _local_parquet(source):
            parts.extend(split_parquet(source, wanted))
        else:
            parts.append(LogRange(source))
    return parts


def gathered(parts: list[LogRange], workers: int) -> list[tuple[LogRange, ...]]:
    """The parts in order, as tasks: a byte range or a Parquet share alone, consecutive whole
    files (:attr:`LogRange.whole`) together until they hold :data:`TASK_MIN_BYTES` (or a
    quarter of each worker's share, when that is more, so the tasks still spread over the
    workers)."""
    target = max(TASK_MIN_BYTES, sum(part.size for part in parts) // (4 * workers))
    tasks: list[tuple[LogRange, ...]] = []
    files: list[LogRange] = []
    held = 0
    for part in parts:
        if not part.whole:
            if files:
                tasks.append(tuple(files))
                files, held = [], 0
            tasks.append((part,))
            continue
        files.append(part)
        held += part.size
        if held >= target:
            tasks.append(tuple(files))
            files, held = [], 0
    if files:
        tasks.append(tuple(files))
    return tasks


def _local_parquet(source: Source) -> bool:
    return is_parquet(_head(source, 4))


def _head(source: Source, size: int) -> bytes:
    """The first bytes of a local file; nothing for a URL or a file that cannot be read (it is
    then read whole, by the reader that says why)."""
    if "://" in source.url:
        return b""
    try:
        with open(source.url, "rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def done_bytes(part: LogRange, following: LogRange | None) -> int:
    """The bytes of its file a finished part accounts for in a progress bar (a Parquet file's
    shares count once, with the last of them)."""
    more_shares = (
        part.row_groups is not None
        and following is not None
        and following.source == part.source
        and following.row_groups is not None
    )
    return 0 if more_shares else part.size


def split_parquet(source: Source, parts: int) -> list[LogRange]:
    """A local Parquet file of deliveries as consecutive shares of its row groups (one task
    when it has a single group); each worker reads only its own groups from the file."""
    from streamhook_nb.load.parquet import row_group_count

    groups = row_group_count(source.url)
    parts = min(parts, groups)
    if parts < 2:
        return [LogRange(source)]
    bounds = [groups * k // parts for k in range(parts + 1)]
    return [LogRange(source, row_groups=tuple(range(a, b))) for a, b in pairwise(bounds)]


def parquet_shares(source: Source, block: int) -> list[LogRange]:
    """A Parquet file of deliveries (local or an fsspec URL) as consecutive shares of its row
    groups holding about ``block`` bytes each (as Parquet counts them, uncompressed); one
    task when it has a single group or cannot be read (reading it then says why)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with source.open() as stream:
            if not is_parquet(stream.read(4)):
                return [LogRange(source)]
            stream.seek(0)
            metadata = pq.ParquetFile(stream).metadata
    except (pa.ArrowException, OSError, SourceError):
        return [LogRange(source)]
    shares: list[tuple[int, ...]] = []
    share: list[int] = []
    held = 0
    for group in range(metadata.num_row_groups):
        size = metadata.row_group(group).total_byte_size
        if share and held + size > block:
            shares.append(tuple(share))
            share, held = [], 0
        share.append(group)
        held += size
    if share:
        shares.append(tuple(share))
    if len(shares) < 2:
        return [LogRange(source)]
    return [LogRange(source, row_groups=groups) for groups in shares]


def count_lines(part: LogRange) -> int:
    """Newlines in the range (its number of lines), read into one small reused buffer (a new
    buffer per read costs more in page faults than the count itself)."""
    count = 0
    buffer = bytearray(256 << 10)
    view = memoryview(buffer)
    with open(part.source.url, "rb", buffering=0) as handle:
        handle.seek(part.start)
        remaining = (part.end or 0) - part.start
        while remaining > 0:
            read = handle.readinto(view[: min(remaining, len(buffer))])
            if not read:
                break
            count += buffer.count(b"\n", 0, read)
            remaining -= read
    return count


def range_blocks(
    part: LogRange, max_line_bytes: int = capture_jsonl.MAX_LINE_BYTES
) -> Iterator[LineBlock]:
    """The range's lines in blocks (:func:`line_blocks.read_blocks`), with the line cap
    applied while reading; the first range drops a UTF-8 byte order mark, as a whole-file read
    does."""
    with open(part.source.url, "rb") as handle:
        handle.seek(part.start)
        size = None if part.end is None else part.end - part.start
        yield from read_blocks(handle, max_line_bytes, size=size, drop_bom=part.start == 0)


class LinesBefore:
    """The lines of a file ahead of each of its ranges, as the ranges come in order (a file's
    first range starts at byte 0; a file listed twice is numbered twice from its first line)."""

    def __init__(self) -> None:
        self._before = 0

    def take(self, part: LogRange, lines: int) -> int:
        """The lines ahead of ``part`` in its file; ``lines``: the lines ``part`` holds."""
        if part.start == 0:
            self._before = 0
        before = self._before
        self._before += lines
        return before


def number_lines(ranges: list[LogRange], counts: list[int]) -> list[LogRange]:
    """Give each byte range the number of its first line, counting within its file."""
    numbered: list[LogRange] = []
    lines_before = LinesBefore()
    for part, count in zip(ranges, counts, strict=True):
        if part.end is None:
            numbered.append(part)
            continue
        first = lines_before.take(part, count) + 1
        numbered.append(LogRange(part.source, part.start, part.end, first))
    return numbered
