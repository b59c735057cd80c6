"""``streamhook-nb verify``: JSON shape, details order, exit codes, secrets only by name."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from helpers import capture_line, run_cli

from streamhook_nb.samples.webhooks import DEMO_SECRET, SECOND_SECRET, deliveries

WriteFile = Callable[[str, bytes], Path]
ENV = {**os.environ, "STREAM_API_SECRET": DEMO_SECRET, "STREAM_API_KEY": "demo_api_key"}


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, command: str = "verify"
) -> subprocess.CompletedProcess[str]:
    return run_cli(command, *args, env=ENV if env is None else env, cwd=cwd)


def test_json_report_and_exit_1(data_dir: Path) -> None:
    done = run(str(data_dir), "--json")
    assert done.returncode == 1
    report = orjson.loads(done.stdout)
    assert report == {
        "deliveries": 228,
        "valid": 201,
        "invalid": 17,
        "unverifiable": 10,
        "rejected": 6,
        "reasons": {
            "ok": 201,
            "missing_signature": 1,
            "malformed_signature": 1,
            "signature_mismatch": 1,
            "body_reserialized": 2,
            "api_key_mismatch": 12,
            "unverifiable": 2,
            "unsigned": 8,
        },
    }


def test_details_in_input_order(data_dir: Path) -> None:
    done = run(str(data_dir / "har"), str(data_dir / "ngrok"), "--json", "--details")
    report = orjson.loads(done.stdout)
    sources = [d["source"] for d in report["details"]]
    assert sources == [f"{data_dir}/har/devtools-export.har#{n}" for n in range(1, 10)] + [
        f"{data_dir}/ngrok/requests.json#{n}" for n in range(1, 6)
    ]
    assert report["details"][0]["matched_secret"] == "STREAM_API_SECRET"
    assert report["details"][8]["reason"] == "unverifiable"


def test_secrets_file_and_clean_exit(data_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAM_")}
    done = run(
        str(data_dir / "capture" / "second-day.jsonl.gz"),
        "--secrets-file",
        str(data_dir / "demo-secrets.toml"),
        env=env,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("30 deliveries: 30 valid, 0 invalid")


def test_rotation_with_two_env_names(data_dir: Path) -> None:
    env = {**ENV, "NEW_SECRET": "rotated-newer-secret", "OLD_SECRET": DEMO_SECRET}
    done = run(
        str(data_dir / "ngrok"),
        "--secret-env",
        "NEW_SECRET",
        "--secret-env",
        "OLD_SECRET",
        "--json",
        "--details",
        env=env,
    )
    assert {d["matched_secret"] for d in orjson.loads(done.stdout)["details"]} == {"OLD_SECRET"}


def test_human_report_groups_failures_and_spots_the_other_app(data_dir: Path) -> None:
    env = {**ENV}
    env.pop("STREAM_API_KEY")
    done = run(str(data_dir / "capture"), env=env)
    assert done.returncode == 1
    assert "signature_mismatch (13):" in done.stdout
    assert "failing ones carry 'demo_second_app' (12)" in done.stdout
    assert "Rejected records:" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["data", "--secret-env", "NOPE"], "NOPE is not set"),
        (["data", "--secrets-file", "missing.toml"], "missing.toml: cannot read the secrets file"),
        (["missing.jsonl"], "missing.jsonl: no such file or directory"),
    ],
)
def test_user_errors_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    done = run(*args, cwd=repo)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_no_option_takes_a_secret_value() -> None:
    done = run("data", "--secret", DEMO_SECRET)
    assert done.returncode == 2
    assert "unrecognized arguments" in done.stderr
    assert DEMO_SECRET not in done.stderr


def test_dotenv_in_the_working_directory(tmp_path: Path, data_dir: Path) -> None:
    (tmp_path / ".env").write_text(f"STREAM_API_SECRET={SECOND_SECRET}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAM_")}
    done = run(
        str(data_dir / "capture" / "stream-2026-11-26.jsonl"), "--json", env=env, cwd=tmp_path
    )
    assert orjson.loads(done.stdout)["valid"] == 12  # only the second app's deliveries


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A capture log over the split threshold, so the CLI verifies it in two processes."""
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    with path.open("wb") as out:
        for n, item in enumerate(deliveries(11_000, seed=3)):
            record = item.capture_record()
            if n % 1000 == 7:
                record["body"] = record["body"].replace('"type":"', '"type":"x', 1)
            out.write(orjson.dumps(record) + b"\n")
            if n == 5000:
                out.write(b'{"broken\n')
    assert path.stat().st_size > 16 * 1024 * 1024
    return path


