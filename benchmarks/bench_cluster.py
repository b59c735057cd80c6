"""Verifying sharded logs: the local CLI against a Dask cluster on this machine.

8 shards of 25k deliveries each (``BENCH_SHARDS``, ``BENCH_SHARD_DELIVERIES``), verified by
(a) ``streamhook-nb verify DIR --json`` (local: every core), and
(b) the same with ``--scheduler`` on a running ``dask scheduler`` with 2 single-threaded
    ``dask worker`` processes (cluster start-up not counted, as a cluster is already running);
then the scaling curve from 1 worker to one per core, where there are more than 2 cores.
Every run's output is checked against the local one. Best of ``BENCH_REPEAT`` (default 3).
Run: ``.venv/bin/python benchmarks/bench_cluster.py``. Target (issue 14): (b) <= 1.3x (a).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
from common import OUT

from streamhook_nb.samples.webhooks import DEMO_SECRET, deliveries

SHARDS = int(os.environ.get("BENCH_SHARDS", "8"))
PER_SHARD = int(os.environ.get("BENCH_SHARD_DELIVERIES", "25000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
BIN = Path(sys.executable).parent


def shard_directory() -> Path:
    """Write (once) ``SHARDS`` capture logs of ``PER_SHARD`` signed deliveries each."""
    root = OUT / f"shards-{SHARDS}x{PER_SHARD}"
    if not root.exists():
        OUT.mkdir(exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=OUT))
        for n in range(SHARDS):
            with (tmp / f"shard-{n:02d}.jsonl").open("wb") as out:
                for item in deliveries(PER_SHARD, seed=100 + n):
                    out.write(orjson.dumps(item.capture_record(), option=orjson.OPT_APPEND_NEWLINE))
        tmp.rename(root)
    return root


def _env() -> dict[str, str]:
    return {**os.environ, "STREAM_API_SECRET": DEMO_SECRET}  # the demo secret only


def verify(directory: Path, *options: str) -> tuple[float, bytes]:
    """Best wall time of the CLI, and its output."""
    best, output = float("inf"), b""
    for _ in range(REPEAT):
        start = time.perf_counter()
        done = subprocess.run(
            [str(BIN / "streamhook-nb"), "verify", str(directory), "--json", *options],
            capture_output=True,
            env=_env(),
            check=False,
        )
        best = min(best, time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise RuntimeError(done.stderr.decode())
        output = done.stdout
    return best, output


class Cluster:
    """``dask scheduler`` plus ``workers`` single-threaded ``dask worker`` processes."""

    def __init__(self, workers: int) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
        scheduler_file = self.workdir / "scheduler.json"
        self.processes = [
            self._start(
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(scheduler_file),
            )
        ]
        while not scheduler_file.exists():
            time.sleep(0.1)
        time.sleep(0.2)
        self.address = orjson.loads(scheduler_file.read_bytes())["address"]
        for n in range(workers):
            self.processes.append(
                self._start(
                    "worker",
                    self.address,
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                    "--name",
                    f"w{n}",
                    "--local-directory",
                    str(self.workdir / f"w{n}"),
                )
            )
        from distributed import Client

        with Client(self.address) as client:
            client.wait_for_workers(workers, timeout=120)

    def _start(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [str(BIN / "dask"), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.workdir,
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            process.wait(timeout=30)


def on_cluster(directory: Path, workers: int, expected: bytes) -> float:
    cluster = Cluster(workers)
    try:
        seconds, output = verify(directory, "--scheduler", cluster.address)
    finally:
        cluster.stop()
    if output != expected:
        raise RuntimeError(f"the {workers}-worker cluster's output differs from the local run")
    return seconds


def main() -> None:
    directory = shard_directory()
    size = sum(p.stat().st_size for p in directory.iterdir())
    cores = os.cpu_count() or 1
    print(f"{SHARDS} shards x {PER_SHARD} deliveries, {size / 1e6:.0f} MB, {cores} cores")
    local, expected = verify(directory)
    print(f"(a) local CLI (every core)        : {local:6.2f} s")
    two = on_cluster(directory, 2, expected)
    print(f"(b) --scheduler, 2 workers        : {two:6.2f} s")
    print(f"(b)/(a) = {two / local:.2f}x the local run (target <= 1.3x)")
    if cores > 2:
        print("scaling (workers: seconds, speed-up over 1 worker):")
        one = on_cluster(directory, 1, expected)
        for workers in range(1, cores + 1):
            seconds = one if workers == 1 else on_cluster(directory, workers, expected)
            print(f"  {workers:3d}: {seconds:6.2f} s  {one / seconds:4.2f}x")
    else:
        print("scaling curve skipped: this machine has 2 cores or fewer")


if __name__ == "__main__":
    main()
