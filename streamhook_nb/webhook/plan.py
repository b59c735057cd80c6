"""Plan a webhook change against Stream's app settings: the exact PATCH body and a human diff.

Pure: no network, no widgets. Apps on the newer multi-hook settings get the chosen entry of
``event_hooks`` changed and the *whole* list sent back (PATCH replaces it, so a hook left out
would be deleted); apps without ``event_hooks`` get the legacy ``webhook_url`` /
``webhook_events`` fields.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from streamhook_nb.errors import UsageError
from streamhook_nb.webhook.redact import REDACTED, redact_url

NEW_HOOK = "new"
SECRET_FIELDS = ("sqs_key", "sqs_secret", "sns_key", "sns_secret")
"""Hook fields holding credentials: kept in PATCH bodies, dropped from backups and displays."""
URL_FIELDS = ("webhook_url",)
"""URL fields, which may carry credentials: kept in PATCH bodies, redacted elsewhere."""


class PlanError(UsageError):
    """The change cannot be planned as asked (bad URL, ambiguous hook)."""


@dataclass(frozen=True)
class WebhookChange:
    """What the user wants: a URL, the event types (empty: all), on or off, which hook."""

    url: str
    event_types: tuple[str, ...] | None = None  # None: keep what is configured
    enabled: bool = True
    hook: str | None = None  # hook id or URL, NEW_HOOK, or None: the only webhook hook


@dataclass(frozen=True)
class Plan:
    """The PATCH body that makes the change, and what it changes, line by line."""

    mode: str  # "legacy" or "event_hooks"
    body: dict[str, Any] = field(repr=False)  # holds the hooks' credentials: never shown
    diff: tuple[str, ...] = ()

    @property
    def changes_anything(self) -> bool:
        """False when the settings already are what was asked."""
        return any(line.lstrip().startswith(("~", "+")) for line in self.diff)


_EXAMPLE_URL = "https://example.com/webhooks/stream"


def unparsable_why(exc: ValueError) -> str:
    """Why ``urlsplit`` (or its ``port``) refused a URL, without quoting it: the text after the
    host's colon may be a password typed without its ``@``."""
    if "IPv6" in str(exc):
        return "a [ in its host is not closed"
    return "its port is not a number from 1 to 65535"


