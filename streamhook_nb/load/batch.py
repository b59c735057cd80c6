"""Rows that readers produce, one delivery (captured HTTP request) at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from streamhook_nb.load.fidelity import Fidelity, Transport
from streamhook_nb.load.headers import (
    API_KEY,
    CONTENT_ENCODING,
    SIGNATURE,
    WEBHOOK_ATTEMPT,
    WEBHOOK_ID,
    Headers,
)
from streamhook_nb.load.timestamps import invalid_times


def picked_headers(
    headers: Headers,
) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    """The headers the frame has columns for (repeats joined by ``, ``), in row order."""
    values = (
        headers.get(SIGNATURE),
        headers.get(API_KEY),
        headers.get(WEBHOOK_ID),
        headers.get(WEBHOOK_ATTEMPT),
        headers.get(CONTENT_ENCODING),
    )
    return tuple(v if v is None or type(v) is str else ", ".join(v) for v in values)  # type: ignore[return-value]


class Row(NamedTuple):
    """One delivery as a reader produced it (the columns of the deliveries frame, in order)."""

    source: str
    transport: str
    received_at: str | None
    method: str | None
    path: str | None
    headers: Headers
    body: bytes | None
    fidelity: str
    remote_addr: str | None
    response_status: int | None
    signature: str | None
    api_key: str | None
    webhook_id: str | None
    attempt: str | None
    content_encoding: str | None


ROW_FIELDS = Row._fields
"""Names of a :class:`Row`'s fields, in order."""


@dataclass(frozen=True)
class Rejected:
    """A record that could not be loaded: where it is and why."""

    source: str
    reason: str


class DeliveryBatch:
    """Deliveries of one format, plus rejected records.

    A reader gives its deliveries either as :class:`Row` tuples (``rows``) or, read a block at
    a time, as one list per field (:meth:`of_columns`); each form is made from the other only
    when asked for, so a columnar block goes into the frame without a tuple per row.
    """

    def __init__(
        self,
        format: str,
        rows: list[Row] | None = None,
        rejected: list[Rejected] | None = None,
        skipped: int = 0,
    ) -> None:
        self.format = format
        self._rows: list[Row] = [] if rows is None else rows
        self._columns: dict[str, list[Any]] | None = None
        self.rejected: list[Rejected] = [] if rejected is None else rejected
        self.skipped = skipped
        """Requests read that are not deliveries (not a POST, another path): counted, not kept."""
        self.time_field = time_field(format)
        """The field of the records that holds a delivery's time (a rejection names it)."""

    @classmethod
    def of_columns(cls, format: str, columns: dict[str, list[Any]]) -> DeliveryBatch:
        """A batch of deliveries given as one list per field of :class:`Row`, in order."""
        batch = cls(format)
        batch._columns = columns
        return batch

    @property
    def rows(self) -> list[Row]:
        """The deliveries as :class:`Row` tuples (made from the columns on first use)."""
        if self._columns is not None:
            new_row = tuple.__new__
            self._rows = [
                new_row(Row, values) for values in zip(*self._columns.values(), strict=True)
            ]
            self._columns = None
        return self._rows

    @rows.setter
    def rows(self, rows: list[Row]) -> None:
        self._rows = rows
        self._columns = None

    @property
    def is_columnar(self) -> bool:
        """Whether the deliveries are held as columns (read a block at a time)."""
        return self._columns is not None

    def __len__(self) -> int:
        if self._columns is not None:
            return len(self._columns["source"])
        return len(self._rows)

    def __repr__(self) -> str:
        return (
            f"DeliveryBatch({self.format!r}, {len(self)} deliveries, "
            f"{len(self.rejected)} rejected, {self.skipped} skipped)"
        )

    def add(
        self,
        source: str,
        *,
        headers: Headers,
        body: bytes | None,
        fidelity: Fidelity = Fidelity.EXACT,
        transport: Transport = Transport.HTTP,
        received_at: str | None = None,
        method: str | None = "POST",
        path: str | None = None,
        remote_addr: str | None = None,
        response_status: int | None = None,
    ) -> None:
        """Append one delivery."""
        self.rows.append(
            Row(
                source,
                transport.value,
                received_at,
                method,
                path,
                headers,
                body,
                fidelity.value,
                remote_addr,
                response_status,
                *picked_headers(headers),
            )
        )

    def reject(self, source: str, reason: str) -> None:
        """Record a rejected record."""
        self.rejected.append(Rejected(source, reason))

    def columns(self) -> dict[str, list[Any]]:
        """One list per field (the rows transposed, unless the batch was read as columns)."""
        if self._columns is not None:
            return self._columns
        if not self._rows:
            return {name: [] for name in ROW_FIELDS}
        return {
            name: list(values)
            for name, values in zip(ROW_FIELDS, zip(*self._rows, strict=False), strict=True)
        }

    def extend(self, other: DeliveryBatch) -> None:
        """Append another batch of the same format: its deliveries, rejected and skipped."""
        if self._columns is None and other._columns is None:
            self._rows.extend(other._rows)
        else:
            columns, more = self.columns(), other.columns()
            for name, values in columns.items():
                values.extend(more[name])
            self._columns, self._rows = columns, []
        self.rejected.extend(other.rejected)
        self.skipped += other.skipped

    def cut(self, size: int) -> tuple[DeliveryBatch, DeliveryBatch]:
        """The first ``size`` deliveries and the rest, each with the rejected records that
        come before its next part in the file (the skipped count goes with the first)."""
        columns = self.columns()
        head = DeliveryBatch.of_columns(self.format, {n: v[:size] for n, v in columns.items()})
        rest = DeliveryBatch.of_columns(self.format, {n: v[size:] for n, v in columns.items()})
        head.skipped = self.skipped
        head.time_field = rest.time_field = self.time_field
        if not len(rest):
            head.rejected = self.rejected
            return head, rest
        boundary = source_order(columns["source"][size])
        for rejected in self.rejected:
            part = head if source_order(rejected.source) < boundary else rest
            part.rejected.append(rejected)
        return head, rest

    def split(self, size: int) -> list[DeliveryBatch]:
        """This batch as batches of at most ``size`` deliveries (rejected records stay in the
        first one)."""
        if len(self) <= size:
            return [self]
        columns = self.columns()
        parts = [
            DeliveryBatch.of_columns(
                self.format,
                {name: values[start : start + size] for name, values in columns.items()},
            )
            for start in range(0, len(self), size)
        ]
        parts[0].rejected, parts[0].skipped = self.rejected, self.skipped
        for part in parts:
            part.time_field = self.time_field
        return parts


