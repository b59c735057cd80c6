"""Verify whole logs without building a DataFrame: streaming, and on every core.

This is what ``streamhook-nb verify`` runs. A big capture log is split into line-aligned byte
ranges that worker processes read and verify side by side; only counts (and, when asked, one
small dict per delivery) come back.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from operator import itemgetter
from typing import Any, Literal

from .batch import DeliveryBatch, Rejected, bad_time_reason, source_order, whole_number
from .detect import FORMATS, HEAD_BYTES, sniff
from .errors import UsageError
from .event_tally import EventTally, event_kind, verdict_label
from .payload import event_type
from .readers import capture_jsonl
from .reading import SourceLike, read_batches
from .reasons import Reason
from .secrets import Keyring
from .sources import GZIP_MAGIC, Source, expand
from .timestamps import invalid_times
from .verdict import judge, quick_ok

SPLIT_MIN_BYTES = 16 * 1024 * 1024
"""Capture logs at least this big are split across worker processes."""
STREAM_CHUNK = 4096
"""Rows verified at a time: small enough to stay in the CPU cache."""


@dataclass
class VerifyReport:
    """Counts of a verification run, plus rejected records and optional per-delivery details."""

    deliveries: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    valid_api_keys: set[str | None] = field(default_factory=set)
    mismatch_api_keys: Counter[str | None] = field(default_factory=Counter)
    rejected: list[Rejected] = field(default_factory=list)
    details: list[dict[str, Any]] | None = None
    failures_only: bool = False
    """Whether ``details`` keeps only the deliveries that are not ``ok``."""
    tally: EventTally | None = None
    """Counts by event type and verdict, when asked for (``streamhook-nb events``)."""

    @property
    def valid(self) -> int:
        """Deliveries whose signature matches."""
        return self.reasons[Reason.OK.value]

    @property
    def unverifiable(self) -> int:
        """Deliveries without a verdict (unverifiable capture or unsigned transport)."""
        return self.reasons[Reason.UNVERIFIABLE.value] + self.reasons[Reason.UNSIGNED.value]

    @property
    def invalid(self) -> int:
        """Deliveries whose signature is missing, malformed or does not match."""
        return self.deliveries - self.valid - self.unverifiable

    def other_app_note(self) -> str | None:
        """A sentence when failing deliveries carry another X-Api-Key than every valid one."""
        if len(self.valid_api_keys) != 1:
            return None
        (good,) = self.valid_api_keys
        strangers = {
            key: n for key, n in self.mismatch_api_keys.items() if key is not None and key != good
        }
        if good is None or not strangers:
            return None
        names = ", ".join(f"{key!r} ({n})" for key, n in strangers.items())
        return (
            f"Every valid delivery carries X-Api-Key {good!r}, but failing ones carry {names}: "
            "they are probably another app's; map each API key to its secret with "
            "--secrets-file."
        )

    def merge(self, other: VerifyReport) -> None:
        """Add another part's results after this one's (keeps input order)."""
        self.deliveries += other.deliveries
        self.reasons.update(other.reasons)
        self.valid_api_keys |= other.valid_api_keys
        self.mismatch_api_keys.update(other.mismatch_api_keys)
        self.rejected.extend(other.rejected)
        if self.details is not None and other.details is not None:
            self.details.extend(other.details)
        if self.tally is not None and other.tally is not None:
            self.tally.merge(other.tally)

    def as_json(self) -> dict[str, Any]:
        """The ``streamhook-nb verify --json`` shape (DESIGN.md §3)."""
        report: dict[str, Any] = {
            "deliveries": self.deliveries,
            "valid": self.valid,
            "invalid": self.invalid,
            "unverifiable": self.unverifiable,
            "rejected": len(self.rejected),
            "reasons": {r.value: self.reasons[r.value] for r in Reason if self.reasons[r.value]},
        }
        if self.details is not None:
            report["details"] = self.details
        return report


def verify_batch(batch: DeliveryBatch, keyring: Keyring, report: VerifyReport) -> None:
    """Verify every row of a reader batch into ``report``."""
    report.rejected.extend(batch.rejected)
    rows = batch.rows
    if not rows:
        return
    bad = invalid_times([row[2] for row in rows])
    if bad:
        for index in bad:
            report.rejected.append(Rejected(rows[index][0], bad_time_reason(rows[index][2])))
        report.rejected.sort(key=lambda r: source_order(r.source))
        dropped = set(bad)
        rows = [row for index, row in enumerate(rows) if index not in dropped]
    results = [judge(r[6], r[10], r[11], r[1], r[7], keyring) for r in rows]
    report.deliveries += len(results)
    if report.tally is not None:
        for row, verdict in zip(rows, results, strict=True):
            report.tally.add(event_kind(row[6]), verdict_label(verdict.valid), row[12])
    reasons = Counter(v.reason for v in results)
    report.reasons.update(reasons)
    if reasons[Reason.OK] == len(results):
        report.valid_api_keys.update(map(itemgetter(11), rows))
    else:
        for row, verdict in zip(rows, results, strict=True):
            if verdict.reason is Reason.OK:
                report.valid_api_keys.add(row[11])
            elif verdict.reason is Reason.SIGNATURE_MISMATCH:
                report.mismatch_api_keys[row[11]] += 1
    if report.details is not None:
        report.details.extend(
            {
                "source": row[0],
                "webhook_id": row[12],
                "attempt": whole_number(row[13]),
                "event_type": event_type(row[6]),
                "valid": verdict.valid,
                "reason": verdict.reason.value,
                "matched_secret": verdict.matched_secret,
                "hint": None if verdict.reason is Reason.OK else verdict.hint,
            }
            for row, verdict in zip(rows, results, strict=True)
            if not report.failures_only or verdict.reason is not Reason.OK
        )


@dataclass(frozen=True)
class _Task:
    """One unit of work: a whole source, or a line-aligned byte range of a capture log."""

    source: Source
    start: int = 0
    end: int | None = None
    first_line: int = 1


def _split(source: Source, parts: int) -> list[_Task]:
    """Line-aligned byte ranges of a local capture log."""
    size = source.size or 0
    bounds = [0]
    with open(source.url, "rb") as handle:
        for k in range(1, parts):
            handle.seek(max(size * k // parts, bounds[-1]))
            handle.readline()
            bounds.append(min(handle.tell(), size))
    bounds.append(size)
    return [_Task(source, a, b) for a, b in pairwise(bounds) if b > a]


def _splittable(source: Source, format: str | None) -> bool:
    if "://" in source.url or (source.size or 0) < SPLIT_MIN_BYTES:
        return False
    with open(source.url, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    return not head.startswith(GZIP_MAGIC) and (format or sniff(head)) == capture_jsonl.FORMAT


def _count_lines(task: _Task) -> int:
    count = 0
    with open(task.source.url, "rb") as handle:
        handle.seek(task.start)
        remaining = (task.end or 0) - task.start
        while remaining > 0:
            block = handle.read(min(remaining, 8 << 20))
            if not block:
                break
            count += block.count(b"\n")
            remaining -= len(block)
    return count


def _range_lines(task: _Task) -> Iterator[bytes]:
    with open(task.source.url, "rb") as handle:
        handle.seek(task.start)
        position = task.start
        for line in handle:
            if position >= (task.end or 0):
                return
            position += len(line)
            yield line


def verify_lines(
    lines: Iterable[bytes], name: str, first_line: int, keyring: Keyring, report: VerifyReport
) -> None:
    """Verify a capture log's lines into ``report`` (details, if kept, only of failures).

    The common record that verifies skips building a row; every other line (another shape, a
    failing signature, a bad record) goes through the same path as :func:`verify_batch`, so
    both give the same counts.
    """
    pending = DeliveryBatch(capture_jsonl.FORMAT)  # lines that need the careful path
    quick = _QuickLines(name, report)
    limit = capture_jsonl.MAX_LINE_BYTES
    for lineno, line in enumerate(lines, start=first_line):
        try:
            if len(line) > limit:
                raise capture_jsonl.BadRecordError
            record = capture_jsonl.common_record(line)
            body = record.body.encode()
        except Exception:
            capture_jsonl.careful(pending, line, f"{name}:{lineno}", limit)
        else:
            headers = record.headers
            api_key = headers.get("x-api-key")
            if quick_ok(body, headers.get("x-signature"), api_key, keyring) is None:
                pending.rows.append(capture_jsonl.common_row(record, f"{name}:{lineno}", body))
            else:
                quick.add(lineno, record.received_at, body, headers.get("x-webhook-id"))
                report.valid_api_keys.add(api_key)
        if len(quick.times) >= STREAM_CHUNK:
            quick.settle()
        if len(pending.rows) >= STREAM_CHUNK:
            verify_batch(pending, keyring, report)
            pending = DeliveryBatch(capture_jsonl.FORMAT)
    quick.settle()
    verify_batch(pending, keyring, report)
    report.rejected.sort(key=lambda r: source_order(r.source))


class _QuickLines:
    """Lines that verified the quick way, counted a chunk at a time once their received_at
    passes the loader's check (a bad one rejects the line, as loading would)."""

    def __init__(self, name: str, report: VerifyReport) -> None:
        self.name = name
        self.report = report
        self.times: list[str] = []
        self.lines: list[int] = []
        self.kinds: list[str] = []  # event types and webhook ids, when tallying
        self.webhook_ids: list[str | None] = []

    def add(self, lineno: int, received_at: str, body: bytes, webhook_id: str | None) -> None:
        """Remember one quick ``ok`` line."""
        self.times.append(received_at)
        self.lines.append(lineno)
        if self.report.tally is not None:
            self.kinds.append(event_kind(body))
            self.webhook_ids.append(webhook_id)

    def settle(self) -> None:
        """Count the remembered lines into the report, rejecting those with a bad time."""
        if not self.times:
            return
        report = self.report
        bad = invalid_times(self.times)
        for index in bad:
            source = f"{self.name}:{self.lines[index]}"
            report.rejected.append(Rejected(source, bad_time_reason(self.times[index])))
        good = len(self.times) - len(bad)
        report.deliveries += good
        report.reasons[Reason.OK] += good
        if report.tally is not None:
            for index in sorted(bad, reverse=True):  # rejected: not counted
                del self.kinds[index], self.webhook_ids[index]
            report.tally.add_many(self.kinds, "valid", self.webhook_ids)
        for pending in (self.times, self.lines, self.kinds, self.webhook_ids):
            pending.clear()


