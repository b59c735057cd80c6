"""URLs shown or saved without their credentials (``user:password@``, ``?token=...``).

Everything that prints, returns or stores a webhook URL passes it through :func:`redact_url`;
error messages that may quote one go through :func:`scrub`.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

REDACTED = "***"
_AUTHORITY_USER = re.compile(r"^((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)?([^/?#\s]*@)")
_SECRET_NAME = re.compile(
    r"token|secret|passw|pwd|signature|credential|auth|session|jwt|apikey|"
    r"(?:^|[_.-])(?:key|sig|code|pass|pw|hmac)$",
    re.IGNORECASE,
)


def redact_url(url: str) -> str:
    """``url`` with its ``user:password@`` and secret-looking query values replaced by ``***``.

    Query parameters count as secret when their name looks like one (``token``, ``secret``,
    ``password``, ``api_key``, ``sig``, ``auth``...). Works on any text, URL or not.
    """
    text = _AUTHORITY_USER.sub(lambda m: f"{m.group(1) or ''}{REDACTED}@", url, count=1)
    for mark in ("?", "#"):
        head, found, tail = text.partition(mark)
        if found:
            end = tail.find("#") if mark == "?" else -1
            query, rest = (tail[:end], tail[end:]) if end >= 0 else (tail, "")
            text = head + mark + _redact_query(query) + rest
    return text


def _redact_query(query: str) -> str:
    parts = []
    for part in query.split("&"):
        name, equals, value = part.partition("=")
        secret = equals and value and _SECRET_NAME.search(unquote_plus(name))
        parts.append(f"{name}={REDACTED}" if secret else part)
    return "&".join(parts)


def url_secrets(url: str) -> list[str]:
    """The credential strings in ``url`` (user, password, secret query values), longest first."""
    found: list[str] = []
    match = _AUTHORITY_USER.match(url)
    if match:
        found += [p for p in match.group(2)[:-1].split(":", 1) if p]
    for mark in ("?", "#"):
        _, sep, tail = url.partition(mark)
        if not sep:
            continue
        for part in tail.split("#")[0].split("&"):
            name, equals, value = part.partition("=")
            if equals and value and _SECRET_NAME.search(unquote_plus(name)):
                found += [value, unquote_plus(value)]
    return sorted({s for s in found if len(s) >= 3}, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """``text`` (an error message, say) with every credential of ``url`` replaced by ``***``."""
    for secret in url_secrets(url):
        text = text.replace(secret, REDACTED)
    return redact_url(text) if "://" in text else text
