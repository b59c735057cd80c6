"""Verify whole logs without building a DataFrame: streaming, and on every core.

This is what ``streamhook-nb verify`` runs. A big capture log is split into line-aligned byte
ranges that worker processes read and verify side by side; only counts (and, when asked, one
small dict per delivery) come back.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from streamhook_nb.errors import UsageError
from streamhook_nb.load import block_tasks, log_ranges, parquet
from streamhook_nb.load.batch import (
    DeliveryBatch,
    Rejected,
    bad_time_reason,
    source_order,
    time_rejections,
    whole_number,
)
from streamhook_nb.load.block_tasks import BlockTask, task_results
from streamhook_nb.load.detect import FORMATS
from streamhook_nb.load.headers import API_KEY, SIGNATURE, WEBHOOK_ID
from streamhook_nb.load.line_blocks import LineBlock
from streamhook_nb.load.log_ranges import (
    LinesBefore,
    LogRange,
    count_lines,
    number_lines,
    range_blocks,
)
from streamhook_nb.load.payload import event_type
from streamhook_nb.load.readers import capture_blocks, capture_jsonl
from streamhook_nb.load.reading import SourceLike, read_batches
from streamhook_nb.load.selection import request_path, select
from streamhook_nb.load.sources import Source, expand
from streamhook_nb.load.timestamps import invalid_times
from streamhook_nb.pipeline.event_tally import EventTally, event_kind, event_kinds
from streamhook_nb.pipeline.verify_report import VerifyReport
from streamhook_nb.verify.reasons import Reason, verdict_label
from streamhook_nb.verify.secrets import Keyring
from streamhook_nb.verify.verdict import judge_many, quick_labels

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

    from distributed import Client

STREAM_CHUNK = 4096
"""Rows verified at a time: small enough to stay in the CPU cache."""


def verify_batch(
    batch: DeliveryBatch, keyring: Keyring, report: VerifyReport, path: str | None = None
) -> None:
    """Verify every delivery of a reader batch into ``report`` (requests that are not
    deliveries, see :func:`select`, are only counted)."""
    batch = select(batch, path)
    report.skipped += batch.skipped
    report.rejected.extend(batch.rejected)
    rows = batch.rows
    if not rows:
        return
    bad, late = time_rejections(rows, batch.time_field)
    if bad:
        report.rejected += late
        report.rejected.sort(key=lambda r: source_order(r.source))
        dropped = set(bad)
        rows = [row for index, row in enumerate(rows) if index not in dropped]
    results = judge_many(
        [r.body for r in rows],
        [r.signature for r in rows],
        [r.api_key for r in rows],
        [r.transport for r in rows],
        [r.fidelity for r in rows],
        keyring,
    )
    report.deliveries += len(results)
    if report.tally is not None:
        for row, verdict in zip(rows, results, strict=True):
            report.tally.add(event_kind(row.body), verdict_label(verdict.valid), row.webhook_id)
    reasons = Counter(v.reason for v in results)
    report.reasons.update(reasons)
    if reasons[Reason.OK] == len(results):
        report.valid_api_keys.update(row.api_key for row in rows)
    else:
        for row, verdict in zip(rows, results, strict=True):
            if verdict.reason is Reason.OK:
                report.valid_api_keys.add(row.api_key)
            elif verdict.reason is Reason.SIGNATURE_MISMATCH:
                report.mismatch_api_keys[row.api_key] += 1
    if report.details is not None:
        report.details.extend(
            {
                "source": row.source,
                "webhook_id": row.webhook_id,
                "attempt": whole_number(row.attempt),
                "event_type": event_type(row.body),
                "valid": verdict.valid,
                "reason": verdict.reason.value,
                "matched_secret": verdict.matched_secret,
                "hint": None if verdict.reason is Reason.OK else verdict.hint,
            }
            for row, verdict in zip(rows, results, strict=True)
            if not report.failures_only or verdict.reason is not Reason.OK
        )


def verify_lines(
    blocks: Iterable[LineBlock],
    name: str,
    first_line: int,
    keyring: Keyring,
    report: VerifyReport,
    path: str | None = None,
) -> int:
    """Verify a capture log's lines, in blocks, into ``report`` (details, if kept, only of
    failures); returns the number of lines read.

    Lines are decoded a block at a time (``capture_blocks.block_records``); the common
    record that verifies skips building a row; every other line (another shape, a failing
    signature, a bad record, a request that is not a delivery) goes through the same path as
    :func:`verify_batch`, so both give the same counts.
    """
    checker = _LineChecker(name, keyring, report, path)
    lineno = first_line
    for block in blocks:
        records = capture_blocks.block_records(block)
        if records is None:
            for offset, line in enumerate(block.iter_lines()):
                checker.line(line, lineno + offset)
        else:
            checker.records(records, block, lineno)
        checker.flush()
        lineno += block.count
    checker.finish()
    return lineno - first_line


class _LineChecker:
    """Verifies capture lines one at a time: the quick ``ok`` way when it can, else as rows
    for :func:`verify_batch`."""

    def __init__(self, name: str, keyring: Keyring, report: VerifyReport, path: str | None):
        self.name, self.keyring, self.report, self.path = name, keyring, report, path
        self.wanted_path = request_path(path)
        self.pending = DeliveryBatch(capture_jsonl.FORMAT)  # lines for the careful path
        self.quick = _QuickLines(name, report)

    def records(
        self, records: list[capture_jsonl.CommonRecord], block: LineBlock, first_line: int
    ) -> None:
        """Decoded common records (``block``: their lines, for one with an odd body)."""
        try:
            bodies = [record.body.encode() for record in records]
        except UnicodeError:  # a lone surrogate: the careful reader says why
            for offset, line in enumerate(block.iter_lines()):
                self.line(line, first_line + offset)
            return
        headers = [record.headers for record in records]
        api_keys = [h.get(API_KEY) for h in headers]
        wanted = self.wanted_path
        labels = quick_labels(
            [
                body
                if record.method == "POST"
                and (wanted is None or request_path(record.path) == wanted)
                else None  # not a delivery: verify_batch counts it as skipped
                for record, body in zip(records, bodies, strict=True)
            ],
            [h.get(SIGNATURE) for h in headers],
            api_keys,
            self.keyring,
        )
        quick = (
            range(len(records))
            if None not in labels
            else [at for at, label in enumerate(labels) if label is not None]
        )
        self.quick.add(
            [first_line + at for at in quick],
            [records[at].received_at for at in quick],
            [bodies[at] for at in quick],
            [headers[at].get(WEBHOOK_ID) for at in quick],
        )
        self.report.valid_api_keys.update(api_keys[at] for at in quick)
        if len(quick) < len(records):  # the rest, the careful way
            for at, label in enumerate(labels):
                if label is None:
                    source = f"{self.name}:{first_line + at}"
                    self.pending.rows.append(
                        capture_jsonl.common_row(records[at], source, bodies[at])
                    )

    def line(self, line: bytes, lineno: int) -> None:
        """One line, whatever it holds."""
        limit = capture_jsonl.MAX_LINE_BYTES
        try:
            if len(line) > limit:
                raise capture_jsonl.BadRecordError
            record = capture_jsonl.common_record(line)
            record.body.encode()
        except Exception:
            capture_jsonl.careful(self.pending, line, f"{self.name}:{lineno}", limit)
        else:
            self.records([record], LineBlock(lines=[line]), lineno)

    def flush(self) -> None:
        """Count the quick lines; verify the pending rows once there are enough of them."""
        self.quick.settle()
        if len(self.pending) >= STREAM_CHUNK:
            verify_batch(self.pending, self.keyring, self.report, self.path)
            self.pending = DeliveryBatch(capture_jsonl.FORMAT)

    def finish(self) -> None:
        """Verify what is left and put the rejected records in line order."""
        self.quick.settle()
        verify_batch(self.pending, self.keyring, self.report, self.path)
        self.report.rejected.sort(key=lambda r: source_order(r.source))


class _QuickLines:
    """Lines that verified the quick way, counted a chunk at a time once their received_at
    passes the loader's check (a bad one rejects the line, as loading would)."""

    def __init__(self, name: str, report: VerifyReport) -> None:
        self.name = name
        self.report = report
        self.times: list[str] = []
        self.lines: list[int] = []
        self.bodies: list[bytes] = []  # bodies and webhook ids, when tallying
        self.webhook_ids: list[str | None] = []

    def add(
        self,
        linenos: list[int],
        times: list[str],
        bodies: list[bytes],
        webhook_ids: list[str | None],
    ) -> None:
        """Remember quick ``ok`` lines: their numbers, times, bodies and webhook ids."""
        self.times += times
        self.lines += linenos
        if self.report.tally is not None:
            self.bodies += bodies
            self.webhook_ids += webhook_ids

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
                del self.bodies[index], self.webhook_ids[index]
            kinds = event_kinds(self.bodies)
            report.tally.add_many(kinds, "valid", self.webhook_ids)
        for pending in (self.times, self.lines, self.bodies, self.webhook_ids):
            pending.clear()


