"""Stream's app settings through the official ``stream-chat`` SDK, with errors that say why."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from stream_chat import StreamChat
from stream_chat.base.exceptions import StreamAPIException

from streamhook_nb.errors import ApiError, UsageError
from streamhook_nb.verify.secrets import (
    DEFAULT_KEY_ENV,
    DEFAULT_SECRET_ENV,
    Secret,
    SecretError,
    env_value,
    from_env,
)
from streamhook_nb.webhook.redact import REDACTED, redact_url

DEFAULT_BASE_URL = "https://chat.stream-io-api.com"
BASE_URL_ENV = "STREAM_CHAT_URL"  # the SDK's own variable
STREAM_API_DOMAINS = ("stream-io-api.com", "getstream.io")
"""Hosts whose answers are Stream's own (any other base URL is named as itself)."""


_FIXES = {
    403: "The credentials may not change app settings: use the app's server-side secret",
    429: "Stream rate-limited the request: wait a minute and try again",
}


class RefusedError(ApiError):
    """Stream answered with an error status (``status``): the request reached it."""

    def __init__(self, message: str, *, status: int, source: str | None, fix: str | None) -> None:
        self.status = status
        super().__init__(message, source=source, fix=fix)


def credentials_fix(secret: Secret) -> str:
    """What to check after a 401, naming where the refused secret came from."""
    if secret.label == DEFAULT_SECRET_ENV:
        where = f"{DEFAULT_KEY_ENV} and {DEFAULT_SECRET_ENV}"
    elif secret.label.startswith("the "):  # a place in words: the API secret field, the demo's
        where = f"the API key and {secret.label}"
    else:
        where = f"the API key and the secret from {secret.label}"
    return f"Check {where}: they must belong to the same app"


_TOKEN = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
"""A JWT (the server token the SDK sends as ``Authorization``)."""


class _ErrorBody(requests.RequestException):
    """An error answer whose body is JSON but not an object (the SDK cannot read it)."""

    def __init__(self, status: int, text: str) -> None:
        self.status = status
        self.response_text = text
        super().__init__(f"HTTP {status}")


def _error_body_not_an_object(response: requests.Response, *_: Any, **__: Any) -> None:
    """A response hook: raise :class:`_ErrorBody` for an error whose JSON is not an object
    (``["oops"]``), on which the SDK's own exception fails with an ``AttributeError``."""
    if response.status_code < 399 or not response.content:
        return
    try:
        parsed = response.json()
    except ValueError:
        return  # not JSON: the SDK reports it
    if not isinstance(parsed, dict):
        raise _ErrorBody(response.status_code, response.text)


def _kind(value: object) -> str:
    kinds = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list"}
    return kinds.get(type(value), "an object" if isinstance(value, dict) else "null")


def settings_shape_problem(app: dict[str, Any]) -> str | None:
    """What in an ``app`` object does not have the shape of Stream's settings, or None."""
    for name in ("webhook_url",):
        if app.get(name) is not None and not isinstance(app[name], str):
            return f"{name!r} is {_kind(app[name])}, not a URL"
    for name in ("webhook_events", "event_hooks"):
        if app.get(name) is not None and not isinstance(app[name], list):
            return f"{name!r} is {_kind(app[name])}, not a list"
    if not all(isinstance(t, str) for t in app.get("webhook_events") or []):
        return "'webhook_events' holds something other than event types"
    for n, hook in enumerate(app.get("event_hooks") or []):
        if not isinstance(hook, dict):
            return f"event_hooks[{n}] is {_kind(hook)}, not a hook"
        types = hook.get("event_types")
        if types is not None and not (
            isinstance(types, list) and all(isinstance(t, str) for t in types)
        ):
            return f"event_hooks[{n}].event_types is not a list of event types"
        for name in ("id", "hook_type", "webhook_url", "sqs_queue_url", "sns_topic_arn"):
            if hook.get(name) is not None and not isinstance(hook[name], str):
                return f"event_hooks[{n}].{name} is {_kind(hook[name])}, not text"
    return None


