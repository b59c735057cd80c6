"""mitmproxy's own flow files (``mitmdump -w FILE``, mitmweb's File > Save): one tnetstring per
flow, each the flow's state as mitmproxy's ``get_state`` gives it.

An HTTP flow keeps the client's request as it arrived: its headers as byte pairs in order and
its ``content``, the body bytes still content-encoded (gzip stays gzip). A body mitmproxy did
not keep (streamed past ``stream_large_bodies``, or a flow saved before its body arrived) is
``None``: fidelity ``missing``. A flow edited in mitmweb or the console (or by an addon that
calls ``flow.backup()``) carries the request as received in its ``backup``: that one is read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from streamhook_nb.load.batch import DeliveryBatch
from streamhook_nb.load.fidelity import Fidelity
from streamhook_nb.load.headers import Headers, fold
from streamhook_nb.load.readers.common import (
    BadEntryError,
    add_or_reject,
    body_fidelity,
    declared_length,
    http_status,
)
from streamhook_nb.load.readers.http_delivery import add_request
from streamhook_nb.load.readers.tnetstring import Frame, TnetstringError, decode, next_frame
from streamhook_nb.load.sources import DAMAGE_ERRORS, MAX_DOCUMENT_BYTES

FORMAT = "mitmproxy"
FLOW_VERSIONS = range(9, 22)
"""The flow format versions read: 9 (mitmproxy 5.3) to 21 (mitmproxy 11 and later). The
request's fields have not changed since 9; before 19 the client's address is ``address``."""
TO_HAR = (
    "Convert it with a mitmproxy that reads it: mitmdump -nr FILE --set hardump=out.har, "
    "then load out.har"
)
_FLOW_START = re.compile(rb"([0-9]{1,12}):([0-9]{1,2}):([a-z_]{1,32})[;,]")
"""A flow file's opening: the flow's length, then its first key (mitmproxy writes a state's
keys last first: ``websocket`` for an HTTP flow, ``messages`` for a TCP or UDP one)."""


def is_flow_file(head: bytes) -> bool:
    """Whether ``head`` starts a mitmproxy flow file: a dictionary tnetstring whose first item
    is a key of the length it declares (and which ends with ``}`` when it ends in ``head``)."""
    match = _FLOW_START.match(head)
    if match is None or int(match[2]) != len(match[3]):
        return False
    tag = match.end(1) + 1 + int(match[1])
    return tag >= len(head) or head[tag : tag + 1] == b"}"


def read(stream: IO[bytes], name: str, chunk: int) -> Iterator[DeliveryBatch]:
    """One delivery per HTTP flow, in batches of about ``chunk``; sources are ``file#N``
    counting flows from 1. A flow that cannot be read is rejected and the next one read; when
    the framing itself is broken (a length that is not a number, a file cut short), that flow
    is rejected and nothing after it can be."""
    batch = _batch()
    number = 0
    while True:
        number += 1
        source = f"{name}#{number}"
        try:
            frame = next_frame(stream, MAX_DOCUMENT_BYTES)
        except TnetstringError as exc:
            batch.reject(source, f"not a mitmproxy flow ({exc}); nothing after it can be read")
            break
        except DAMAGE_ERRORS as exc:  # a gzip file cut short or damaged
            batch.reject(
                source,
                f"cannot read further ({exc}); the flows before it are kept. The file may be "
                "damaged or cut short (a gzip file must be complete)",
            )
            break
        if frame is None:
            break
        add_or_reject(batch, source, _add_flow, frame, what="flow")
        if len(batch) >= chunk:
            yield batch
            batch = _batch()
    yield batch


def _batch() -> DeliveryBatch:
    batch = DeliveryBatch(FORMAT)
    batch.time_field = "request.timestamp_start"
    return batch


def _add_flow(batch: DeliveryBatch, source: str, frame: Frame) -> None:
    if frame.tag != ord("}"):
        raise BadEntryError(f"not a mitmproxy flow (a tnetstring {chr(frame.tag)!r}, not '}}')")
    try:
        state = decode(frame)
    except TnetstringError as exc:
        raise BadEntryError(f"not a valid mitmproxy flow ({exc})") from None
    _check_version(state.get("version"))
    if _text(state, "type") != "http" or state.get("is_replay") in ("request", b"request"):
        batch.skipped += 1  # TCP, UDP, DNS: no HTTP request; a replay: mitmproxy sent it
        return
    request = _received(state)
    headers = _headers(request.get("headers"))
    content = request.get("content")
    if content is not None and not isinstance(content, bytes):
        raise BadEntryError(f"field 'request.content' is {type(content).__name__}, not bytes")
    fidelity = (
        Fidelity.MISSING
        if content is None
        else body_fidelity(headers, content, declared_length(headers))
    )
    response = state.get("response")
    add_request(
        batch,
        source,
        headers=headers,
        body=content,
        fidelity=fidelity,
        method=_text(request, "request.method"),
        path=_text(request, "request.path"),
        received_at=_time(request.get("timestamp_start")),
        remote_addr=_address(state.get("client_conn")),
        response_status=(
            http_status(response.get("status_code")) if isinstance(response, dict) else None
        ),
    )


def _check_version(version: Any) -> None:
    """Refuse a flow format this reader does not know, saying which and what to do."""
    if isinstance(version, list):  # mitmproxy up to 3.0: its own version, as a list
        shown = ".".join(str(part) for part in version[:3])
        raise BadEntryError(f"written by mitmproxy {shown}, older than this reader reads. {TO_HAR}")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BadEntryError("not a mitmproxy flow: field 'version' is missing or not a number")
    if version not in FLOW_VERSIONS:
        age = "newer" if version > FLOW_VERSIONS[-1] else "older"
        raise BadEntryError(
            f"flow format version {version} is {age} than this reader reads "
            f"({FLOW_VERSIONS[0]} to {FLOW_VERSIONS[-1]}). {TO_HAR}"
        )


def _received(state: dict[str, Any]) -> dict[str, Any]:
    """The request as it arrived: from the backup of an edited flow, else the flow's own."""
    backup = state.get("backup")
    if isinstance(backup, dict) and isinstance(backup.get("request"), dict):
        original: dict[str, Any] = backup["request"]
        return original
    request = state.get("request")
    if not isinstance(request, dict):
        raise BadEntryError("field 'request' is missing or not a dictionary")
    return request


