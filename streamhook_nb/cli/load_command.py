"""``streamhook-nb load``: read logs in any format, report, convert."""

from __future__ import annotations

import argparse
import sys
from typing import IO, TYPE_CHECKING

from . import exit_codes
from .output import print_json, table
from .source_options import add_source_arguments

if TYPE_CHECKING:
    from ..loading import LoadResult


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``load`` command."""
    parser = commands.add_parser(
        "load",
        allow_abbrev=False,
        help="load captured logs in any supported format and report what was found",
        description="Load deliveries from files, directories, globs or fsspec URLs. Exit 0 when "
        "every record loaded, 1 when some were rejected, 2 when a source cannot be read.",
    )
    add_source_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--to-jsonl", metavar="OUT", help="write every delivery as capture JSONL")
    parser.add_argument("--to-har", metavar="OUT", help="write every delivery as a HAR 1.2 log")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Load, optionally convert, and print the summary."""
    from ..loading import load_log  # pandas: only when a command needs a DataFrame
    from ..writers import to_capture_jsonl, to_har

    result = load_log(args.sources, format=args.format, strict=args.strict)
    if args.to_jsonl:
        written = to_capture_jsonl(result.deliveries, _target(args.to_jsonl))
        print(f"wrote {written} deliveries to {args.to_jsonl}", file=sys.stderr)
    if args.to_har:
        written = to_har(result.deliveries, _target(args.to_har))
        print(f"wrote {written} deliveries to {args.to_har}", file=sys.stderr)
    if args.json:
        print_json(result.summary())
    else:
        print(describe(result))
    return exit_codes.PROBLEMS_FOUND if len(result.rejected) else exit_codes.OK


def _target(path: str) -> str | IO[bytes]:
    return sys.stdout.buffer if path == "-" else path


def describe(result: LoadResult) -> str:
    """A short human report: deliveries per format and every rejected record."""
    lines = [f"{len(result.deliveries)} deliveries loaded, {len(result.rejected)} rejected"]
    if result.by_format:
        lines += ["", table(["format", "deliveries"], result.by_format.items())]
    if len(result.rejected):
        lines += ["", "Rejected records:"]
        lines += [
            f"  {s}: {r}"
            for s, r in zip(result.rejected["source"], result.rejected["reason"], strict=False)
        ]
    return "\n".join(lines)
