"""mitmproxy's own flow files, as ``mitmdump -w`` writes them.

The files in ``mitmproxy_files/`` were written by mitmproxy 11.0.2 (flow format 21), the real
``mitmdump`` as a reverse proxy in front of an aiohttp receiver (``make_flows.py`` there says
how, and what each holds); ``mitmproxy-10.4.2.mitm`` (flow format 20) and
``mitmproxy-9.0.1.mitm`` (flow format 18, the client's address still ``address``) hold the
same requests as ``deliveries.mitm``, written by those versions. Other flow states (older or
newer versions, damaged flows) are written here with ``tnetstrings.dumps``, which writes what
mitmproxy's ``tnetstring.dumps`` does.
"""

from __future__ import annotations

import gzip
import os
import random
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
from helpers import DATA, run_cli
from tnetstrings import dumps, flow_state

from streamhook_nb import RecordError, inventory, iter_load, load_log, verify_deliveries
from streamhook_nb.load.detect import FORMATS, HEAD_BYTES, sniff
from streamhook_nb.load.readers.tnetstring import decode, next_frame
from streamhook_nb.samples.webhooks import DEMO_SECRET
from streamhook_nb.verify.secrets import Keyring, Secret

FILES = Path(__file__).parent / "mitmproxy_files"
RING = Keyring((Secret(DEMO_SECRET, "demo"),))
ENV = {**os.environ, "STREAM_API_SECRET": DEMO_SECRET}


def reasons(result: Any) -> dict[str, int]:
    return dict(Counter(verify_deliveries(result.deliveries, RING)["reason"].astype(str)))


def numbers(frame: pd.DataFrame) -> list[str]:
    return [source.rsplit("#", 1)[1] for source in frame["source"]]


def states(path: Path) -> list[dict[str, Any]]:
    """The flow states of a file, decoded by our own reader."""
    found = []
    with path.open("rb") as stream:
        while (frame := next_frame(stream, 1 << 30)) is not None:
            found.append(decode(frame))
    return found


def test_format_is_appended_so_stored_codes_stay() -> None:
    assert FORMATS[-1] == "mitmproxy"
    assert FORMATS.index("aws-lambda") == 8


@pytest.mark.parametrize(
    ("name", "version"),
    [("deliveries.mitm", 21), ("mitmproxy-10.4.2.mitm", 20), ("mitmproxy-9.0.1.mitm", 18)],
)
def test_mitmdump_deliveries_load_byte_for_byte(name: str, version: int) -> None:
    result = load_log(FILES / name)
    frame = result.deliveries
    # 1 POST, 2 gzip POST, 3 GET /, 4 favicon, 5 not UTF-8, 6 chunked, 7 HTTP/2, 8 WebSocket
    assert numbers(frame) == ["1", "2", "5", "6", "7"]
    assert result.skipped == 3
    assert list(result.rejected["source"]) == []
    assert reasons(result) == {"ok": 5}
    assert list(frame["format"].astype(str)) == ["mitmproxy"] * 5
    assert list(frame["fidelity"].astype(str)) == ["exact"] * 5
    assert list(frame["method"]) == ["POST"] * 5
    assert frame["path"].iloc[2] == "/webhooks/stream?tenant=a"
    assert frame["content_encoding"].iloc[1] == "gzip"
    assert frame["body"].iloc[1].startswith(b"\x1f\x8b")  # still compressed, as received
    assert b"caf\xe9 \xff" in frame["body"].iloc[2]  # not UTF-8: the bytes as they came
    assert list(frame["response_status"]) == [200] * 5
    assert all(address.startswith("127.0.0.1:") for address in frame["remote_addr"])
    first = states(FILES / name)[0]
    assert first["version"] == version
    started = pd.Timestamp(first["request"]["timestamp_start"], unit="s", tz="UTC")
    assert abs(frame["received_at"].iloc[0] - started) < pd.Timedelta(microseconds=1)
    assert str(frame["received_at"].dtype).endswith("UTC]")
    assert frame["body"].iloc[0] == first["request"]["content"]


def test_a_streamed_body_is_missing_so_unverifiable() -> None:
    """``stream_large_bodies``: mitmproxy forwards the body without keeping it (None)."""
    result = load_log(FILES / "streamed.mitm")
    assert list(result.deliveries["fidelity"].astype(str)) == ["exact", "missing"]
    assert reasons(result) == {"ok": 1, "unverifiable": 1}
    assert result.deliveries["signature"].iloc[1] is not None


