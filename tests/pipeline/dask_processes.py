"""A real Dask cluster for tests: ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1.

Workers start without any Stream secret in their environment: whatever they verify, they
verify with the keyring the client shares in memory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent
STARTUP_SECONDS = 120


@dataclass
class DaskCluster:
    """A running scheduler and its workers (each in its own process group)."""

    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: Path | None = None

    def stop(self) -> None:
        """Stop every process this cluster started (workers first)."""
        for process in [*self.workers, self.scheduler]:
            _stop(process)


def _clean_env() -> dict[str, str]:
    """This environment without any Stream secret or key."""
    return {k: v for k, v in os.environ.items() if not k.startswith("STREAM_")}


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def kill(process: subprocess.Popen[bytes]) -> None:
    """Kill a worker at once (SIGKILL: no goodbye to the scheduler)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextmanager
def dask_cluster(workdir: Path, workers: int = 2) -> Iterator[DaskCluster]:
    """Start ``dask scheduler`` and ``workers`` single-threaded ``dask worker`` processes."""
    workdir.mkdir(parents=True, exist_ok=True)
    scheduler_file = workdir / "scheduler.json"
    env = _clean_env()
    log = (workdir / "scheduler.log").open("wb")
    scheduler = subprocess.Popen(
        [
            str(BIN / "dask"),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=workdir,
        start_new_session=True,
    )
    cluster = DaskCluster("", scheduler, logs=workdir)
    try:
        cluster.address = _wait_for_address(scheduler_file, scheduler)
        for n in range(workers):
            cluster.workers.append(start_worker(cluster, workdir, f"worker-{n}"))
        _wait_for_workers(cluster.address, workers)
        yield cluster
    finally:
        cluster.stop()
        log.close()


def start_worker(cluster: DaskCluster, workdir: Path, name: str) -> subprocess.Popen[bytes]:
    """One ``dask worker`` process (no nanny: killing it loses it for good)."""
    log = (workdir / f"{name}.log").open("wb")
    try:
        return subprocess.Popen(
            [
                str(BIN / "dask"),
                "worker",
                cluster.address,
                "--name",
                name,
                "--nthreads",
                "1",
                "--nworkers",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
                "--local-directory",
                str(workdir / name),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_clean_env(),
            cwd=workdir,
            start_new_session=True,
        )
    finally:
        log.close()


def _wait_for_address(scheduler_file: Path, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dask scheduler exited with {process.returncode}")
        if scheduler_file.exists():
            try:
                return str(json.loads(scheduler_file.read_text())["address"])
            except (ValueError, KeyError):
                pass  # being written
        time.sleep(0.1)
    raise RuntimeError("dask scheduler did not start")


def _wait_for_workers(address: str, count: int) -> None:
    from distributed import Client

    with Client(address, timeout="60s") as client:
        client.wait_for_workers(count, timeout=STARTUP_SECONDS)
