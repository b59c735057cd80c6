"""Audit speed: the events frame plus the type table, and ``events --json`` against ``verify``.

Run: ``.venv/bin/python benchmarks/bench_events.py`` (200k deliveries, ``BENCH_DELIVERIES``).
Targets (issue 13), each ratio timed in one run:

- ``events_frame`` + ``tables.by_type`` on a verified frame <= 2x DuckDB's
  ``json_extract_string(decode(body), '$.type')`` + group-by over the same Arrow body column.
  Timed on every core (a script forks) and on one (a Jupyter kernel, which does not fork).
- ``streamhook-nb events --json`` <= 1.15x ``streamhook-nb verify --json``, <= 64 MB.

Also printed: msgspec decoding the event fields of every body and keeping nothing (the floor
of any events frame built from the payload JSON in one process), and ``verify_deliveries``
on the same frame for context.
"""

from __future__ import annotations

import os
import sys

import msgspec
import pyarrow as pa
from common import capture_log, duckdb_types, run_command, timed

from streamhook_nb import Keyring, Secret, events_frame, load_log, verify_deliveries
from streamhook_nb.events import tables
from streamhook_nb.events.fields import _Fields
from streamhook_nb.load.deliveries import values
from streamhook_nb.samples.webhooks import DEMO_SECRET


def line(name: str, seconds: float, note: str = "") -> None:
    print(f"  {name:<40} {seconds:6.2f} s  {note}")


def main() -> None:
    path = capture_log()
    ring = Keyring((Secret(DEMO_SECRET, "DEMO"),))
    deliveries = load_log(path, progress=False).deliveries
    verified = verify_deliveries(deliveries, ring)
    print(f"{path.name}: {len(deliveries)} deliveries, {os.cpu_count()} cores, best of 3")
    body = pa.array(verified["body"].array)
    duck = timed(lambda: duckdb_types(body))
    line("DuckDB json_extract_string + group-by", duck, "(baseline)")
    for name, workers in (("events_frame + by_type", None), ("  the same on one core", 1)):
        audit = timed(lambda w=workers: tables.by_type(events_frame(verified, workers=w)))
        line(name, audit, f"-> {audit / duck:.2f}x DuckDB (target <= 2x)")
    bodies = values(verified["body"])
    decode = msgspec.json.Decoder(_Fields).decode
    floor = timed(lambda: [decode(b) for b in bodies])
    line("  floor: msgspec decode of the fields", floor, f"-> {floor / duck:.2f}x (one core)")
    line("verify_deliveries (context)", timed(lambda: verify_deliveries(deliveries, ring)))

    cli = [sys.executable, "-m", "streamhook_nb"]
    verify_cli, verify_peak = run_command([*cli, "verify", str(path), "--json"], 3)
    events_cli, events_peak = run_command([*cli, "events", str(path), "--json"], 3)
    line("streamhook-nb verify --json", verify_cli, f"peak {verify_peak / 1024:.0f} MB")
    line(
        "streamhook-nb events --json",
        events_cli,
        f"-> {events_cli / verify_cli:.2f}x verify (target <= 1.15x); "
        f"peak {events_peak / 1024:.0f} MB (target <= 64 MB)",
    )


if __name__ == "__main__":
    main()
