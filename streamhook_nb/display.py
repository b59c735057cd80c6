"""Rich HTML for notebooks: load results, verdicts, verify summaries and keyrings.

One place renders them all; the classes only add a ``_repr_html_`` that calls in here. It
imports nothing of the package (the shapes it reads are Protocols), so every stage may use it.
Nothing here ever shows a secret: a keyring is rendered by its labels.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import pandas as pd


class _Labelled(Protocol):
    label: str


class _KeyringLike(Protocol):
    """What is shown of a :class:`~streamhook_nb.verify.secrets.Keyring`: labels only."""

    @property
    def shared(self) -> tuple[_Labelled, ...]: ...
    @property
    def apps(self) -> Mapping[str, tuple[_Labelled, ...]]: ...
    @property
    def expected_api_key(self) -> str | None: ...


class _VerdictLike(Protocol):
    """What is shown of a :class:`~streamhook_nb.verify.verdict.Verdict`."""

    @property
    def valid(self) -> bool | None: ...
    @property
    def reason(self) -> Any: ...
    @property
    def matched_secret(self) -> str | None: ...
    @property
    def hint(self) -> str: ...


class _LoadResultLike(Protocol):
    """What is shown of a :class:`~streamhook_nb.load.loading.LoadResult`."""

    @property
    def deliveries(self) -> pd.DataFrame: ...
    @property
    def rejected(self) -> pd.DataFrame: ...
    @property
    def by_format(self) -> Mapping[str, int]: ...


GOOD = "var(--jp-success-color1, #2e7d32)"
BAD = "var(--jp-error-color1, #c62828)"
NEUTRAL = "var(--jp-ui-font-color2, #616161)"
"""Verdict colours: JupyterLab's own, which its dark theme lightens (dark green and red read
at a contrast of about 3 on its black); the fixed colour elsewhere (a report, GitHub)."""

BORDER = "var(--jp-border-color2, #ddd)"
"""Table rules: JupyterLab's, which its dark theme darkens (a fixed light grey glared on black)."""

_FRAME = (
    "border-collapse:collapse;margin:0.3em 0;font-size:var(--jp-ui-font-size1, 13px);"
    "text-align:left;table-layout:auto"
)
_STYLE = f"{_FRAME};max-width:60em"
_CELL = (
    f"border:1px solid {BORDER};padding:0.25em;text-align:left;vertical-align:top;line-height:1.35"
)
_HINT = "white-space:normal;overflow-wrap:anywhere;max-width:48em"
"""Long text wraps between words, and inside a word (a URL) only where it must; unlike
``break-word``, ``anywhere`` lets a table narrow to its column."""


def duration(value: pd.Timedelta | float | None) -> str:
    """A duration for people: ``876 ms``, ``3.2 s``, ``4 min 05 s``; ``-`` when unknown."""
    if value is None or (not isinstance(value, pd.Timedelta) and pd.isna(value)):
        return "-"
    seconds = value.total_seconds() if isinstance(value, pd.Timedelta) else float(value)
    if pd.isna(seconds):
        return "-"
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    if seconds < 1:
        return f"{sign}{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{sign}{seconds:.1f} s"
    if seconds < 3600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{sign}{minutes} min {rest:02d} s"
    hours, rest = divmod(round(seconds), 3600)
    return f"{sign}{hours} h {rest // 60:02d} min"


def _e(value: object) -> str:
    return html.escape(str(value))


def _rows(pairs: Iterable[tuple[str, str, str | None]]) -> str:
    """Table rows of (label, value html, colour or None)."""
    cells = []
    for label, value, color in pairs:
        style = f"{_CELL};color:{color};font-weight:600" if color else _CELL
        cells.append(
            f'<tr><th style="{_CELL}">{_e(label)}</th><td style="{style}">{value}</td></tr>'
        )
    return "".join(cells)


def _table(caption: str, rows: str) -> str:
    return (
        f'<table style="{_STYLE}"><caption style="text-align:left;font-weight:600;'
        f'padding-bottom:0.2em">{_e(caption)}</caption>{rows}</table>'
    )


def verdict_html(verdict: _VerdictLike) -> str:
    """One verdict: valid/invalid in colour, the reason, the matched secret's label, the hint."""
    valid = verdict.valid
    label, color = (
        ("unverifiable", NEUTRAL)
        if valid is None
        else ("valid", GOOD)
        if valid
        else ("invalid", BAD)
    )
    rows = [
        ("verdict", _e(label), color),
        ("reason", f"<code>{_e(verdict.reason.value)}</code>", None),
        ("matched secret", _e(verdict.matched_secret or "-"), None),
        ("what to do", f'<div style="{_HINT}">{_e(verdict.hint)}</div>', None),
    ]
    return _table("Verdict", _rows(rows))


