"""What every fuzz test checks: a load that never raises or hangs, and accounts for every record.

Each case is written as the only file of a fresh directory, so even a file that cannot be read
at all is a rejected record (the contract for a file found in a directory), and loaded twice:
with ``load_log`` and with ``streamhook-nb load --json``, which must agree on every count.
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import orjson
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from streamhook_nb import load_log
from streamhook_nb.cli.main import main

FUZZ = settings(
    max_examples=60,
    derandomize=True,  # the same cases on every run: a failure is reproducible, never flaky
    deadline=timedelta(seconds=5),  # a case takes milliseconds; generous for a busy machine
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CASE_SECONDS = 10
"""A case still running after this is a hang: an alarm stops it and the test fails saying so
(the deadline above only judges a case once it has returned)."""


class HangError(AssertionError):
    """A single fuzz case ran past :data:`CASE_SECONDS`."""


@contextlib.contextmanager
def time_limit(seconds: int = CASE_SECONDS) -> Iterator[None]:
    """Fail with :class:`HangError` when the block runs longer than ``seconds``."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise HangError(f"a fuzz case ran for more than {seconds} s (a hang)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class Outcome:
    """What one load of one fuzz case gave."""

    deliveries: int
    rejected: int
    skipped: int

    @property
    def records(self) -> int:
        """Every record accounted for: loaded, rejected or skipped."""
        return self.deliveries + self.rejected + self.skipped


def load_case(name: str, content: bytes, format: str | None = None) -> Outcome:
    """Load ``content`` (as the file ``name`` in a fresh directory) both ways; check the
    properties every input must have and return the counts."""
    with tempfile.TemporaryDirectory() as folder, time_limit():
        path = Path(folder) / name
        path.write_bytes(content)
        result = load_log(folder, format=format)
        sources = result.deliveries["source"].tolist() + result.rejected["source"].tolist()
        assert all(source.startswith(str(path)) for source in sources), sources
        assert all(reason.strip() for reason in result.rejected["reason"]), "empty reason"
        outcome = Outcome(len(result.deliveries), len(result.rejected), result.skipped)
        argv = ["load", folder, "--json", *(["--format", format] if format else [])]
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
            code = main(argv)
        summary = orjson.loads(printed.getvalue())
        assert (summary["deliveries"], summary["rejected"], summary["skipped"]) == (
            outcome.deliveries,
            outcome.rejected,
            outcome.skipped,
        ), "the command line and load_log disagree"
        assert code == (1 if outcome.rejected else 0)
    return outcome


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """``seed`` damaged the ways files get damaged: bytes flipped, cut, dropped, repeated or
    inserted (a few edits at a time)."""
    edit = st.tuples(
        st.sampled_from(["flip", "cut", "drop", "repeat", "insert"]),
        st.integers(min_value=0, max_value=max(len(seed) - 1, 0)),
        st.integers(min_value=1, max_value=64),
        st.binary(min_size=1, max_size=16),
    )
    return st.lists(edit, min_size=1, max_size=4).map(lambda edits: _apply(seed, edits))


def _apply(data: bytes, edits: list[tuple[str, int, int, bytes]]) -> bytes:
    buffer = bytearray(data)
    for kind, at, size, extra in edits:
        at = min(at, len(buffer))
        if kind == "flip" and at < len(buffer):
            buffer[at] ^= extra[0] or 0xFF
        elif kind == "cut":
            del buffer[at:]
        elif kind == "drop":
            del buffer[at : at + size]
        elif kind == "repeat":
            buffer[at:at] = buffer[at : at + size]
        else:
            buffer[at:at] = extra
    return bytes(buffer)


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
"""Any JSON value, small: what a hostile or broken tool may put in any field."""


def dumps(value: object) -> bytes:
    """JSON bytes for any value, integers beyond 64 bits included (orjson refuses those)."""
    return json.dumps(value, separators=(",", ":")).encode()


def json_lines(values: list[Any]) -> bytes:
    """One JSON value per line (:func:`dumps`), each line ended."""
    return b"".join(dumps(value) + b"\n" for value in values)


def maybe(value: object) -> st.SearchStrategy[object]:
    """The expected value or, now and then, any JSON value instead."""
    return st.just(value) | JSON_VALUES
