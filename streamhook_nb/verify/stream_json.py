"""JSON bytes the way Stream's Go encoder writes them: compact, with ``<`` ``>`` ``&`` escaped."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson

from streamhook_nb.load.payload import duplicate_keys as duplicate_keys

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


def same_numbers(payload: bytes, form: bytes) -> bool:
    """Whether a re-encoding keeps every number of ``payload`` to the digit: a float parser
    reads ``0.1000000000000000055511`` and ``0.1`` alike, an app reading decimals (Python's
    ``Decimal``, Go's ``json.Number``) does not. Numbers are compared by value, so ``1.0``
    and ``1``, or ``1e2`` and ``100``, are the same."""
    try:
        return bool(
            json.loads(payload, parse_float=Decimal) == json.loads(form, parse_float=Decimal)
        )
    except (ValueError, RecursionError):
        return False


stream_encode = encode
"""``encode`` under its public name, ``streamhook_nb.stream_encode``."""
