"""The signature Stream puts in ``X-Signature``: hex HMAC-SHA256 of the raw body bytes."""

from __future__ import annotations

import hashlib
import hmac

from streamhook_nb.verify.secrets import Secret


def sign(body: bytes, secret: Secret | str) -> str:
    """Lower-case hex HMAC-SHA256 of ``body`` keyed with the secret's UTF-8 bytes."""
    key = secret.key if isinstance(secret, Secret) else secret.encode("utf-8")
    return hmac.new(key, body, hashlib.sha256).hexdigest()