def validate_url(url: str) -> str:
    """The URL, stripped, if it is an absolute http(s) URL with a host; else :class:`PlanError`."""
    text = url.strip()
    shown = repr(redact_url(text))
    try:
        parts = urlsplit(text)
        port = parts.port  # parsed (and checked) only when asked for
    except ValueError as exc:  # a port out of range or not a number, an unclosed [
        raise PlanError(
            f"{shown} is not a URL ({unparsable_why(exc)})",
            fix=f"Give a URL such as {_EXAMPLE_URL}",
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PlanError(
            f"{shown} is not a valid webhook URL",
            fix=f"Give an absolute http:// or https:// URL with a host, such as {_EXAMPLE_URL}",
        )
    if port == 0:
        raise PlanError(f"{shown} names port 0", fix="Give the port the endpoint listens on")
    if not _dns_name(parts.hostname):
        raise PlanError(
            f"{shown} has a host name no DNS can hold",
            fix="Each part of a host name between dots has 1 to 63 characters (253 in all)",
        )
    if any(c.isspace() for c in text):
        raise PlanError(f"{shown} contains whitespace", fix="Remove it or percent-encode it")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise PlanError(f"{shown} contains a control character", fix="Remove it")
    if "\\" in text:
        raise PlanError(
            f"{shown} contains a backslash",
            fix="Use / (a browser reads \\ as /, other software as part of the host name or "
            "the user name); percent-encode it as %5C inside the path",
        )
    return text


def _dns_name(host: str) -> bool:
    """True for an IP address, or a name whose labels DNS can hold (1 to 63 characters each,
    253 in all, once international ones are encoded: what a lookup would refuse)."""
    if _address(host) is not None:
        return True
    try:
        encoded = host.rstrip(".").encode("idna")
    except UnicodeError:
        return False
    return 0 < len(encoded) <= 253


_EVENT_TYPE = re.compile(r"\*|[a-z0-9_-]+(?:\.[a-z0-9_*-]+)*")
"""Stream's event types: lower-case words joined by dots (``message.new``, ``reminder.due``)."""


def validate_event_types(types: Sequence[str]) -> tuple[str, ...]:
    """The event types without repeats (in order), or :class:`PlanError` naming one that
    cannot be an event type (Stream's are lower case: ``message.new``)."""
    for kind in types:
        if not _EVENT_TYPE.fullmatch(kind):
            lower = kind.strip().lower()
            fix = (
                f"Event types are lower case: {lower}"
                if _EVENT_TYPE.fullmatch(lower)
                else "Give event types such as message.new or channel.updated, separated by commas"
            )
            raise PlanError(f"{kind!r} is not an event type", fix=fix)
    return tuple(dict.fromkeys(types))


def webhook_hooks(settings: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``event_hooks`` entries of type ``webhook``."""
    return [h for h in settings.get("event_hooks") or [] if h.get("hook_type") == "webhook"]


def plan_change(settings: Mapping[str, Any], change: WebhookChange) -> Plan:
    """The PATCH body and diff for ``change`` against the current ``settings`` (``app`` object)."""
    url = validate_url(change.url)
    if change.event_types is not None:
        change = replace(change, event_types=validate_event_types(change.event_types))
    if settings.get("event_hooks"):
        plan = _plan_event_hooks(settings, change, url)
    else:
        plan = _plan_legacy(settings, change, url)
    if not change.enabled:
        return plan
    return replace(plan, diff=plan.diff + url_warnings(url))


def url_warnings(url: str) -> tuple[str, ...]:
    """What the URL alone shows will go wrong (no lookup): a host Stream's servers cannot
    reach, and plain HTTP; one ``!`` line each, for the diff."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    warnings: list[str] = []
    if unreachable_host(host):
        warnings.append(
            f"! {host} cannot be reached from Stream's servers (loopback or private): every "
            "delivery would fail; expose the endpoint through a tunnel or a public host"
        )
    if parts.scheme == "http":
        warnings.append("! plain HTTP: payloads travel unencrypted; use HTTPS in production")
    return tuple(warnings)


def unreachable_host(host: str) -> bool:
    """True for ``localhost`` and for an address that is not on the public internet
    (loopback, private, link-local, ...); a name that needs a lookup is not judged here."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = _address(host)
    return address is not None and not address.is_global


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The host as an IP address (an IPv6 zone, ``%eth0``, left out), or None for a name."""
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return None


def _plan_legacy(settings: Mapping[str, Any], change: WebhookChange, url: str) -> Plan:
    body: dict[str, Any] = {"webhook_url": url if change.enabled else ""}
    diff = [_line("webhook_url", settings.get("webhook_url") or "", body["webhook_url"])]
    if change.event_types is not None:
        body["webhook_events"] = list(change.event_types)
        diff.append(
            _line("webhook_events", settings.get("webhook_events") or [], body["webhook_events"])
        )
    if not change.enabled:
        diff.append("  (legacy settings have no on/off switch: an empty URL turns webhooks off)")
    return Plan("legacy", body, tuple(diff))


def _plan_event_hooks(settings: Mapping[str, Any], change: WebhookChange, url: str) -> Plan:
    hooks: list[dict[str, Any]] = list(settings["event_hooks"])
    index = _target(hooks, change.hook)
    diff: list[str] = []
    if index is None:
        types = list(change.event_types or ())
        new = {
            "hook_type": "webhook",
            "enabled": change.enabled,
            "event_types": types,
            "webhook_url": url,
        }
        hooks.append(new)
        diff.append(f"+ new webhook hook: {redact_url(url)} ({_types(types)}, {_state(new)})")
    else:
        old = hooks[index]
        updated = copy.deepcopy(old)
        updated["webhook_url"] = url
        updated["enabled"] = change.enabled
        if change.event_types is not None:
            updated["event_types"] = list(change.event_types)
        hooks[index] = updated
        label = f"webhook hook {old.get('id', index)}"
        diff.append(f"  {label}:")
        diff.append("  " + _line("webhook_url", old.get("webhook_url", ""), url))
        diff.append("  " + _line("enabled", old.get("enabled"), updated["enabled"]))
        diff.append(
            "  "
            + _line(
                "event_types",
                _types(old.get("event_types") or []),
                _types(updated.get("event_types") or []),
            )
        )
    for n, hook in enumerate(settings["event_hooks"]):
        if n != index:
            diff.append(f"= {hook.get('hook_type')} hook {hook.get('id', '?')} kept unchanged")
    return Plan("event_hooks", {"event_hooks": hooks}, tuple(diff))


def _target(hooks: Sequence[Mapping[str, Any]], wanted: str | None) -> int | None:
    """Index of the webhook hook to change, or None to add one."""
    if wanted == NEW_HOOK:
        return None
    candidates = [n for n, h in enumerate(hooks) if h.get("hook_type") == "webhook"]
    if wanted is not None:
        for n in candidates:
            if wanted in (hooks[n].get("id"), hooks[n].get("webhook_url")):
                return n
        raise PlanError(
            f"no webhook hook has id or URL {redact_url(wanted)!r}",
            fix=f"Pick one of: {_choices(hooks, candidates)}, or '{NEW_HOOK}' to add one",
        )
    if len(candidates) > 1:
        raise PlanError(
            "the app has several webhook hooks",
            fix=f"Pick one by id or URL ({_choices(hooks, candidates)}), or '{NEW_HOOK}'",
        )
    return candidates[0] if candidates else None


def _choices(hooks: Sequence[Mapping[str, Any]], indexes: list[int]) -> str:
    return ", ".join(
        f"{hooks[n].get('id')} ({redact_url(str(hooks[n].get('webhook_url')))})" for n in indexes
    )


def _line(name: str, old: object, new: object) -> str:
    if old == new:
        return f"= {name}: {_shown(old)!r}"
    return f"~ {name}: {_shown(old)!r} -> {_shown(new)!r}"


def _shown(value: object) -> object:
    return redact_url(value) if isinstance(value, str) else value


def _types(types: Sequence[str]) -> str:
    return ", ".join(types) if types else "all events"


def _state(hook: Mapping[str, Any]) -> str:
    return "enabled" if hook.get("enabled") else "disabled"


def without_secrets(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The webhook-related settings without credentials (for backups, displays): credential
    fields removed, credentials in URLs redacted."""
    return {
        "webhook_url": redact_url(settings.get("webhook_url") or ""),
        "webhook_events": list(settings.get("webhook_events") or []),
        "event_hooks": [public_hook(hook) for hook in settings.get("event_hooks") or []],
    }


def public_hook(hook: Mapping[str, Any]) -> dict[str, Any]:
    """One hook without credential fields, its URL redacted."""
    return {
        k: redact_url(v) if k in URL_FIELDS and isinstance(v, str) else v
        for k, v in hook.items()
        if k not in SECRET_FIELDS
    }


def _unredacted(saved: str, live: object, where: str) -> str:
    """A backed-up URL with its credentials taken back from the live one they were redacted from."""
    if REDACTED not in saved:
        return saved
    if isinstance(live, str) and redact_url(live) == saved:
        return live
    raise PlanError(
        f"the backed-up {where} {saved!r} had credentials, which backups do not keep, and the "
        "current URL is a different one",
        fix="Set that URL again with its credentials (webhook set --url)",
    )


def restore_body(backup: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The PATCH body that puts the backed-up webhook settings back.

    Credential fields were not backed up: they are taken from the current hook with the same id.
    Nor were credentials in URLs: a redacted URL gets them back from the current URL when that
    is the same URL; otherwise :class:`PlanError` says to set it again.
    """
    if not backup.get("event_hooks"):
        saved = backup.get("webhook_url") or ""
        return {
            "webhook_url": _unredacted(saved, current.get("webhook_url"), "webhook_url"),
            "webhook_events": list(backup.get("webhook_events") or []),
        }
    by_id = {h.get("id"): h for h in current.get("event_hooks") or [] if h.get("id")}
    hooks = []
    for hook in backup["event_hooks"]:
        live = by_id.get(hook.get("id"), {})
        restored = {**hook, **{k: live[k] for k in SECRET_FIELDS if k in live}}
        for name in URL_FIELDS:
            if isinstance(hook.get(name), str):
                where = f"{name} of hook {hook.get('id', '?')}"
                restored[name] = _unredacted(hook[name], live.get(name), where)
        hooks.append(restored)
    return {"event_hooks": hooks}
