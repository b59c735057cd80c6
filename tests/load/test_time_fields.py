"""A delivery whose time is not a time is rejected naming the field its format keeps it in."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from streamhook_nb import load_log, to_parquet
from streamhook_nb.pipeline.verify_logs import verify_sources
from streamhook_nb.samples.webhooks import DEMO_SECRET
from streamhook_nb.verify.secrets import Keyring, Secret

RING = Keyring((Secret(DEMO_SECRET, "DEMO"),))


def _har(data_dir: Path, target: Path) -> Path:
    har = json.loads((data_dir / "har" / "devtools-export.har").read_text())
    har["log"]["entries"][0]["startedDateTime"] = "yesterday"
    target.write_text(json.dumps(har))
    return target


def _ngrok(data_dir: Path, target: Path) -> Path:
    export = json.loads((data_dir / "ngrok" / "requests.json").read_text())
    export["requests"][0]["start"] = "soon"
    target.write_text(json.dumps(export))
    return target


@pytest.mark.parametrize(
    ("build", "field", "value"),
    [(_har, "startedDateTime", "yesterday"), (_ngrok, "start", "soon")],
    ids=["har", "ngrok"],
)
def test_the_reason_names_the_formats_own_field(
    data_dir: Path, tmp_path: Path, build: object, field: str, value: str
) -> None:
    log = build(data_dir, tmp_path / "log.json")  # type: ignore[operator]
    expected = f"field {field!r} is not an ISO 8601 time: {value!r}"
    assert list(load_log(log).rejected["reason"]) == [expected]
    assert [r.reason for r in verify_sources(log, RING, workers=1).rejected] == [expected]


def test_a_parquet_file_names_its_own_column(data_dir: Path, tmp_path: Path) -> None:
    har = load_log(_har(data_dir, tmp_path / "log.har"))  # the bad entry is left out
    target = tmp_path / "d.parquet"
    to_parquet(load_log(data_dir / "har").deliveries, target)
    table = pq.read_table(target)
    times = pa.array(["later"] + [None] * (table.num_rows - 1), pa.string())
    table = table.set_column(table.schema.get_field_index("received_at"), "received_at", times)
    pq.write_table(table, target)
    reasons = list(load_log(target).rejected["reason"])
    assert reasons == ["field 'received_at' is not an ISO 8601 time: 'later'"]
    assert len(har.rejected) == 1
