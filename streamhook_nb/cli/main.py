"""Entry point: parse arguments, run a command, turn known errors into messages and exit codes."""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from streamhook_nb import __version__
from streamhook_nb.cli import (
    capture_command,
    events_command,
    exit_codes,
    load_command,
    output,
    verify_command,
    webhook_command,
)
from streamhook_nb.cli.misplaced_secrets import misplaced_secret
from streamhook_nb.errors import ApiError, StreamhookError


class _Parser(argparse.ArgumentParser):
    """Argument errors that never echo values (a stray one may be a pasted secret) and that
    suggest the closest option or command for a typo."""

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._argv = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            options = [w for w in message[len(prefix) :].split() if w.startswith("-")]
            shown = " ".join(options) if options else "a value"
            message = f"{prefix}{shown} (values are not shown; secrets go in env vars or files)"
            message += suggestion(options, self._known_options())
        elif choice := _INVALID_CHOICE.search(message):
            hint = suggestion([choice["given"]], _QUOTED.findall(choice["choices"]))
            message = _INVALID_CHOICE.sub(
                r"invalid choice (not shown; choose from \g<choices>)", message
            )
            message += hint
        elif _INVALID_VALUE.search(message):
            message = _INVALID_VALUE.sub(
                r"invalid \g<kind> value (the value is not shown)", message
            )
        else:  # another error (a missing argument) may come from a mistyped option
            known = self._known_options()
            typed = [w for w in getattr(self, "_argv", []) if w.startswith("--")]
            message += suggestion([w for w in typed if w.split("=", 1)[0] not in known], known)
        super().error(message)

    def _known_options(self) -> list[str]:
        """The option strings of the command being run (every command's when none is given)."""
        argv = getattr(self, "_argv", [])
        parsers: list[argparse.ArgumentParser] = [self]
        while commands := _subcommands(parsers[-1]):  # follow `webhook show` down its levels
            given = [commands[word] for word in argv if word in commands]
            if not given:
                parsers += commands.values()
                break
            parsers.append(given[0])
        return [o for p in parsers for a in p._actions for o in a.option_strings]


_INVALID_CHOICE = re.compile(
    r"invalid choice: '?(?P<given>[^'\s]*)'? \(choose from (?P<choices>.*)\)"
)
_QUOTED = re.compile(r"'?([\w.-]+)'?")
_INVALID_VALUE = re.compile(r"invalid (?P<kind>[\w.]+) value: .*", re.DOTALL)
"""argparse's ``invalid int value: '...'``, which quotes what was typed."""


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def suggestion(typed: Sequence[str], known: Sequence[str]) -> str:
    """A note naming the known word closest to the first typo ("did you mean X?"), or ""."""
    for word in typed:
        name = word.split("=", 1)[0]
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if close and close[0] != name:
            return f" (did you mean {close[0]}?)"
    return ""


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
    misplaced = misplaced_secret(args)
    if misplaced is not None:
        print(f"streamhook-nb {args.command}: error: {misplaced}", file=sys.stderr)
        return exit_codes.USAGE
    try:
        with output.closed_pipe_tolerated():
            code: int = args.run(args)
    except StreamhookError as exc:
        print(f"streamhook-nb {args.command}: error: {exc.shell_message()}", file=sys.stderr)
        refused = isinstance(exc, ApiError)  # the API said no: the settings are untouched
        return exit_codes.PROBLEMS_FOUND if refused else exit_codes.USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return exit_codes.INTERRUPTED
    except MemoryError:
        print(f"streamhook-nb {args.command}: error: {OUT_OF_MEMORY}", file=sys.stderr)
        return exit_codes.USAGE
    return code


OUT_OF_MEMORY = (
    "ran out of memory. Read fewer or smaller files at a time (verify and events stream logs "
    "of any size)"
)
