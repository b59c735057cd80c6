"""Verification speed on the 200k-delivery capture log, three ways, in one run.

(a) what a user would write by hand: ``json.loads`` per line, the official SDK's
    ``StreamChat.verify_webhook``, then ``pd.json_normalize`` of the payloads;
(b) the floor: an ``orjson`` loop with ``hmac.digest`` and nothing else;
(c) ``streamhook-nb verify FILE --json``.
Each runs as its own command (interpreter start included), best of 3 ((a) once).
Run: ``.venv/bin/python benchmarks/bench_verify.py``.
Targets (issue 3): (c) at least 8x faster than (a), at most 1.2x (b); memory <= 2x the file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from common import capture_log, run_command

from streamhook_nb.samples.webhooks import DEMO_SECRET

BIN = Path(sys.executable).parent
BY_HAND = """
import json, sys
import pandas as pd
from stream_chat import StreamChat
client = StreamChat(api_key="demo_api_key", api_secret=sys.argv[2])
payloads, valid = [], 0
with open(sys.argv[1], encoding="utf-8") as log:
    for line in log:
        record = json.loads(line)
        body = record["body"].encode()
        valid += client.verify_webhook(body, record["headers"]["x-signature"])
        payloads.append(json.loads(body))
table = pd.json_normalize(payloads)
print(valid, table.shape)
"""
FLOOR = """
import hmac, sys
import orjson
key = sys.argv[2].encode()
valid = 0
with open(sys.argv[1], "rb") as log:
    for line in log:
        record = orjson.loads(line)
        digest = hmac.digest(key, record["body"].encode(), "sha256").hex()
        valid += hmac.compare_digest(digest, record["headers"]["x-signature"])
print(valid)
"""


def main() -> None:
    path = capture_log()
    size = path.stat().st_size
    by_hand = run_command([sys.executable, "-c", BY_HAND, str(path), DEMO_SECRET], 1)
    floor = run_command([sys.executable, "-c", FLOOR, str(path), DEMO_SECRET], 3)
    ours = run_command([str(BIN / "streamhook-nb"), "verify", str(path), "--json"], 3)
    print(f"file: {path.name}, {size / 1e6:.0f} MB, {os.cpu_count()} cores")
    print(f"(a) by hand (json + SDK + json_normalize): {by_hand[0]:6.2f} s")
    print(f"(b) floor (orjson + hmac.digest)         : {floor[0]:6.2f} s")
    print(f"(c) streamhook-nb verify --json          : {ours[0]:6.2f} s")
    print(f"(a)/(c) = {by_hand[0] / ours[0]:.1f}x faster than by hand (target >= 8x)")
    print(f"(c)/(b) = {ours[0] / floor[0]:.2f}x the floor (target <= 1.2x)")
    print(
        f"peak memory of (c), largest process: {ours[1] / 1024:.0f} MB "
        f"= {ours[1] * 1024 / size:.2f}x the file (target <= 2x)"
    )


if __name__ == "__main__":
    main()
