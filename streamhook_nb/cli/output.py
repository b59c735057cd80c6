"""Printing for the CLI: JSON for machines, aligned text for people."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson


def print_json(document: Any) -> None:
    """Write ``document`` as indented JSON on stdout."""
    sys.stdout.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")


def counted(count: int, noun: str) -> str:
    """A count with its noun in the right number: ``1 delivery``, ``2 deliveries``."""
    if count == 1:
        return f"1 {noun}"
    consonant_y = noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u")
    return f"{count} {noun[:-1] + 'ies' if consonant_y else noun + 's'}"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain aligned text table."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def frame_table(frame: Any, columns: Sequence[str]) -> str:
    """A text table of some columns of a DataFrame; missing values show as "-", never <NA>."""
    import pandas as pd  # only commands that already hold a DataFrame get here

    rows = [
        ["-" if pd.isna(value) else value for value in row]
        for row in frame[list(columns)].itertuples(index=False, name=None)
    ]
    return table(columns, rows)


def replay_table(results: Any, *, dry_run: bool) -> str:
    """``replay``'s results: what would be sent (dry run), or what each delivery got back."""
    from streamhook_nb.capture.replay import DRY_RUN  # only the replay command gets here

    if dry_run:  # a row a real run would not send says why
        held = results["error"].astype(object).ne(DRY_RUN)
        shown = results.assign(error=results["error"].astype(object).where(held, ""))
        columns = ["source", "event_type", "bytes"]
        return frame_table(shown, [*columns, "error"] if held.any() else columns)
    return frame_table(results, ["source", "event_type", "bytes", "status", "elapsed_ms", "error"])


class _PipeGuard:
    """Standard output that outlives its reader: once ``cmd | head -1`` has closed the pipe,
    writes are dropped (and the descriptor points at /dev/null, so the final flush is quiet),
    so the command finishes and exits with its own status instead of a traceback."""

    def __init__(self, stream: Any, closed: list[bool] | None = None) -> None:
        self._stream = stream
        self._closed = closed if closed is not None else [False]

    def write(self, data: Any) -> int:
        if not self._closed[0]:
            try:
                return int(self._stream.write(data))
            except BrokenPipeError:
                self._drop()
        return len(data)

    def flush(self) -> None:
        if not self._closed[0]:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._drop()

    @property
    def buffer(self) -> _PipeGuard:
        """The binary stream underneath, guarded the same way."""
        return _PipeGuard(self._stream.buffer, self._closed)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def _drop(self) -> None:
        self._closed[0] = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):  # not a real file (a test's capture)
            pass


@contextmanager
def closed_pipe_tolerated() -> Iterator[None]:
    """Run a command with standard output guarded by :class:`_PipeGuard`."""
    original = sys.stdout
    sys.stdout = _PipeGuard(original)
    try:
        yield
        sys.stdout.flush()
    finally:
        sys.stdout = original
