"""On a Dask cluster the secret travels once, in memory: never in a task key, a task's
arguments, a repr or a log line, and workers without it in their environment still verify."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask.config
import pytest
from dask_processes import dask_cluster
from distributed import Client
from test_cluster import BLOCKSIZE, write_shards

from streamhook_nb.pipeline.audit import audit
from streamhook_nb.pipeline.cluster_secrets import KeyringPlugin, share_keyring
from streamhook_nb.pipeline.verify_logs import verify_sources
from streamhook_nb.verify.secrets import Keyring, Secret

SECRET = "demo-secret-do-not-use-in-production"  # the demo secret the shards are signed with


def _recorder() -> Any:
    """A scheduler plugin (pickled by value) noting every task the scheduler runs."""
    from distributed.diagnostics.plugin import SchedulerPlugin

    class TaskRecorder(SchedulerPlugin):  # type: ignore[misc]
        name = "task-recorder"

        def __init__(self) -> None:
            self.seen: list[tuple[str, bytes, str]] = []

        async def start(self, scheduler: Any) -> None:
            self.scheduler = scheduler

        def transition(self, key: Any, start: str, finish: str, *args: Any, **kw: Any) -> None:
            if finish != "processing":
                return
            import cloudpickle

            task = self.scheduler.tasks[key]
            spec = task.run_spec
            self.seen.append((str(key), cloudpickle.dumps(spec), repr(spec) + task.prefix.name))

    return TaskRecorder()


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Run verify and audit on a fresh cluster; return what its scheduler and workers saw."""
    shards = write_shards(tmp_path_factory.mktemp("secret-logs") / "shards")
    ring = Keyring((Secret(SECRET, "STREAM_API_SECRET"),))
    with (
        dask_cluster(tmp_path_factory.mktemp("secret-cluster")) as cluster,
        Client(cluster.address) as client,
        dask.config.set({"streamhook.blocksize": BLOCKSIZE}),
    ):
        client.register_plugin(_recorder())
        report = verify_sources(shards, ring, client=client, details=True, tally=True)
        events = audit(shards, ring, client=client).events
        seen = client.run_on_scheduler(
            lambda dask_scheduler: dask_scheduler.plugins["task-recorder"].seen
        )
        logs = [message for _, message in client.get_scheduler_logs(n=10_000)]
        for worker_logs in client.get_worker_logs(n=10_000).values():
            logs += [message for _, message in worker_logs]
        yield {"report": report, "events": events, "seen": seen, "logs": logs, "dir": cluster.logs}


def test_workers_verify_without_the_secret_in_their_environment(
    recorded: dict[str, Any],
) -> None:
    assert recorded["report"].valid > 1000
    assert recorded["events"]["valid"].sum() == recorded["report"].valid


def test_no_task_key_or_argument_holds_the_secret(recorded: dict[str, Any]) -> None:
    seen = recorded["seen"]
    assert any("verify_part" in key for key, _, _ in seen)  # the recorder saw the run
    assert any("audit_part" in key for key, _, _ in seen)
    for key, pickled, shown in seen:
        assert SECRET not in key
        assert SECRET.encode() not in pickled
        assert SECRET not in shown


def test_no_log_line_holds_the_secret(recorded: dict[str, Any]) -> None:
    assert recorded["logs"]  # the logs were read
    assert not [line for line in recorded["logs"] if SECRET in line]
    for log in Path(recorded["dir"]).glob("*.log"):
        assert SECRET.encode() not in log.read_bytes()


def test_handle_and_plugin_reprs_hide_the_secret() -> None:
    ring = Keyring((Secret(SECRET, "STREAM_API_SECRET"),))
    ref = share_keyring(None, ring)
    plugin = KeyringPlugin(ref, ring)
    for shown in (repr(ref), str(ref), repr(plugin), ref.plugin_name):
        assert SECRET not in shown
    assert repr(plugin) == f"KeyringPlugin(streamhook-keyring-{ref.token}: 1 secrets)"


def test_a_worker_that_joins_later_receives_the_keyring(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from dask_processes import start_worker

    from streamhook_nb.pipeline import cluster_secrets

    ring = Keyring((Secret(SECRET, "STREAM_API_SECRET"),))
    workdir = tmp_path_factory.mktemp("joining")
    with dask_cluster(workdir, workers=1) as cluster, Client(cluster.address) as client:
        ref = share_keyring(client, ring)
        cluster.workers.append(start_worker(cluster, workdir, "late"))
        client.wait_for_workers(2, timeout=120)
        held = client.run(lambda: sorted(cluster_secrets._KEYRINGS))
        assert list(held.values()) == [[ref.token], [ref.token]]
