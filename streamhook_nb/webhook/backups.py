"""Local backups of the webhook settings before each change, so that a change can be undone."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from streamhook_nb.errors import UsageError
from streamhook_nb.webhook.plan import without_secrets

DEFAULT_DIR = Path(".streamhook") / "backups"
BACKUP_MODE = 0o600
_STAMP = r"\d{8}T\d{12}Z"


def save_backup(
    settings: dict[str, Any],
    api_key: str,
    *,
    directory: str | os.PathLike[str] = DEFAULT_DIR,
    now: datetime | None = None,
) -> Path:
    """Write the current webhook settings (no credentials; owner-only) and return the file."""
    when = now or datetime.now(UTC)
    folder = Path(directory)
    path = folder / f"{file_key(api_key)}-{when:%Y%m%dT%H%M%S%fZ}.json"
    record = {
        "saved_at": when.isoformat(),
        "api_key": api_key,
        "settings": without_secrets(settings),
    }
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, BACKUP_MODE)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), BACKUP_MODE)
            handle.write(orjson.dumps(record, option=orjson.OPT_INDENT_2))
    except OSError as exc:
        raise UsageError(
            f"cannot save the backup of the current settings in {folder} "
            f"({exc.strerror or type(exc).__name__}); nothing was changed",
            fix="Run it from a folder you can write to",
        ) from None
    return path


def file_key(api_key: str) -> str:
    """The API key as backup file names hold it: any character other than a letter, a digit,
    ``_``, ``.`` or ``-`` becomes ``_`` (a key such as ``a/b`` or ``../x`` stays in the folder)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", api_key)


def latest_backup(api_key: str, *, directory: str | os.PathLike[str] = DEFAULT_DIR) -> Path:
    """The newest backup for exactly this app, or :class:`UsageError` when there is none.

    App ``ab``'s backups are ``ab-<time>.json``: another app's (``ab-cd-<time>.json``) and undone
    backups (``.undone.json``) never match.
    """
    own = re.compile(rf"{re.escape(file_key(api_key))}-{_STAMP}\.json")
    folder = Path(directory)
    files = sorted(p for p in folder.glob("*.json") if own.fullmatch(p.name))
    if not files:
        raise UsageError(f"no backup for app {api_key!r} in {directory}", fix="Nothing to undo yet")
    return files[-1]


def read_backup(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The backed-up settings; :class:`UsageError` naming the file when it cannot be read."""
    try:
        record = orjson.loads(Path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        why = (exc.strerror or type(exc).__name__) if isinstance(exc, OSError) else "not JSON"
        record, problem = None, f"cannot be read ({why})"
    else:
        problem = "holds no settings"
    settings = record.get("settings") if isinstance(record, dict) else None
    if not isinstance(settings, dict):
        raise UsageError(
            f"the backup {problem}",
            source=os.fspath(path),
            fix="Move the file away to undo with the backup before it, or set the URL again",
        )
    return settings
