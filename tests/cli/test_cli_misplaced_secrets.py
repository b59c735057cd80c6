"""A secret typed where a name or a path goes (``--secret-env $STREAM_API_SECRET``) is a usage
error that never repeats it."""

from __future__ import annotations

import pytest
from helpers import DATA

from streamhook_nb.cli.main import main

SECRET = "k3y-0f-th3-app-n0t-t0-b3-pr1nt3d"
LOGS = str(DATA / "capture")


@pytest.mark.parametrize(
    "args",
    [
        ["verify", LOGS, "--secret-env", SECRET],
        ["events", LOGS, "--secret-env", "STREAM_API_SECRET", "--secret-env", SECRET],
        ["report", LOGS, "-o", "r.html", "--secret-env", SECRET],
        ["capture", "--out", "c.jsonl", "--secret-env", SECRET],
        ["replay", LOGS, "--to", "http://127.0.0.1:9/", "--resign-secret-env", SECRET],
        ["verify", SECRET],
        ["load", LOGS, SECRET],
        ["verify", LOGS, "--api-key", SECRET],
    ],
)
def test_a_secret_value_in_the_arguments_is_never_printed(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STREAM_API_SECRET", SECRET)
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    assert "is the value of $STREAM_API_SECRET, a secret (not shown)" in err


def test_a_value_that_cannot_be_a_variable_name_is_refused_unshown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["verify", LOGS, "--secret-env", "pasted/value+with=signs"]) == 2
    err = capsys.readouterr().err
    assert "--secret-env takes the name of an environment variable" in err
    assert "pasted" not in err


def test_the_api_key_variable_is_fine_as_an_api_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STREAM_API_KEY", "demo_api_key")
    monkeypatch.setenv("STREAM_API_SECRET", SECRET)
    assert main(["verify", LOGS, "--api-key", "demo_api_key"]) == 1  # wrong secret: invalid
    assert "is the value of" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["capture", "--out", "log.jsonl", "--port", SECRET], "argument --port: invalid int value"),
        (["capture", "--out", "l.jsonl", "--read-timeout", SECRET], "invalid float value"),
        (["verify", LOGS, "--format", SECRET], "argument --format: invalid choice (not shown;"),
    ],
)
def test_a_value_argparse_cannot_convert_is_not_repeated(
    args: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert says in err
    assert SECRET not in err


def test_a_mistyped_choice_still_gets_the_closest_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["verify", LOGS, "--format", "hra"])
    assert "(did you mean har?)" in capsys.readouterr().err