def _text(mapping: dict[str, Any], field: str) -> str:
    """A field mitmproxy keeps as bytes (or text), as text; Latin-1 keeps every byte."""
    value = mapping.get(field.rpartition(".")[2])
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, str):
        return value
    raise BadEntryError(f"field {field!r} is missing or not text")


def _headers(items: Any) -> Headers:
    """``[[name, value], ...]`` byte pairs, in order, as the frame's headers."""
    if not isinstance(items, list):
        raise BadEntryError("field 'request.headers' is missing or not a list")
    pairs = []
    for item in items:
        if (
            not isinstance(item, list)
            or len(item) != 2
            or not all(isinstance(part, bytes | str) for part in item)
        ):
            raise BadEntryError(
                "field 'request.headers' holds an item that is not a name and a value"
            )
        name, value = (part.decode("latin-1") if isinstance(part, bytes) else part for part in item)
        pairs.append((name, value))
    return fold(pairs)


def _time(value: Any) -> str | None:
    """``timestamp_start`` (epoch seconds) as ISO 8601 UTC, to the microsecond."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadEntryError(f"field 'request.timestamp_start' is not a time: {value!r}")
    try:
        moment = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        moment = None
    if moment is None or not _FRAME_YEARS[0] <= moment.year <= _FRAME_YEARS[1]:
        raise BadEntryError(
            f"field 'request.timestamp_start' is not a time the frame can hold "
            f"(epoch seconds, years {_FRAME_YEARS[0]} to {_FRAME_YEARS[1]}): {value!r}"
        )
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


_FRAME_YEARS = (1678, 2261)
"""The years pandas' nanosecond timestamps hold whole."""


def _address(connection: Any) -> str | None:
    """The client's ``host:port`` (``[host]:port`` for IPv6): ``peername`` from flow format 19,
    ``address`` before."""
    if not isinstance(connection, dict):
        return None
    address = connection.get("peername", connection.get("address"))
    if not isinstance(address, list) or len(address) < 2:
        return None
    host, port = address[0], address[1]
    if isinstance(host, bytes):
        host = host.decode("latin-1")
    if not isinstance(host, str) or not isinstance(port, int):
        return None
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
