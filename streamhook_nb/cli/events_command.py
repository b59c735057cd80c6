"""``streamhook-nb events`` and ``streamhook-nb report``: the audit from the command line."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from streamhook_nb.cli import exit_codes
from streamhook_nb.cli.output import counted, print_json, table
from streamhook_nb.cli.output_paths import refuse_sources_as_outputs
from streamhook_nb.cli.scheduler_option import add_scheduler_argument, client_for
from streamhook_nb.cli.secret_options import add_secret_arguments, keyring_from
from streamhook_nb.cli.source_options import add_source_arguments
from streamhook_nb.cli.verify_command import check_strict
from streamhook_nb.load.batch import Rejected
from streamhook_nb.pipeline.verify_logs import verify_sources
from streamhook_nb.verify.secrets import DEFAULT_SECRET_ENV, Keyring, SecretError

if TYPE_CHECKING:
    from streamhook_nb.pipeline.audit import Audit


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``events`` and ``report``."""
    events = commands.add_parser(
        "events",
        allow_abbrev=False,
        help="count deliveries and events by type, split by verdict",
        description="Count deliveries and distinct events (webhook ids) per event type. Exit 1 "
        "when a delivery is invalid or a record was rejected.",
    )
    add_source_arguments(events)
    add_secret_arguments(events)
    events.add_argument("--json", action="store_true", help="print the counts as JSON")
    add_scheduler_argument(events)
    events.set_defaults(run=run_events)
    report = commands.add_parser(
        "report",
        allow_abbrev=False,
        help="write a standalone HTML audit report",
        description="Write one HTML file (tables and interactive charts, no external assets).",
    )
    add_source_arguments(report)
    add_secret_arguments(report)
    report.add_argument("-o", "--output", required=True, metavar="OUT.html", help="report file")
    report.add_argument("--title", default="Stream webhook audit", help="the report's title")
    add_scheduler_argument(report)
    report.set_defaults(run=run_report)


def _keyring_or_none(args: argparse.Namespace) -> Keyring | None:
    """The keyring; with no secret option and no default secret, audit without verdicts."""
    try:
        return keyring_from(args)
    except SecretError:
        if args.secret_env or args.secrets_file:
            raise
        print(
            f"note: {DEFAULT_SECRET_ENV} is not set and no secrets file was given: "
            "every delivery is counted as unverifiable",
            file=sys.stderr,
        )
        return None


def _exit_code(result: Audit) -> int:
    invalid = bool(result.events["valid"].eq(False).any()) if result.verified else False
    return exit_codes.PROBLEMS_FOUND if invalid or len(result.loaded.rejected) else exit_codes.OK


def run_events(args: argparse.Namespace) -> int:
    """Print counts by event type: streamed when there is a secret, else from the events frame."""
    keyring = _keyring_or_none(args)
    if keyring is None:
        return _events_unverified(args)
    with client_for(args) as client:
        report = verify_sources(
            args.sources, keyring, format=args.format, tally=True, path=args.path, client=client
        )
    check_strict(report, args.strict)
    assert report.tally is not None
    _print_counts(report.tally.as_json(), args.json, report.rejected)
    problems = report.invalid or report.rejected
    return exit_codes.PROBLEMS_FOUND if problems else exit_codes.OK


def _print_counts(counts: dict[str, Any], as_json: bool, rejected: list[Rejected]) -> None:
    if as_json:
        print_json(counts)
    else:
        print(describe_counts(counts, rejected))


def describe_counts(counts: dict[str, Any], rejected: list[Rejected]) -> str:
    """The events summary as text: totals, one line per event type, then rejected records."""
    columns = ("deliveries", "events", "valid", "invalid", "unverifiable")
    rows = [(kind, *(row[c] for c in columns)) for kind, row in counts["event_types"].items()]
    lines = [
        f"{counted(counts['deliveries'], 'delivery')}, {counted(counts['events'], 'event')}, "
        f"{counted(len(rejected), 'record')} rejected",
        "",
        table(["event_type", *columns], rows),
    ]
    if rejected:
        lines += ["", "Rejected records:", *(f"  {r.source}: {r.reason}" for r in rejected)]
    return "\n".join(lines)


def _audit(args: argparse.Namespace, keyring: Keyring | None) -> Audit:
    """The events of the sources a chunk at a time (on the cluster with ``--scheduler``)."""
    from streamhook_nb.pipeline.audit import audit

    with client_for(args) as client:
        return audit(
            args.sources,
            keyring,
            format=args.format,
            strict=args.strict,
            keep_deliveries=False,
            path=args.path,
            client=client,
        )


def _events_unverified(args: argparse.Namespace) -> int:
    """Without a secret: every delivery unverifiable, counted from the events frame."""
    result = _audit(args, None)
    records = zip(result.loaded.rejected["source"], result.loaded.rejected["reason"], strict=True)
    rejected = [Rejected(str(source), str(reason)) for source, reason in records]
    _print_counts(result.summary(), args.json, rejected)
    return exit_codes.PROBLEMS_FOUND if rejected else exit_codes.OK


def run_report(args: argparse.Namespace) -> int:
    """Write the HTML report."""
    from streamhook_nb.events.report import build_report  # Altair, Vega: only for this command

    refuse_sources_as_outputs(args.sources, {"--output": args.output})
    ring = _keyring_or_none(args)
    result = _audit(args, ring)
    page = build_report(
        result.events,
        title=args.title,
        sources=list(args.sources),
        rejected=result.loaded.rejected,
        now=datetime.now(UTC),
    )
    target = Path(args.output)
    try:
        target.write_text(page, encoding="utf-8")
    except OSError as exc:
        print(
            f"streamhook-nb report: error: cannot write {target} ({exc.strerror})", file=sys.stderr
        )
        return exit_codes.USAGE
    print(f"wrote {target} ({counted(len(result.events), 'delivery')})", file=sys.stderr)
    code = _exit_code(result)
    if code == exit_codes.PROBLEMS_FOUND:
        print(f"exit status 1: {why_problems(result)}", file=sys.stderr)
    return code


def why_problems(result: Audit) -> str:
    """Why an audit exits 1, in one sentence: invalid deliveries by reason, rejected records."""
    parts = []
    if result.verified:
        invalid = result.events.loc[result.events["valid"].eq(False).fillna(False), "reason"]
        counts = invalid.astype(str).value_counts()
        if len(counts):
            reasons = ", ".join(f"{reason} {n}" for reason, n in counts.items())
            parts.append(
                f"{counted(len(invalid), 'delivery')} {'is' if len(invalid) == 1 else 'are'} "
                f"invalid ({reasons}): see the report's "
                "'Failed deliveries' and 'Incident timeline'"
            )
    rejected = len(result.loaded.rejected)
    if rejected:
        parts.append(
            f"{counted(rejected, 'record')} could not be read: see the report's 'Rejected records'"
        )
    return "; ".join(parts)
