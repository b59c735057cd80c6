"""Read one source in any supported format into reader batches (rows, not yet a DataFrame).

Kept free of pandas so that streaming verification and the command line start quickly.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from typing import IO

import orjson

from streamhook_nb.errors import RecordError, SourceError, UsageError
from streamhook_nb.load import parquet
from streamhook_nb.load.batch import DeliveryBatch, Rejected, Row
from streamhook_nb.load.detect import (
    FORMATS,
    HEAD_BYTES,
    JSON_DOCUMENT,
    classify,
    classify_first_value,
    sniff,
)
from streamhook_nb.load.fidelity import Fidelity
from streamhook_nb.load.line_blocks import BOM
from streamhook_nb.load.payload import BARE_PAYLOAD, is_bare_payload
from streamhook_nb.load.progress import byte_bar
from streamhook_nb.load.readers import (
    capture_blocks,
    har,
    lambda_logs,
    mitmproxy_flows,
    ngrok,
    queue,
    raw_http,
    webhook_site,
)
from streamhook_nb.load.readers.common import parse_document
from streamhook_nb.load.selection import select
from streamhook_nb.load.sources import DAMAGE_ERRORS, Source, TranscodedText, read_whole

SourceLike = str | os.PathLike[str]


def read_sources(
    sources: list[Source],
    format: str | None,
    strict: bool,
    progress: bool | None,
    chunk: int,
    path: str | None = None,
) -> Iterator[DeliveryBatch]:
    """Reader batches of every source in turn, with a progress bar over their bytes.

    ``strict`` raises :class:`RecordError` at the first batch with a rejected record;
    ``path`` keeps only the requests sent to that path (see :func:`select`).
    """
    if format is not None and format not in FORMATS:
        raise UsageError(f"unknown format {format!r}", fix=f"Use one of: {', '.join(FORMATS)}")
    sizes = [s.size for s in sources]
    total = sum(s for s in sizes if s is not None) if all(s is not None for s in sizes) else None
    with byte_bar(total, progress, "loading") as bar:
        for source in sources:
            for batch in read_batches(source, format, chunk, path):
                check_strict(batch.rejected, strict)
                yield batch
            bar.update(source.size or 0)


def check_strict(
    rejected: list[Rejected],
    strict: bool,
    fix: str = "Fix or remove the record, or load without strict",
) -> None:
    """In strict mode, the first rejected record is an error naming its file and line."""
    if strict and rejected:
        raise RecordError(rejected[0].reason, source=rejected[0].source, fix=fix)


def read_batches(
    source: Source, format: str | None, chunk: int, path: str | None = None
) -> Iterator[DeliveryBatch]:
    """Raw reader batches (rows, not yet a DataFrame) for one source, deliveries only, of at
    most ``chunk`` deliveries each (a document's are cut, each rejected record kept with the
    rows around it).

    A file found in a directory or by a pattern that cannot be read is one rejected record
    (the other files still load); a file named by the caller raises :class:`SourceError`.
    """
    try:
        for batch in _read_file(source, format, chunk):
            rest = select(batch, path)
            while len(rest) > chunk:
                head, rest = rest.cut(chunk)
                yield head
            yield rest
    except SourceError as exc:
        if not source.listed:
            raise
        unreadable = DeliveryBatch(FORMATS[0])
        unreadable.reject(source.name, f"{exc.message}. {exc.fix}" if exc.fix else exc.message)
        yield unreadable


def _read_file(source: Source, format: str | None, chunk: int) -> Iterator[DeliveryBatch]:
    with source.open() as stream:
        try:
            head = stream.read(HEAD_BYTES)  # a gzip cut short gives the bytes before the cut
            stream.seek(0)
        except DAMAGE_ERRORS as exc:
            raise _unreadable(source, exc) from exc
        if parquet.is_parquet(head):  # a container of deliveries of any format
            yield from parquet.read(stream, source.name, chunk)
            return
        kind = format or sniff(head)
        if kind is None:
            raise _unknown_format(source, "its content")
        transcoded = isinstance(stream, TranscodedText)
        try:
            for batch in _dispatch(kind, stream, source, chunk):
                yield _code_page_lossy(batch) if transcoded else batch
        except DAMAGE_ERRORS as exc:
            raise _unreadable(source, exc) from exc


_KEPT_BYTES = frozenset((Fidelity.EXACT.value, Fidelity.DECODED.value))


def _code_page_lossy(batch: DeliveryBatch) -> DeliveryBatch:
    """A batch read from UTF-16 text (Windows PowerShell's ``>``), whose bodies of non-ASCII
    text are ``reconstructed``: PowerShell decoded the app's bytes with a code page the file
    does not name, so such a body may not be the bytes signed (ASCII survives any code page,
    and bytes kept as base64 are not text)."""
    if all(_kept(row) for row in batch.rows):
        return batch
    batch.rows = [
        row if _kept(row) else row._replace(fidelity=Fidelity.RECONSTRUCTED.value)
        for row in batch.rows
    ]
    return batch


def _kept(row: Row) -> bool:
    """Whether a row's body survived a code page: ASCII, not text, or not claimed exact."""
    body = row.body
    if body is None or body.isascii() or row.fidelity not in _KEPT_BYTES:
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True  # bytes (gzip) given as base64: the code page never saw them
    return False


_PYTHON_REPR = re.compile(rb"\s*\[?\s*\{\s*'")
"""The start of a Python dict printed as it is (``print(response)``), not written as JSON."""
_PYTHON_REPR_FIX = (
    "It looks like a Python dict printed with print() (single quotes): write it as JSON "
    "instead, e.g. json.dump(response, file) or `aws ... --output json > file`"
)
_FORMATS_TRIED = f"Formats tried: {', '.join(FORMATS)}"
_SEVERAL_DOCUMENTS = "unexpected content after document"
"""What orjson says of a file holding one JSON value per line."""


def _dispatch(kind: str, stream: IO[bytes], source: Source, chunk: int) -> Iterator[DeliveryBatch]:
    name = source.name
    if kind == "capture-jsonl":
        yield from capture_blocks.read(stream, name, chunk_size=chunk)
        return
    if kind == "pcap":  # read a packet at a time (dpkt is imported only for captures)
        from streamhook_nb.load.readers import pcap

        yield from pcap.read(stream, name)
        return
    if kind == mitmproxy_flows.FORMAT:  # read a flow at a time
        yield from mitmproxy_flows.read(stream, name, chunk)
        return
    data = read_whole(stream, name).removeprefix(BOM)  # Fiddler writes HAR with one
    if kind == "raw-http":
        yield from raw_http.read(data, name)
        return
    if kind == "sns":
        yield from queue.read_sns(data, name)
        return
    if kind == lambda_logs.FORMAT:  # events, or the function's logs holding them
        yield from lambda_logs.read(data, name)
        return
    try:
        document = parse_document(data)
    except orjson.JSONDecodeError as exc:
        if kind == "sqs" and b"\n" in data.strip():  # one message or response per line
            yield from queue.read_sqs_lines(data, name)
            return
        several = (
            classify_first_value(data)
            if kind == JSON_DOCUMENT and exc.msg == _SEVERAL_DOCUMENTS
            else None
        )
        if several == "sqs":  # `jq '.Messages[]'` output
            yield from queue.read_sqs_lines(data, name)
            return
        if several == "sns":
            yield from queue.read_sns(data, name)
            return
        if several == lambda_logs.FORMAT:  # events pretty-printed one after another
            yield from lambda_logs.read(data, name)
            return
        if kind == "webhook-site" or several == "webhook-site":
            # one request per line, requests pretty-printed one after another, or pages
            yield from webhook_site.read_values(data, name)
            return
        if kind == JSON_DOCUMENT and exc.msg == _SEVERAL_DOCUMENTS:  # JSON Lines after all
            yield from capture_blocks.read(io.BytesIO(data), name, chunk_size=chunk)
            return
        raise SourceError(
            f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})",
            source=name,
            fix=_PYTHON_REPR_FIX if _PYTHON_REPR.match(data) else _FORMATS_TRIED,
        ) from None
    if kind == JSON_DOCUMENT:
        kind = classify(document) or ""
    if kind == "capture-jsonl":  # a log of one record, without its final newline
        yield from capture_blocks.read(io.BytesIO(data), name, chunk_size=chunk)
        return
    if kind == lambda_logs.FORMAT:
        yield from lambda_logs.read_document(document, name, data)
        return
    readers = {
        "har": har.read,
        "ngrok": ngrok.read,
        "sqs": queue.read_sqs,
        "sns": queue.read_sns_document,
        "webhook-site": webhook_site.read,
    }
    if kind not in readers:
        values = document if isinstance(document, list) else [document]
        if values and all(map(is_bare_payload, values)):
            raise SourceError(f"not a capture: {BARE_PAYLOAD}", source=name)
        raise _unknown_format(source, "its JSON document")
    try:
        yield from readers[kind](document, name)
    except ValueError as exc:  # the document's top level is not what the format requires
        raise SourceError(f"not a {kind} document ({exc})", source=name) from None


def _unreadable(source: Source, exc: BaseException) -> SourceError:
    return SourceError(
        f"cannot read ({exc})",
        source=source.name,
        fix="The file may be damaged or cut short (a gzip file must be complete)",
    )


def _unknown_format(source: Source, what: str) -> SourceError:
    return SourceError(
        f"not a known capture format (recognised none in {what}; tried {', '.join(FORMATS)})",
        source=source.name,
        fix="Pass format=... if you know the format",
        shell_fix="Pass --format FORMAT if you know the format",
    )