def time_rejections(
    batch: DeliveryBatch | Sequence[Row], field: str = "received_at"
) -> tuple[list[int], list[Rejected]]:
    """Deliveries whose ``received_at`` is not a time, which loading rejects: indexes and
    reasons (naming the batch's :attr:`DeliveryBatch.time_field`, else ``field``)."""
    if isinstance(batch, DeliveryBatch):
        columns = batch.columns()
        times, sources = columns["received_at"], columns["source"]
        field = batch.time_field
    else:
        times, sources = [row.received_at for row in batch], [row.source for row in batch]
    bad = invalid_times(times)
    return bad, [Rejected(sources[i], bad_time_reason(times[i], field)) for i in bad]


def source_order(source: str) -> tuple[str, int]:
    """Sort key for ``file:line`` / ``file#entry`` that orders numbers numerically."""
    for separator in (":", "#"):
        name, sep, number = source.rpartition(separator)
        if sep and number.isdigit():
            return name, int(number)
    return source, 0


def shift_source(source: str, name: str, lines: int) -> str:
    """``name:line`` as line ``line + lines`` (a worker that read a range of ``name`` numbered
    its lines from the range's start); any other source as it is."""
    prefix = f"{name}:"
    number = source[len(prefix) :]
    if lines and source.startswith(prefix) and number.isdigit():
        return f"{prefix}{int(number) + lines}"
    return source


MAX_DIGITS = 18
"""Longest whole number a header may hold (any 18-digit number fits an Int64 column)."""


def whole_number(value: str | None) -> int | None:
    """A header value such as ``X-Webhook-Attempt`` as an int, or None when it is not one.

    Only ASCII digits count (``'²'.isdigit()`` is true, and ``int('٣')`` is 3), and at most
    :data:`MAX_DIGITS` of them, so any stored value loads and fits an ``Int64`` column.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS:
        return int(text)
    return None


def http_status(value: object) -> int | None:
    """A recorded ``response.status`` as an int, or None when it is not an HTTP status code
    (three digits, RFC 9110 section 15): a huge number must not break the Int64 column."""
    return value if type(value) is int and 100 <= value <= 999 else None


TIME_FIELDS = {"har": "startedDateTime", "ngrok": "start", "sns": "Timestamp"}
"""Where a format keeps a delivery's time, when not in a ``received_at`` field (an SQS
message's time is a number, always a time)."""


def time_field(format: str) -> str:
    """The field of ``format``'s records that holds a delivery's time, as a message names it."""
    return TIME_FIELDS.get(format, "received_at")


def bad_time_reason(value: object, field: str = "received_at") -> str:
    """The rejection reason for an unreadable time (``field``: where the record holds it)."""
    if isinstance(value, str) and _is_iso_time(value):
        return (
            f"field {field!r} is outside the times pandas can hold "
            f"(1677-09-21 to 2262-04-11 UTC): {value!r}"
        )
    return f"field {field!r} is not an ISO 8601 time: {value!r}"


def _is_iso_time(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True
