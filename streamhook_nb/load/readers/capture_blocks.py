"""Our capture log read a block of lines at a time, straight into columns.

A block (a few MB of whole lines) whose every line is a common record (see
:func:`capture_jsonl.common_record`) is decoded at C speed and becomes one list per field, with
no Python object per row beyond the decoded record. A block with anything else in it (a bad
line, a blank line, base64 body, repeated or unfolded headers) is read again line by line by
:func:`capture_jsonl.read_lines`, so every line keeps its careful verdict and ``file:line``.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain, islice
from typing import IO, Any, cast

from streamhook_nb.load.batch import DeliveryBatch, http_status
from streamhook_nb.load.gc_pause import each_with_paused_gc
from streamhook_nb.load.headers import (
    API_KEY,
    CONTENT_ENCODING,
    SIGNATURE,
    WEBHOOK_ATTEMPT,
    WEBHOOK_ID,
)
from streamhook_nb.load.readers import capture_jsonl
from streamhook_nb.load.readers.capture_jsonl import FORMAT, MAX_LINE_BYTES, decode_common

BLOCK_LINES = 512
"""Lines decoded at a time: a few MB, whose Python objects are freed once the block is in
columns."""


def read(
    lines: IO[bytes] | Iterator[bytes],
    name: str,
    *,
    chunk_size: int = 50_000,
    max_line_bytes: int = MAX_LINE_BYTES,
    first_line: int = 1,
    block_lines: int = BLOCK_LINES,
) -> Iterator[DeliveryBatch]:
    """Yield batches of at most ``chunk_size`` deliveries from a capture log.

    A stream is read with the line cap of :func:`capture_jsonl.bounded_lines` (and its byte
    order mark dropped when it starts the log); lines already read are taken as they come.
    """
    if hasattr(lines, "readline"):
        lines = capture_jsonl.bounded_lines(cast(IO[bytes], lines), max_line_bytes)
        if first_line == 1:
            lines = capture_jsonl.without_bom(lines)
    blocks = _block_batches(lines, name, chunk_size, max_line_bytes, first_line, block_lines)
    return each_with_paused_gc(_gathered(blocks, chunk_size))


def _gathered(batches: Iterator[DeliveryBatch], chunk_size: int) -> Iterator[DeliveryBatch]:
    """The blocks' batches gathered into batches of up to ``chunk_size`` deliveries."""
    gathered = DeliveryBatch(FORMAT)
    for batch in batches:
        if len(gathered) + len(batch) > chunk_size:
            yield gathered
            gathered = batch
        else:
            gathered.extend(batch)
    if len(gathered) or gathered.rejected or gathered.skipped:
        yield gathered


def _block_batches(
    lines: Iterator[bytes],
    name: str,
    chunk_size: int,
    max_line_bytes: int,
    first_line: int,
    block_lines: int,
) -> Iterator[DeliveryBatch]:
    lineno = first_line
    while block := list(islice(lines, block_lines)):
        batch = common_block(block, name, lineno, max_line_bytes)
        if batch is None:
            yield from capture_jsonl.read_lines(block, name, chunk_size, max_line_bytes, lineno)
        else:
            yield from batch.split(chunk_size)
        lineno += len(block)


def common_block(
    lines: list[bytes], name: str, first_line: int, max_line_bytes: int = MAX_LINE_BYTES
) -> DeliveryBatch | None:
    """The lines' deliveries as columns when every line is a whole common record; else None."""
    records = common_records(lines, max_line_bytes)
    if records is None:
        return None
    try:
        columns = _columns(records, name, first_line)
    except UnicodeError:  # a lone surrogate in a body: the line reader says where
        return None
    return DeliveryBatch.of_columns(FORMAT, columns)


def common_records(
    lines: list[bytes], max_line_bytes: int = MAX_LINE_BYTES
) -> list[capture_jsonl.CommonRecord] | None:
    """Every line decoded as a :class:`CommonRecord` with folded header names, or None when
    any line is something else (then each deserves the line reader's own verdict)."""
    if not lines[-1].endswith(b"\n") or max(map(len, lines)) > max_line_bytes:
        return None  # the log's last line (cut short or not), or an overlong one: read carefully
    try:
        records = list(map(decode_common, lines))
    except Exception:  # not JSON, not the common shape, nested too deep: line by line
        return None
    names = "".join(chain.from_iterable(record.headers for record in records))
    return records if capture_jsonl.folded_names(names) else None


def _columns(
    records: list[capture_jsonl.CommonRecord], name: str, first_line: int
) -> dict[str, list[Any]]:
    """One list per field of :class:`Row`, in its order."""
    count = len(records)
    headers = [record.headers for record in records]
    no_response = capture_jsonl.NO_RESPONSE
    return {
        "source": [f"{name}:{n}" for n in range(first_line, first_line + count)],
        "transport": [capture_jsonl.HTTP] * count,
        "received_at": [r.received_at for r in records],
        "method": [r.method for r in records],
        "path": [r.path for r in records],
        "headers": headers,
        "body": [r.body.encode() for r in records],
        "fidelity": [capture_jsonl.EXACT] * count,
        "remote_addr": [r.remote_addr for r in records],
        "response_status": [http_status((r.response or no_response).status) for r in records],
        "signature": [h.get(SIGNATURE) for h in headers],
        "api_key": [h.get(API_KEY) for h in headers],
        "webhook_id": [h.get(WEBHOOK_ID) for h in headers],
        "attempt": [h.get(WEBHOOK_ATTEMPT) for h in headers],
        "content_encoding": [h.get(CONTENT_ENCODING) for h in headers],
    }
