"""``streamhook-nb capture`` and ``streamhook-nb replay``."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from streamhook_nb.capture.paths import path_problem
from streamhook_nb.verify.secrets import Keyring, Secret, SecretError, from_env
from streamhook_nb.webhook.redact import redact_url

if TYPE_CHECKING:
    import pandas as pd

    from streamhook_nb.capture.replay import ReplayInterrupted
from streamhook_nb.cli import exit_codes, option_types, prompt
from streamhook_nb.cli.output import counted, replay_table


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``capture`` and ``replay``."""
    capture = commands.add_parser(
        "capture",
        allow_abbrev=False,
        help="receive deliveries and append each to a capture log before answering 200",
        description="An HTTP/1.1 receiver for Stream's webhooks: every POST is written to the "
        "capture log (exact bytes, all headers), then answered. Stops cleanly on SIGINT/SIGTERM.",
    )
    capture.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    capture.add_argument("--port", type=int, default=8000)
    capture.add_argument("--out", required=True, metavar="FILE", help="the capture log (appended)")
    capture.add_argument("--path", help="take deliveries only on this path (default: any path)")
    capture.add_argument("--secret-env", metavar="NAME", help="verify with the secret in $NAME")
    capture.add_argument(
        "--reject-invalid", action="store_true", help="answer 401 to a bad signature (still logged)"
    )
    capture.add_argument(
        "--max-body", type=int, default=8 * 1024 * 1024, metavar="BYTES", help="413 above this"
    )
    capture.add_argument(
        "--read-timeout",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="time a client has for its headers, and for its body; idle keep-alive (default 15)",
    )
    capture.add_argument(
        "--max-connections",
        type=int,
        metavar="N",
        help="open connections at most (default: what fits under the open-file limit)",
    )
    capture.add_argument("--rotate-bytes", type=int, metavar="BYTES", help="rotate at this size")
    capture.add_argument("--rotate-daily", action="store_true", help="rotate at midnight UTC")
    capture.add_argument(
        "--fsync", action="store_true", help="fsync before answering (group commit)"
    )
    capture.set_defaults(run=run_capture)

    again = commands.add_parser(
        "replay",
        allow_abbrev=False,
        help="resend captured deliveries (original headers, exact bodies) to a URL",
        description="Exit 0 when every delivery got a 2xx, 1 otherwise, 2 for bad input.",
    )
    again.add_argument("sources", nargs="+", metavar="SOURCE")
    again.add_argument(
        "--to", required=True, metavar="URL", type=option_types.url, help="where to send them"
    )
    again.add_argument("--type", action="append", default=[], help="only this event type (repeat)")
    again.add_argument("--since", help="only deliveries received at or after (ISO 8601, UTC)")
    again.add_argument("--until", help="only deliveries received before (ISO 8601, UTC)")
    again.add_argument(
        "--rate", type=option_types.positive_rate, help="at most N deliveries per second"
    )
    again.add_argument(
        "--resign-secret-env", metavar="NAME", help="re-sign with the secret in $NAME"
    )
    again.add_argument("--dry-run", action="store_true", help="list what would be sent")
    again.add_argument("--yes", action="store_true", help="send without asking")
    again.set_defaults(run=run_replay)


def run_capture(args: argparse.Namespace) -> int:
    """Serve until stopped."""
    from streamhook_nb.capture.log import CaptureLog  # asyncio: only for this command
    from streamhook_nb.capture.server import (  # aiohttp: only for this command
        CaptureSettings,
        serve,
    )

    problem = _capture_usage_problem(args)
    if problem is not None:
        return _usage("capture", problem)
    keyring = Keyring((_secret(args.secret_env),)) if args.secret_env else None
    if keyring is not None and keyring.shared[0].trimmed() is not None:
        print(
            f"streamhook-nb capture: warning: ${args.secret_env} has whitespace around it: "
            "deliveries will verify only as secret_whitespace"
            + (" and get a 401" if args.reject_invalid else "")
            + "; remove it from the variable (or .env)",
            file=sys.stderr,
        )
    log = CaptureLog(
        args.out, fsync=args.fsync, rotate_bytes=args.rotate_bytes, rotate_daily=args.rotate_daily
    )
    try:
        log.open()
    except OSError as exc:
        return _usage("capture", f"cannot write the capture log {args.out}: {exc.strerror or exc}")
    settings = CaptureSettings(
        keyring,
        args.reject_invalid,
        args.path,
        args.max_body,
        read_timeout=args.read_timeout,
        max_connections=args.max_connections,
    )
    print(f"capturing to {args.out}", flush=True)
    try:
        serve(log, settings, args.host, args.port)
    except OSError as exc:
        log.close()
        where = f"{args.host}:{args.port}"
        return _usage("capture", f"cannot listen on {where}: {exc.strerror or exc}")
    return exit_codes.OK


def _secret(name: str) -> Secret:
    """The secret in ``$name`` (or ``.env``); the error's fix names no ``--secrets-file``,
    which ``capture`` and ``replay`` do not take."""
    try:
        (secret,) = from_env([name])
    except SecretError as exc:
        raise SecretError(
            exc.message, source=exc.source, fix=f"export {name}=... (or add it to .env)"
        ) from None
    return secret


