"""What a load, verify and audit produce, reduced to comparable JSON (digests of long columns).

The golden files next to this module were computed with the row-based implementation, before
the columnar core replaced it (then updated for intended additions only, named in git log);
``test_golden.py`` checks that today's code gives the same.
Only public behaviour is read here, so the snapshot does not depend on how columns are stored.
Regenerate only when a change of results is intended:
``python tests/pipeline/golden_snapshot.py``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
DATA = ROOT / "data"
SECRETS = DATA / "demo-secrets.toml"
OPTIONAL_FIELDS = ("remote_addr", "http_version", "response", "verdict")


def corpus(directory: Path) -> dict[str, Path]:
    """Two capture logs of the same deliveries, with and without the optional fields.

    They hold every planted failure of the sample log, 1,500 ordinary deliveries, and the
    damaged lines of the sample ``damaged.jsonl`` in the middle.
    """
    from streamhook_nb.samples import webhooks as sample_data

    records = [d.capture_record() for d in sample_data.main_log()]
    records += [d.capture_record() for d in sample_data.deliveries(1500, seed=5)]
    damaged = sample_data.damaged_log().rstrip(b"\n").split(b"\n")[3:-1]  # whole lines only
    lines = [orjson.dumps(r) for r in records]
    full = [*lines[:900], *damaged, *lines[900:]]
    bare_records = [{k: v for k, v in r.items() if k not in OPTIONAL_FIELDS} for r in records]
    bare_lines = [orjson.dumps(r) for r in bare_records]
    bare = [*bare_lines[:900], *damaged, *bare_lines[900:]]
    paths = {"full": directory / "full.jsonl", "bare": directory / "bare.jsonl"}
    (directory / "demo-secrets.toml").write_bytes(SECRETS.read_bytes())
    paths["full"].write_bytes(b"\n".join(full) + b"\n")
    paths["bare"].write_bytes(b"\n".join(bare) + b"\n")
    return paths


def _digest(values: list[Any]) -> str:
    return hashlib.sha256(orjson.dumps(values, option=orjson.OPT_NON_STR_KEYS)).hexdigest()


def _plain(value: Any) -> Any:
    """A cell as JSON: NA -> None, bytes -> their sha256, times -> ISO text, dicts sorted."""
    if value is None or (not isinstance(value, list | dict | bytes) and pd.isna(value)):
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value


def _headers(value: Any) -> Any:
    """Headers as a sorted dict, whether stored as a dict or as JSON text."""
    if isinstance(value, str):
        value = json.loads(value)
    return _plain(value)


def frame_digests(frame: pd.DataFrame) -> dict[str, str]:
    """One digest per column of the cell values (dtype-independent)."""
    digests = {}
    for name in frame.columns:
        cells = frame[name].astype(object).tolist()
        convert = _headers if name == "headers" else _plain
        digests[str(name)] = _digest([convert(v) for v in cells])
    return digests


def _cli(*args: str) -> Any:
    from streamhook_nb.cli.main import main

    out = io.StringIO()
    with redirect_stdout(out):
        main(list(args))
    return json.loads(out.getvalue())


def snapshot(source: str, secrets: str = "demo-secrets.toml") -> dict[str, Any]:
    """Everything the golden files record for one source. ``source`` and ``secrets`` are paths
    relative to the current directory, so that the ``file:line`` sources and the secrets' labels
    (which name the file) do not depend on where the tests run."""
    import streamhook_nb as shn
    from streamhook_nb.events import tables

    keys = shn.keyring(secrets_file=secrets, dotenv=None)
    loaded = shn.load_log(source, progress=False)
    verified = shn.verify_deliveries(loaded.deliveries, keys)
    events = shn.events_frame(verified)
    secret_args = ("--secrets-file", secrets)
    verify_json = _cli("verify", source, *secret_args, "--json", "--details")
    return {
        "load_summary": loaded.summary(),
        "deliveries": frame_digests(loaded.deliveries),
        "verified": frame_digests(verified[["valid", "reason", "matched_secret", "hint"]]),
        "verify_summary": shn.summary(verified, len(loaded.rejected)),
        "events": frame_digests(events),
        "by_type": _plain(tables.by_type(events).reset_index().to_dict("records")),
        "duplicate_rate": _plain(tables.duplicate_rate(events).reset_index().to_dict("records")),
        "cli_verify": {k: v for k, v in verify_json.items() if k != "details"},
        "cli_verify_details": _digest(verify_json["details"]),
        "cli_events": _cli("events", source, *secret_args, "--json"),
    }


def main(directory: str) -> None:
    """Write the golden files (run with the implementation whose results are the reference)."""
    work = Path(directory)
    work.mkdir(parents=True, exist_ok=True)
    corpus(work)
    tour = work / "tour"
    shutil.rmtree(tour, ignore_errors=True)
    shutil.copytree(DATA, tour / "data", ignore=shutil.ignore_patterns("story"))
    for name, base, source, secrets in (
        ("data", tour, "data", "data/demo-secrets.toml"),
        ("full", work, "full.jsonl", "demo-secrets.toml"),
        ("bare", work, "bare.jsonl", "demo-secrets.toml"),
    ):
        os.chdir(base)
        path = HERE / "golden" / f"{name}.json"
        path.parent.mkdir(exist_ok=True)
        found = snapshot(source, secrets)
        path.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/golden-corpus")
