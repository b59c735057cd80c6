"""Our capture log read a block of lines at a time, straight into columns.

The log is read in blocks of whole lines (:mod:`line_blocks`, a few hundred lines per
``read``). A block whose every line is a common record (see
:func:`capture_jsonl.common_record`) is decoded at C speed, in one call when its lines allow
it (:func:`block_records`), and becomes one list per field, with no Python object per row
beyond the decoded record. A block with anything else in it (a bad line, a blank line, base64
body, repeated or unfolded headers) is read again line by line by
:func:`capture_jsonl.read_lines`, so every line keeps its careful verdict and ``file:line``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import IO, Any, cast

from streamhook_nb.load import line_blocks
from streamhook_nb.load.batch import DeliveryBatch, http_status
from streamhook_nb.load.gc_pause import each_with_paused_gc
from streamhook_nb.load.headers import (
    API_KEY,
    CONTENT_ENCODING,
    SIGNATURE,
    WEBHOOK_ATTEMPT,
    WEBHOOK_ID,
)
from streamhook_nb.load.line_blocks import LineBlock
from streamhook_nb.load.readers import capture_jsonl
from streamhook_nb.load.readers.capture_jsonl import (
    FORMAT,
    MAX_LINE_BYTES,
    decode_common,
    decode_common_lines,
)
from streamhook_nb.load.sources import DAMAGE_ERRORS


def read(
    source: IO[bytes] | Iterable[LineBlock],
    name: str,
    *,
    chunk_size: int = 50_000,
    max_line_bytes: int = MAX_LINE_BYTES,
    first_line: int = 1,
    block_lines: int = line_blocks.BLOCK_LINES,
) -> Iterator[DeliveryBatch]:
    """Yield batches of at most ``chunk_size`` deliveries from a capture log: a stream (read
    in blocks of whole lines, with the line cap; a byte order mark dropped when it starts the
    log), or blocks already read (a byte range: ``log_ranges.range_blocks``)."""
    if hasattr(source, "read"):
        blocks: Iterable[LineBlock] = line_blocks.read_blocks(
            cast(IO[bytes], source),
            max_line_bytes,
            drop_bom=first_line == 1,
            block_lines=block_lines,
        )
    else:
        blocks = source
    batches = _block_batches(iter(blocks), name, chunk_size, max_line_bytes, first_line)
    return each_with_paused_gc(_gathered(batches, chunk_size))


def damage_reason(exc: BaseException) -> str:
    """Why a log stops being readable at some line, for the rejected record of that line."""
    return (
        f"cannot read from this line on ({exc}); the lines before it are loaded. The file may "
        "be damaged or cut short (a gzip file must be complete)"
    )


def _gathered(batches: Iterator[DeliveryBatch], chunk_size: int) -> Iterator[DeliveryBatch]:
    """The blocks' batches gathered into batches of ``chunk_size`` deliveries (the last one
    fewer), whatever the blocks' sizes: a block that overflows a batch is cut."""
    gathered = DeliveryBatch(FORMAT)
    try:
        for batch in batches:
            while len(gathered) + len(batch) > chunk_size:
                head, batch = batch.cut(chunk_size - len(gathered))
                gathered.extend(head)
                yield gathered
                gathered = DeliveryBatch(FORMAT)
            gathered.extend(batch)
    except Exception:  # damage (a corrupt gzip): the rows read before it go out first, so
        if len(gathered) or gathered.rejected or gathered.skipped:  # every chunk size keeps
            yield gathered  # the same rows
        raise
    if len(gathered) or gathered.rejected or gathered.skipped:
        yield gathered


def _block_batches(
    blocks: Iterator[LineBlock],
    name: str,
    chunk_size: int,
    max_line_bytes: int,
    first_line: int,
) -> Iterator[DeliveryBatch]:
    lineno = first_line
    while True:
        try:
            block = next(blocks)
        except StopIteration:
            return
        except DAMAGE_ERRORS as exc:  # the lines read before it are kept (a named file too)
            damaged = DeliveryBatch(FORMAT)
            damaged.reject(f"{name}:{lineno}", damage_reason(exc))
            yield damaged
            return
        batch = common_block(block, name, lineno, max_line_bytes)
        if batch is None:
            lines = block.iter_lines()
            yield from capture_jsonl.read_lines(lines, name, chunk_size, max_line_bytes, lineno)
        else:
            yield from batch.split(chunk_size)
        lineno += block.count


def common_block(
    block: LineBlock, name: str, first_line: int, max_line_bytes: int = MAX_LINE_BYTES
) -> DeliveryBatch | None:
    """The block's deliveries as columns when every line is a whole common record; else None."""
    records = block_records(block, max_line_bytes)
    if records is None:
        return None
    try:
        columns = _columns(records, name, first_line)
    except UnicodeError:  # a lone surrogate in a body: the line reader says where
        return None
    return DeliveryBatch.of_columns(FORMAT, columns)


def block_records(
    block: LineBlock, max_line_bytes: int = MAX_LINE_BYTES
) -> list[capture_jsonl.CommonRecord] | None:
    """Every line of the block decoded as a :class:`CommonRecord` with folded header names,
    or None when any line is something else (see :func:`common_records`).

    A buffer of lines is decoded in one call when each of its lines is one JSON object
    starting the line and ending right before its newline: a raw newline can only sit between
    the tokens of a JSON text, and ``}`` then ``{`` with only whitespace between is never
    inside one, so no object can span two such lines, and as many objects as lines means one
    per line. Any other buffer is decoded line by line, the reference way.
    """
    data = block.data
    if data is None:
        return common_records(block.lines(), max_line_bytes)
    if len(data) > max_line_bytes:  # some line may be too long: the line reader says which
        return None
    try:
        if block.braced:
            records = decode_common_lines(data)
            if len(records) != block.count:
                return None
        else:  # one line at a time, stopping at the first that is something else
            records = list(map(decode_common, block.iter_lines()))
    except Exception:  # some line is not a common record: the line reader says which
        return None
    names = "".join(chain.from_iterable(record.headers for record in records))
    return records if capture_jsonl.common_names(names) else None


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
    return records if capture_jsonl.common_names(names) else None


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
