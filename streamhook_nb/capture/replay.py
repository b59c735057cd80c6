"""Resend captured deliveries to a URL: original headers and exact bodies, rate-limited."""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import requests
from urllib3 import HTTPHeaderDict
from urllib3.util import SKIP_HEADER

from streamhook_nb.events.frame import events_frame
from streamhook_nb.load.body import signed_bytes
from streamhook_nb.load.deliveries import header_dicts, values
from streamhook_nb.load.fidelity import Fidelity
from streamhook_nb.load.headers import CONTENT_ENCODING, Headers, joined
from streamhook_nb.load.progress import byte_bar
from streamhook_nb.load.sources import GZIP_MAGIC
from streamhook_nb.verify.secrets import Secret
from streamhook_nb.verify.signing import sign
from streamhook_nb.webhook.failures import failure_reason
from streamhook_nb.webhook.outbound import OutboundSession, redirect_note
from streamhook_nb.webhook.plan import validate_url

HOP_BY_HOP = frozenset(
    (
        "host",
        "content-length",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "upgrade",
        "proxy-connection",
        "expect",
    )
)
"""Headers that belong to one connection and are not resent."""
NOT_ADDED = {"user-agent": SKIP_HEADER, "accept-encoding": SKIP_HEADER}
"""Headers the HTTP client would add when the delivery has none (``python-urllib3/2``,
``identity``): a replay sends the delivery's headers, not the client's."""


IN_FLIGHT = "interrupted while sending: it may or may not have arrived"
NOT_AS_DELIVERED = (Fidelity.TRUNCATED, Fidelity.RECONSTRUCTED)
"""Fidelities whose bytes are not those Stream sent: such a body is not replayed (it would
arrive as exact bytes and fail its signature, a false alarm at the receiver)."""


class ReplayInterrupted(KeyboardInterrupt):
    """Ctrl-C during a replay: ``results`` holds a row for every delivery handled so far (the
    one being sent, if any, says it may have arrived); ``total`` is how many were selected."""

    def __init__(self, results: pd.DataFrame, total: int) -> None:
        super().__init__(f"replay interrupted after {len(results)} of {total} deliveries")
        self.results = results
        self.total = total


@dataclass(frozen=True)
class Selection:
    """Which deliveries to replay: event types (empty: all) and a received_at window."""

    types: tuple[str, ...] = ()
    since: pd.Timestamp | None = None
    until: pd.Timestamp | None = None

    def apply(self, deliveries: pd.DataFrame) -> pd.DataFrame:
        """The selected HTTP deliveries that still have a body, in order."""
        keep = (deliveries["transport"] == "http") & deliveries["body"].notna()
        if self.types:
            kinds = events_frame(deliveries)["event_type"].astype(str).to_numpy()
            keep &= pd.Series(kinds, index=deliveries.index).isin(self.types)
        if self.since is not None:
            keep &= deliveries["received_at"] >= self.since
        if self.until is not None:
            keep &= deliveries["received_at"] < self.until
        return deliveries[keep.fillna(False).to_numpy()]


def unsendable_header(headers: list[tuple[str, str]]) -> str | None:
    """Why these headers cannot go out on HTTP/1.1 (a name or value that is not Latin-1, or
    holds a line break), or None when they can."""
    for name, value in headers:
        for part, text in (("name", name), ("value", value)):
            try:
                text.encode("latin-1")
            except UnicodeEncodeError:
                return f"header {name!r}: its {part} is not Latin-1"
            if "\r" in text or "\n" in text:
                return f"header {name!r}: its {part} holds a line break"
    return None


def replay_headers(headers: Headers, body: bytes, resign: Secret | None) -> list[tuple[str, str]]:
    """The delivery's headers minus hop-by-hop ones, as ``(name, value)`` lines: a repeated
    header is sent as often as it arrived. A new X-Signature when re-signing."""
    out = [
        (name, value)
        for name, values in headers.items()
        if name not in HOP_BY_HOP and not (resign is not None and name == "x-signature")
        for value in ([values] if isinstance(values, str) else values)
    ]
    if resign is not None:
        out.append(("x-signature", sign(signed_bytes(body), resign)))
    return out


DRY_RUN = "dry run: not sent"
"""The ``error`` of a dry run's row that a real run would send."""


def not_as_delivered(fidelity: str) -> str | None:
    """Why a body of this fidelity is not replayed, or None when it is sent."""
    if fidelity not in NOT_AS_DELIVERED:
        return None
    return (
        f"not sent: the capture did not keep the bytes Stream sent (fidelity {fidelity}), so "
        "the receiver would see a false signature failure"
    )


def _size(body: bytes | None) -> int | None:
    return None if body is None else len(body)


def _not_http(body: bytes | None, transport: str) -> str:
    """Why a delivery that is not an HTTP request with its body is never sent."""
    if transport != "http":
        return f"not sent: delivered over {transport.upper()}, not HTTP (Stream does not POST it)"
    return "not sent: the capture kept no body"


