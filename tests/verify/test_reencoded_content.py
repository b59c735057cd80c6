"""``body_reserialized`` says the content is authentic: only when a re-encoding of that very
content was signed. Numbers count to the digit: a float parser reads two decimals alike that
an app reading decimals does not."""

from __future__ import annotations

import pytest

from streamhook_nb.verify.reasons import Reason
from streamhook_nb.verify.secrets import Keyring, Secret
from streamhook_nb.verify.signing import sign
from streamhook_nb.verify.stream_json import same_numbers
from streamhook_nb.verify.verdict import judge

SECRET = "app-one-secret"
ONE = Keyring((Secret(SECRET, "STREAM_API_SECRET"),))
SIGNED = b'{"type":"message.new","score":0.1,"count":100}'


@pytest.mark.parametrize("fidelity", ["exact", "reconstructed"])
def test_more_digits_than_the_float_keeps_is_not_authentic(fidelity: str) -> None:
    captured = (
        b'{"type": "message.new", "score": 0.1000000000000000055511151231257827, "count": 100}'
    )
    verdict = judge(captured, sign(SIGNED, SECRET), None, "http", fidelity, ONE)
    assert (verdict.reason, verdict.valid) == (Reason.SIGNATURE_MISMATCH, False)
    assert "more digits than the re-encoding kept" in verdict.hint


@pytest.mark.parametrize(
    "captured",
    [
        b'{"type": "message.new", "score": 0.1, "count": 100}',  # spaces only
        b'{"type": "message.new", "score": 0.10, "count": 100}',  # same value, a zero more
    ],
)
def test_the_same_numbers_re_dumped_are_authentic(captured: bytes) -> None:
    verdict = judge(captured, sign(SIGNED, SECRET), None, "http", "exact", ONE)
    assert verdict.reason is Reason.BODY_RESERIALIZED


def test_numbers_compared_by_value() -> None:
    assert same_numbers(b'{"a":1.0,"b":[1e2]}', b'{"a":1,"b":[100]}')
    assert not same_numbers(b'{"a":0.30000000000000004441}', b'{"a":0.30000000000000004}')
    assert not same_numbers(b'{"a":1', b'{"a":1}')