def summary_html(summary: Mapping[str, Any]) -> str:
    """A verify summary: the counts (valid green, invalid and rejected red) and the reasons."""
    invalid, rejected = int(summary.get("invalid", 0)), int(summary.get("rejected", 0))
    rows = [
        ("deliveries", _e(summary.get("deliveries", 0)), None),
        ("valid", _e(summary.get("valid", 0)), GOOD),
        ("invalid", _e(invalid), BAD if invalid else GOOD),
        ("unverifiable", _e(summary.get("unverifiable", 0)), NEUTRAL),
        ("rejected records", _e(rejected), BAD if rejected else GOOD),
    ]
    reasons = summary.get("reasons") or {}
    reason_rows = "".join(
        f'<tr><td style="{_CELL}"><code>{_e(r)}</code></td>'
        f'<td style="{_CELL};color:{GOOD if r == "ok" else BAD if r not in _NEUTRAL else NEUTRAL}'
        f'">{_e(n)}</td></tr>'
        for r, n in reasons.items()
    )
    by_reason = _table("By reason", reason_rows) if reason_rows else ""
    return (
        '<div style="display:flex;gap:2em;flex-wrap:wrap;align-items:flex-start">'
        f"{_table('Verification', _rows(rows))}{by_reason}</div>"
    )


_NEUTRAL = {"unverifiable", "unsigned"}


def load_result_html(result: _LoadResultLike) -> str:
    """A load result: deliveries by format, and the rejected records with file, line and reason."""
    rejected = result.rejected
    rows: list[tuple[str, str, str | None]] = [("deliveries", _e(len(result.deliveries)), None)]
    rows += [(f"  {name}", _e(count), None) for name, count in result.by_format.items()]
    rows.append(("rejected records", _e(len(rejected)), BAD if len(rejected) else GOOD))
    parts = [_table("Loaded", _rows(rows))]
    if len(rejected):
        shown = rejected.head(20)
        items = "".join(
            f'<tr><td style="{_CELL}"><code>{_e(s)}</code></td>'
            f'<td style="{_CELL};{_HINT}">{_e(r)}</td></tr>'
            for s, r in zip(shown["source"], shown["reason"], strict=True)
        )
        more = len(rejected) - len(shown)
        note = f'<p style="color:{NEUTRAL}">… and {more} more: see <code>.rejected</code></p>'
        parts.append(_table("Rejected records", items) + (note if more else ""))
    return '<div style="display:flex;gap:2em;flex-wrap:wrap">' + "".join(parts) + "</div>"


def keyring_html(keyring: _KeyringLike) -> str:
    """Which secrets a keyring holds, by label only (never a value)."""
    rows: list[tuple[str, str, str | None]] = []
    if keyring.shared:
        rows.append(("every delivery", _labels(s.label for s in keyring.shared), None))
    for api_key, secrets in keyring.apps.items():
        rows.append((f"X-Api-Key {api_key}", _labels(s.label for s in secrets), None))
    caption = "Keyring (secret labels, newest first; values never shown)"
    if keyring.expected_api_key:
        caption += f"; app {keyring.expected_api_key}"
    return _table(caption, _rows(rows))


def _labels(labels: Iterable[str]) -> str:
    return ", ".join(_e(label) for label in labels)


def cell_text(value: object) -> str:
    """A cell for people: ``-`` for missing, durations in ms / s, times to the second in UTC."""
    if value is None or value is pd.NaT or (not isinstance(value, str | bytes) and _missing(value)):
        return "-"
    if isinstance(value, pd.Timedelta):
        return duration(value)
    if isinstance(value, pd.Timestamp):
        return (
            value.tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S UTC")
            if value.tzinfo
            else str(value)
        )
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return str(value)


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):  # lists, arrays: not a missing scalar
        return False


_SEPARATOR = re.compile(r"(?<=[/._:\-])(?=[^/._:\-])")
"""Where an identifier may break: after a run of ``/ . _ : -`` (``../``), not at its end."""
LONGEST_PIECE = 24
"""A piece of an identifier (between separators) longer than this (a 64-hex signature, a
base64 blob) may break anywhere; shorter ones never break inside."""


SHORT = 12
"""An identifier this short (``message.new``) never breaks: no wider than a column header."""


def breakable(text: str) -> str:
    """``text`` as HTML that may break only after its separators: a path after each ``/``, a
    webhook id after each ``-``, ``user.unread_message_reminder`` after ``.`` and ``_``.
    The breaks are ``<wbr>``: they add no character, so a copied value is the value, and a
    column with room shows it on one line."""
    if len(text) <= SHORT:
        return _e(text)
    return "<wbr>".join(_e(piece) for piece in _SEPARATOR.split(text))


def _longest_piece(texts: pd.Series) -> int:
    pieces = texts.str.split(_SEPARATOR).explode()
    return int(pieces.str.len().max()) if len(pieces) else 0


Cell = Callable[[str], str]


