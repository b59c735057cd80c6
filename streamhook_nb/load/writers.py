"""Write deliveries back out: our capture JSON Lines (byte-exact) and HAR 1.2."""

from __future__ import annotations

import base64
import os
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any
from urllib.parse import urlsplit

import orjson
import pandas as pd

from streamhook_nb import __name__ as _package
from streamhook_nb.load.capture_lines import capture_line
from streamhook_nb.load.deliveries import header_dicts, values
from streamhook_nb.load.fidelity import Fidelity, Transport
from streamhook_nb.load.headers import Headers
from streamhook_nb.load.readers.capture_jsonl import MAX_LINE_BYTES
from streamhook_nb.load.readers.http_delivery import SNS_MESSAGE_TYPE

Target = str | os.PathLike[str] | IO[bytes]


def capture_records(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """Capture-log records (DESIGN.md §3) for each delivery, in frame order."""
    times = _iso_times(frame["received_at"])
    columns = zip(
        times,
        frame["method"],
        frame["path"],
        header_dicts(frame["headers"]),
        values(frame["body"]),
        frame["transport"],
        frame["fidelity"],
        frame["remote_addr"],
        frame["response_status"],
        strict=True,
    )
    for when, method, path, headers, body, transport, fidelity, remote, status in columns:
        record: dict[str, Any] = {
            "received_at": when,
            "method": _text(method),
            "path": _text(path),
            "headers": headers,
        }
        record.update(_body_field(body))
        if pd.notna(remote):
            record["remote_addr"] = remote
        if pd.notna(status):
            record["response"] = {"status": int(status)}
        if transport != Transport.HTTP or SNS_MESSAGE_TYPE in headers:
            record["transport"] = str(transport)  # (an HTTP delivery with SNS's header: kept)
        if fidelity != Fidelity.EXACT:
            record["fidelity"] = str(fidelity)
        yield record


def to_capture_jsonl(frame: pd.DataFrame, target: Target) -> int:
    """Write ``frame`` as capture JSON Lines; bodies stay byte-exact. Returns rows written.

    Warns (:class:`CaptureLineWarning`) when some records are longer than a capture-log line
    may be: they are written, but reading the file back rejects them.
    """
    with _open(target) as out:
        count, too_long = write_capture_lines(frame, out)
    if too_long:
        warnings.warn(too_long_message(too_long), CaptureLineWarning, stacklevel=2)
    return count


class CaptureLineWarning(UserWarning):
    """Some records are longer than a capture-log line may be; the message says how many."""


def write_capture_lines(frame: pd.DataFrame, out: IO[bytes]) -> tuple[int, int]:
    """Write the capture-log lines of ``frame`` to ``out``: how many, and how many of them are
    longer than ``MAX_LINE_BYTES`` (reading them back rejects them)."""
    count = too_long = 0
    for record in capture_records(frame):
        line = capture_line(record, MAX_LINE_BYTES)
        out.write(line)
        count += 1
        too_long += len(line) > MAX_LINE_BYTES
    return count, too_long


def too_long_message(count: int) -> str:
    """What writing ``count`` records longer than a capture-log line means, and what to do."""
    lines = (
        "delivery makes a capture-log line" if count == 1 else "deliveries make capture-log lines"
    )
    return (
        f"{count} {lines} longer than {MAX_LINE_BYTES:,} bytes (bodies far beyond Stream's): "
        "they are written, but reading the file back rejects them. Convert to Parquet to keep "
        "them."
    )


def to_har(frame: pd.DataFrame, target: Target) -> int:
    """Write ``frame`` as a HAR 1.2 log that any HAR viewer opens. Returns entries written.

    Warns (:class:`HarLossWarning`, with counts) when HAR makes it write a value the
    deliveries do not have (a time, a method or a path: HAR requires them), which would be read
    back as if captured. A client address HAR has no field for is read back as unknown, not
    false: :attr:`HarWriter.lost` counts it, and ``load --to-har`` says so.
    """
    with HarWriter(target) as har:
        written = har.write(frame)
    if set(har.lost) & MADE_UP:
        warnings.warn(har.loss_message(), HarLossWarning, stacklevel=2)
    return written


class HarLossWarning(UserWarning):
    """Some deliveries hold what a HAR log cannot; the message says what and how many."""


HAR_CANNOT_HOLD = {
    "remote_addr": "{n} carry the client's address (remote_addr), which HAR has no field for",
    "received_at": "{n} have no arrival time, written as 1970-01-01T00:00:00Z (HAR requires one) "
    "and read back as that time",
    "request_line": "{n} have no method or path (queue messages), written as POST / (HAR "
    "requires them) and read back so",
    "path": "{n} have a path a URL cannot carry as it is (no leading /, a #, an empty ?), read "
    "back changed",
}
"""What :class:`HarWriter` counts in :attr:`HarWriter.lost`, and why."""
MADE_UP = frozenset(("received_at", "request_line", "path"))
"""Losses that put a value in the HAR log the delivery does not have (read back as captured)."""


class HarWriter:
    """A HAR 1.2 log written frame by frame, for logs bigger than memory.

    The bytes are those of the whole document dumped at once with a two-space indent. Bodies,
    headers, times (to the nanosecond), transport and fidelity are kept (the last two in the
    custom fields ``_transport`` and ``_fidelity``); what HAR cannot hold is counted in
    :attr:`lost` (keys of :data:`HAR_CANNOT_HOLD`), never dropped silently.
    """

    def __init__(self, target: Target) -> None:
        self._target = _open(target)
        self._out: IO[bytes] | None = None
        self._end = b""
        self.entries = 0
        self.lost: Counter[str] = Counter()

    def __enter__(self) -> HarWriter:
        self._out = self._target.__enter__()
        creator = {"name": _package.replace("_", "-"), "version": _version()}
        empty = {"log": {"version": "1.2", "creator": creator, "entries": []}}
        head, self._end = orjson.dumps(empty, option=orjson.OPT_INDENT_2).rsplit(b"[]", 1)
        self._out.write(head + b"[")
        return self

    def write(self, frame: pd.DataFrame) -> int:
        """Append the frame's deliveries as entries; returns how many."""
        if self._out is None:
            raise RuntimeError("use HarWriter in a with block")
        before = self.entries
        self._count_losses(frame)
        for record in capture_records(frame):
            built = _har_entry(record)
            if record["path"] is not None and _url_path(built["request"]["url"]) != record["path"]:
                self.lost["path"] += 1
            entry = orjson.dumps(built, option=orjson.OPT_INDENT_2)
            self._out.write(b",\n" if self.entries else b"\n")
            self._out.write(_ENTRY_INDENT + entry.replace(b"\n", b"\n" + _ENTRY_INDENT))
            self.entries += 1
        return self.entries - before

    def _count_losses(self, frame: pd.DataFrame) -> None:
        found = {
            "remote_addr": frame["remote_addr"].notna().sum(),
            "received_at": frame["received_at"].isna().sum(),
            "request_line": (frame["method"].isna() | frame["path"].isna()).sum(),
        }
        self.lost.update({name: int(count) for name, count in found.items() if count})

    def loss_message(self) -> str:
        """What the log could not hold, with counts (empty when nothing was lost)."""
        parts = [HAR_CANNOT_HOLD[name].format(n=n) for name, n in sorted(self.lost.items())]
        if not parts:
            return ""
        return (
            f"HAR cannot hold all of what these deliveries carry: {'; '.join(parts)}. "
            "Convert to capture JSONL or Parquet to keep it."
        )

    def __exit__(self, *exc: object) -> None:
        if self._out is not None:
            self._out.write((b"\n    ]" if self.entries else b"]") + self._end)
        self._target.__exit__(*exc)


_ENTRY_INDENT = b"      "
"""Entries sit three levels deep in the document (log, entries, the entry)."""


def _har_entry(record: dict[str, Any]) -> dict[str, Any]:
    headers: Headers = record["headers"]
    host = headers.get("host")
    host_text = host if isinstance(host, str) and _AUTHORITY.fullmatch(host) else "localhost"
    request: dict[str, Any] = {
        "method": record["method"] or "POST",
        "url": f"http://{host_text}{record['path'] or '/'}",
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": [
            {"name": name, "value": value}
            for name, values in headers.items()
            for value in ([values] if isinstance(values, str) else values)
        ],
        "queryString": [],
        "headersSize": -1,
        "bodySize": -1,
    }
    body = _record_body(record)
    if body is not None:
        request["bodySize"] = len(body)
        post: dict[str, Any] = {"mimeType": _content_type(headers)}
        if "body" in record:
            post["text"] = record["body"]
        else:
            post["text"] = record["body_b64"]
            post["encoding"] = "base64"
        request["postData"] = post
    status = record.get("response", {}).get("status", 0)
    return {
        "startedDateTime": record["received_at"] or "1970-01-01T00:00:00.000Z",
        "time": 0,
        "request": request,
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
        # Custom fields (HAR allows "_" names): reloading keeps every verdict.
        "_transport": record.get("transport", Transport.HTTP.value),
        "_fidelity": record.get("fidelity", Fidelity.EXACT.value),
    }


