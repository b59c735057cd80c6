"""verify, events and report on a real Dask cluster give exactly what the local run gives.

A ``dask scheduler`` and two ``dask worker`` processes run on 127.0.0.1 for this module; the
sharded logs hold damaged lines in several byte ranges, a gzip shard, another app's deliveries
and a HAR export.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import cloudpickle
import dask.config
import orjson
import pandas as pd
import pytest
from dask_processes import BIN, DaskCluster, dask_cluster
from distributed import Client
from helpers import ROOT

import streamhook_nb.dask as lazy
from streamhook_nb.errors import SourceError, UsageError
from streamhook_nb.load.loading import load_log
from streamhook_nb.pipeline import cluster_parts, cluster_secrets
from streamhook_nb.pipeline.audit import audit
from streamhook_nb.pipeline.cluster import connect, verify_on_cluster
from streamhook_nb.pipeline.verify_logs import verify_sources
from streamhook_nb.samples.webhooks import DEMO_SECRET, damaged_log, deliveries
from streamhook_nb.verify.secrets import Keyring, Secret

BLOCKSIZE = "32kB"
"""Small ranges, so that the first shard is split in dozens of line-aligned byte ranges."""
DAMAGED_LINES = (5, 333, 702)
"""Lines of the first shard that are not capture records."""
BAD_RECORDS = (
    b'{"received_at": "2026-11-01T00:00:00Z", "method": "POST", "headers": {}',
    b'["not", "an", "object"]',
    b'{"received_at": "2026-11-01T00:00:01Z", "method": "POST", "headers": {}}',
)
RING = Keyring((Secret(DEMO_SECRET, "STREAM_API_SECRET"),))


def _jsonl(count: int, seed: int, **options: str) -> list[bytes]:
    return [orjson.dumps(d.capture_record()) for d in deliveries(count, seed=seed, **options)]


def write_shards(root: Path) -> Path:
    """Four shards: a split capture log with damaged lines, gzip, another app's, a HAR."""
    root.mkdir(parents=True)
    lines = _jsonl(800, seed=1)
    for line_number, bad in zip(DAMAGED_LINES, BAD_RECORDS, strict=True):
        lines.insert(line_number - 1, bad)
    (root / "2026-11-01.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    day_two = b"\n".join(_jsonl(300, seed=2)) + b"\n" + damaged_log()
    (root / "2026-11-02.jsonl.gz").write_bytes(gzip.compress(day_two, mtime=0))
    other = _jsonl(40, seed=3, secret="another-apps-secret")
    (root / "2026-11-03.jsonl").write_bytes(b"\n".join(other) + b"\n")
    shutil.copy(ROOT / "data/har/devtools-export.har", root / "2026-11-04.har")
    return root


def _unreadable_gzip(data: bytes) -> bytes:
    """A gzip file whose deflate data is corrupt from its start: not one byte can be read
    (one cut short keeps its lines before the cut, as a rejected record names the damage)."""
    damaged = bytearray(gzip.compress(data))
    damaged[12:40] = bytes(b ^ 0xFF for b in damaged[12:40])
    return bytes(damaged)


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_shards(tmp_path_factory.mktemp("logs") / "shards")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    with dask_cluster(tmp_path_factory.mktemp("cluster")) as running:
        yield running


@pytest.fixture
def client(cluster: DaskCluster) -> Iterator[Client]:
    connected = Client(cluster.address)
    with dask.config.set({"streamhook.blocksize": BLOCKSIZE}):
        yield connected
    lazy.disconnect(connected)  # also removes the keyrings lazy frames shared


def cli_env(*, secret: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAM_")}
    env["DASK_STREAMHOOK__BLOCKSIZE"] = BLOCKSIZE
    if secret:
        env["STREAM_API_SECRET"] = DEMO_SECRET  # the demo secret only
    return env


def run_cli(
    *args: str | Path, secret: bool = True, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(BIN / "streamhook-nb"), *map(str, args)],
        capture_output=True,
        env=cli_env(secret=secret),
        cwd=cwd,
        timeout=240,
        check=False,
    )


def test_the_first_shard_is_split_in_many_ranges(shards: Path) -> None:
    parts = cluster_parts.plan(shards, blocksize=BLOCKSIZE)
    ranges = [p for p in parts if p.end is not None]
    assert len(ranges) > 20
    split = {str(shards / "2026-11-01.jsonl"), str(shards / "2026-11-03.jsonl")}
    assert {p.source.name for p in ranges} == split  # uncompressed capture logs
    assert len(parts) == len(ranges) + 2  # gzip and HAR: whole files


@pytest.mark.parametrize(
    ("command", "secret"),
    [
        (["verify", "--json", "--details"], True),
        (["verify"], True),
        (["events", "--json"], True),
        (["events"], True),
        (["events", "--json"], False),
        (
            ["verify", "--json", "--details", "--secrets-file", ROOT / "data/demo-secrets.toml"],
            False,
        ),
    ],
    ids=[
        "verify-json-details",
        "verify-text",
        "events-json",
        "events-text",
        "events-no-secret",
        "verify-secrets-file",
    ],
)
def test_cluster_output_is_the_local_output_byte_for_byte(
    cluster: DaskCluster, shards: Path, command: list[str | Path], secret: bool
) -> None:
    local = run_cli(command[0], shards, *command[1:], secret=secret)
    assert local.stdout, local.stderr
    remote = run_cli(
        command[0], shards, *command[1:], "--scheduler", cluster.address, secret=secret
    )
    assert local.returncode == 1, local.stderr  # damaged lines and another app's deliveries
    assert remote.returncode == local.returncode, remote.stderr
    assert remote.stdout == local.stdout
    assert b"Traceback" not in remote.stderr


def test_rejected_records_name_their_line_in_every_byte_range(client: Client, shards: Path) -> None:
    report = verify_sources(shards, RING, client=client)
    first = str(shards / "2026-11-01.jsonl")
    assert [r.source for r in report.rejected if r.source.startswith(first + ":")] == [
        f"{first}:{n}" for n in DAMAGED_LINES
    ]
    assert report.rejected == verify_sources(shards, RING, workers=1).rejected
    assert report.deliveries == verify_sources(shards, RING, workers=1).deliveries


def test_details_in_input_order_match_the_local_run(client: Client, shards: Path) -> None:
    remote = verify_sources(shards, RING, client=client, details=True)
    local = verify_sources(shards, RING, details=True, workers=1)
    assert remote.as_json() == local.as_json()
    assert remote.details is not None
    assert [d["source"] for d in remote.details][:3] == [
        f"{shards / '2026-11-01.jsonl'}:{n}" for n in (1, 2, 3)
    ]


@pytest.mark.parametrize("ring", [RING, None], ids=["verified", "unverified"])
def test_audit_on_the_cluster_equals_the_local_audit(
    client: Client, shards: Path, ring: Keyring | None
) -> None:
    remote = audit(shards, ring, client=client)
    local = audit(shards, ring, keep_deliveries=False)
    pd.testing.assert_frame_equal(remote.events, local.events)
    pd.testing.assert_frame_equal(remote.loaded.rejected, local.loaded.rejected)
    assert remote.summary() == local.summary()
    assert remote.verified is (ring is not None)


def test_report_on_the_cluster_is_the_local_report(
    cluster: DaskCluster, shards: Path, tmp_path: Path
) -> None:
    local = run_cli("report", shards, "-o", tmp_path / "local.html")
    remote = run_cli(
        "report", shards, "-o", tmp_path / "remote.html", "--scheduler", cluster.address
    )
    assert remote.returncode == local.returncode == 1, remote.stderr

    def page(name: str) -> str:
        return re.sub(r" · made [^<]* UTC", "", (tmp_path / name).read_text())

    assert page("remote.html") == page("local.html")


def test_local_scheduler_starts_a_local_cluster(shards: Path) -> None:
    local = run_cli("verify", shards, "--json")
    remote = run_cli("verify", shards, "--json", "--scheduler", "local")
    assert remote.returncode == local.returncode == 1, remote.stderr
    assert remote.stdout == local.stdout


def test_strict_stops_at_the_first_rejected_record(cluster: DaskCluster, shards: Path) -> None:
    done = run_cli("verify", shards, "--strict", "--scheduler", cluster.address)
    assert done.returncode == 2
    assert f"{shards / '2026-11-01.jsonl'}:5".encode() in done.stderr
    assert b"Traceback" not in done.stderr


def test_unreadable_shard_names_the_file_exit_2(cluster: DaskCluster, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(_unreadable_gzip(b"\n".join(_jsonl(20, seed=4))))
    done = run_cli("verify", broken, "--scheduler", cluster.address)
    assert done.returncode == 2
    assert str(broken).encode() in done.stderr
    assert b"Traceback" not in done.stderr


def test_unreadable_file_is_no_crash_in_a_local_clusters_log(tmp_path: Path) -> None:
    """The workers of ``--scheduler local`` write to this terminal: a user error in a task
    must not show there as Dask's "Compute Failed" with a traceback."""
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(_unreadable_gzip(b"\n".join(_jsonl(20, seed=4))))
    for command in ("verify", "load"):
        done = run_cli(command, broken, "--json", "--scheduler", "local")
        assert done.returncode == 2
        assert done.stderr.decode().startswith(f"streamhook-nb {command}: error: {broken}:")
        assert b"Compute Failed" not in done.stderr
        assert b"Traceback" not in done.stderr


def test_unreadable_shard_raises_source_error_in_python(client: Client, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(_unreadable_gzip(b"\n".join(_jsonl(20, seed=4))))
    with pytest.raises(SourceError, match=r"broken\.jsonl\.gz"):
        verify_sources(broken, RING, client=client)


@pytest.mark.parametrize(
    "address", ["nonsense://nowhere", "tcp://127.0.0.1:9"], ids=["bad-scheme", "nobody-there"]
)
def test_bad_scheduler_address_is_a_usage_error(address: str, shards: Path) -> None:
    env = {**cli_env(), "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    done = subprocess.run(
        [str(BIN / "streamhook-nb"), "verify", str(shards), "--scheduler", address],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert f"cannot reach the Dask scheduler at {address}".encode() in done.stderr
    assert b"dask scheduler" in done.stderr  # the fix
    assert b"Traceback" not in done.stderr


def test_bad_blocksize_is_a_usage_error(shards: Path) -> None:
    with pytest.raises(UsageError, match="not a positive size"):
        cluster_parts.plan(shards, blocksize="-3 MB")


def test_progress_bar_over_partitions(
    client: Client, shards: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parts = cluster_parts.plan(shards, blocksize=BLOCKSIZE)
    verify_on_cluster(shards, RING, client, progress=True)
    shown = capsys.readouterr().err
    assert f"verifying:   0%|          | 0/{len(parts)}" in shown  # one step per partition
    assert "part/s" in shown


def test_workers_forget_the_keyring_after_a_run(client: Client, shards: Path) -> None:
    verify_sources(shards, RING, client=client)
    held = client.run(lambda: len(cluster_secrets._KEYRINGS))
    assert set(held.values()) == {0}
    plugins = client.run_on_scheduler(
        lambda dask_scheduler: [n for n in dask_scheduler.worker_plugins if "keyring" in n]
    )
    assert plugins == []


def test_connect_yields_a_given_client_unchanged(client: Client) -> None:
    with connect(client) as same:
        assert same is client
    assert client.status == "running"


def test_lazy_deliveries_are_the_loaded_deliveries(client: Client, shards: Path) -> None:
    frame = lazy.deliveries(shards)
    assert frame.npartitions == len(cluster_parts.plan(shards, blocksize=BLOCKSIZE))
    computed = frame.compute().reset_index(drop=True)
    pd.testing.assert_frame_equal(computed, load_log(shards).deliveries)
    assert isinstance(computed["body"].iloc[0], bytes)  # exact bytes, not strings


def test_lazy_events_audit_like_the_local_events(client: Client, shards: Path) -> None:
    local = audit(shards, RING).events
    frame = lazy.events(shards, RING)
    computed = frame.compute().reset_index(drop=True)
    pd.testing.assert_frame_equal(computed, local, check_categorical=False)
    sizes = frame.groupby("event_type", observed=True).size().compute()
    expected = local.groupby("event_type", observed=True).size()
    assert {str(k): int(n) for k, n in sizes.items()} == {
        str(k): int(n) for k, n in expected.items()
    }


def test_lazy_verdicts_and_rejected_match_verify(client: Client, shards: Path) -> None:
    report = verify_sources(shards, RING, workers=1)
    reasons = lazy.verdicts(shards, RING)["reason"].value_counts().compute()
    assert {k: v for k, v in reasons.items() if v} == dict(report.reasons)
    rejected = lazy.rejected(shards).compute().reset_index(drop=True)
    assert list(rejected["source"]) == [r.source for r in report.rejected]


def test_lazy_frames_without_a_client_compute_here(shards: Path) -> None:
    with dask.config.set({"streamhook.blocksize": BLOCKSIZE}):
        frame = lazy.events(shards, RING)
    local = audit(shards, RING).events
    assert int(frame["valid"].sum().compute()) == int(local["valid"].sum())


def test_lazy_graph_and_repr_hold_no_secret(client: Client, shards: Path) -> None:
    for frame in (lazy.verdicts(shards, RING), lazy.events(shards, RING)):
        graph = dict(frame.__dask_graph__())
        assert DEMO_SECRET.encode() not in cloudpickle.dumps(graph)
        assert all(DEMO_SECRET not in str(key) for key in graph)
        assert DEMO_SECRET not in repr(frame)


def test_empty_sources_give_empty_typed_frames(client: Client, tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_bytes(b"")
    frame = lazy.events(tmp_path, RING).compute()
    assert len(frame) == 0
    assert "valid" in frame.columns


def test_only_ranges_followed_by_their_file_are_counted(shards: Path) -> None:
    parts = cluster_parts.plan(shards, blocksize=BLOCKSIZE)
    needed = cluster_parts.needs_count(parts)
    last_of_each = {p.source.name: i for i, p in enumerate(parts)}
    for index, part in enumerate(parts):
        assert needed[index] is (part.end is not None and last_of_each[part.source.name] != index)
    assert not any(n for n, p in zip(needed, parts, strict=True) if p.end is None)


def test_a_small_capture_log_is_one_range_from_line_one(tmp_path: Path) -> None:
    (tmp_path / "small.jsonl").write_bytes(b"\n".join(_jsonl(3, seed=5)) + b"\n")
    (part,) = cluster_parts.plan(tmp_path)
    assert (part.start, part.end, part.first_line) == (
        0,
        (tmp_path / "small.jsonl").stat().st_size,
        1,
    )
    assert cluster_parts.needs_count([part]) == [False]


def test_scheduler_without_dask_installed_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import argparse
    import sys

    from streamhook_nb.cli.scheduler_option import client_for

    monkeypatch.setitem(sys.modules, "streamhook_nb.pipeline.cluster", None)  # import fails
    with (
        pytest.raises(UsageError, match=r"pip install 'streamhook-nb\[dask\]'"),
        client_for(argparse.Namespace(scheduler="local")),
    ):
        pass


def test_local_cluster_has_the_workers_asked_for() -> None:
    with connect("local", workers=1) as client:
        assert len(client.scheduler_info()["workers"]) == 1
        (address,) = client.scheduler_info()["workers"]
        assert address.startswith("tcp://127.0.0.1:")


def test_disconnect_removes_the_shared_keyrings(cluster: DaskCluster, shards: Path) -> None:
    client = lazy.connect(cluster.address)
    lazy.events(shards, RING)
    lazy.verdicts(shards, RING)
    names = {ref.plugin_name for ref in lazy._SHARED[id(client)]}
    assert len(names) == 2

    def registered(c: Client) -> set[str]:
        return set(c.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.worker_plugins)))

    assert names <= registered(client)
    lazy.disconnect(client)
    with Client(cluster.address) as watcher:
        assert not names & registered(watcher)
        held = watcher.run(lambda: len(cluster_secrets._KEYRINGS))
        assert set(held.values()) == {0}


def test_local_cluster_starts_when_port_8787_is_taken() -> None:
    import socket

    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8787))  # another Dask dashboard, say
        holder.listen()
    except OSError:
        pass  # already taken by someone else: the case this test is about
    try:
        with connect("local", workers=1) as client:  # a warning would fail the test
            assert client.status == "running"
    finally:
        holder.close()


@pytest.mark.parametrize(
    "options", [["--json"], [], ["--json", "--strict"]], ids=["json", "text", "strict"]
)
def test_load_on_the_cluster_is_the_local_load(
    cluster: DaskCluster, shards: Path, options: list[str]
) -> None:
    local = run_cli("load", shards, *options)
    remote = run_cli("load", shards, *options, "--scheduler", cluster.address)
    assert remote.returncode == local.returncode != 0, remote.stderr
    assert remote.stdout == local.stdout
    assert remote.stderr.replace(b"\r", b"") == local.stderr.replace(b"\r", b"")


def test_to_parquet_on_the_cluster_writes_what_the_local_run_writes(
    cluster: DaskCluster, shards: Path, tmp_path: Path
) -> None:
    local = run_cli("load", shards, "--json", "--to-parquet", tmp_path / "local.parquet")
    remote = run_cli(
        "load",
        shards,
        "--json",
        "--to-parquet",
        tmp_path / "remote.parquet",
        "--scheduler",
        cluster.address,
    )
    assert remote.returncode == local.returncode == 1, remote.stderr
    assert remote.stdout == local.stdout
    written = load_log(tmp_path / "remote.parquet").deliveries
    pd.testing.assert_frame_equal(written, load_log(tmp_path / "local.parquet").deliveries)
    pd.testing.assert_frame_equal(written, load_log(shards).deliveries)
    verified = run_cli("verify", tmp_path / "remote.parquet", "--json", "--details")
    assert (
        verified.stdout
        == run_cli("verify", tmp_path / "local.parquet", "--json", "--details").stdout
    )


def test_a_byte_order_mark_verifies_on_the_cluster_as_locally(
    client: Client, tmp_path: Path
) -> None:
    lines = [line + b"\n" for line in _jsonl(3, seed=6)]
    lines[0] = b"\xef\xbb\xbf" + lines[0]  # editors on Windows add one
    (tmp_path / "bom.jsonl").write_bytes(b"".join(lines))
    local = verify_sources(tmp_path, RING, workers=1)
    assert (local.deliveries, local.rejected) == (3, [])
    remote = verify_sources(tmp_path, RING, client=client)  # a range from byte 0
    assert (remote.deliveries, remote.rejected) == (3, [])


@pytest.fixture(scope="module")
def parquet_month(shards: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shards as one Parquet file of 12 row groups, written again by another tool, with
    two rows that are no delivery (in different row groups)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from streamhook_nb.load.parquet import to_parquet

    target = tmp_path_factory.mktemp("parquet") / "month.parquet"
    to_parquet(load_log(shards).deliveries, target)
    table = pq.read_table(target).replace_schema_metadata(None)
    fidelity = table.column("fidelity").cast(pa.string()).to_pylist()
    fidelity[150] = fidelity[1000] = "bogus"
    table = table.set_column(
        table.schema.get_field_index("fidelity"), "fidelity", pa.array(fidelity, pa.string())
    )
    pq.write_table(table, target, row_group_size=100)
    assert pq.ParquetFile(target).num_row_groups == 12
    return target


def test_a_parquet_file_is_shared_out_by_row_groups(client: Client, parquet_month: Path) -> None:
    parts = cluster_parts.plan(parquet_month, blocksize=BLOCKSIZE)
    groups = [g for part in parts for g in part.row_groups or ()]
    assert len(parts) > 2
    assert groups == list(range(12))  # every group once, in order
    local = verify_sources(parquet_month, RING, workers=1, details=True, tally=True)
    remote = verify_on_cluster(parquet_month, RING, client, details=True, tally=True)
    assert remote.as_json() == local.as_json()
    assert remote.details == local.details
    assert [r.source for r in remote.rejected] == [
        f"{parquet_month}#151",
        f"{parquet_month}#1001",
    ]
    frame = lazy.deliveries(parquet_month)
    assert frame.npartitions == len(parts)
    computed = frame.compute().reset_index(drop=True)
    pd.testing.assert_frame_equal(computed, load_log(parquet_month).deliveries)
    rejected = lazy.rejected(parquet_month).compute().reset_index(drop=True)
    assert list(rejected["source"]) == [r.source for r in local.rejected]


def test_load_of_a_parquet_file_on_the_cluster_is_the_local_load(
    cluster: DaskCluster, parquet_month: Path
) -> None:
    local = run_cli("load", parquet_month, "--json")
    remote = run_cli("load", parquet_month, "--json", "--scheduler", cluster.address)
    assert remote.returncode == local.returncode == 1, remote.stderr
    assert remote.stdout == local.stdout


def test_small_files_go_several_to_a_task_with_the_same_report(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder of one file per delivery was a task per file (10k files: 45 s on a local
    cluster, now 7 s); gathered, each file still gets its own result, in order."""
    from small_files import folder_of_small_files, record_gathered

    folder = folder_of_small_files(tmp_path / "hooks")
    sizes = record_gathered(monkeypatch)
    keyring = Keyring((Secret(DEMO_SECRET, "demo"),))
    remote = verify_on_cluster(folder, keyring, client, details=True, tally=True)
    local = verify_sources(folder, keyring, workers=1, details=True, tally=True)
    assert max(sizes) > 10
    assert sum(sizes) == len(cluster_parts.plan(folder, blocksize=BLOCKSIZE))
    assert remote.as_json() == local.as_json()
    assert remote.tally is not None
    assert local.tally is not None
    assert remote.tally.as_json() == local.tally.as_json()


def test_lazy_frames_put_small_files_several_to_a_partition(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A partition per file made a folder of one file per delivery thousands of partitions
    (10k files: 51 s for ``deliveries().compute()`` on a local cluster, now 0.7 s); the rows,
    rejected records and events are the same as a local load's."""
    from small_files import folder_of_small_files

    folder = folder_of_small_files(tmp_path / "hooks")
    keyring = Keyring((Secret(DEMO_SECRET, "demo"),))
    files = len(lazy.partitions(folder))
    frame = lazy.deliveries(folder)
    assert frame.npartitions < files / 10
    local = load_log(folder, progress=False)
    pd.testing.assert_frame_equal(frame.compute().reset_index(drop=True), local.deliveries)
    rejected = lazy.rejected(folder).compute().reset_index(drop=True)
    pd.testing.assert_frame_equal(rejected, local.rejected)
    events = lazy.events(folder, keyring).compute().reset_index(drop=True)
    expected = audit(folder, keyring).events
    assert events["source"].tolist() == expected["source"].tolist()
    assert events["event_type"].astype(str).tolist() == expected["event_type"].astype(str).tolist()
    assert events["reason"].tolist() == expected["reason"].tolist()


def test_load_to_jsonl_on_a_cluster_gathers_small_files_with_the_same_output(
    cluster: DaskCluster, tmp_path: Path
) -> None:
    from small_files import folder_of_small_files

    folder = folder_of_small_files(tmp_path / "hooks")
    local = run_cli("load", folder, "--to-jsonl", tmp_path / "local.jsonl")
    remote = run_cli(
        "load", folder, "--to-jsonl", tmp_path / "remote.jsonl", "--scheduler", cluster.address
    )
    assert remote.returncode == local.returncode == 1, remote.stderr
    assert remote.stderr.replace(b"remote.jsonl", b"local.jsonl") == local.stderr
    assert (tmp_path / "remote.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()


def test_loading_on_a_cluster_gathers_small_files_one_result_per_file(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from small_files import folder_of_small_files, record_gathered

    from streamhook_nb.pipeline.cluster_load import iter_load_on_cluster

    folder = folder_of_small_files(tmp_path / "hooks")
    sizes = record_gathered(monkeypatch)
    results = list(iter_load_on_cluster(folder, client))
    assert max(sizes) > 10
    assert len(results) == sum(sizes) == len(lazy.partitions(folder))
    local = load_log(folder, progress=False)
    loaded = pd.concat([r.deliveries for r in results], ignore_index=True)
    pd.testing.assert_frame_equal(loaded, local.deliveries)
    rejected = pd.concat([r.rejected for r in results], ignore_index=True)
    assert rejected["source"].tolist() == local.rejected["source"].tolist()
