"""JSON bytes the way Stream's Go encoder writes them: compact, with ``<`` ``>`` ``&`` escaped."""

from __future__ import annotations

import json
from typing import Any

import orjson

_GO_ESCAPES = ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"))
_LINE_SEPARATORS = (("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))


def go_escape(compact: bytes) -> bytes:
    """Apply Go's HTML-safe escapes to compact JSON bytes.

    The three characters only ever occur inside strings in compact JSON, so a byte replace
    is exact. Go also escapes U+2028 and U+2029.
    """
    for raw, escaped in (*_GO_ESCAPES, *_LINE_SEPARATORS):
        if raw in compact:
            compact = compact.replace(raw, escaped)
    return compact


def encode(payload: Any) -> bytes:
    """Encode ``payload`` as Stream's servers do (Go ``encoding/json``, key order kept)."""
    return go_escape(orjson.dumps(payload))


def reserialized_forms(payload: Any) -> list[bytes]:
    """Encodings Stream's original bytes may have had, for a payload someone parsed and re-dumped.

    Go's form (compact, ``<>&`` escaped, raw UTF-8) first; then the same with every non-ASCII
    character escaped (``ensure_ascii``), and plain compact JSON without Go's escapes.
    """
    compact = orjson.dumps(payload)
    go_form = go_escape(compact)
    ascii_form = go_escape(
        json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    )
    forms = [go_form, ascii_form, compact]
    return list(dict.fromkeys(forms))


def duplicate_keys(payload: bytes) -> list[str] | None:
    """Keys that occur twice in one JSON object, at any depth (each named once, in order).

    Parsers keep one value of a duplicated key (which one differs between them), so a body
    with duplicates may not mean what Stream signed once re-encoded. ``[]`` when there are
    none; ``None`` when it cannot be told (not JSON, or nested too deep to walk).
    """
    found: dict[str, None] = {}

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                found[key] = None
            seen.add(key)
        return dict(items)

    try:
        json.loads(payload, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return None
    return list(found)


stream_encode = encode
"""``encode`` under its public name, ``streamhook_nb.stream_encode``."""
