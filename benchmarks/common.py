"""Shared benchmark plumbing: the 200k-delivery capture log, timing and peak memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from streamhook_nb.samples.webhooks import DEMO_SECRET, deliveries

OUT = Path(__file__).parent / "out"
DELIVERIES = int(os.environ.get("BENCH_DELIVERIES", "200000"))


def capture_log(count: int = DELIVERIES) -> Path:
    """Write (once) ``count`` realistic signed deliveries as capture JSON Lines."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"deliveries-{count}.jsonl"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as out:
            for item in deliveries(count, seed=1):
                out.write(orjson.dumps(item.capture_record(), option=orjson.OPT_APPEND_NEWLINE))
        tmp.rename(path)
    return path


def timed(function: Callable[[], object], repeat: int = 3) -> float:
    """Best wall time of ``repeat`` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def peak_rss_of(code: str) -> int:
    """Peak resident memory (bytes) of a fresh interpreter running ``code``."""
    # VmHWM, unlike ru_maxrss, is not inherited from the (big) parent across fork + exec.
    report = (
        "\nprint([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code + report], check=True, capture_output=True, text=True
    )
    return int(done.stdout.split()[-1]) * 1024


def run_command(command: list[str], repeat: int) -> tuple[float, int]:
    """Best wall time and the peak RSS (KiB) of the largest process, via GNU time."""
    best, peak = float("inf"), 0
    env = {**os.environ, "STREAM_API_SECRET": DEMO_SECRET}  # the demo secret only
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *command],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        best = min(best, time.perf_counter() - start)
        peak = max(peak, int(done.stderr.strip().splitlines()[-1]))
    return best, peak


def duckdb_types(body: Any) -> Any:
    """The peer of ``events_frame`` + ``by_type``: DuckDB's JSON extraction and group-by over
    the body column (the same Arrow buffer, no copy)."""
    import duckdb
    import pyarrow as pa

    deliveries = pa.table({"body": body})  # noqa: F841  (read by DuckDB by name)
    return duckdb.sql(
        "select json_extract_string(decode(body), '$.type') as event_type, count(*) "
        "from deliveries group by event_type"
    ).fetchall()