_AUTHORITY = re.compile(r"(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?", re.ASCII)
"""A ``Host`` header that can stand in a URL as it is (anything else would change the path read
back from the URL: ``a/b``, ``user@h``); the header itself is kept either way."""


def _url_path(url: str) -> str:
    """The path and query a HAR reader takes back from ``url``."""
    split = urlsplit(url)
    return split.path + (f"?{split.query}" if split.query else "")


def _record_body(record: dict[str, Any]) -> bytes | None:
    if record.get("fidelity") == Fidelity.MISSING:
        return None
    if "body" in record:
        return bytes(record["body"], "utf-8")
    return base64.b64decode(record["body_b64"])


def _content_type(headers: Headers) -> str:
    value = headers.get("content-type")
    return value if isinstance(value, str) else "application/json"


def _body_field(body: bytes | None) -> dict[str, str]:
    if body is None:
        return {"body": ""}
    try:
        return {"body": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_b64": base64.b64encode(body).decode("ascii")}


def _iso_times(times: pd.Series) -> list[str | None]:
    """UTC ISO 8601 with six fraction digits, or nine when the time has nanoseconds (a packet
    capture's): every reader takes both, and no digit of the time is lost."""
    micro = times.dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    nanos = times.dt.nanosecond
    return [
        None if pd.isna(text) else f"{text}{int(ns):03d}Z" if ns else f"{text}Z"
        for text, ns in zip(micro, nanos, strict=True)
    ]


def _text(value: object) -> str | None:
    return None if pd.isna(value) else str(value)  # type: ignore[call-overload]


def _open(target: Target) -> Any:
    if isinstance(target, str | os.PathLike):
        return open(target, "wb")
    return _Borrowed(target)


class _Borrowed:
    """Use a caller's stream as a context manager without closing it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def __enter__(self) -> IO[bytes]:
        return self._stream

    def __exit__(self, *_: object) -> None:
        self._stream.flush()


def _version() -> str:
    from importlib.metadata import version

    return version("streamhook-nb")
