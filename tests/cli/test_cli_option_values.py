"""Malformed option values at the command line: a usage error (exit 2) naming the option and
the fix, never a traceback, never a credential from the value."""

from __future__ import annotations

import pytest
from helpers import DATA

from streamhook_nb.cli.main import main

CAPTURE = str(DATA / "capture")


@pytest.mark.parametrize(
    "args",
    [
        ["replay", CAPTURE, "--to", "http://[::1/hook", "--dry-run"],
        ["replay", CAPTURE, "--to", "https://hooks.example.com:99999/x", "--dry-run"],
        ["check-endpoint", "http://[::1"],
        ["webhook", "set", "--url", "https://[fe80::1/hook", "--dry-run", "--stand-in"],
    ],
)
def test_a_url_that_does_not_parse_is_a_usage_error(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "is not a URL (" in err
    assert "give an absolute http:// or https:// URL" in err


def test_a_bad_url_is_shown_without_its_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["replay", CAPTURE, "--to", "http://me:hunter2@[::1/hook?token=t0k3n", "--dry-run"])
    err = capsys.readouterr().err
    assert "hunter2" not in err
    assert "t0k3n" not in err


def _refused_rate(rate: str, capsys: pytest.CaptureFixture[str]) -> str:
    """What ``replay --rate RATE`` says on stderr; it must exit 2 (a usage error)."""
    with pytest.raises(SystemExit) as exit_:
        main(["replay", CAPTURE, "--to", "http://127.0.0.1:9/hook", "--rate", rate, "--yes"])
    assert exit_.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("rate", ["-5", "0", "nan", "inf", "fast"])
def test_replay_rate_must_be_a_positive_number(
    rate: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "argument --rate: must be a number of deliveries per second above 0" in (
        _refused_rate(rate, capsys)
    )


def test_webhook_commands_say_nothing_of_the_secret_length(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """PyJWT warns about a short key, with its length; the command prints no such thing."""
    monkeypatch.setenv("STREAM_API_KEY", "key")
    monkeypatch.setenv("STREAM_API_SECRET", "short")
    code = main(["webhook", "show", "--base-url", "http://127.0.0.1:9"])
    assert code == 1  # the API cannot be reached
    assert "bytes long" not in capsys.readouterr().err


def test_a_password_typed_without_its_at_sign_is_not_quoted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``https://user:hunter2/...`` parses as host ``user``, port ``hunter2``: the port error
    must not quote the port."""
    with pytest.raises(SystemExit) as exit_:
        main(["check-endpoint", "https://user:hunter2/hook"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "its port is not a number from 1 to 65535" in err
    assert err.count("hunter2") == 1  # in the URL it shows, not again in the reason


@pytest.mark.parametrize("rate", ["1e-300", "0.00001"])
def test_replay_rate_below_one_a_day_is_a_usage_error(
    rate: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """1e-300 used to reach ``time.sleep`` as 1e300 seconds: an OverflowError traceback."""
    assert "argument --rate: must be at least 0.00001157 (one delivery a day)" in (
        _refused_rate(rate, capsys)
    )


@pytest.mark.parametrize("workers", ["0", "-3", "two"])
def test_workers_must_be_at_least_one(workers: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["verify", CAPTURE, "--workers", workers])
    assert exit_.value.code == 2
    assert "argument --workers: must be a whole number of at least 1" in capsys.readouterr().err
