"""Stream's app settings through the official ``stream-chat`` SDK, with errors that say why."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from stream_chat import StreamChat
from stream_chat.base.exceptions import StreamAPIException

from streamhook_nb.errors import ApiError
from streamhook_nb.verify.secrets import (
    DEFAULT_KEY_ENV,
    DEFAULT_SECRET_ENV,
    Secret,
    SecretError,
    env_value,
    from_env,
)

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
    else:
        where = f"the API key and the secret from {secret.label}"
    return f"Check {where}: they must belong to the same app"


@dataclass
class AppSettingsClient:
    """Reads and changes one app's settings (``GET`` / ``PATCH /app``)."""

    api_key: str
    secret: Secret
    base_url: str | None = None
    timeout: float = 6.0

    def __post_init__(self) -> None:
        self.base_url = self.base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        self._client = StreamChat(
            self.api_key, self.secret.reveal(), timeout=self.timeout, base_url=self.base_url
        )

    def __repr__(self) -> str:
        return f"AppSettingsClient(api_key={self.api_key!r}, base_url={self.base_url!r})"

    def get(self) -> dict[str, Any]:
        """The app's settings (the ``app`` object of ``GET /app``)."""
        response = self._call(self._client.get_app_settings)
        app = response.get("app") if isinstance(response, dict) else None
        if not isinstance(app, dict):
            raise ApiError("Stream's answer holds no 'app' object", source=self.base_url)
        return app

    def update(self, body: dict[str, Any]) -> None:
        """``PATCH /app`` with ``body``."""
        self._call(lambda: self._client.update_app_settings(**body))

    def _call(self, action: Any) -> Any:
        try:
            return action()
        except StreamAPIException as exc:
            status = exc.status_code
            detail = getattr(exc, "error_message", None) or exc.response_text[:200]
            fix = (
                credentials_fix(self.secret)
                if status == 401
                else _FIXES.get(
                    status, "Stream's API failed: try again later" if status >= 500 else None
                )
            )
            raise RefusedError(
                f"{self._who()} refused the request: HTTP {status} ({detail})",
                status=status,
                source=self.base_url,
                fix=fix,
            ) from None
        except requests.RequestException as exc:
            raise self._unreachable(exc) from None

    def _who(self) -> str:
        """Who answered: Stream, or whatever serves the configured base URL (a proxy, the
        local stand-in)."""
        host = (urlsplit(self.base_url or "").hostname or "").lower()
        return "Stream" if host.endswith(STREAM_API_DOMAINS) else "The API at this address"

    def _unreachable(self, exc: requests.RequestException) -> ApiError:
        # The SDK retries once, so a read timeout surfaces as a ConnectionError.
        if isinstance(exc, requests.Timeout) or "timed out" in str(exc).lower():
            return ApiError(
                f"no answer within {self.timeout:g} s", source=self.base_url, fix="Try again later"
            )
        if "refused" in str(exc).lower():  # the host answered: nothing listens on that port
            return ApiError(
                "nothing listens at this address (connection refused)",
                source=self.base_url,
                fix=f"Start the server there, or correct {BASE_URL_ENV} / the API base URL",
            )
        return ApiError(
            f"cannot reach the API ({type(exc).__name__})",
            source=self.base_url,
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
