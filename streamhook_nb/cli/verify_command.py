"""``streamhook-nb verify``: every signature in the logs, with reasons and hints."""

from __future__ import annotations

import argparse

from streamhook_nb.cli import exit_codes, option_types
from streamhook_nb.cli.output import counted, print_json, table
from streamhook_nb.cli.scheduler_option import add_scheduler_argument, client_for
from streamhook_nb.cli.secret_options import add_secret_arguments, keyring_from
from streamhook_nb.cli.source_options import add_source_arguments
from streamhook_nb.load import reading
from streamhook_nb.load.payload import UNKNOWN_TYPE
from streamhook_nb.pipeline.verify_logs import verify_sources
from streamhook_nb.pipeline.verify_report import VerifyReport
from streamhook_nb.verify.reasons import HINTS, Reason

FAILURES_SHOWN = 20


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``verify`` command."""
    parser = commands.add_parser(
        "verify",
        allow_abbrev=False,
        help="verify every X-Signature and explain each failure",
        description="Verify every delivery's signature. Exit 0 when every signed delivery is "
        "valid and nothing was rejected, 1 otherwise, 2 for unreadable input or bad options.",
    )
    add_source_arguments(parser)
    add_secret_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--details", action="store_true", help="one entry per delivery, in input order"
    )
    parser.add_argument(
        "--workers",
        type=option_types.positive_count,
        default=None,
        help="processes to use (default: every core; with --scheduler local, its workers)",
    )
    add_scheduler_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Verify and print the report."""
    keyring = keyring_from(args)
    with client_for(args) as client:
        report = verify_sources(
            args.sources,
            keyring,
            format=args.format,
            details=args.details if args.json else "failures",  # text lists only the failures
            workers=args.workers,
            path=args.path,
            client=client,
        )
    check_strict(report, args.strict)
    if args.json:
        document = report.as_json()
        if not args.details:
            document.pop("details", None)
        print_json(document)
    else:
        print(describe(report, everything=args.details))
    problems = report.invalid or report.rejected
    return exit_codes.PROBLEMS_FOUND if problems else exit_codes.OK


def check_strict(report: VerifyReport, strict: bool) -> None:
    """With ``--strict``, a rejected record is an error (exit 2), as when loading."""
    reading.check_strict(
        report.rejected, strict, fix="Fix or remove the record, or run without --strict"
    )


def describe(report: VerifyReport, *, everything: bool = False) -> str:
    """A readable report: counts by reason, then each failing reason with its hint and sources."""
    lines = [
        f"{counted(report.deliveries, 'delivery')}: {report.valid} valid, {report.invalid} "
        f"invalid, {report.unverifiable} without a verdict, "
        f"{counted(len(report.rejected), 'record')} rejected"
        + (
            f", {counted(report.skipped, 'request')} skipped (not deliveries)"
            if report.skipped
            else ""
        ),
        "",
        table(
            ["reason", "deliveries"],
            [(r.value, report.reasons[r.value]) for r in Reason if report.reasons[r.value]],
        ),
    ]
    if everything:  # one entry per delivery instead of the sources grouped by reason
        return "\n".join(lines + _epilogue(report, failing_deliveries(report.details or [])))
    by_reason: dict[str, list[dict[str, object]]] = {}
    for item in report.details or []:
        if item["reason"] != Reason.OK.value:
            by_reason.setdefault(str(item["reason"]), []).append(item)
    for reason in Reason:
        items = by_reason.get(reason.value, [])
        if not items:
            continue
        lines += ["", f"{reason.value} ({len(items)}): {HINTS[reason]}"]
        if reason.valid is None:  # no verdict: the count and the hint say it all
            continue
        shown = items[:FAILURES_SHOWN]
        lines += [f"  {i['source']}  {i['event_type'] or UNKNOWN_TYPE}" for i in shown]
        if len(shown) < len(items):
            lines.append(f"  ... and {len(items) - len(shown)} more (--details lists all)")
    return "\n".join(lines + _epilogue(report, []))


def _epilogue(report: VerifyReport, listed: list[str]) -> list[str]:
    """The other-app note, the listed deliveries, then the rejected records."""
    lines = []
    note = report.other_app_note()
    if note:
        lines += ["", f"Note: {note}"]
    lines += listed
    if report.rejected:
        lines += ["", "Rejected records:"]
        lines += [f"  {r.source}: {r.reason}" for r in report.rejected]
    return lines


def failing_deliveries(details: list[dict[str, object]]) -> list[str]:
    """``--details`` text: every delivery that did not verify, in input order, each with its
    source, event type, reason and the hint that says what to do."""
    failing = [d for d in details if d["reason"] not in (Reason.OK.value, Reason.UNSIGNED.value)]
    if not failing:
        return []
    lines = ["", f"Deliveries that did not verify ({len(failing)}), in input order:"]
    for item in failing:
        lines.append(f"  {item['source']}  {item['event_type'] or UNKNOWN_TYPE}  {item['reason']}")
        lines.append(f"    {item['hint']}")
    return lines