def test_an_edited_flow_is_read_as_received_from_its_backup(tmp_path: Path) -> None:
    result = load_log(FILES / "edited.mitm")
    assert reasons(result) == {"ok": 2}
    assert b'"member.removed"' in result.deliveries["body"].iloc[0]
    # without the backup, the edited body is what is left: it no longer matches
    flows = states(FILES / "edited.mitm")
    assert b'"MEMBER.removed"' in flows[0]["request"]["content"]
    flows[0]["backup"] = None
    path = tmp_path / "edited.mitm"
    path.write_bytes(b"".join(dumps(dict(reversed(flow.items()))) for flow in flows))
    assert reasons(load_log(path)) == {"signature_mismatch": 1, "ok": 1}


def test_replays_and_tcp_flows_are_skipped_not_deliveries() -> None:
    replayed = load_log(FILES / "replayed.mitm")  # mitmdump -C: mitmproxy sent them itself
    assert (len(replayed.deliveries), len(replayed.rejected), replayed.skipped) == (0, 0, 2)
    assert {flow["is_replay"] for flow in states(FILES / "replayed.mitm")} == {"request"}
    tcp = load_log(FILES / "tcp.mitm")
    assert (len(tcp.deliveries), len(tcp.rejected), tcp.skipped) == (0, 0, 1)
    assert states(FILES / "tcp.mitm")[0]["type"] == "tcp"


@pytest.mark.parametrize("name", sorted(path.name for path in FILES.glob("*.mitm")))
def test_detected_by_content_not_by_name(name: str, tmp_path: Path) -> None:
    head = (FILES / name).read_bytes()[:HEAD_BYTES]
    assert sniff(head) == "mitmproxy"
    assert sniff(head[:40]) == "mitmproxy"  # a first flow longer than the head
    renamed = shutil.copy(FILES / name, tmp_path / "capture.har")
    assert set(load_log(renamed).deliveries["format"].astype(str)) <= {"mitmproxy"}


def other_formats_files() -> list[Path]:
    """The sample data (but its flow file) and the other readers' fixtures."""
    roots = [DATA, *(Path(__file__).parent / d for d in ("tool_files", "tcpdump_files"))]
    roots.append(Path(__file__).parent / "lambda_files")
    flows = DATA / "mitmproxy"
    found = (p for root in roots for p in root.rglob("*") if p.is_file())
    return sorted(p for p in found if flows not in p.parents)


def test_no_other_formats_file_is_taken_for_flows() -> None:
    files = other_formats_files()
    assert len(files) > 20
    for path in files:
        assert sniff(path.read_bytes()[:HEAD_BYTES]) != "mitmproxy", path


@pytest.mark.parametrize(
    "head",
    [
        b"12:34:56 a log line\n",  # a time of day
        b"2026-11-26T10:00:00Z\tINFO\n",
        b"1795000000000,hello\n",
        b"10:5:abc,",  # the key's length is not what it declares
        b"5:3:abc;0:~]",  # a list, not a dictionary
    ],
)
def test_text_that_only_looks_like_flows_is_not_taken(head: bytes) -> None:
    assert sniff(head) != "mitmproxy"


def test_a_gzipped_flow_file_loads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "flows.gz"
    path.write_bytes(gzip.compress((FILES / "deliveries.mitm").read_bytes()))
    assert reasons(load_log(path)) == {"ok": 5}


def test_a_gzipped_flow_file_cut_short_keeps_the_flows_before(tmp_path: Path) -> None:
    noise = random.Random(0).randbytes  # bodies gzip cannot shrink: flows past the head
    packed = gzip.compress(b"".join(dumps(flow_state(content=noise(20_000))) for _ in range(10)))
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "flows.gz").write_bytes(packed[: len(packed) * 2 // 3])
    for source in (folder, folder / "flows.gz"):
        result = load_log(source)
        assert numbers(result.deliveries)[:2] == ["1", "2"]
        [reason] = result.rejected["reason"]
        assert "the flows before it are kept" in reason
        assert "a gzip file must be complete" in reason


def test_an_empty_flow_file_has_no_deliveries(tmp_path: Path) -> None:
    path = tmp_path / "flows"
    path.write_bytes(b"")  # mitmdump -w before any request came
    for format in (None, "mitmproxy"):
        result = load_log(path, format=format)
        assert (len(result.deliveries), len(result.rejected)) == (0, 0)


def flows_file(tmp_path: Path, *flows: bytes) -> Path:
    path = tmp_path / "flows.mitm"
    path.write_bytes(b"".join(flows))
    return path


GOOD = dumps(flow_state())


def nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        (dumps([1, 2]), "not a mitmproxy flow (a tnetstring ']', not '}')"),
        (b"14:4:type;4:http?}", "unknown type tag"),
        (dumps(flow_state(version=22)), "flow format version 22 is newer than this reader"),
        (dumps(flow_state(version=8)), "flow format version 8 is older than this reader"),
        (dumps(flow_state(version=[0, 18])), "written by mitmproxy 0.18, older than"),
        (dumps(flow_state(version="21")), "field 'version' is missing or not a number"),
        (dumps(flow_state(content=7)), "field 'request.content' is int, not bytes"),
        (dumps(flow_state(headers=[[b"x-signature"]])), "'request.headers' holds an item"),
        (dumps(flow_state(request=None)), "field 'request' is missing"),
        (dumps(flow_state(method=None)), "field 'request.method' is missing or not text"),  # type: ignore[arg-type]
        (dumps(flow_state(type=None)), "field 'type' is missing or not text"),
        (dumps(flow_state(metadata={"addon": nested(300)})), "nested deeper than 256"),
    ],
)
def test_a_bad_flow_is_rejected_and_the_others_load(tmp_path: Path, bad: bytes, says: str) -> None:
    result = load_log(flows_file(tmp_path, GOOD, bad, GOOD))
    assert numbers(result.deliveries) == ["1", "3"]
    [(source, reason)] = result.rejected.itertuples(index=False)
    assert source.endswith("flows.mitm#2")
    assert says in reason, reason


