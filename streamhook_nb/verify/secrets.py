"""API secrets: read from the environment, a ``.env`` file or a secrets file; never shown."""

from __future__ import annotations

import io
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from streamhook_nb.errors import UsageError

DEFAULT_SECRET_ENV = "STREAM_API_SECRET"
DEFAULT_KEY_ENV = "STREAM_API_KEY"


class SecretError(UsageError):
    """A secret could not be found or read (the message names where, never the value); IPython
    shows it as one line, as every :class:`StreamhookError`."""


class Secret:
    """An API secret with a label saying where it came from; repr and str show only the label."""

    __slots__ = ("_key", "label")

    def __init__(self, value: str, label: str) -> None:
        if not isinstance(value, str) or not value:
            raise SecretError(f"the secret from {label} is empty", fix="Set it to the app's secret")
        self._key = value.encode("utf-8")
        self.label = label

    @property
    def key(self) -> bytes:
        """The HMAC key: the secret's UTF-8 bytes."""
        return self._key

    def trimmed(self) -> Secret | None:
        """The same secret without surrounding whitespace, or ``None`` if it has none."""
        stripped = self._key.strip()
        if stripped == self._key or not stripped:
            return None
        return Secret(stripped.decode("utf-8"), f"{self.label} (trimmed)")

    def reveal(self) -> str:
        """The secret's value; call it only to hand the secret to another library."""
        return self._key.decode("utf-8")

    def __repr__(self) -> str:
        return f"Secret(from {self.label})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)


@dataclass(frozen=True)
class Keyring:
    """Which secrets may have signed a delivery.

    ``shared`` secrets apply to every delivery (rotation: newest first); ``apps`` maps an API
    key to its secrets, chosen by the delivery's ``X-Api-Key``. ``expected_api_key`` is the app
    the shared secrets belong to, when known.
    """

    shared: tuple[Secret, ...] = ()
    apps: Mapping[str, tuple[Secret, ...]] = field(default_factory=dict)
    expected_api_key: str | None = None

    def __post_init__(self) -> None:
        if not self.shared and not self.apps:
            raise SecretError(
                "no secret configured",
                fix=f"Set {DEFAULT_SECRET_ENV}, put it in .env, or pass a secrets file",
            )

    @property
    def keyed(self) -> bool:
        """True when secrets are chosen by ``X-Api-Key`` (a secrets file was given)."""
        return bool(self.apps)

    def _repr_html_(self) -> str:
        from streamhook_nb.display import keyring_html

        return keyring_html(self)

    def candidates(self, api_key: str | None) -> tuple[Secret, ...]:
        """The secrets to try, in order, for a delivery carrying ``api_key``.

        A delivery whose capture lost ``X-Api-Key`` is tried against every configured secret:
        the header only chooses the secret, the signature is what proves the app.
        """
        if api_key is not None and api_key in self.apps:
            return self.apps[api_key] + self.shared
        if api_key is None and self.apps:
            return self.shared + tuple(s for secrets in self.apps.values() for s in secrets)
        return self.shared

    def others(self, api_key: str | None) -> Iterable[tuple[str, Secret]]:
        """Secrets of the other configured apps, with their API keys."""
        for key, secrets in self.apps.items():
            if key != api_key:
                for secret in secrets:
                    yield key, secret

    def labels(self) -> list[str]:
        """Where every configured secret came from (for messages; never the values)."""
        return [s.label for s in self.shared] + [
            s.label for secrets in self.apps.values() for s in secrets
        ]


def from_env(
    names: Iterable[str] = (DEFAULT_SECRET_ENV,),
    *,
    dotenv: str | os.PathLike[str] | None = ".env",
    environ: Mapping[str, str] | None = None,
) -> tuple[Secret, ...]:
    """Secrets from environment variables (newest first), falling back to a ``.env`` file.

    ``dotenv`` as a bare file name (the default ``.env``) is looked for in the current folder,
    then in each folder above it (python-dotenv's search: a notebook running in ``notebooks/``
    finds the project's ``.env``); a path with a folder is used as given; ``None``: no file.
    """
    environ = os.environ if environ is None else environ
    found = find_dotenv(dotenv)
    file_values = _dotenv_values(found)
    secrets = []
    for name in names:
        value = environ.get(name) or file_values.get(name)
        if not value:
            raise SecretError(
                _why_missing(name, environ, file_values, found)
                or f"{name} is not set in the environment{_looked_in(dotenv, found)}",
                fix=(
                    f"Add {name}=... to the project's .env and re-run the cell, or set "
                    f"os.environ[{name!r}] = ... in the notebook, or pass secrets_file=..."
                ),
                shell_fix=f"export {name}=... (or add it to .env), or pass --secrets-file F",
            )
        secrets.append(Secret(value, name))
    return tuple(secrets)


