"""The signature Stream puts in ``X-Signature``: hex HMAC-SHA256 of the raw body bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from streamhook_nb.verify.secrets import Secret

if TYPE_CHECKING:
    from hashlib import _Hash as Hash

_BLOCK = 64
"""SHA-256's block size: the HMAC key is padded (or hashed) to it (RFC 2104)."""


def sign(body: bytes, secret: Secret | str) -> str:
    """Lower-case hex HMAC-SHA256 of ``body`` keyed with the secret's UTF-8 bytes."""
    key = secret.key if isinstance(secret, Secret) else secret.encode("utf-8")
    return hmac_sha256(key)(body).hex()


@lru_cache(maxsize=4096)
def hmac_pads(key: bytes) -> tuple[Hash, Hash]:
    """SHA-256 states that have hashed the key's inner and outer HMAC pads (RFC 2104): each
    body then costs a copy of both instead of hashing the pads again (``hmac.digest`` derives
    them on every call). The pads of up to 4,096 keys are kept (a secrets file of many apps)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(_BLOCK, b"\0")
    return (
        hashlib.sha256(bytes(b ^ 0x36 for b in padded)),
        hashlib.sha256(bytes(b ^ 0x5C for b in padded)),
    )


def hmac_sha256(key: bytes) -> Callable[[bytes], bytes]:
    """HMAC-SHA256 under ``key``, from its pads hashed once (:func:`hmac_pads`)."""
    inner, outer = hmac_pads(key)

    def digest(body: bytes) -> bytes:
        first = inner.copy()
        first.update(body)
        second = outer.copy()
        second.update(first.digest())
        return second.digest()

    return digest
