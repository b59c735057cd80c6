"""Catch a secret typed where a name goes (``--secret-env $STREAM_API_SECRET``, the shell's
favourite mistake), before any message could repeat it."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterator

_SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSW|PRIVATE|CREDENTIAL", re.IGNORECASE)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME_OPTIONS = (("secret_env", "--secret-env"), ("resign_secret_env", "--resign-secret-env"))
_VALUE_OPTIONS = (("sources", "SOURCE"), ("api_key", "--api-key"), ("path", "--path"))


def misplaced_secret(args: argparse.Namespace) -> str | None:
    """Why the arguments hold what looks like a secret's value, without repeating it; or None.

    An option that names an environment variable must hold a name (letters, digits, ``_``);
    no argument may be the value of a variable whose name says it is secret.
    """
    secrets = {
        value: name
        for name, value in os.environ.items()
        if _SECRET_NAME.search(name) and len(value) >= 8
    }
    for option, value in _given(args, _NAME_OPTIONS):
        if value in secrets:
            return _value_of(option, secrets[value])
        if not _ENV_NAME.fullmatch(value):
            return (
                f"{option} takes the name of an environment variable (letters, digits and _), "
                f"not a value; for example {option} STREAM_API_SECRET (the value is not shown)"
            )
    for option, value in _given(args, _VALUE_OPTIONS):
        if value in secrets:
            return _value_of(option, secrets[value])
    return None


def _value_of(option: str, name: str) -> str:
    return (
        f"a {option} argument is the value of ${name}, a secret (not shown): pass the "
        f"variable's name instead, as in --secret-env {name}, never $-expanded"
    )


def _given(
    args: argparse.Namespace, options: tuple[tuple[str, str], ...]
) -> Iterator[tuple[str, str]]:
    for attribute, option in options:
        value = getattr(args, attribute, None)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                yield option, item