_WORKER_STATE: dict[str, Any] = {}


def _run(task: LogRange) -> tuple[VerifyReport, int]:
    """The task's report, and the lines it read when it numbered them from its range's start
    (``verify_sources`` then numbers them within the file: :meth:`VerifyReport.shift_lines`)."""
    keyring: Keyring = _WORKER_STATE["keyring"]
    path: str | None = _WORKER_STATE["path"]
    report = _new_report(_WORKER_STATE["details"], _WORKER_STATE["tally"])
    if task.row_groups is not None:
        with task.source.open() as stream:
            for batch in parquet.read(stream, task.source.name, STREAM_CHUNK, task.row_groups):
                verify_batch(batch, keyring, report, path)
        return report, 0
    if task.end is not None and (report.details is None or report.failures_only):
        name = task.source.name
        lines = verify_lines(range_blocks(task), name, task.first_line, keyring, report, path)
        return report, lines
    if task.end is None:
        batches: Iterable[DeliveryBatch] = read_batches(
            task.source, _WORKER_STATE["format"], STREAM_CHUNK, path
        )
    else:
        batches = capture_blocks.read(
            range_blocks(task),
            task.source.name,
            first_line=task.first_line,
            chunk_size=STREAM_CHUNK,
        )
    for batch in batches:
        verify_batch(batch, keyring, report, path)
    return report, 0


