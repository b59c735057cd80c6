"""Counts read as English: one delivery, two deliveries."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamhook_nb.cli import main as cli_main
from streamhook_nb.cli.output import counted


@pytest.mark.parametrize(
    ("count", "noun", "text"),
    [
        (0, "delivery", "0 deliveries"),
        (1, "delivery", "1 delivery"),
        (2, "delivery", "2 deliveries"),
        (1, "record", "1 record"),
        (3, "record", "3 records"),
        (2, "key", "2 keys"),
    ],
)
def test_a_count_takes_its_noun_in_the_right_number(count: int, noun: str, text: str) -> None:
    assert counted(count, noun) == text


def test_one_delivery_is_not_called_deliveries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    record = b'{"received_at":null,"method":"POST","path":"/h","headers":{},"body":"{}"}\n'
    log = tmp_path / "one.jsonl"
    log.write_bytes(record + b"not json\n")
    monkeypatch.setenv("STREAM_API_SECRET", "demo-only")
    monkeypatch.chdir(tmp_path)
    assert cli_main.main(["verify", str(log)]) == 1
    assert capsys.readouterr().out.startswith(
        "1 delivery: 0 valid, 1 invalid, 0 without a verdict, 1 record rejected\n"
    )
    assert cli_main.main(["events", str(log)]) == 1
    assert capsys.readouterr().out.startswith("1 delivery, 1 event, 1 record rejected\n")
