"""JSON parsed with what parsers disagree on marked: keys an object repeats (one parser keeps
the first value, another the last) and numbers written with more digits than a float keeps.

A body logged parsed (an object, not its text) is rebuilt to be verified; where the logged JSON
holds either, the rebuilt body could be other content than the app read, so it is not read.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson

from streamhook_nb.load.readers.common import BadEntryError


class _Marked(dict[str, Any]):
    """An object parsed from JSON text, with the keys its text repeats."""

    repeated: tuple[str, ...] = ()


def _marked(pairs: list[tuple[str, Any]]) -> _Marked:
    value = _Marked(pairs)
    if len(value) < len(pairs):
        seen: set[str] = set()
        repeated: list[str] = []
        for key, _ in pairs:
            if key in seen:
                repeated.append(key)
            seen.add(key)
        value.repeated = tuple(repeated)
    return value


class _Digits(float):
    """A number whose JSON text has more digits than the float it parses to keeps."""

    text: str = ""


def _number(text: str) -> float:
    value = float(text)
    if Decimal(text) == Decimal(repr(value)):
        return value
    kept = _Digits(value)
    kept.text = text
    return kept


def parse_marked(text: bytes | str) -> Any:
    """``text`` parsed as JSON, each object marked with the keys it repeats (parsers keep one
    value of each: which one differs between them) and each number with more digits than a
    float keeps marked too; None when the standard library cannot parse it (nested too
    deep)."""
    try:
        return json.loads(text, object_pairs_hook=_marked, parse_float=_number)
    except (ValueError, RecursionError):
        return None


def plain(value: Any) -> Any:
    """A value :func:`parse_marked` gave, as plain dicts and lists (readers check types
    exactly); any other value as it is. Raises :class:`BadEntryError` when it cannot be
    re-encoded (nested too deeply, an integer beyond 64 bits)."""
    if not isinstance(value, _Marked):
        return value
    try:
        return orjson.loads(orjson.dumps(value, default=float))
    except orjson.JSONEncodeError as exc:
        raise BadEntryError(
            f"the logged JSON cannot be re-encoded ({exc}): log the raw body as text instead"
        ) from None


def repeated_keys(value: object) -> list[str]:
    """The keys repeated anywhere within a value :func:`parse_marked` gave (none in a value
    parsed otherwise)."""
    found: dict[str, None] = {}
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.update(dict.fromkeys(getattr(item, "repeated", ())))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return list(found)


def cut_numbers(value: object) -> list[str]:
    """The numbers within a value :func:`parse_marked` gave whose text has more digits than
    their float keeps."""
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Digits):
            found.append(item.text)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def ambiguity(delivery: dict[str, Any]) -> str | None:
    """Why a logged event or request whose body was parsed cannot be read, when the body
    rebuilt from it could be other content than the app read: its JSON repeats a key, or its
    body writes a number with more digits than the re-encoding keeps. None when neither."""
    keys = repeated_keys(delivery)
    if keys:
        return repeated_reason(keys)
    numbers = cut_numbers(delivery.get("body"))
    if numbers:
        return (
            f"the logged body writes a number with more digits than a parser keeps "
            f"({numbers[0][:40]}): the body rebuilt from it could be content that was signed "
            "while the app read another number. Log the raw body as text instead"
        )
    return None


def repeated_reason(keys: list[str]) -> str:
    """Why a logged event or request whose body was parsed cannot be read when its JSON
    repeats a key: the body rebuilt from it could be content that was signed while the app
    read another."""
    named = ", ".join(repr(key[:40]) for key in keys[:5])
    return (
        f"the logged JSON repeats a key ({named}): which of its values the app saw cannot be "
        "told, and a body rebuilt from it could be content that was signed while the app read "
        "other content. Log the raw body as text instead"
    )
