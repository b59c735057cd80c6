"""Append capture records to a JSON Lines log: whole records only, owner-only, optional fsync."""

from __future__ import annotations

import asyncio
import errno
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

from streamhook_nb.errors import UsageError

LOG_MODE = 0o600
"""Capture logs hold signatures and payloads: only their owner may read them."""


class CaptureLog:
    """The capture log file.

    Every :meth:`append` reaches the operating system before it returns, so a delivery that got
    a 200 survives the receiver being killed. With ``fsync=True`` appends are also forced to disk
    (group commit: one ``fsync`` for every append waiting at that moment), which survives power
    loss.

    A failed append never leaves part of a record behind: the file is cut back to its last whole
    record (or, if even that fails, the next record starts on a new line), and the error is
    raised so that the receiver answers 503. :meth:`problem` says why the log cannot take
    records while appends fail. A log file deleted or replaced while open is noticed at the next
    append (its inode changed) and opened again at its path. A log whose last line was torn by a
    crash gets a newline first, so the torn line stays a line of its own (the loader rejects it)
    and cannot swallow the next record.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        fsync: bool = False,
        rotate_bytes: int | None = None,
        rotate_daily: bool = False,
    ) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self.rotate_bytes = rotate_bytes
        self.rotate_daily = rotate_daily
        self.failure: OSError | None = None
        """The last write or fsync error, until an append succeeds again."""
        self._fd: int | None = None
        self._day = ""
        self._size = 0
        self._torn = False  # the file may end inside a record: start the next one on a new line
        self._failed_bytes = 0
        self._waiting: list[asyncio.Future[None]] = []
        self._committing: asyncio.Task[None] | None = None

    @property
    def is_open(self) -> bool:
        """True between :meth:`open` and :meth:`close`."""
        return self._fd is not None

    def open(self) -> None:
        """Open for appending (a new file is owner-only), ending a torn last line first.

        Raises :class:`UsageError` when the path is not a regular file (a directory, a device
        such as ``/dev/full``) and ``OSError`` when it cannot be opened for writing.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        if self.path.is_dir():
            raise UsageError(f"{self.path} is a directory", fix="Give a file path for the log")
        fd = os.open(self.path, flags, LOG_MODE)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise UsageError(
                    f"{self.path} is not a regular file",
                    fix="A capture log must be a file on disk, so that a 200 means the record "
                    "is stored; give a file path",
                )
            if info.st_mode & 0o077:
                os.fchmod(fd, stat.S_IMODE(info.st_mode) & 0o700)
            if info.st_size and os.pread(fd, 1, info.st_size - 1) != b"\n":
                _write_all(fd, b"\n")
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self._size = os.fstat(fd).st_size
        self._torn = False
        self._day = _today()

    def write(self, line: bytes) -> None:
        """Append one record line (ending in a newline) and hand it to the OS.

        On failure nothing of the record stays in the file, :attr:`failure` is set, and the
        ``OSError`` is raised.
        """
        self._size = self._ensure_current()
        self._rotate_if_due(len(line))
        fd = self._fd
        assert fd is not None
        data = b"\n" + line if self._torn else line
        start = self._size
        try:
            _write_all(fd, data)
        except OSError as exc:
            self._cut_back(fd, start)
            self.failure, self._failed_bytes = exc, len(data)
            raise
        self._size = start + len(data)
        self._torn = False
        if not self.fsync:
            self.failure = None

    async def append(self, line: bytes) -> None:
        """:meth:`write`, then (with ``fsync``) wait until the line is on disk.

        Raises ``OSError`` when the record could not be written or forced to disk.
        """
        self.write(line)
        if not self.fsync:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        if self._committing is None or self._committing.done():
            self._committing = asyncio.create_task(self._commit())
        await waiter

    def problem(self) -> str | None:
        """Why the log cannot take records right now, or None when it can.

        A replaced or deleted log file is opened again here. After a write failed for lack of
        space, the log counts as healthy again once the file system has room for that record;
        after any other failure, once an append succeeds.
        """
        try:
            self._ensure_current()
        except (OSError, UsageError) as exc:
            return f"cannot open {self.path}: {_reason(exc)}"
        failure = self.failure
        if failure is None:
            return None
        if failure.errno == errno.ENOSPC and self._free_bytes() > self._failed_bytes:
            return None
        return f"writing {self.path} failed: {_reason(failure)}"

    async def _commit(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            error: OSError | None = None
            try:
                if self._fd is None:
                    raise OSError(errno.EBADF, "the capture log was closed")
                await asyncio.to_thread(os.fsync, self._fd)
            except OSError as exc:
                error = exc
                self.failure, self._failed_bytes = exc, 0
            else:
                self.failure = None
            for waiter in batch:
                if waiter.done():
                    continue
                if error is None:
                    waiter.set_result(None)
                else:
                    waiter.set_exception(OSError(error.errno, error.strerror))

    def _ensure_current(self) -> int:
        """Open the log, or open it again when its file was deleted or replaced; its size."""
        if self._fd is None:
            self.open()
            return self._size
        mine = os.fstat(self._fd)
        try:
            there = os.stat(self.path)
        except FileNotFoundError:
            there = None
        if there is None or (there.st_dev, there.st_ino) != (mine.st_dev, mine.st_ino):
            self._close_fd()
            self.open()
            return self._size
        return mine.st_size

    def _cut_back(self, fd: int, size: int) -> None:
        """Drop a partly written record; if the file cannot be cut, start the next on a new line."""
        try:
            os.ftruncate(fd, size)
        except OSError:
            self._torn = True

    def _free_bytes(self) -> int:
        try:
            info = os.statvfs(self.path.parent)
        except OSError:
            return 0
        return info.f_bavail * info.f_frsize

    def _rotate_if_due(self, incoming: int) -> None:
        by_size = (
            self.rotate_bytes is not None
            and self._size
            and self._size + incoming > self.rotate_bytes
        )
        by_day = self.rotate_daily and _today() != self._day and self._size
        if not (by_size or by_day):
            return
        self._close_fd()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self.path.rename(self.path.with_name(f"{self.path.stem}-{stamp}{self.path.suffix}"))
        self.open()

    def _close_fd(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        """Flush (and fsync) everything and close the file."""
        self._close_fd()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")
