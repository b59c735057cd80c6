"""Append capture records to a JSON Lines log: torn-tail safe, rotating, optionally fsync'd."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO


class CaptureLog:
    """The capture log file.

    Every :meth:`append` reaches the operating system before it returns, so a delivery that got
    a 200 survives the receiver being killed. With ``fsync=True`` appends are also forced to disk
    (group commit: one ``fsync`` for every append waiting at that moment), which survives power
    loss. A log whose last line was torn by a crash gets a newline first, so the torn line stays
    a line of its own (the loader rejects it) and cannot swallow the next record.
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
        self._file: IO[bytes] | None = None
        self._day = ""
        self._size = 0
        self._waiting: list[asyncio.Future[None]] = []
        self._committing: asyncio.Task[None] | None = None

    def open(self) -> None:
        """Open for appending, ending a torn last line first."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "ab")  # noqa: SIM115 - closed in close()
        self._size = self._file.tell()
        if self._size and not _ends_with_newline(self.path):
            self._file.write(b"\n")
            self._file.flush()
            self._size += 1
        self._day = _today()

    def write(self, line: bytes) -> None:
        """Append one record line (ending in a newline) and hand it to the OS."""
        if self._file is None:
            self.open()
        self._rotate_if_due(len(line))
        assert self._file is not None
        self._file.write(line)
        self._file.flush()
        self._size += len(line)

    async def append(self, line: bytes) -> None:
        """:meth:`write`, then (with ``fsync``) wait until the line is on disk."""
        self.write(line)
        if not self.fsync:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        if self._committing is None or self._committing.done():
            self._committing = asyncio.create_task(self._commit())
        await waiter

    async def _commit(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            assert self._file is not None
            await asyncio.to_thread(os.fsync, self._file.fileno())
            for waiter in batch:
                if not waiter.done():
                    waiter.set_result(None)

    def _rotate_if_due(self, incoming: int) -> None:
        by_size = (
            self.rotate_bytes is not None
            and self._size
            and self._size + incoming > self.rotate_bytes
        )
        by_day = self.rotate_daily and _today() != self._day and self._size
        if not (by_size or by_day):
            return
        assert self._file is not None
        self._file.flush()
        if self.fsync:
            os.fsync(self._file.fileno())
        self._file.close()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self.path.rename(self.path.with_name(f"{self.path.stem}-{stamp}{self.path.suffix}"))
        self._file = None
        self.open()

    def close(self) -> None:
        """Flush (and fsync) everything and close the file."""
        if self._file is None:
            return
        self._file.flush()
        if self.fsync:
            os.fsync(self._file.fileno())
        self._file.close()
        self._file = None


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")
