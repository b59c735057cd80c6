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
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"{api_key}-{when:%Y%m%dT%H%M%S%fZ}.json"
    record = {
        "saved_at": when.isoformat(),
        "api_key": api_key,
        "settings": without_secrets(settings),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, BACKUP_MODE)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), BACKUP_MODE)
        handle.write(orjson.dumps(record, option=orjson.OPT_INDENT_2))
    return path


def latest_backup(api_key: str, *, directory: str | os.PathLike[str] = DEFAULT_DIR) -> Path:
    """The newest backup for exactly this app, or :class:`UsageError` when there is none.

    App ``ab``'s backups are ``ab-<time>.json``: another app's (``ab-cd-<time>.json``) and undone
    backups (``.undone.json``) never match.
    """
    own = re.compile(rf"{re.escape(api_key)}-{_STAMP}\.json")
    folder = Path(directory)
    files = sorted(p for p in folder.glob("*.json") if own.fullmatch(p.name))
    if not files:
        raise UsageError(f"no backup for app {api_key!r} in {directory}", fix="Nothing to undo yet")
    return files[-1]


def read_backup(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The backed-up settings."""
    record = orjson.loads(Path(path).read_bytes())
    settings: dict[str, Any] = record["settings"]
    return settings
