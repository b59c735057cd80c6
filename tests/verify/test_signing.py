"""HMAC from precomputed pads equals the standard library's HMAC for every key and body."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st
from stream_chat.webhook import verify_signature  # type: ignore[import-untyped]

from streamhook_nb import Secret, sign
from streamhook_nb.verify.signing import hmac_sha256


@given(key=st.binary(min_size=1, max_size=200), body=st.binary(max_size=3000))
def test_precomputed_pads_equal_hmac(key: bytes, body: bytes) -> None:
    assert hmac_sha256(key)(body) == hmac.digest(key, body, hashlib.sha256)


@given(secret=st.text(min_size=1, max_size=80), body=st.binary(max_size=500))
def test_sign_agrees_with_the_official_sdk(secret: str, body: bytes) -> None:
    signature = sign(body, Secret(secret, "test"))
    assert signature == hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert verify_signature(body, signature, secret)
