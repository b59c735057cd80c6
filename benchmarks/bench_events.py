"""Audit speed: the events frame plus the type table, against verifying the same deliveries.

Both start from the same loaded deliveries frame (200k deliveries), in one run:
verify = ``verify_deliveries``; audit = ``events_frame`` + ``tables.by_type``.
Run: ``.venv/bin/python benchmarks/bench_events.py``. Target (issue 4): audit <= 0.5x verify.

Also timed: msgspec decoding just the needed fields of every body and keeping nothing, the
floor of any events frame built from payload JSON in this process; and the two commands on
the file, ``streamhook-nb events --json`` against ``streamhook-nb verify --json``.
"""

from __future__ import annotations

import sys

import msgspec
from common import capture_log, run_command, timed

from streamhook_nb import Keyring, Secret, events_frame, load_log, verify_deliveries
from streamhook_nb.events import tables
from streamhook_nb.events.frame import _Fields
from streamhook_nb.samples.webhooks import DEMO_SECRET


def main() -> None:
    path = capture_log()
    deliveries = load_log(path, progress=False).deliveries
    ring = Keyring((Secret(DEMO_SECRET, "DEMO"),))
    verified = verify_deliveries(deliveries, ring)
    verify = timed(lambda: verify_deliveries(deliveries, ring))
    audit = timed(lambda: tables.by_type(events_frame(verified)))
    bodies = verified["body"].tolist()
    decode = msgspec.json.Decoder(_Fields).decode
    floor = timed(lambda: [decode(body) for body in bodies])
    print(f"file: {path.name}, {len(deliveries)} deliveries")
    print(f"verify_deliveries          : {verify:.2f} s")
    print(f"decode fields only         : {floor:.2f} s -> {floor / verify:.2f}x verify (floor)")
    ratio = audit / verify
    print(f"events_frame + by_type     : {audit:.2f} s -> {ratio:.2f}x verify (target <= 0.5x)")
    cli = [sys.executable, "-m", "streamhook_nb"]
    verify_cli, _ = run_command([*cli, "verify", str(path), "--json"], 3)
    events_cli, _ = run_command([*cli, "events", str(path), "--json"], 3)
    print(f"streamhook-nb verify --json: {verify_cli:.2f} s")
    print(
        f"streamhook-nb events --json: {events_cli:.2f} s -> {events_cli / verify_cli:.2f}x verify"
    )


if __name__ == "__main__":
    main()
