"""A folder of one file per delivery (a tool, or a bucket, that keeps each request on its own).

Run: ``.venv/bin/python benchmarks/bench_many_files.py`` (BENCH_FILES=10000 by default).
The files are the first deliveries of the 200k corpus (``common.capture_log``), one a file.
Compared in the same run with polars reading the same files (``pl.read_ndjson`` of the list)
and with the floor: opening and reading every file, nothing parsed, in one process. No target
is set by an issue; the figures show what a file costs beyond reading it. Last, the lazy Dask
frames of ``streamhook_nb.dask`` on a LocalCluster (one worker per core), against
``load_log`` of the same folder (the cluster's start is not counted).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import polars as pl
from common import OUT, capture_log, run_command, timed

from streamhook_nb import load_log

FILES = int(os.environ.get("BENCH_FILES", "10000"))


def folder(count: int = FILES) -> Path:
    """Write (once) ``count`` files of one delivery each."""
    target = OUT / f"one-per-file-{count}"
    if not target.exists():
        tmp = target.with_name(target.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        with capture_log().open("rb") as log:
            for n in range(count):
                (tmp / f"delivery-{n:06d}.jsonl").write_bytes(log.readline())
        tmp.rename(target)
    return target


def read_every_file(paths: list[Path]) -> int:
    return sum(len(path.read_bytes()) for path in paths)


def main() -> None:
    where = folder()
    paths = sorted(where.iterdir())
    size = sum(path.stat().st_size for path in paths)
    print(f"{len(paths)} files, {size / 1e6:.1f} MB; {os.cpu_count()} cores; best of the runs")
    floor = timed(lambda: read_every_file(paths))
    polars = timed(lambda: pl.read_ndjson(paths), repeat=2)
    ours = timed(lambda: load_log(where, progress=False), repeat=2)
    print(f"  {'floor: open and read every file':<40} {floor:6.2f} s")
    print(f"  {'polars.read_ndjson(files)':<40} {polars:6.2f} s")
    print(
        f"  {'load_log(folder)':<40} {ours:6.2f} s  -> {ours / polars:.2f}x polars, "
        f"{ours / floor:.1f}x the floor"
    )
    cli = [sys.executable, "-m", "streamhook_nb"]
    for command in ("load", "verify", "events"):
        seconds, peak = run_command([*cli, command, str(where), "--json"], 2)
        print(
            f"  {'streamhook-nb ' + command + ' --json':<40} {seconds:6.2f} s  -> "
            f"{seconds / floor:.1f}x the floor; peak {peak / 1024:.0f} MB"
        )


def lazy_frames(where: Path, local: float) -> None:
    """``deliveries().compute()`` and ``events(...)`` counted by type, on a LocalCluster."""
    import streamhook_nb.dask as shd
    from streamhook_nb.samples.webhooks import DEMO_SECRET
    from streamhook_nb.verify.secrets import Keyring, Secret

    ring = Keyring((Secret(DEMO_SECRET, "demo"),))
    client = shd.connect()
    try:
        frame = shd.deliveries(where)
        seconds = timed(lambda: frame.compute(), repeat=2)
        print(
            f"  {'dask: deliveries(folder).compute()':<40} {seconds:6.2f} s  -> "
            f"{seconds / local:.2f}x load_log; {frame.npartitions} partitions"
        )
        events = shd.events(where, ring)
        by_type = timed(
            lambda: events.groupby("event_type", observed=True).size().compute(), repeat=2
        )
        print(f"  {'dask: events(folder) by type':<40} {by_type:6.2f} s")
    finally:
        shd.disconnect(client)


if __name__ == "__main__":
    main()
    lazy_frames(folder(), timed(lambda: load_log(folder(), progress=False), repeat=2))
