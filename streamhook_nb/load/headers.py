"""Header names the way capture tools write them, folded to one lower-case form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

HeaderValue = str | list[str]
Headers = dict[str, HeaderValue]

SIGNATURE = "x-signature"
API_KEY = "x-api-key"
WEBHOOK_ID = "x-webhook-id"
WEBHOOK_ATTEMPT = "x-webhook-attempt"
CONTENT_ENCODING = "content-encoding"


def normalize_name(name: str) -> str:
    """``HTTP_X_SIGNATURE`` / ``X-Signature`` / ``x-signature`` -> ``x-signature``."""
    lowered = name.strip().lower()
    if lowered.startswith("http_"):
        lowered = lowered[5:]
    if "_" in lowered and "-" not in lowered:
        lowered = lowered.replace("_", "-")
    return lowered


def fold(pairs: Iterable[tuple[str, str]]) -> Headers:
    """Fold ``(name, value)`` pairs into a dict; a repeated header becomes a list."""
    folded: Headers = {}
    for raw_name, value in pairs:
        name = normalize_name(raw_name)
        previous = folded.get(name)
        if previous is None:
            folded[name] = value
        elif isinstance(previous, list):
            previous.append(value)
        else:
            folded[name] = [previous, value]
    return folded


def fold_mapping(mapping: Mapping[str, object]) -> Headers:
    """Fold a ``{name: value | [values]}`` mapping (ngrok, our own log) into lower-case form.

    Raises ``TypeError`` when a value is neither a string nor a list of strings.
    """
    pairs: list[tuple[str, str]] = []
    for name, value in mapping.items():
        if isinstance(value, str):
            pairs.append((name, value))
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            pairs.extend((name, item) for item in value)
        else:
            raise TypeError(f"header {name!r} must be a string or a list of strings")
    return fold(pairs)


def joined(value: HeaderValue | None) -> str | None:
    """One string for a header value; repeated values are joined as HTTP would (``, ``)."""
    if value is None or isinstance(value, str):
        return value
    return ", ".join(value)
