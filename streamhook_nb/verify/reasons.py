"""Verdict reasons (exact strings, DESIGN.md §3) and the sentence that tells what to do."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a delivery is valid, invalid or not verifiable."""

    OK = "ok"
    MISSING_SIGNATURE = "missing_signature"
    MALFORMED_SIGNATURE = "malformed_signature"
    SIGNATURE_MISMATCH = "signature_mismatch"
    BODY_RESERIALIZED = "body_reserialized"
    SECRET_WHITESPACE = "secret_whitespace"
    API_KEY_MISMATCH = "api_key_mismatch"
    UNKNOWN_APP = "unknown_app"
    UNDECODABLE_BODY = "undecodable_body"
    UNVERIFIABLE = "unverifiable"
    UNSIGNED = "unsigned"

    @property
    def valid(self) -> bool | None:
        """``True`` for ok, ``None`` when no verdict is possible, else ``False``."""
        if self in (Reason.UNVERIFIABLE, Reason.UNSIGNED):
            return None
        return self is Reason.OK


HINTS: dict[Reason, str] = {
    Reason.OK: "The signature matches the exact body.",
    Reason.MISSING_SIGNATURE: (
        "No X-Signature header: the request did not come from Stream's webhook sender, or "
        "something in front of your endpoint dropped the header."
    ),
    Reason.MALFORMED_SIGNATURE: (
        "X-Signature is not 64 hex characters: something rewrote the header (a prefix such as "
        "'sha256=', a cut); compare the raw header with what Stream sends."
    ),
    Reason.SIGNATURE_MISMATCH: (
        "No configured secret signs this body: the body was changed after Stream signed it, "
        "or the secret is not this app's; check the secret in Stream's dashboard."
    ),
    Reason.BODY_RESERIALIZED: (
        "The body was re-serialized by your framework (the content is authentic); verify the "
        "raw request bytes, not a re-encoded JSON object."
    ),
    Reason.SECRET_WHITESPACE: (
        "It matches only once whitespace is trimmed from the configured secret; remove the "
        "stray space or newline from where you store it."
    ),
    Reason.API_KEY_MISMATCH: (
        "This delivery belongs to another app than the secret you gave; verify each app's "
        "deliveries with its own secret (map API keys to secrets in a secrets file)."
    ),
    Reason.UNKNOWN_APP: (
        "No secret is configured for this X-Api-Key; add the app's secret to the secrets file."
    ),
    Reason.UNDECODABLE_BODY: (
        "The body claims gzip but does not decompress: the capture cut or corrupted it; "
        "recapture the delivery."
    ),
    Reason.UNVERIFIABLE: (
        "The capture did not keep the exact bytes (truncated, rebuilt or missing); capture with "
        "a tool that records raw bodies, such as streamhook-nb capture."
    ),
    Reason.UNSIGNED: (
        "Delivered over SQS/SNS, which Stream does not sign; rely on the queue's access control."
    ),
}


VERDICT_LABELS = ("valid", "invalid", "unverifiable")
"""How verdicts are grouped in tables: ``valid`` is True, False or NA."""


def verdict_label(valid: bool | None) -> str:
    """``valid`` / ``invalid`` / ``unverifiable`` for a verdict's ``valid``."""
    return "unverifiable" if valid is None else "valid" if valid else "invalid"
