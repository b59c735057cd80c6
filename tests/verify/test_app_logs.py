"""An app's own log of its parsed requests (the body re-dumped as JSON, the top complaint in
Stream's SDK trackers): ``body_reserialized`` where Stream's encoding of the content matches,
``unverifiable`` where it does not, the same in the frame and in the streaming command."""

from __future__ import annotations

from pathlib import Path

import orjson

from streamhook_nb import Keyring, Secret, load_log, verify_deliveries
from streamhook_nb.pipeline.verify_logs import verify_sources
from streamhook_nb.samples.webhooks import DEMO_API_KEY, DEMO_SECRET, deliveries

RING = Keyring((Secret(DEMO_SECRET, "STREAM_API_SECRET"),))


def test_an_express_log_reads_as_reserialized_content(tmp_path: Path) -> None:
    lines = []
    for delivery in deliveries(30, seed=5):
        record = delivery.capture_record()
        if "body" not in record:  # gzip: its body is base64
            continue
        logged = {"headers": record["headers"], "body": orjson.loads(record["body"])}
        lines.append(orjson.dumps(logged))
    tampered = orjson.loads(lines[0])
    tampered["body"]["type"] = "message.deleted"
    path = tmp_path / "express.jsonl"
    path.write_bytes(b"\n".join([*lines, orjson.dumps(tampered)]) + b"\n")
    verdicts = verify_deliveries(load_log(path).deliveries, RING)
    expected = ["body_reserialized"] * len(lines) + ["unverifiable"]
    assert list(verdicts["reason"].astype(str)) == expected
    assert verdicts["valid"].iloc[0] == False  # noqa: E712 (a pandas boolean, not NA)
    streamed = verify_sources(path, RING, workers=1, details=True)
    assert [d["reason"] for d in streamed.details or []] == expected


def test_a_rebuilt_body_still_names_a_secret_at_fault(tmp_path: Path) -> None:
    """A secret with a stray newline, or another app's, matches a re-encoding of the rebuilt
    body: that is said (the secret is at fault), not ``unverifiable`` (the capture at fault)."""
    record = next(r for d in deliveries(5, seed=5) if "body" in (r := d.capture_record()))
    logged = {"headers": record["headers"], "body": orjson.loads(record["body"])}
    path = tmp_path / "express.jsonl"
    path.write_bytes(orjson.dumps(logged) + b"\n")
    frame = load_log(path).deliveries
    padded = Keyring((Secret(DEMO_SECRET + "\n", "STREAM_API_SECRET"),))
    other_app = Keyring(apps={"other": (Secret(DEMO_SECRET, "f:other"),), DEMO_API_KEY: ()})
    for keyring, reason, label in [
        (padded, "secret_whitespace", "STREAM_API_SECRET (trimmed)"),
        (other_app, "api_key_mismatch", "f:other"),
    ]:
        verdict = verify_deliveries(frame, keyring).iloc[0]
        assert (verdict["reason"], verdict["matched_secret"]) == (reason, label)
        assert "its content is authentic" in verdict["hint"]
        streamed = verify_sources(path, keyring, workers=1, details=True).details or []
        assert [d["reason"] for d in streamed] == [reason]
