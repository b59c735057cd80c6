"""``streamhook-nb webhook show|set`` and ``streamhook-nb check-endpoint``."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from streamhook_nb.cli import exit_codes, option_types, prompt
from streamhook_nb.cli.output import frame_table, print_json
from streamhook_nb.verify.secrets import (
    DEFAULT_KEY_ENV,
    DEFAULT_SECRET_ENV,
    Secret,
    SecretError,
    env_value,
    from_env,
)
from streamhook_nb.webhook.backups import save_backup
from streamhook_nb.webhook.plan import WebhookChange, plan_change, validate_url
from streamhook_nb.webhook.redact import redact_url

BASE_URL_ENV = "STREAM_CHAT_URL"


def _api() -> Any:
    """The Stream SDK wrapper, imported only when a command talks to the API."""
    from streamhook_nb.webhook import stream_api

    return stream_api


def _add_base_url(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--base-url", help=f"API base URL (default: ${BASE_URL_ENV} or Stream's)")
    where.add_argument(
        "--stand-in",
        action="store_true",
        help="demo mode: talk to a local stand-in of Stream's API serving the demo app (no "
        "credentials needed; nothing leaves this machine), as notebook 04 does",
    )


@contextmanager
def _client(args: argparse.Namespace) -> Iterator[Any]:
    """The API client: Stream's (credentials from the environment) or, with ``--stand-in``,
    a local stand-in's, which lives as long as the command.

    PyJWT warns when the secret is short, naming its length: nothing to print about a secret.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_KEY_LENGTH_WARNING)
        with _api_client(args) as client:
            yield client


_KEY_LENGTH_WARNING = r"The HMAC key is \d+ bytes long"


@contextmanager
def _api_client(args: argparse.Namespace) -> Iterator[Any]:
    if not args.stand_in:
        try:
            client = _api().client_from_env(base_url=args.base_url)
        except SecretError as exc:
            fix = (
                f"Export {DEFAULT_KEY_ENV} and {DEFAULT_SECRET_ENV} (or put them in .env); "
                "to try it first on a local demo app, add --stand-in"
            )
            raise SecretError(exc.message, source=exc.source, fix=fix) from None
        yield client
        return
    from streamhook_nb.samples.webhooks import DEMO_API_KEY, DEMO_SECRET
    from streamhook_nb.webhook.standin import StandIn

    with StandIn(DEMO_API_KEY, DEMO_SECRET) as stand_in:
        print(
            f"note: demo mode: a local stand-in of Stream's API at {stand_in.url} serving the "
            "demo app; nothing reaches Stream, and changes last only for this command",
            file=sys.stderr,
        )
        secret = Secret(DEMO_SECRET, "the demo secret")
        yield _api().AppSettingsClient(DEMO_API_KEY, secret, stand_in.url)


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``webhook`` (show, set) and ``check-endpoint``."""
    webhook = commands.add_parser(
        "webhook",
        allow_abbrev=False,
        help="show or change the app's webhook settings",
        description="Read or change the app's webhook settings through Stream's API "
        f"(STREAM_API_KEY / STREAM_API_SECRET; base URL from ${BASE_URL_ENV}). Exit 1 when "
        "the API refuses, 2 for a bad URL or missing credentials.",
    )
    actions = webhook.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("show", allow_abbrev=False, help="print the configured hooks")
    show.add_argument("--json", action="store_true", help="print the settings as JSON")
    _add_base_url(show)
    show.set_defaults(run=run_show)
    change = actions.add_parser(
        "set",
        allow_abbrev=False,
        help="point the webhook at a URL (prints the diff; applies with --yes or on confirmation)",
    )
    change.add_argument("--url", required=True, type=option_types.url, help="the webhook URL")
    change.add_argument("--events", help="comma-separated event types (default: keep; '' = all)")
    change.add_argument("--hook", help="id or URL of the webhook hook to change, or 'new'")
    change.add_argument("--disable", action="store_true", help="turn the hook off")
    change.add_argument("--dry-run", action="store_true", help="print the change; send nothing")
    change.add_argument("--yes", action="store_true", help="apply without asking")
    _add_base_url(change)
    change.set_defaults(run=run_set)
    check = commands.add_parser(
        "check-endpoint",
        allow_abbrev=False,
        help="check a webhook endpoint against Stream's requirements",
        description="Exit 0 when nothing fails, 1 when a requirement fails, 2 for a bad URL.",
    )
    check.add_argument("url", metavar="URL", type=option_types.url)
    check.add_argument("--json", action="store_true", help="print the results as JSON")
    check.set_defaults(run=run_check)


def run_show(args: argparse.Namespace) -> int:
    """Print the hooks."""
    from streamhook_nb.webhook.controller import hooks_table, public_settings

    with _client(args) as client:
        settings = client.get()
    if args.json:
        print_json(public_settings(settings))
    else:
        print(f"{client.api_key} at {redact_url(client.base_url)}")
        hooks = hooks_table(settings)
        print(frame_table(hooks, list(hooks.columns)))
    return exit_codes.OK


def run_set(args: argparse.Namespace) -> int:
    """Plan, show, confirm and apply a webhook change."""
    url = validate_url(args.url)
    events = (
        None
        if args.events is None
        else tuple(t.strip() for t in args.events.split(",") if t.strip())
    )
    with _client(args) as client:
        return _plan_and_apply(args, client, url, events)


def _plan_and_apply(
    args: argparse.Namespace, client: Any, url: str, events: tuple[str, ...] | None
) -> int:
    settings = client.get()
    plan = plan_change(settings, WebhookChange(url, events, not args.disable, args.hook))
    print(f"PATCH {redact_url(client.base_url)}/app ({plan.mode}):")
    print("\n".join(plan.diff))
    if not plan.changes_anything:
        print("Nothing to change.")
        return exit_codes.OK
    if args.dry_run:
        print("Dry run: nothing was sent.")
        return exit_codes.OK
    if not args.yes and not _confirmed():
        print("Not applied.", file=sys.stderr)
        return exit_codes.USAGE
    if args.stand_in:  # the demo app's settings are not worth a backup file
        client.update(plan.body)
        print("Applied to the stand-in.")
        return exit_codes.OK
    backup = save_backup(settings, client.api_key)
    client.update(plan.body)
    print(f"Applied. Previous settings saved in {backup}.")
    return exit_codes.OK


def _confirmed() -> bool:
    if not sys.stdin.isatty():
        print(
            "streamhook-nb webhook set: not a terminal: pass --yes to apply, or --dry-run",
            file=sys.stderr,
        )
        return False
    return prompt.confirmed("Apply this change? [y/N] ")


def run_check(args: argparse.Namespace) -> int:
    """Check the endpoint and print each requirement."""
    from streamhook_nb.webhook.endpoint_check import FAIL, check_endpoint

    url = validate_url(args.url)
    try:
        (secret,) = from_env()
    except SecretError:
        secret = None
    results = check_endpoint(url, secret, env_value("STREAM_API_KEY") or "")
    if args.json:
        print_json({"url": redact_url(url), "requirements": [asdict(r) for r in results]})
    else:
        for result in results:
            print(f"{result.status.upper():4}  {result.name}: {result.message}")
    return exit_codes.PROBLEMS_FOUND if any(r.status == FAIL for r in results) else exit_codes.OK