def _capture_usage_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the capture options, in one sentence (None: nothing)."""
    if args.reject_invalid and not args.secret_env:
        return "--reject-invalid needs --secret-env"
    from streamhook_nb.capture.server import body_limit_problem  # aiohttp: only for capture

    problem = body_limit_problem(args.max_body)
    if problem is not None:
        return f"--max-body {problem}"
    if args.rotate_bytes is not None and args.rotate_bytes <= 0:
        return "--rotate-bytes must be a positive number of bytes"
    if not args.read_timeout > 0:
        return "--read-timeout must be a positive number of seconds"
    if args.max_connections is not None and args.max_connections <= 0:
        return "--max-connections must be positive"
    if args.path is not None and path_problem(args.path):
        return f"--path {path_problem(args.path)}"
    if not 0 <= args.port <= 65535:
        return "--port must be between 0 and 65535"
    return None


def _usage(command: str, message: str) -> int:
    print(f"streamhook-nb {command}: error: {message}", file=sys.stderr)
    return exit_codes.USAGE


def _time(text: str | None) -> pd.Timestamp | None:
    """An ISO 8601 time; without an offset it is taken as UTC."""
    if text is None:
        return None
    import pandas as pd

    moment = pd.Timestamp(text)
    return moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")


def run_replay(args: argparse.Namespace) -> int:
    """Select, confirm, send, and print one line per delivery."""
    from streamhook_nb.capture.replay import (  # requests: only for this command
        DRY_RUN,
        ReplayInterrupted,
        Selection,
        replay,
    )
    from streamhook_nb.load.loading import load_log

    resign = _secret(args.resign_secret_env) if args.resign_secret_env else None
    try:
        selection = Selection(tuple(args.type), _time(args.since), _time(args.until))
    except ValueError as exc:
        print(f"streamhook-nb replay: error: bad --since/--until ({exc})", file=sys.stderr)
        return exit_codes.USAGE
    loaded = load_log(args.sources)
    _note_left_out(loaded.deliveries, len(loaded.rejected))
    chosen = selection.apply(loaded.deliveries)
    if not args.dry_run and not args.yes and not _confirmed(len(chosen), args.to):
        return exit_codes.USAGE
    try:
        results = replay(chosen, args.to, rate=args.rate, resign=resign, dry_run=args.dry_run)
    except ReplayInterrupted as stopped:
        return _interrupted(stopped)
    print(replay_table(results, dry_run=args.dry_run) if len(results) else "nothing selected")
    if args.dry_run:
        sending = int((results["error"] == DRY_RUN).sum()) if len(results) else 0
        held = (
            f" ({len(results) - sending} not: their rows say why)" if sending < len(results) else ""
        )
        print(
            f"dry run: {counted(sending, 'delivery')} would be sent to {redact_url(args.to)}{held}"
        )
        return exit_codes.OK
    ok = results["status"].between(200, 299).fillna(False)
    print(f"{int(ok.sum())} of {counted(len(results), 'delivery')} got a 2xx")
    return exit_codes.OK if ok.all() else exit_codes.PROBLEMS_FOUND


def _note_left_out(deliveries: Any, rejected: int) -> None:
    """Say on stderr what the sources hold that replay leaves out, and why."""
    queued = int((deliveries["transport"] != "http").sum())
    bodiless = int(((deliveries["transport"] == "http") & deliveries["body"].isna()).sum())
    if rejected:
        print(
            f"note: {counted(rejected, 'record')} could not be read and "
            f"{'is' if rejected == 1 else 'are'} not replayed (streamhook-nb load lists them)",
            file=sys.stderr,
        )
    if queued:
        print(
            f"note: {counted(queued, 'SQS/SNS message')} left out: Stream sends those to the "
            "queue, not over HTTP",
            file=sys.stderr,
        )
    if bodiless:
        print(
            f"note: {counted(bodiless, 'delivery')} left out: the capture kept no body",
            file=sys.stderr,
        )


def _interrupted(stopped: ReplayInterrupted) -> int:
    """Ctrl-C during a replay: what was sent so far, so that a new run can skip it."""
    results = stopped.results
    if len(results):
        print(replay_table(results, dry_run=False))
    ok = int(results["status"].between(200, 299).fillna(False).sum())
    print(
        f"interrupted: {len(results)} of {stopped.total} deliveries were handled ({ok} got a "
        "2xx), the rest were not sent; the rows above say which",
        file=sys.stderr,
    )
    return exit_codes.INTERRUPTED


def _confirmed(count: int, url: str) -> bool:
    if not sys.stdin.isatty():
        print(
            "streamhook-nb replay: not a terminal: pass --yes to send, or --dry-run",
            file=sys.stderr,
        )
        return False
    question = f"Send {counted(count, 'delivery')} to {redact_url(url)}? [y/N] "
    return prompt.confirmed(question)