def wire_body(headers: Headers, body: bytes) -> bytes:
    """The body as Stream sent it: a capture tool that inflated a gzip body (mitmproxy's HAR,
    fidelity ``decoded``) left ``Content-Encoding: gzip`` on plain bytes, which a receiver
    would fail to inflate; such a body is compressed again (the signature covers the
    uncompressed bytes, so it still holds)."""
    encoding = (joined(headers.get(CONTENT_ENCODING)) or "").strip().lower()
    if encoding in ("gzip", "x-gzip") and not body.startswith(GZIP_MAGIC):
        return gzip.compress(body, mtime=0)
    return body


def _request_headers(headers: list[tuple[str, str]]) -> HTTPHeaderDict:
    """What goes on the wire: the delivery's header lines (a repeated one each on its own
    line), and no header the HTTP client would add on its own."""
    out = HTTPHeaderDict()
    sent = {name.lower() for name, _ in headers}
    for name, value in NOT_ADDED.items():
        if name not in sent:
            out.add(name, value)
    for name, value in headers:
        out.add(name, value)
    return out


def replay(
    deliveries: pd.DataFrame,
    url: str,
    *,
    rate: float | None = None,
    resign: Secret | None = None,
    dry_run: bool = False,
    progress: bool | None = None,
    session: requests.Session | None = None,
    timeout: float = 10.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> pd.DataFrame:
    """POST each delivery to ``url``; one result row each (status, time, error).

    ``rate`` caps the deliveries sent per second. ``dry_run`` sends nothing and lists what
    would be sent. Redirects are not followed (the row names where one points); each request
    has ``timeout`` seconds for its whole answer. A delivery whose headers cannot be sent gets
    its reason in ``error``, and the others go on. Ctrl-C raises :class:`ReplayInterrupted`
    with the rows so far.
    """
    target = validate_url(url)
    kinds = events_frame(deliveries)["event_type"].astype(str).tolist() if len(deliveries) else []
    rows: list[dict[str, Any]] = []
    http = session or OutboundSession(timeout)
    if session is None:
        http.headers.clear()  # only the delivery's own headers: no requests defaults
    interval = 1.0 / rate if rate else 0.0
    next_at = clock()
    items: Iterable[tuple[Any, ...]] = zip(
        deliveries["source"],
        header_dicts(deliveries["headers"]),
        values(deliveries["body"]),
        deliveries["fidelity"].astype(str),
        deliveries["transport"].astype(str),
        kinds,
        strict=True,
    )
    sending: dict[str, Any] | None = None  # the row of the request on the wire
    try:
        with byte_bar(
            len(deliveries), progress, "replaying", unit="delivery", threshold=100
        ) as bar:
            for source, headers, body, fidelity, transport, kind in items:
                row = {"source": source, "event_type": kind, "bytes": _size(body)}
                if body is None or transport != "http":
                    error = _not_http(body, transport)
                    rows.append({**row, "status": None, "elapsed_ms": None, "error": error})
                    bar.update(1)
                    continue
                outgoing = replay_headers(headers, body, resign)
                problem = not_as_delivered(fidelity) or unsendable_header(outgoing)
                if dry_run:
                    error = problem or DRY_RUN
                    rows.append({**row, "status": None, "elapsed_ms": None, "error": error})
                    continue
                if problem is not None:
                    rows.append({**row, "status": None, "elapsed_ms": None, "error": problem})
                    bar.update(1)
                    continue
                wait = next_at - clock()
                if wait > 0:
                    sleep(wait)
                next_at = max(next_at, clock()) + interval
                started = time.perf_counter()
                sending = row
                try:
                    response = _post(http, target, wire_body(headers, body), outgoing, timeout)
                    row.update(status=response.status_code, error=redirect_note(response))
                except requests.RequestException as exc:
                    reason, fix = failure_reason(exc)
                    row.update(status=None, error=f"{reason}. {fix}")
                except (UnicodeError, ValueError) as exc:
                    row.update(status=None, error=type(exc).__name__)
                row["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 2)
                rows.append(row)
                sending = None
                bar.update(1)
    except KeyboardInterrupt:
        if sending is not None:
            rows.append({**sending, "status": None, "elapsed_ms": None, "error": IN_FLIGHT})
        raise ReplayInterrupted(_results(rows), len(deliveries)) from None
    return _results(rows)


def _post(
    http: requests.Session,
    url: str,
    body: bytes,
    headers: list[tuple[str, str]],
    timeout: float,
) -> requests.Response:
    """POST ``body`` with exactly these header lines (requests folds a repeated header into
    one, so the prepared request gets them back before it is sent); no redirect followed."""
    prepared = http.prepare_request(requests.Request("POST", url, data=body))
    prepared.headers = _request_headers(headers)  # type: ignore[assignment]
    prepared.headers["Content-Length"] = str(len(body))
    settings = http.merge_environment_settings(url, {}, None, None, None)
    return http.send(prepared, timeout=timeout, allow_redirects=False, **settings)


def _results(rows: list[dict[str, Any]]) -> pd.DataFrame:
    table = pd.DataFrame(
        rows, columns=["source", "event_type", "bytes", "status", "elapsed_ms", "error"]
    )
    return table.astype(
        {
            "status": "Int64",
            "bytes": "Int64",
            "source": "string",
            "event_type": "string",
            "error": "string",
        }
    )
