"""One capture-log line per record, short enough for every loader to read back."""

from __future__ import annotations

import base64
from typing import Any

import orjson

from streamhook_nb.load.readers.capture_jsonl import MAX_LINE_BYTES


def capture_line(record: dict[str, Any], max_line_bytes: int = MAX_LINE_BYTES) -> bytes:
    """``record`` as one JSON line, ``body`` kept as text unless that makes the line too long.

    Escaping can make a body's text six times its bytes (each control character is written
    ``\\u0001``), so a body well under the size limit could give a line the loaders reject. Such
    a body goes as ``body_b64`` (the same bytes, at most 4/3 of them) in the same place. The
    shorter line is returned; callers check it against ``max_line_bytes``.
    """
    line = orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
    if len(line) <= max_line_bytes or not isinstance(record.get("body"), str):
        return line
    as_base64 = {
        ("body_b64" if key == "body" else key): (_base64(value) if key == "body" else value)
        for key, value in record.items()
    }
    return min(line, orjson.dumps(as_base64, option=orjson.OPT_APPEND_NEWLINE), key=len)


def _base64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")
