"""Entry point: parse arguments, run a command, turn known errors into messages and exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from streamhook_nb import __version__
from streamhook_nb.cli import (
    capture_command,
    events_command,
    exit_codes,
    load_command,
    verify_command,
    webhook_command,
)
from streamhook_nb.errors import ApiError, StreamhookError


class _Parser(argparse.ArgumentParser):
    """Argument errors that never echo values: a stray one may be a pasted secret."""

    def error(self, message: str) -> NoReturn:
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            options = [w for w in message[len(prefix) :].split() if w.startswith("-")]
            shown = " ".join(options) if options else "a value"
            message = f"{prefix}{shown} (values are not shown; secrets go in env vars or files)"
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every command."""
    parser: argparse.ArgumentParser = _Parser(
        prog="streamhook-nb",
        allow_abbrev=False,
        description="Load, verify and audit Stream Chat webhook deliveries.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    load_command.add_parser(commands)
    verify_command.add_parser(commands)
    events_command.add_parsers(commands)
    webhook_command.add_parsers(commands)
    capture_command.add_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (never a traceback for a user error)."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except StreamhookError as exc:
        print(f"streamhook-nb {args.command}: error: {exc}", file=sys.stderr)
        refused = isinstance(exc, ApiError)  # the API said no: the settings are untouched
        return exit_codes.PROBLEMS_FOUND if refused else exit_codes.USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return exit_codes.INTERRUPTED
    except BrokenPipeError:
        return exit_codes.OK
    return code
