"""CloudWatch Logs exported as CSV: a Logs Insights result ("Export results", "Download table
(CSV)": a header of the query's fields, such as ``@timestamp,@message,@logStream,@log``), or a
log group's search results downloaded from the console (``timestamp,message``).

Each row's message goes to the caller as a line of the log; its source is ``file:line`` where
the row starts (a quoted message may hold line breaks).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from streamhook_nb.load.batch import DeliveryBatch

AddMessage = Callable[[DeliveryBatch, str, str], None]

_HEADER = re.compile(rb'"?@?timestamp"?([,;\t])(?:[^\r\n]*\1)?"?@?message"?(?:\1|\r?\n|$)')
"""A header naming the time and message columns (Insights adds ``@``), time first as both
exports write it; separated by commas, or as Excel saves the file again: by semicolons (where
the comma is the decimal mark) or tabs ("Unicode Text")."""
_MESSAGE_COLUMNS = ("@message", "message")
_FIELD_LIMIT = 8 * 1024 * 1024
"""Longest field read: a log event holds up to 256 KB, far beyond the csv module's default
limit of 128 KiB (raised once for the process, never lowered)."""


def is_export(head: bytes) -> bool:
    """Whether ``head`` starts with the header row of a CloudWatch Logs CSV export."""
    return _HEADER.match(head) is not None


def read(data: bytes, name: str, batch: DeliveryBatch, add: AddMessage) -> DeliveryBatch:
    """``add`` each message of a CSV export to ``batch``; a row without one is rejected."""
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    header_row = _HEADER.match(data)
    delimiter = header_row[1].decode() if header_row else ","
    text = io.StringIO(data.decode("utf-8", "replace"), newline="")
    rows = csv.reader(text, delimiter=delimiter, strict=True)
    try:
        header = next(rows)
    except (StopIteration, csv.Error):
        return batch
    column = next((header.index(c) for c in _MESSAGE_COLUMNS if c in header), None)
    start = rows.line_num + 1
    if column is None:
        batch.reject(f"{name}:1", "a CSV header without a 'message' or '@message' column")
        return batch
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return batch
        except csv.Error as exc:
            batch.reject(f"{name}:{start}", f"not valid CSV ({exc}); nothing after it was read")
            return batch
        if len(row) > column:
            add(batch, f"{name}:{start}", row[column])
        elif any(field.strip() for field in row):
            reason = f"a row without a message ({len(row)} of the header's {len(header)} columns)"
            batch.reject(f"{name}:{start}", reason)
        start = rows.line_num + 1