def _check_base_url(url: str) -> None:
    """:class:`UsageError` unless ``url`` is an absolute http(s) URL with a host and a port
    that can be (a typo in ``STREAM_CHAT_URL`` is not a network failure)."""
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port out of range, an unclosed [
        usable = False
    if not usable:
        raise UsageError(
            f"{redact_url(url)!r} is not an API base URL",
            fix=f"Set {BASE_URL_ENV} (or --base-url) to an http(s) URL such as {DEFAULT_BASE_URL}",
        )


@dataclass
class AppSettingsClient:
    """Reads and changes one app's settings (``GET`` / ``PATCH /app``)."""

    api_key: str
    secret: Secret
    base_url: str | None = None
    timeout: float = 6.0

    def __post_init__(self) -> None:
        self.base_url = self.base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        _check_base_url(self.base_url)
        self._client = StreamChat(
            self.api_key, self.secret.reveal(), timeout=self.timeout, base_url=self.base_url
        )
        self._client.session.hooks["response"].append(_error_body_not_an_object)

    def __repr__(self) -> str:
        return f"AppSettingsClient(api_key={self.api_key!r}, base_url={self.shown_url!r})"

    @property
    def shown_url(self) -> str:
        """The base URL as messages show it: credentials in it (a proxy's) redacted."""
        return redact_url(self.base_url or "")

    def get(self) -> dict[str, Any]:
        """The app's settings (the ``app`` object of ``GET /app``)."""
        response = self._call(self._client.get_app_settings)
        app = response.get("app") if isinstance(response, dict) else None
        if not isinstance(app, dict):
            raise ApiError("Stream's answer holds no 'app' object", source=self.shown_url)
        problem = settings_shape_problem(app)
        if problem is not None:
            raise ApiError(
                f"the app settings in the answer are not Stream's: {problem}",
                source=self.shown_url,
                fix=f"Check that {BASE_URL_ENV} / the API base URL is Stream's API",
            )
        return app

    def update(self, body: dict[str, Any]) -> None:
        """``PATCH /app`` with ``body``.

        A timeout here does not mean the change was not made: the error says to look.
        """
        self._call(lambda: self._client.update_app_settings(**body), changing=True)

    def _call(self, action: Any, *, changing: bool = False) -> Any:
        """Run an SDK call; its failure becomes an :class:`ApiError` raised outside the
        ``except`` block, so that no exception chain keeps the request (its ``Authorization``
        holds the server token) or the answer."""
        try:
            return action()
        except StreamAPIException as exc:
            error = self._refused(exc.status_code, getattr(exc, "error_message", None), exc)
        except _ErrorBody as exc:
            error = self._refused(exc.status, None, exc)
        except requests.RequestException as exc:
            error = self._unreachable(exc, changing=changing)
        raise error

    def _refused(self, status: int, message: object, exc: Exception) -> ApiError:
        """The error for an answer that is not a success, with no credential in it."""
        text = getattr(exc, "response_text", "")
        detail = self._without_credentials(str(message or text[:200]))
        if 200 <= status < 300:  # a success status whose body is not JSON
            return ApiError(
                f"the answer is not Stream's JSON (HTTP {status}: {detail})",
                source=self.shown_url,
                fix=f"Check that {BASE_URL_ENV} / the API base URL is Stream's API",
            )
        fix = (
            credentials_fix(self.secret)
            if status == 401
            else _FIXES.get(
                status, "Stream's API failed: try again later" if status >= 500 else None
            )
        )
        return RefusedError(
            f"{self._who()} refused the request: HTTP {status} ({detail})",
            status=status,
            source=self.shown_url,
            fix=fix,
        )

    def _without_credentials(self, text: str) -> str:
        """``text`` (an answer's body) without the secret or any token (a server that echoes
        the request's ``Authorization`` must not get the server token printed)."""
        text = text.replace(self.secret.reveal(), REDACTED)
        return _TOKEN.sub(REDACTED, text)

    def _who(self) -> str:
        """Who answered: Stream, or whatever serves the configured base URL (a proxy, the
        local stand-in)."""
        host = (urlsplit(self.base_url or "").hostname or "").lower()
        return "Stream" if host.endswith(STREAM_API_DOMAINS) else "The API at this address"

    def _unreachable(self, exc: requests.RequestException, *, changing: bool) -> ApiError:
        # The SDK retries once, so a read timeout surfaces as a ConnectionError.
        if isinstance(exc, requests.Timeout) or "timed out" in str(exc).lower():
            if changing:  # the request may have arrived: the change may have been made
                return ApiError(
                    f"no answer within {self.timeout:g} s: the change may or may not have been "
                    "made",
                    source=self.shown_url,
                    fix="Look with `webhook show` (or Load) before trying again",
                    shell_fix="Look with `streamhook-nb webhook show` before trying again",
                )
            return ApiError(
                f"no answer within {self.timeout:g} s", source=self.shown_url, fix="Try again later"
            )
        if "refused" in str(exc).lower():  # the host answered: nothing listens on that port
            return ApiError(
                "nothing listens at this address (connection refused)",
                source=self.shown_url,
                fix=f"Start the server there, or correct {BASE_URL_ENV} / the API base URL",
            )
        return ApiError(
            f"cannot reach the API ({type(exc).__name__})",
            source=self.shown_url,
            fix=f"Check the network and {BASE_URL_ENV}",
        )


def client_from_env(
    *, api_key: str | None = None, base_url: str | None = None, timeout: float = 6.0
) -> AppSettingsClient:
    """A client with the key from ``STREAM_API_KEY`` and the secret from ``STREAM_API_SECRET``
    (environment or ``.env``)."""
    key = api_key or env_value(DEFAULT_KEY_ENV)
    if not key:
        raise SecretError(
            f"{DEFAULT_KEY_ENV} is not set", fix=f"export {DEFAULT_KEY_ENV}=... or add it to .env"
        )
    (secret,) = from_env()
    return AppSettingsClient(key, secret, base_url, timeout)