def test_a_flow_of_another_version_says_how_to_convert_it(tmp_path: Path) -> None:
    result = load_log(flows_file(tmp_path, dumps(flow_state(version=22))))
    [reason] = result.rejected["reason"]
    assert "mitmdump -nr FILE --set hardump=out.har" in reason


@pytest.mark.parametrize(
    ("tail", "says"),
    [
        (b"abc:" + GOOD, "expected a length prefix (digits and ':'), found b'a'"),
        (GOOD[:-40], "cut short"),
        (b"99999999:" + GOOD, "cut short"),
        (b"4096;" + GOOD, "length prefix 4096 followed by b';', not ':'"),
        (b"1" * 20 + b":", "longer than 12 digits"),
    ],
)
def test_broken_framing_rejects_the_rest_after_the_flows_before(
    tmp_path: Path, tail: bytes, says: str
) -> None:
    result = load_log(flows_file(tmp_path, GOOD, GOOD, tail))
    assert numbers(result.deliveries) == ["1", "2"]
    [(source, reason)] = result.rejected.itertuples(index=False)
    assert source.endswith("flows.mitm#3")
    assert says in reason, reason
    assert reason.endswith("nothing after it can be read")


def test_a_real_file_cut_short_keeps_its_whole_flows(tmp_path: Path) -> None:
    data = (FILES / "deliveries.mitm").read_bytes()
    path = tmp_path / "cut.mitm"
    path.write_bytes(data[: len(data) * 2 // 3])
    result = load_log(path)
    assert len(result.deliveries) >= 3
    assert reasons(result) == {"ok": len(result.deliveries)}
    [reason] = result.rejected["reason"]
    assert "cut short" in reason


@pytest.mark.parametrize("version", [9, 18])
def test_older_flow_formats_name_the_client_address(tmp_path: Path, version: int) -> None:
    """Before format 19 the client's address was ``address`` (its host bytes in old files)."""
    state = flow_state(version=version, client_conn={"address": [b"::1", 40001]})
    result = load_log(flows_file(tmp_path, dumps(state)))
    assert list(result.deliveries["remote_addr"]) == ["[::1]:40001"]


def test_fields_a_flow_may_hold(tmp_path: Path) -> None:
    body = b'{"type":"message.new"}'
    states_ = [
        flow_state(content=b"", headers=[[b"content-length", b"22"]]),  # kept short
        flow_state(content=body, response={"status_code": 204}),
        flow_state(content=body, request={**flow_state()["request"], "timestamp_start": None}),
        flow_state(content=body, is_replay="response"),  # server replay: the request is real
        flow_state(content=body, client_conn={"peername": None}),
        flow_state(method=b"post", headers=[[b"X-Signature", b"a"], [b"X-Signature", b"b"]]),
    ]
    frame = load_log(flows_file(tmp_path, *map(dumps, states_))).deliveries
    assert list(frame["fidelity"].astype(str)) == ["truncated"] + ["exact"] * 5
    assert frame["response_status"].iloc[1] == 204
    assert pd.isna(frame["received_at"].iloc[2])
    assert frame["received_at"].iloc[0] == pd.Timestamp("2026-11-18 11:06:40.125", tz="UTC")
    assert pd.isna(frame["remote_addr"].iloc[4])
    assert frame["signature"].iloc[5] == "a, b"


@pytest.mark.parametrize("stamp", [float("inf"), "soon", 10**30, True, 10**11, -(10**10)])
def test_a_timestamp_that_is_no_time_is_rejected(tmp_path: Path, stamp: Any) -> None:
    request = {**flow_state()["request"], "timestamp_start": stamp}
    result = load_log(flows_file(tmp_path, GOOD, dumps(flow_state(request=request))))
    [(source, reason)] = result.rejected.itertuples(index=False)
    assert source.endswith("#2")
    assert "field 'request.timestamp_start' is not a time" in reason, reason


def test_forcing_the_format_on_another_file_is_a_rejected_record(tmp_path: Path) -> None:
    har = shutil.copy(DATA / "har" / os.listdir(DATA / "har")[0], tmp_path / "x.har")
    result = load_log(har, format="mitmproxy")
    [reason] = result.rejected["reason"]
    assert "not a mitmproxy flow (expected a length prefix" in reason


def test_every_command(tmp_path: Path) -> None:
    path = FILES / "deliveries.mitm"
    loaded = run_cli("load", str(path), "--json")
    summary = orjson.loads(loaded.stdout)
    assert (summary["deliveries"], summary["skipped"], summary["by_format"]) == (
        5,
        3,
        {"mitmproxy": 5},
    )
    verified = run_cli("verify", str(path), "--format", "mitmproxy", "--json", env=ENV)
    assert orjson.loads(verified.stdout)["reasons"] == {"ok": 5}, verified.stderr
    assert verified.returncode == 0
    events = orjson.loads(run_cli("events", str(path), "--json", env=ENV).stdout)
    assert events["events"] == 5
    assert "user.banned" in events["event_types"]
    report = tmp_path / "audit.html"
    assert run_cli("report", str(path), "-o", str(report), env=ENV).returncode == 0
    assert "user.banned" in report.read_text()
    stored = tmp_path / "hooks.parquet"
    assert run_cli("load", str(path), "--to-parquet", str(stored)).returncode == 0
    again = run_cli("verify", str(stored), "--json", env=ENV)
    assert orjson.loads(again.stdout)["reasons"] == {"ok": 5}
    assert set(load_log(stored).deliveries["format"].astype(str)) == {"mitmproxy"}
    for option, name in (("--to-jsonl", "hooks.jsonl"), ("--to-har", "hooks.har")):
        converted = tmp_path / name
        assert run_cli("load", str(path), option, str(converted)).returncode == 0
        back = run_cli("verify", str(converted), "--json", env=ENV)
        assert orjson.loads(back.stdout)["reasons"] == {"ok": 5}, option
    streamed = run_cli("verify", str(FILES / "streamed.mitm"), "--json", env=ENV)
    assert orjson.loads(streamed.stdout)["unverifiable"] == 1


def test_a_bad_flow_on_the_command_line_names_it_without_a_traceback(tmp_path: Path) -> None:
    path = flows_file(tmp_path, GOOD, b"abc:", GOOD)
    done = run_cli("load", str(path), "--json")
    summary = orjson.loads(done.stdout)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    [record] = summary["rejected_records"]
    assert record["source"].endswith("flows.mitm#2")


def test_inventory_of_a_folder_mixing_formats(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    shutil.copytree(DATA / "har", folder / "har")
    shutil.copy(FILES / "deliveries.mitm", folder / "flows")
    shutil.copy(FILES / "tcp.mitm", folder / "tcp-flows")
    table = inventory(folder).set_index("source")
    flows = table.loc[str(folder / "flows")]
    assert (flows["format"], flows["deliveries"], flows["skipped"]) == ("mitmproxy", 5, 3)
    assert table.loc[str(folder / "tcp-flows"), "skipped"] == 1
    assert set(table["format"]) >= {"har", "mitmproxy"}
    mixed = load_log(folder)
    assert mixed.deliveries["format"].astype(str).value_counts()["mitmproxy"] == 5


def test_read_a_flow_at_a_time_in_chunks(tmp_path: Path) -> None:
    bad = dumps(flow_state(version=99))
    path = flows_file(tmp_path, *[GOOD] * 3, bad, *[GOOD] * 3)
    parts = list(iter_load(path, chunk_size=2))
    assert [len(part.deliveries) for part in parts] == [2, 2, 2]
    assert [numbers(part.deliveries) for part in parts] == [["1", "2"], ["3", "5"], ["6", "7"]]
    rejected = [source for part in parts for source in part.rejected["source"]]
    assert [source.rsplit("#", 1)[1] for source in rejected] == ["4"]


def test_strict_stops_at_the_first_bad_flow_naming_it(tmp_path: Path) -> None:
    path = flows_file(tmp_path, GOOD, dumps(flow_state(version=99)))
    with pytest.raises(RecordError, match="flow format version 99") as caught:
        load_log(path, strict=True)
    assert str(caught.value.source).endswith("flows.mitm#2")


@pytest.mark.parametrize("kind", ["udp", "dns", "tcp", b"tcp"])
def test_flows_without_an_http_request_are_skipped(tmp_path: Path, kind: str | bytes) -> None:
    other = {key: value for key, value in flow_state(type=kind).items() if key != "request"}
    result = load_log(flows_file(tmp_path, GOOD, dumps(other), GOOD))
    assert numbers(result.deliveries) == ["1", "3"]
    assert (len(result.rejected), result.skipped) == (0, 1)