def find_dotenv(dotenv: str | os.PathLike[str] | None = ".env") -> Path | None:
    """The ``.env`` file to read: a bare name is searched for from the current folder up (as
    python-dotenv's ``find_dotenv(usecwd=True)`` does); a path with a folder is taken as is."""
    if dotenv is None:
        return None
    path = Path(dotenv)
    if path.parent != Path("."):
        return path
    from dotenv import find_dotenv as search

    found = search(path.name, usecwd=True)
    return Path(found) if found else None


def _looked_in(dotenv: str | os.PathLike[str] | None, found: Path | None) -> str:
    """Where the ``.env`` was looked for, for a message (never its content)."""
    if dotenv is None:
        return ""
    if found is not None:
        return f" or in {found}"
    if Path(dotenv).parent != Path("."):
        return f" or in {dotenv} (no such file)"
    return f", and no {os.fspath(dotenv)} file is in {Path.cwd()} or any folder above it"


def _why_missing(
    name: str, environ: Mapping[str, str], file_values: Mapping[str, str], found: Path | None
) -> str | None:
    """Why ``name`` has no value when it is there after all: empty, or on a line of the
    ``.env`` that cannot be read (the line's number, never its text)."""
    if name in file_values and found is not None:
        return f"{name} is empty in {found}"
    if name in environ:
        return f"{name} is set but empty in the environment"
    if found is None:
        return None
    text = _dotenv_text(found)
    setting = re.compile(rf"\s*(?:export\s+)?{re.escape(name)}\s*=")
    from dotenv.parser import parse_stream

    for binding in parse_stream(io.StringIO(text or "")):
        if binding.error and setting.match(binding.original.string):
            return (
                f"line {binding.original.line} of {found} sets {name} but cannot be read "
                "(a quote that is not closed?)"
            )
    return None


def env_value(name: str, *, dotenv: str | os.PathLike[str] | None = ".env") -> str | None:
    """A non-secret setting (such as the API key) from the environment or ``.env`` (found as
    :func:`from_env` finds it)."""
    return os.environ.get(name) or _dotenv_values(find_dotenv(dotenv)).get(name) or None


def _dotenv_values(path: str | os.PathLike[str] | None) -> dict[str, str]:
    text = _dotenv_text(path)
    if text is None:
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v is not None}


