"""Loading speed and memory: ``load_log`` vs a bare ``orjson.loads``-per-line loop, same file.

Run: ``.venv/bin/python benchmarks/bench_load.py`` (BENCH_DELIVERIES=200000 by default).
Targets (issue 2): load time <= 1.5x the loop; peak memory <= 2x the file size.

A second loop also keeps what any loader must keep (each header dict and the body as bytes)
and builds nothing else: the floor of a loader that returns Python objects.
"""

from __future__ import annotations

import orjson
from common import capture_log, peak_rss_of, timed

from streamhook_nb import load_log
from streamhook_nb.load.gc_pause import paused_gc


def orjson_loop(path: str) -> int:
    count = 0
    with open(path, "rb") as f:
        for line in f:
            orjson.loads(line)
            count += 1
    return count


def keeping_loop(path: str) -> int:
    kept = []
    with paused_gc(), open(path, "rb") as f:
        for line in f:
            record = orjson.loads(line)
            kept.append((record["headers"], record["body"].encode()))
    return len(kept)


def main() -> None:
    path = capture_log()
    size = path.stat().st_size
    loop = timed(lambda: orjson_loop(str(path)))
    keeping = timed(lambda: keeping_loop(str(path)))
    ours = timed(lambda: load_log(path, progress=False))
    rows = len(load_log(path, progress=False).deliveries)
    idle = peak_rss_of("import streamhook_nb, pandas")
    peak = peak_rss_of(
        f"from streamhook_nb import load_log; load_log({str(path)!r}, progress=False)"
    )
    print(f"file: {path.name}, {rows} deliveries, {size / 1e6:.0f} MB")
    print(f"orjson.loads loop : {loop:.2f} s")
    print(
        f"same loop keeping : {keeping:.2f} s  -> {keeping / loop:.2f}x (headers + body bytes only)"
    )
    print(f"load_log          : {ours:.2f} s  -> {ours / loop:.2f}x the loop (target <= 1.5x)")
    used = max(peak - idle, 0)
    print(f"(peak {peak / 1e6:.0f} MB, idle interpreter {idle / 1e6:.0f} MB)")
    print(
        f"peak memory       : {used / 1e6:.0f} MB above the idle interpreter "
        f"-> {used / size:.2f}x the file (target <= 2x)"
    )


if __name__ == "__main__":
    main()
