"""The webhook settings workflow (load, check, test, preview, apply, undo) without any widget."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import requests

from streamhook_nb.errors import StreamhookError, UsageError
from streamhook_nb.verify.secrets import (
    DEFAULT_KEY_ENV,
    DEFAULT_SECRET_ENV,
    Secret,
    env_value,
    from_env,
)
from streamhook_nb.webhook.backups import (
    DEFAULT_DIR,
    file_key,
    latest_backup,
    read_backup,
    save_backup,
)
from streamhook_nb.webhook.endpoint_check import Requirement, check_endpoint
from streamhook_nb.webhook.failures import failure_reason
from streamhook_nb.webhook.plan import (
    Plan,
    PlanError,
    WebhookChange,
    plan_change,
    public_hook,
    restore_body,
    validate_url,
)
from streamhook_nb.webhook.redact import REDACTED, redact_url, scrub, url_secrets
from streamhook_nb.webhook.sample_event import SentEvent, send_test_event
from streamhook_nb.webhook.standin import StandIn
from streamhook_nb.webhook.stream_api import AppSettingsClient, RefusedError

_TARGETS = ("webhook_url", "sqs_queue_url", "sns_topic_arn")
TYPED = "the API secret field"
"""Where a secret typed into the widget comes from (its label)."""
DEMO = "the demo stand-in secret"
"""Where the stand-in's demo secret comes from (its label)."""


def hooks_table(settings: dict[str, Any]) -> pd.DataFrame:
    """The configured hooks, one row each, without credentials (legacy settings as one row)."""
    hooks = settings.get("event_hooks") or []
    if not hooks:
        url = settings.get("webhook_url") or ""
        hooks = [
            {
                "id": "(legacy)",
                "hook_type": "webhook",
                "enabled": bool(url),
                "event_types": settings.get("webhook_events") or [],
                "webhook_url": url,
            }
        ]
    rows = [
        {
            "id": hook.get("id", ""),
            "type": hook.get("hook_type", ""),
            "enabled": bool(hook.get("enabled")),
            "events": ", ".join(hook.get("event_types") or []) or "all",
            "target": redact_url(next((str(hook[k]) for k in _TARGETS if hook.get(k)), "")),
        }
        for hook in hooks
    ]
    return pd.DataFrame(rows, columns=["id", "type", "enabled", "events", "target"])


