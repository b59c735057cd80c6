"""A worker killed in the middle of a cluster run does not change the result: its tasks (and
the results it held) are computed again on the other worker, and they are pure."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import orjson
from dask_processes import BIN, dask_cluster, kill
from distributed import Client
from test_cluster import cli_env, run_cli

from streamhook_nb.samples.webhooks import deliveries

SMALL_BLOCKS = "8kB"
"""Hundreds of partitions: the run is still going when the worker dies."""


UNFINISHED = lambda dask_scheduler: sum(  # noqa: E731 (a lambda is pickled by value)
    task.state != "memory" for task in dask_scheduler.tasks.values()
)


def test_killed_worker_does_not_change_the_result(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for day in range(3):
        records = [orjson.dumps(d.capture_record()) for d in deliveries(600, seed=10 + day)]
        records.insert(100 + day, b"{not json")
        (logs / f"day-{day}.jsonl").write_bytes(b"\n".join(records) + b"\n")
    expected = run_cli("verify", logs, "--json", "--details")
    assert expected.returncode == 1  # the damaged lines
    env = {**cli_env(), "DASK_STREAMHOOK__BLOCKSIZE": SMALL_BLOCKS}
    with dask_cluster(tmp_path / "cluster") as cluster, Client(cluster.address) as watcher:
        victim = cluster.workers[1]
        (victim_address,) = [
            address
            for address, info in watcher.scheduler_info(n_workers=-1)["workers"].items()
            if info["name"] == "worker-1"
        ]
        command = [BIN / "streamhook-nb", "verify", logs, "--json", "--details"]
        run = subprocess.Popen(
            [*command, "--scheduler", cluster.address],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        try:
            # Kill the victim once it holds a verified partition the run still needs (the
            # client gathers only when every partition is done): that result is lost.
            while True:
                assert run.poll() is None, "the run ended before a worker could be killed"
                held = watcher.has_what().get(victim_address, ())
                if any("verify_part" in str(key) for key in held) and watcher.run_on_scheduler(
                    UNFINISHED
                ):
                    break
                time.sleep(0.01)
            kill(victim)
            out, err = run.communicate(timeout=240)
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
        assert len(watcher.scheduler_info()["workers"]) == 1  # the victim is gone for good
    assert run.returncode == expected.returncode, err
    assert out == expected.stdout
    assert b"Traceback" not in err