def _column(values: pd.Series, texts: pd.Series) -> tuple[str, Cell]:
    """How a column's cells wrap, and how a cell's text becomes HTML: sentences (hints) in a
    wide column, times after the date, lists (``message.new, message.updated``) between
    items, numbers never (right-aligned), identifiers (paths, webhook ids, event types, cids)
    only after their separators, so a table narrows to a 1024-pixel notebook's column without
    cutting or hiding a value, and shows each on one line where it has room."""
    widest = int(texts.str.len().max()) if len(texts) else 0
    if pd.api.types.is_datetime64_any_dtype(values):
        return f"{_CELL};white-space:normal", _time_cell  # date, then time in a narrow column
    if _is_number(values):
        return f"{_CELL};{_NUMBER}", _e
    if widest > 60:
        return f"{_CELL};{_HINT};min-width:7em", _e
    if texts.str.contains(", ", regex=False).any():
        return f"{_CELL};white-space:normal", _e
    if _longest_piece(texts) > LONGEST_PIECE:
        return f"{_CELL};white-space:normal;overflow-wrap:anywhere;min-width:7em", breakable
    return f"{_CELL};white-space:normal;overflow-wrap:normal", breakable


_NUMBER = "white-space:nowrap;text-align:right;font-variant-numeric:tabular-nums"


def _is_number(values: pd.Series) -> bool:
    """Counts, rates and durations: right-aligned, never broken (``171 ms``)."""
    if pd.api.types.is_bool_dtype(values):
        return False
    return pd.api.types.is_numeric_dtype(values) or pd.api.types.is_timedelta64_dtype(values)


def frame_html(frame: pd.DataFrame, *, max_rows: int = 200, max_width: str = "100%") -> str:
    """A frame as an HTML table whose long text (hints) wraps and shows whole, left-aligned,
    numbers right-aligned; durations in ms / s. Deterministic markup (no generated ids), so
    saved notebooks diff. ``max_width``: the table's CSS ``max-width``; by default as wide as
    its container, no wider (a hint cell keeps a reading width of its own, 48em). A narrower
    cap made the table break URLs inside a word while the notebook had room for them."""
    shown = frame.head(max_rows)
    texts = shown.map(cell_text)
    columns = range(shown.shape[1])  # by position: a frame may repeat a column's name
    kinds = [_column(shown.iloc[:, n], texts.iloc[:, n]) for n in columns]
    numbers = [_is_number(shown.iloc[:, n]) for n in columns]
    head = "".join(
        f'<th style="{_CELL};text-align:right">{_e(c)}</th>'
        if number
        else f'<th style="{_CELL}">{breakable(str(c))}</th>'
        for c, number in zip(shown.columns, numbers, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="{style}">{show(v)}</td>'
            for (style, show), v in zip(kinds, row, strict=True)
        )
        + "</tr>"
        for row in texts.itertuples(index=False, name=None)
    )
    style = f"{_FRAME};max-width:{max_width}"
    text = f'<table style="{style}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    if len(frame) > max_rows:
        text += f'<p style="color:{NEUTRAL}">first {max_rows} of {len(frame)} rows</p>'
    return text


def _time_cell(text: str) -> str:
    """A time (``2026-11-19 09:31:40 UTC``) that may break after its date, and nowhere else:
    a table of times fits a narrow notebook column instead of running past its edge."""
    date, _, rest = text.partition(" ")  # Chromium breaks "2026-11-19" after a hyphen
    if not rest:
        return _e(text)
    return f"{_nowrap(date)} {_nowrap(rest)}"


def _nowrap(text: str) -> str:
    return f'<span style="white-space:nowrap">{_e(text)}</span>'


class Summary(dict[str, Any]):
    """The verify summary: a plain dict (``summary["invalid"]``, JSON-ready) that notebooks
    show as a green/red table."""

    def _repr_html_(self) -> str:
        return summary_html(self)


NO_ROWS = "No rows."


class Table:
    """A frame shown whole in a notebook: long text wraps, left-aligned; durations in ms / s.
    A frame without rows shows ``empty``, a sentence, instead of a bare header. With
    ``index`` the frame is shown as pandas shows it, index and column levels included (a
    cross-tabulation), and only an empty one gives way to the sentence."""

    def __init__(
        self, frame: pd.DataFrame, max_rows: int = 200, empty: str = NO_ROWS, index: bool = False
    ) -> None:
        self.frame, self.max_rows, self.empty, self.index = frame, max_rows, empty, index

    def _repr_html_(self) -> str | None:
        if self.frame.empty:
            return f'<p style="color:{NEUTRAL}">{_e(self.empty)}</p>'
        if self.index:
            return str(self.frame._repr_html_())  # type: ignore[operator]
        return frame_html(self.frame, max_rows=self.max_rows)

    def __repr__(self) -> str:
        if self.frame.empty:
            return self.empty
        if self.index:
            return repr(self.frame)
        shown = self.frame.head(self.max_rows).map(cell_text)
        return str(shown.to_string(index=False))


def table(
    frame: pd.DataFrame, max_rows: int = 200, *, empty: str = NO_ROWS, index: bool = False
) -> Table:
    """Show ``frame`` with whole hints and readable durations (``shn.table(failures)``);
    ``empty`` is the sentence shown when it has no rows (``"No gap that long."``); ``index``
    shows it as pandas does, with its index (a cross-tabulation), the sentence aside."""
    return Table(frame, max_rows, empty, index)