def test_two_workers_agree_with_one(big_log: Path) -> None:
    one = run(str(big_log), "--json", "--details", "--workers", "1")
    two = run(str(big_log), "--json", "--details", "--workers", "2")
    assert one.returncode == two.returncode == 1
    assert orjson.loads(one.stdout) == orjson.loads(two.stdout)
    report = orjson.loads(two.stdout)
    assert report["invalid"] == 11
    assert report["rejected"] == 1
    counts = orjson.loads(run(str(big_log), "--json", "--workers", "2").stdout)
    assert counts == {k: v for k, v in report.items() if k != "details"}


def test_events_command_streams_the_same_counts_as_the_audit(big_log: Path) -> None:
    from streamhook_nb import audit
    from streamhook_nb.verify.secrets import Keyring, Secret

    done = run("--json", str(big_log), command="events")
    assert done.returncode == 1, done.stderr
    ring = Keyring((Secret(DEMO_SECRET, "S"),), expected_api_key="demo_api_key")
    expected = audit(big_log, ring).summary()
    assert orjson.loads(done.stdout) == expected


@pytest.mark.parametrize("command", ["verify", "events"])
def test_strict_stops_at_the_first_rejected_record(data_dir: Path, command: str) -> None:
    done = run(str(data_dir / "capture"), "--strict", "--json", command=command)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "damaged.jsonl:4: not valid JSON" in done.stderr
    assert "run without --strict" in done.stderr
    assert "Traceback" not in done.stderr


def test_events_text_names_the_rejected_records(data_dir: Path) -> None:
    done = run(str(data_dir / "capture"), command="events")
    assert done.returncode == 1
    assert "6 records rejected" in done.stdout.splitlines()[0]
    assert "damaged.jsonl:4: not valid JSON" in done.stdout


def test_details_text_lists_each_failing_delivery_with_its_hint(data_dir: Path) -> None:
    plain = run(str(data_dir / "capture"))
    done = run(str(data_dir / "capture"), "--details")
    assert done.returncode == 1
    assert done.stdout != plain.stdout
    listing = done.stdout[
        done.stdout.index("Deliveries that did not verify (17), in input order:") :
    ]
    log = f"{data_dir}/capture/stream-2026-11-26.jsonl"
    entries = [line for line in listing.splitlines() if line.startswith(f"  {log}:")]
    assert len(entries) == 17
    lines = listing.splitlines()
    tampered = lines.index(f"  {log}:55  xchannel.created  signature_mismatch")
    assert lines[tampered + 1].startswith("    No configured secret signs this body")
    reserialized = next(n for n, line in enumerate(lines) if line.endswith("body_reserialized"))
    assert "verify the raw request bytes" in lines[reserialized + 1]
    assert "(got 71 characters)" in listing  # the delivery's own hint, not only the reason's
    positions = [int(e.split()[0].rsplit(":", 1)[1]) for e in entries]
    assert positions == sorted(positions)


def test_a_payload_without_a_type_is_unknown_not_unreadable(write_file: WriteFile) -> None:
    log = write_file("stray.jsonl", capture_line(b'{"test":true}', headers={}))
    for args in ((), ("--details",)):
        done = run(str(log), *args)
        assert f"{log}:1  (unknown)" in done.stdout
        assert "(unreadable)" not in done.stdout


@pytest.mark.parametrize("command", ["verify", "events"])
def test_a_body_nested_too_deep_to_re_encode_is_a_mismatch_not_a_crash(
    tmp_path: Path, command: str
) -> None:
    deep = b'{"type":"message.new","x":' + b"[" * 300 + b"]" * 300 + b"}"
    log = tmp_path / "deep.jsonl"
    log.write_bytes(capture_line(deep) + capture_line())
    done = run(str(log), "--json", command=command)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    if command == "verify":
        assert orjson.loads(done.stdout)["reasons"] == {"signature_mismatch": 2}