def verify_sources(
    sources: SourceLike | Iterable[SourceLike],
    keyring: Keyring,
    *,
    format: str | None = None,
    details: bool | Literal["failures"] = False,
    workers: int | None = None,
    tally: bool = False,
    path: str | None = None,
    client: Client | None = None,
) -> VerifyReport:
    """Verify every delivery in the sources, streaming; big capture logs use ``workers`` cores.

    ``workers=None`` uses every core. Worker processes are forked, which is safe only while
    this process runs a single thread; otherwise the work runs here, one source at a time.
    ``details=True`` keeps one dict per delivery, ``"failures"`` only those that are not
    ``ok``; ``tally=True`` also counts deliveries and events by type (``report.tally``).
    Requests that are not deliveries (not a POST, or with ``path`` not sent to that path) are
    counted in ``report.skipped``. ``client`` (a ``distributed.Client``) runs the work on its
    Dask cluster instead, with the same result (``pipeline.cluster``).
    """
    if client is not None:
        from streamhook_nb.pipeline.cluster import verify_on_cluster

        return verify_on_cluster(
            sources, keyring, client, format=format, details=details, tally=tally, path=path
        )
    if format is not None and format not in FORMATS:
        raise UsageError(f"unknown format {format!r}", fix=f"Use one of: {', '.join(FORMATS)}")
    wanted = workers or os.cpu_count() or 1
    parallel = wanted > 1 and log_ranges.can_fork()
    tasks = log_ranges.streaming_parts(expand(sources), format, wanted if parallel else 1)
    _WORKER_STATE.update(keyring=keyring, details=details, format=format, tally=tally, path=path)
    report = _new_report(details, tally)
    try:
        if parallel and block_tasks.big_gzip_log([task.source for task in tasks], format):
            _verify_inflated(tasks[0].source, report, wanted)
        elif parallel and len(tasks) > 1:
            with log_ranges.forked_pool(min(wanted, len(tasks))) as pool:
                if details is True:  # every delivery's source: numbered by the workers
                    tasks = number_lines(tasks, _line_counts(pool, tasks))
                lines_before = LinesBefore()
                groups = log_ranges.gathered(tasks, wanted)  # small files: several a task
                reports = log_ranges.results(pool, _run_group, groups)
                for group, (part, lines) in zip(groups, reports, strict=True):
                    task = group[0]
                    if task.end is not None and details is not True:
                        part.shift_lines(task.source.name, lines_before.take(task, lines))
                    report.merge(part)
        else:
            for task in tasks:
                report.merge(_run(task)[0])
    finally:
        _WORKER_STATE.clear()
    return report


def _verify_inflated(source: Source, report: VerifyReport, workers: int) -> None:
    """A big gzip capture log, inflated here and verified by forked workers a few megabytes of
    lines at a time (as ``load.inflated_split`` loads one): the report
    one process would make, damage included."""
    _WORKER_STATE["name"] = source.name
    with source.open() as stream, log_ranges.forked_pool(workers) as pool:
        for part in task_results(stream, source.name, pool, _verify_blocks, workers):
            if isinstance(part, Rejected):  # damage: where reading stopped
                report.rejected.append(part)
            else:
                report.merge(part)


def _verify_blocks(task: BlockTask) -> VerifyReport:
    """In a worker: the report of a task's lines, numbered from its first line."""
    keyring: Keyring = _WORKER_STATE["keyring"]
    path: str | None = _WORKER_STATE["path"]
    name: str = _WORKER_STATE["name"]
    report = _new_report(_WORKER_STATE["details"], _WORKER_STATE["tally"])
    if report.details is None or report.failures_only:
        verify_lines(task.blocks, name, task.first_line, keyring, report, path)
        return report
    batches = capture_blocks.read(
        iter(task.blocks), name, first_line=task.first_line, chunk_size=STREAM_CHUNK
    )
    for batch in batches:
        verify_batch(batch, keyring, report, path)
    return report


def _line_counts(pool: Pool, tasks: list[LogRange]) -> list[int]:
    """The lines of each byte range (counted by the workers); 0 for a whole file."""
    ranges = [task for task in tasks if task.end is not None]
    counts = iter(log_ranges.results(pool, count_lines, ranges))
    return [next(counts) if task.end is not None else 0 for task in tasks]


def _run_group(group: tuple[LogRange, ...]) -> tuple[VerifyReport, int]:
    """:func:`_run` for a byte range alone, or for several whole files (their reports merged)."""
    if len(group) == 1:
        return _run(group[0])
    report = _new_report(_WORKER_STATE["details"], _WORKER_STATE["tally"])
    for task in group:
        report.merge(_run(task)[0])
    return report, 0


def _new_report(details: bool | Literal["failures"], tally: bool) -> VerifyReport:
    return VerifyReport(
        details=[] if details else None,
        failures_only=details == "failures",
        tally=EventTally() if tally else None,
    )