def _dotenv_text(path: str | os.PathLike[str] | None) -> str | None:
    """The ``.env`` file's text (None: no such file); a clear error when it is not UTF-8."""
    if path is None or not Path(path).is_file():
        return None
    name = os.fspath(path)
    data = _read_small(path, name, ".env file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = exc.start + 1
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    raise SecretError(
        "the .env file is "
        + ("UTF-16 text (as Windows PowerShell's > writes it)" if utf16 else "not UTF-8 text")
        + ("" if utf16 else f" (byte {where})"),
        source=name,
        fix="Save it as UTF-8, one NAME=value per line",
    )


MAX_SECRETS_BYTES = 1024 * 1024
"""A secrets or ``.env`` file is a few lines; reading stops past this (``/dev/zero`` ends)."""


def _read_small(path: str | os.PathLike[str], name: str, what: str) -> bytes:
    """A small file's bytes; a clear error when it cannot be read or is far too big."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_SECRETS_BYTES + 1)
    except OSError as exc:
        raise SecretError(f"cannot read the {what} ({exc.strerror or exc})", source=name) from None
    if len(data) > MAX_SECRETS_BYTES:
        raise SecretError(
            f"the {what} is larger than {MAX_SECRETS_BYTES // 1024} KiB: not a secrets file",
            source=name,
            fix="Point to the small JSON, TOML or .env file that holds the secrets",
        )
    return data


def from_file(path: str | os.PathLike[str]) -> dict[str, tuple[Secret, ...]]:
    """API key -> secrets from a JSON or TOML file (a value is a secret or a list, newest first)."""
    name = os.fspath(path)
    text = _read_small(path, name, "secrets file")
    mapping = _parse_mapping(text, name)
    apps: dict[str, tuple[Secret, ...]] = {}
    for api_key, value in mapping.items():
        values = value if isinstance(value, list) else [value]
        problem = _entry_problem(values)
        if problem is not None:
            raise SecretError(
                f"the entry for API key {api_key!r}{problem}",
                source=name,
                fix="Give the secret as a string, or a list of strings (newest first)",
            )
        many = len(values) > 1
        apps[api_key] = tuple(
            Secret(v, f"{name}:{api_key}" + (f"[{i}]" if many else ""))
            for i, v in enumerate(values)
        )
    if not apps:
        raise SecretError("the secrets file maps no API key", source=name)
    return apps


def _entry_problem(values: list[object]) -> str | None:
    """What is wrong with one API key's secrets (never their values), or None."""
    if not values:
        return " is an empty list"
    for n, value in enumerate(values):
        at = f"[{n}]" if len(values) > 1 else ""
        if not isinstance(value, str):
            kinds = {bool: "true/false", int: "a number", float: "a number", list: "a list"}
            kind = kinds.get(type(value), "a table" if isinstance(value, dict) else "not text")
            return f"{at} is {kind}, not a secret"
        if not value:
            return f"{at} is an empty string"
    return None


def _parse_mapping(text: bytes, name: str) -> dict[str, object]:
    """The file's mapping. Parse errors are dropped, not chained: a JSON error carries the
    whole document (``doc``), and an exception's context outlives its message."""
    text = text.removeprefix(b"\xef\xbb\xbf")
    parsed, problem = _json_or_toml(text)
    if problem is not None:
        raise SecretError(
            problem,
            source=name,
            fix='Write it as {"API_KEY": "secret"} (JSON) or API_KEY = "secret" (TOML)',
        )
    if not isinstance(parsed, dict):
        raise SecretError("the secrets file must map API keys to secrets", source=name)
    return parsed


_TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")
_TOML_TABLE = re.compile(rb"\[\[?\s*[A-Za-z0-9_.\"' -]+\s*\]\]?\s*(?:#.*)?")
"""A TOML table header line (``[prod]``), which also starts with ``[``."""


def _json_or_toml(text: bytes) -> tuple[object, str | None]:
    """The parsed document and None, or None and what is wrong: where a file that looks like
    JSON or else TOML stops parsing (line and column, never the text there)."""
    try:
        parsed: object = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        json_where = f"line {exc.lineno}, column {exc.colno}"
    else:
        return parsed, None
    try:
        return tomllib.loads(text.decode("utf-8")), None
    except UnicodeDecodeError as exc:
        return None, f"the secrets file is not UTF-8 text (byte {exc.start + 1})"
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_WHERE.search(str(exc))
        toml_where = f" (line {found[1]}, column {found[2]})" if found else ""
    first = text.lstrip().split(b"\n", 1)[0].strip()
    if first[:1] in (b"{", b'"') or (first[:1] == b"[" and not _TOML_TABLE.fullmatch(first)):
        return None, f"the secrets file is not valid JSON ({json_where})"
    return None, f"the secrets file is neither JSON nor valid TOML{toml_where}"


def keyring(
    *,
    secret_envs: Iterable[str] = (),
    secrets_file: str | os.PathLike[str] | None = None,
    api_key: str | None = None,
    dotenv: str | os.PathLike[str] | None = ".env",
) -> Keyring:
    """Build a keyring the way the CLI does: env vars and/or a secrets file.

    With neither, ``STREAM_API_SECRET`` is used. The expected API key is ``api_key`` or
    ``STREAM_API_KEY`` when set.
    """
    names = list(secret_envs)
    apps = from_file(secrets_file) if secrets_file is not None else {}
    if not names and not apps:
        names = [DEFAULT_SECRET_ENV]
    shared = from_env(names, dotenv=dotenv) if names else ()
    expected = api_key or env_value(DEFAULT_KEY_ENV, dotenv=dotenv)
    return Keyring(shared, apps, expected)
