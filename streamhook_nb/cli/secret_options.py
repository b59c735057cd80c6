"""Secret options shared by verify, events and report: names of places, never values."""

from __future__ import annotations

import argparse

from streamhook_nb.verify.secrets import DEFAULT_SECRET_ENV, Keyring, keyring


def add_secret_arguments(parser: argparse.ArgumentParser) -> None:
    """``--secret-env NAME``... ``--secrets-file F`` ``--api-key KEY``."""
    group = parser.add_argument_group(
        "secrets",
        "Secrets are read from environment variables, a .env file or a secrets file; never "
        f"from the command line. Default: ${DEFAULT_SECRET_ENV}.",
    )
    group.add_argument(
        "--secret-env",
        action="append",
        default=[],
        metavar="NAME",
        help="environment variable holding a secret; repeat for rotation, newest first",
    )
    group.add_argument(
        "--secrets-file",
        metavar="F",
        help="JSON or TOML file mapping API key -> secret (or a list, newest first)",
    )
    group.add_argument(
        "--api-key",
        metavar="KEY",
        help="the app's API key, to spot deliveries of another app (default: $STREAM_API_KEY)",
    )


def keyring_from(args: argparse.Namespace) -> Keyring:
    """The keyring the secret options describe."""
    return keyring(
        secret_envs=args.secret_env, secrets_file=args.secrets_file, api_key=args.api_key
    )