_WORKER_STATE: dict[str, Any] = {}


def _run(task: _Task) -> VerifyReport:
    keyring: Keyring = _WORKER_STATE["keyring"]
    report = _new_report(_WORKER_STATE["details"], _WORKER_STATE["tally"])
    if task.end is not None and (report.details is None or report.failures_only):
        verify_lines(_range_lines(task), task.source.name, task.first_line, keyring, report)
        return report
    if task.end is None:
        batches: Iterable[DeliveryBatch] = read_batches(
            task.source, _WORKER_STATE["format"], STREAM_CHUNK
        )
    else:
        batches = capture_jsonl.read(
            _range_lines(task),
            task.source.name,
            first_line=task.first_line,
            chunk_size=STREAM_CHUNK,
        )
    for batch in batches:
        verify_batch(batch, keyring, report)
    return report


def verify_sources(
    sources: SourceLike | Iterable[SourceLike],
    keyring: Keyring,
    *,
    format: str | None = None,
    details: bool | Literal["failures"] = False,
    workers: int | None = None,
    tally: bool = False,
) -> VerifyReport:
    """Verify every delivery in the sources, streaming; big capture logs use ``workers`` cores.

    ``workers=None`` uses every core. Worker processes are forked, which is safe only while
    this process runs a single thread; otherwise the work runs here, one source at a time.
    ``details=True`` keeps one dict per delivery, ``"failures"`` only those that are not
    ``ok``; ``tally=True`` also counts deliveries and events by type (``report.tally``).
    """
    if format is not None and format not in FORMATS:
        raise UsageError(f"unknown format {format!r}", fix=f"Use one of: {', '.join(FORMATS)}")
    wanted = workers or os.cpu_count() or 1
    parallel = wanted > 1 and _can_fork()
    tasks: list[_Task] = []
    for source in expand(sources):
        if parallel and _splittable(source, format):
            tasks.extend(_split(source, wanted))
        else:
            tasks.append(_Task(source))
    _WORKER_STATE.update(keyring=keyring, details=details, format=format, tally=tally)
    report = _new_report(details, tally)
    try:
        if parallel and len(tasks) > 1:
            context = multiprocessing.get_context("fork")
            with context.Pool(min(wanted, len(tasks))) as pool:
                tasks = _number_lines(tasks, pool.map(_count_lines, tasks))
                for part in pool.imap(_run, tasks):
                    report.merge(part)
        else:
            for task in tasks:
                report.merge(_run(task))
    finally:
        _WORKER_STATE.clear()
    return report


def _new_report(details: bool | Literal["failures"], tally: bool) -> VerifyReport:
    return VerifyReport(
        details=[] if details else None,
        failures_only=details == "failures",
        tally=EventTally() if tally else None,
    )


def _number_lines(tasks: list[_Task], counts: list[int]) -> list[_Task]:
    """Give each byte range the number of its first line, counting within its file."""
    numbered: list[_Task] = []
    lines_before: dict[str, int] = {}
    for task, count in zip(tasks, counts, strict=True):
        if task.end is None:
            numbered.append(task)
            continue
        before = lines_before.get(task.source.url, 0)
        numbered.append(_Task(task.source, task.start, task.end, before + 1))
        lines_before[task.source.url] = before + count
    return numbered


def _can_fork() -> bool:
    """Forking is safe only while this process runs one thread (and the OS can fork)."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
