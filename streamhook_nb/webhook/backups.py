"""Local backups of the webhook settings before each change, so that a change can be undone."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from streamhook_nb.errors import UsageError
from streamhook_nb.webhook.plan import without_secrets

DEFAULT_DIR = Path(".streamhook") / "backups"


def save_backup(
    settings: dict[str, Any],
    api_key: str,
    *,
    directory: str | os.PathLike[str] = DEFAULT_DIR,
    now: datetime | None = None,
) -> Path:
    """Write the current webhook settings (no credentials) and return the file."""
    when = now or datetime.now(UTC)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{api_key}-{when:%Y%m%dT%H%M%S%fZ}.json"
    record = {
        "saved_at": when.isoformat(),
        "api_key": api_key,
        "settings": without_secrets(settings),
    }
    path.write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2))
    return path


def latest_backup(api_key: str, *, directory: str | os.PathLike[str] = DEFAULT_DIR) -> Path:
    """The newest backup for the app, or :class:`UsageError` when there is none."""
    files = sorted(
        path
        for path in Path(directory).glob(f"{api_key}-*.json")
        if not path.name.endswith(".undone.json")  # already restored once
    )
    if not files:
        raise UsageError(f"no backup for app {api_key!r} in {directory}", fix="Nothing to undo yet")
    return files[-1]


def read_backup(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The backed-up settings."""
    record = orjson.loads(Path(path).read_bytes())
    settings: dict[str, Any] = record["settings"]
    return settings
