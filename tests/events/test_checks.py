"""A notebook pointed at a log with nothing to tabulate stops with one sentence naming the log."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from streamhook_nb import SourceError, UsageError, audit, load_log
from streamhook_nb.events.checks import require_deliveries, require_window


def _reason(log: Path) -> str:
    loaded = load_log(log)
    with pytest.raises(SourceError) as raised:
        require_deliveries(loaded.deliveries, loaded, log)
    return str(raised.value)


def test_an_empty_log_is_said_to_be_empty(write_file: Callable[[str, bytes], Path]) -> None:
    log = write_file("empty.jsonl", b"")
    assert _reason(log) == (
        f"{log}: holds no delivery (it is empty). Point LOG at a log of webhook deliveries "
        "(docs/formats.md lists the formats)"
    )


def test_a_log_of_rejected_records_names_the_first_one(
    write_file: Callable[[str, bytes], Path],
) -> None:
    log = write_file(
        "bad.jsonl",
        b'{"method": "POST", "headers": {}}\n{"method": "POST", "headers": {}}\n',
    )
    said = _reason(log)
    first = f"(the first: {log}:1:"
    assert said.startswith(f"{log}: holds no delivery, only 2 rejected records {first}")
    assert "shn.load_log(LOG).rejected lists every rejected record" in said


def test_a_browser_export_of_page_loads_says_they_are_not_deliveries(
    write_file: Callable[[str, bytes], Path],
) -> None:
    entry = {
        "startedDateTime": "2026-11-26T10:00:00.000Z",
        "time": 1,
        "request": {
            "method": "GET",
            "url": "https://hooks.example.com/",
            "httpVersion": "HTTP/1.1",
            "headers": [],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": 200,
            "statusText": "OK",
            "httpVersion": "HTTP/1.1",
            "headers": [],
            "cookies": [],
            "content": {"size": 0, "mimeType": "text/html"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": 0,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 1, "receive": 0},
    }
    har = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [entry]}}
    log = write_file("pages.har", json.dumps(har).encode())
    assert "holds no delivery: its 1 request(s) are not webhook POSTs" in _reason(log)


def test_a_log_with_deliveries_passes(tour_dir: Path) -> None:
    result = audit(tour_dir / "ngrok", None)
    require_deliveries(result.events, result.loaded, tour_dir / "ngrok")


def test_several_sources_are_named_as_given(write_file: Callable[[str, bytes], Path]) -> None:
    logs = [write_file(f"{n}.jsonl", b"") for n in range(5)]
    loaded = load_log(logs)
    with pytest.raises(SourceError, match=rf"^{logs[0]}: holds no delivery"):
        require_deliveries(loaded.deliveries, loaded, logs[:1], "SAMPLES")
    with pytest.raises(SourceError) as raised:
        require_deliveries(loaded.deliveries, loaded, logs, "SAMPLES")
    assert f"{logs[2]} (and 2 more): holds no delivery" in str(raised.value)
    assert "Point SAMPLES at" in str(raised.value)


def test_a_window_that_misses_the_log_says_when_the_log_is(tour_dir: Path) -> None:
    events = audit(tour_dir / "ngrok", None).events
    none = events.iloc[:0]
    with pytest.raises(UsageError) as raised:
        require_window(events, none, "2020-01-01", "2020-01-02")
    assert str(raised.value) == (
        "no delivery was received between START='2020-01-01' and END='2020-01-02': the log's "
        "deliveries were received from 2026-11-26 00:04 to 2026-11-26 00:06 UTC. Widen START "
        "and END, or set both to None"
    )
    require_window(events, events, None, None)
    require_window(none, none, "2020-01-01", None)  # an empty log is require_deliveries' case


def test_a_lazy_count_of_nothing_stops_too(write_file: Callable[[str, bytes], Path]) -> None:
    """Notebook 06 on an empty log drew a page of empty tables from its cluster's counts."""
    log = write_file("empty.jsonl", b"")
    with pytest.raises(SourceError) as raised:
        require_deliveries(pd.Series([], dtype="int64"), None, log)
    assert str(raised.value) == (
        f"{log}: holds no delivery. shn.load_log(LOG) says why (its rejected records, if any), "
        "or point LOG at a log of webhook deliveries (docs/formats.md lists the formats)"
    )
    require_deliveries(pd.Series([3]), None, log)
