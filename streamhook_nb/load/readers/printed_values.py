"""Values a program printed rather than wrote as JSON, found in logs: a Python dict's repr
(``print(event)``), read as the literal it is and never run, and a Ruby hash's ``inspect``
(Rails' ``Parameters:`` line), recognised to say what to log instead.
"""

from __future__ import annotations

import ast
import re
from typing import Any

_RUBY_HASH = re.compile(r'\{"[^"]{1,80}" ?=> ?')
"""A Ruby hash's ``inspect`` (``=>`` with spaces from Ruby 3.4)."""
_RUBY_PAYLOAD_KEYS = (re.compile(r'"type" ?=> ?"[a-z_.]+"'), re.compile(r'"created_at" ?=> ?'))
"""A Stream payload's ``type`` and ``created_at`` in such a hash."""


def is_ruby_payload(text: str) -> bool:
    """Rails' ``Parameters:`` line of a webhook: a Ruby hash holding a payload's fields (the
    parameters of another request, a form with a ``type``, are not one)."""
    return bool(_RUBY_HASH.match(text)) and all(key.search(text) for key in _RUBY_PAYLOAD_KEYS)


RAILS_PARAMETERS = (
    "the parameters Rails parsed from a webhook (a Ruby hash): no headers and not the bytes "
    "Stream signed, so nothing to verify. Log request.raw_post with the request's headers "
    "as JSON, or capture with streamhook-nb capture"
)


def python_dict(text: bytes) -> tuple[dict[str, Any], list[str]] | None:
    """An event a Python function printed as it is (``print(event)``, ``logger.info(event)``:
    a dict's repr, ``{'resource': ..., 'isBase64Encoded': False}``), read as the literal it is
    (never run): a string's repr gives back the very string, so its body is exact. With it,
    the keys a dict display in it repeats (no dict's repr does: the text was edited). None for
    anything else, or a repr cut short."""
    if not text.startswith(b"{'") or len(text) > PRINTED_BYTES:
        return None
    try:
        tree = ast.parse(text.decode("utf-8"), mode="eval")
        value = ast.literal_eval(tree)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError, UnicodeError):
        return None
    if not isinstance(value, dict):
        return None
    return value, _repeated_in_literal(tree)


def _repeated_in_literal(tree: ast.AST) -> list[str]:
    """The keys a dict display in ``tree`` repeats."""
    found: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            seen: set[object] = set()
            for key in node.keys:
                value = key.value if isinstance(key, ast.Constant) else None
                if value in seen:
                    found[str(value)] = None
                seen.add(value)
    return list(found)


PRINTED_BYTES = 256 << 10
"""The longest printed dict read: what a CloudWatch log event holds. Reading a literal costs
about 0.8 s and 240 bytes of memory per byte (10 MB: 8 s and 2.4 GB), so a longer one is
rejected with the advice to log JSON, which is read at a thousand times the speed."""
