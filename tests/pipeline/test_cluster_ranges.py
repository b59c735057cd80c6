"""Byte ranges change nothing: verifying a capture log range by range (as the cluster's tasks
do) gives the counts, details, tallies and rejected ``file:line`` of reading it whole."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamhook_nb.errors import StreamhookError
from streamhook_nb.pipeline import cluster_parts
from streamhook_nb.pipeline.cluster import numbered_parts
from streamhook_nb.pipeline.cluster_secrets import share_keyring
from streamhook_nb.pipeline.verify_logs import verify_sources
from streamhook_nb.pipeline.verify_report import VerifyReport
from streamhook_nb.samples.webhooks import DEMO_SECRET, deliveries
from streamhook_nb.verify.secrets import Keyring, Secret

RING = Keyring((Secret(DEMO_SECRET, "STREAM_API_SECRET"),))
GOOD = [orjson.dumps(d.capture_record()) for d in deliveries(8, seed=9)]
OTHER_APP = [orjson.dumps(d.capture_record()) for d in deliveries(2, seed=8, secret="other")]
BAD = [
    b"",
    b"   ",
    b"{not json",
    b'["an", "array"]',
    b'{"received_at": "yesterday", "method": "POST", "headers": {}, "body": "{}"}',
    b'{"received_at": null, "method": "POST", "headers": {}}',
    b"\xff\xfe\x00 bytes",
    GOOD[0][:57],
]
LINES = st.sampled_from(GOOD + OTHER_APP + BAD)


def _on_ranges(path: Path, blocksize: int, details: bool | Literal["failures"]) -> VerifyReport:
    ref = share_keyring(None, RING)
    parts = numbered_parts(None, path, blocksize=blocksize)
    reports = [cluster_parts.verify_part(p, ref, None, details, True) for p in parts]
    merged = reports[0]
    for report in reports[1:]:
        merged.merge(report)
    return merged


def _outcome(verify: Callable[[], VerifyReport]) -> object:
    """Everything a run reports, or the error it raised (a log that is no capture log)."""
    try:
        report = verify()
    except StreamhookError as exc:
        return (type(exc), str(exc))
    assert report.tally is not None
    return report.as_json(), report.rejected, report.tally.as_json()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(LINES, min_size=1, max_size=30),
    newline=st.sampled_from([b"\n", b"\r\n"]),
    final_newline=st.booleans(),
    bom=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xef\xbb\xbf" * 2]),
    blocksize=st.integers(min_value=1, max_value=6000),
    details=st.sampled_from([False, "failures", True]),
)
def test_ranges_verify_like_the_whole_file(
    lines: list[bytes],
    newline: bytes,
    final_newline: bool,
    bom: bytes,
    blocksize: int,
    details: bool | Literal["failures"],
) -> None:
    data = bom + newline.join(lines)
    data += newline if final_newline else b""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.jsonl"
        path.write_bytes(data)
        whole = _outcome(lambda: verify_sources(path, RING, workers=1, details=details, tally=True))
        ranged = _outcome(lambda: _on_ranges(path, blocksize, details))
    assert ranged == whole