@dataclass
class WebhookController:
    """Holds the connection, the loaded settings and the pending plan; the view only forwards."""

    api_key: str | None = None
    base_url: str | None = None
    secret: Secret | None = None
    backup_dir: Path = DEFAULT_DIR
    settings: dict[str, Any] | None = None
    plan: Plan | None = None
    last_backup: Path | None = None
    stand_in: StandIn | None = None
    """A local stand-in of Stream's API this controller owns: Load restarts it if stopped."""
    default_secret: Secret | None = None
    """The secret used when none is typed (the demo one in stand-in mode); None: the
    environment's ``STREAM_API_SECRET`` (or ``.env``), read again at every connect."""
    _client: AppSettingsClient | None = field(default=None, repr=False)
    _revived: str | None = field(default=None, repr=False)  # said by the next load()
    _temporary_backups: bool = field(default=False, repr=False)  # offline()'s own folder

    def __repr__(self) -> str:
        """Where it is connected and what it holds, without credentials: the loaded settings
        (SQS/SNS keys, tokens in URLs) and the plan's PATCH body are not shown."""
        hooks = len(hooks_table(self.settings)) if self.settings is not None else None
        return (
            f"WebhookController(api_key={self.api_key!r}, "
            f"base_url={redact_url(self.base_url) if self.base_url else None!r}, "
            f"secret={self.secret!r}, hooks={hooks!r}, plan={self.plan!r}, "
            f"last_backup={self.last_backup!r}, stand_in={self.stand_in!r})"
        )

    @classmethod
    def offline(cls, backup_dir: Path | None = None) -> WebhookController:
        """A controller connected to its own local stand-in of Stream's API (the demo app).

        The stand-in starts from the same demo settings every time, so its backups go to a
        fresh temporary folder (``backup_dir``) unless one is given: Undo never restores a
        backup left by an earlier session."""
        from streamhook_nb.samples.webhooks import DEMO_API_KEY, DEMO_SECRET

        stand_in = StandIn(DEMO_API_KEY, DEMO_SECRET)
        stand_in.start()
        folder = backup_dir or Path(tempfile.mkdtemp(prefix="streamhook-backups-"))
        demo = Secret(DEMO_SECRET, DEMO)
        controller = cls(
            backup_dir=folder,
            stand_in=stand_in,
            default_secret=demo,
            _temporary_backups=backup_dir is None,
        )
        controller.connect(DEMO_API_KEY, stand_in.url)
        return controller

    def revive_stand_in(self) -> str | None:
        """Restart the owned stand-in if something stopped it (say, a notebook's last cell);
        returns a sentence saying so, or None when it was running (or there is none)."""
        stand_in = self.stand_in
        if stand_in is None or stand_in.running:
            return None
        old = stand_in.url
        try:
            stand_in.start(port=urlsplit(old).port or 0)
        except OSError:  # the port was taken meanwhile
            stand_in.start()
        if self._client is not None and self.base_url == old and self.secret is not None:
            self._client = AppSettingsClient(self.api_key or "", self.secret, stand_in.url)
            self.base_url = self._client.base_url
        self._revived = f"The local stand-in had been stopped: restarted it at {stand_in.url}."
        return self._revived

    def secret_source(self) -> str:
        """Where the secret comes from, for the view (never the value)."""
        secret = self.secret or self.default_secret
        if secret is not None:
            return _phrase(secret.label)
        if env_value(DEFAULT_SECRET_ENV):
            return f"from {DEFAULT_SECRET_ENV}"
        return "not set"

    def _fallback(self) -> str:
        """Where an empty secret field takes the secret from, in words."""
        if self.default_secret is not None:
            return self.default_secret.label
        return f"{DEFAULT_SECRET_ENV} (environment or .env)"

    def connect(self, api_key: str, base_url: str, typed_secret: str = "") -> None:
        """Use these credentials. A typed secret wins, and is kept for later connects until
        Stream refuses it; otherwise the configured one (:attr:`default_secret`, or
        ``STREAM_API_SECRET`` read again) is used."""
        self.settings, self.plan = None, None
        former = self.stand_in.url if self.stand_in is not None else None
        self.revive_stand_in()
        if former and base_url.strip() == former and self.stand_in is not None:
            base_url = self.stand_in.url  # the stand-in came back on another port
        key = api_key.strip() or env_value(DEFAULT_KEY_ENV)
        if not key:
            raise UsageError("no API key", fix=f"Type it, or set {DEFAULT_KEY_ENV}")
        if typed_secret:
            self.secret = Secret(typed_secret, TYPED)
        elif self.secret is None or self.secret.label != TYPED:
            self.secret = self.default_secret or from_env()[0]
        self.api_key, self.base_url = key, base_url.strip() or None
        self._client = AppSettingsClient(key, self.secret, self.base_url)
        self.base_url = self._client.base_url

    @property
    def client(self) -> AppSettingsClient:
        """The API client; :class:`UsageError` before :meth:`connect`."""
        if self._client is None:
            raise UsageError("Not connected", fix="Press Load first")
        return self._client

    def load(self) -> str:
        """Read the app's settings."""
        self.revive_stand_in()
        revived, self._revived = self._revived, None
        self.settings, self.plan = None, None
        try:
            self.settings = self.client.get()
        except RefusedError as exc:
            if exc.status != 401 or self.secret is None or self.secret.label != TYPED:
                raise
            self.secret, self._client = None, None  # a refused typed secret is not kept
            raise RefusedError(
                exc.message,
                status=exc.status,
                source=exc.source,
                fix=f"{exc.fix}. The typed secret was dropped: type the right one, or leave "
                f"the field empty to use {self._fallback()}",
            ) from None
        mode = "event_hooks" if self.settings.get("event_hooks") else "legacy webhook_url"
        count = len(hooks_table(self.settings))
        loaded = (
            f"Loaded the settings of {self.api_key} from {redact_url(self.base_url or '')} "
            f"({mode}, {count} hooks)."
        )
        return f"{revived} {loaded}" if revived else loaded

    def live_url(self, shown: str) -> str:
        """The URL meant by ``shown``: a masked URL of the loaded settings (``?token=***``)
        stands for the real one, which only this controller keeps; any other URL is itself.
        A URL still holding ``***`` where a credential goes is a :class:`PlanError`."""
        text = shown.strip()
        if REDACTED not in text:
            return shown
        for url in _urls(self.settings or {}):
            if redact_url(url) == text:
                return url
        if REDACTED in url_secrets(text):
            raise PlanError(
                f"{text!r} holds {REDACTED} where a credential was masked, and matches no URL "
                "of the loaded settings",
                fix="Type the whole URL with its credential, or press Load and pick the hook",
            )
        return shown

    def check(self, url: str) -> list[Requirement]:
        """Stream's requirements, checked against ``url``."""
        return check_endpoint(self.live_url(url), self.secret, self.api_key or "")

    def send_test(self, url: str) -> SentEvent:
        """A signed ``message.new`` posted to ``url`` (validated first, like Preview)."""
        target = validate_url(self.live_url(url))
        if self.secret is None:
            raise UsageError("no secret to sign with", fix="Press Load first")
        try:
            sent = send_test_event(target, self.secret, self.api_key or "")
        except requests.RequestException as exc:
            reason, fix = failure_reason(exc)
            raise UsageError(
                f"{redact_url(target)}: the test event got no answer ({reason})", fix=fix
            ) from None
        return replace(sent, body_preview=scrub(sent.body_preview, target))  # an echoed URL

    def preview(self, change: WebhookChange) -> Plan:
        """Plan the change against the loaded settings (nothing is sent)."""
        if self.settings is None:
            raise UsageError("No settings loaded", fix="Press Load first")
        real = replace(change, url=self.live_url(change.url))
        self.plan = plan_change(self.settings, real)
        return self.plan

    def apply(self) -> str:
        """Back up the current settings, send the planned PATCH, and reload."""
        if self.plan is None or self.settings is None:
            raise UsageError("Nothing to apply", fix="Press Preview first")
        self.last_backup = save_backup(self.settings, self.api_key or "", directory=self.backup_dir)
        self.client.update(self.plan.body)
        self.plan = None
        self.load()
        return f"Applied. The previous settings are saved in {self._shown(self.last_backup)}."

    def _shown(self, backup: Path) -> str:
        """The backup as a user finds it: relative to the working directory when inside it
        (``.streamhook/backups/...``); in the stand-in's temporary folder, by name (the
        folder is ``backup_dir``); else the path as configured."""
        if self._temporary_backups:
            return f"{backup.name}, in the stand-in's temporary backup folder"
        if backup.is_absolute() and backup.is_relative_to(Path.cwd()):
            return str(backup.relative_to(Path.cwd()))
        return str(backup)

    def undo(self) -> str:
        """Put back the settings saved before the last change; says so when there is nothing
        to undo (never claims a restore that changed nothing)."""
        try:
            path = latest_backup(self.api_key or "", directory=self.backup_dir)
        except UsageError:
            undone = any(
                Path(self.backup_dir).glob(f"{file_key(self.api_key or '')}-*.undone.json")
            )
            raise UsageError(
                "Nothing to undo: every change applied here was undone already"
                if undone
                else "Nothing to undo",
                fix=None
                if undone
                else "Undo restores the settings saved by Apply: apply a change first",
            ) from None
        current = self.client.get()
        body = restore_body(read_backup(path), current)
        os.replace(path, path.with_name(path.name.removesuffix(".json") + ".undone.json"))
        if all(current.get(name) == value for name, value in body.items()):
            self.load()
            return f"Nothing to undo: the settings already match {path.name}."
        self.client.update(body)
        self.load()
        return f"Restored the settings saved in {path.name}."

    def safe(self, action: Any, *args: Any) -> tuple[Any, str | None]:
        """Run an action; a known error becomes a message instead of an exception."""
        try:
            return action(*args), None
        except StreamhookError as exc:
            return None, str(exc)


def public_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings without credential fields and with credentials in URLs redacted, for display."""
    hooks = [public_hook(hook) for hook in settings.get("event_hooks") or []]
    shown = {**settings, "event_hooks": hooks}
    if isinstance(settings.get("webhook_url"), str):
        shown["webhook_url"] = redact_url(settings["webhook_url"])
    return shown


def _urls(settings: dict[str, Any]) -> list[str]:
    """Every webhook URL of ``settings`` (each hook's, and the legacy one)."""
    found = [
        str(h["webhook_url"]) for h in settings.get("event_hooks") or [] if h.get("webhook_url")
    ]
    legacy = settings.get("webhook_url")
    return [*found, legacy] if isinstance(legacy, str) and legacy else found


def _phrase(label: str) -> str:
    """A secret's source for the secret field's placeholder."""
    if label == TYPED:
        return "the one typed before (kept)"
    return label if label == DEMO else f"from {label}"
