"""The verdict for one delivery: check the signature, and explain a failure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from hmac import compare_digest
from typing import TYPE_CHECKING

import orjson

from streamhook_nb.load.body import InflatedTooLargeError, signed_bytes
from streamhook_nb.load.fidelity import VERIFIABLE, Fidelity
from streamhook_nb.load.sources import GZIP_MAGIC
from streamhook_nb.verify.reasons import HINTS, Reason
from streamhook_nb.verify.secrets import Keyring, Secret
from streamhook_nb.verify.signing import hmac_pads, hmac_sha256
from streamhook_nb.verify.stream_json import duplicate_keys, reserialized_forms, same_numbers

if TYPE_CHECKING:
    from hashlib import _Hash as Hash

_VERIFIABLE = frozenset(f.value for f in VERIFIABLE)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Outcome for one delivery: ``matched_secret`` is a label, never a secret."""

    reason: Reason
    matched_secret: str | None = None
    detail: str | None = None

    @property
    def valid(self) -> bool | None:
        """True only for ``ok``; None when unverifiable or unsigned."""
        return self.reason.valid

    @property
    def hint(self) -> str:
        """One sentence saying what happened and what to do."""
        return f"{HINTS[self.reason]} {self.detail}" if self.detail else HINTS[self.reason]

    def _repr_html_(self) -> str:
        from streamhook_nb.display import verdict_html

        return verdict_html(self)


HEADER_WHITESPACE = " \t\r\n"
"""What is trimmed around ``X-Signature``: HTTP's optional whitespace (space, tab) and the line
ending a capture tool may leave. Nothing else (no NBSP, VT or U+2028): such a header was
rewritten, and is ``malformed_signature``."""


def signature_bytes(header: str) -> bytes | None:
    """The 32 bytes an ``X-Signature`` header encodes (ASCII whitespace trimmed, hex in any
    case), or None if malformed."""
    text = header.strip(HEADER_WHITESPACE)
    if len(text) != 64:
        return None
    try:
        decoded = bytes.fromhex(text)
    except ValueError:
        return None
    return decoded if len(decoded) == 32 else None


def matching(payload: bytes, expected: bytes, secrets: tuple[Secret, ...]) -> Secret | None:
    """The first secret whose HMAC of ``payload`` equals ``expected`` (constant-time compare)."""
    for secret in secrets:
        if compare_digest(hmac_sha256(secret.key)(payload), expected):
            return secret
    return None


def judge(
    body: bytes | None,
    signature: str | None,
    api_key: str | None,
    transport: str,
    fidelity: str,
    keyring: Keyring,
) -> Verdict:
    """The verdict for one delivery.

    The checks run in this order: unsigned transport, unverifiable capture, missing or
    malformed signature, undecodable gzip, then the HMAC under each candidate secret; a body
    that matches none goes to :func:`diagnose`. :func:`quick_ok` answers the common case
    (plain body, clean header, a match) first, because it runs for every row.
    """
    if transport == "http" and fidelity in _VERIFIABLE and body is not None:
        verdict = quick_ok(body, signature, api_key, keyring)
        if verdict is not None:
            return verdict
    return _judge_carefully(body, signature, api_key, transport, fidelity, keyring)


def quick_ok(
    body: bytes, signature: str | None, api_key: str | None, keyring: Keyring
) -> Verdict | None:
    """The ``ok`` verdict when a plain body and a clean header match; None means "look closer"."""
    (label,) = quick_labels((body,), (signature,), (api_key,), keyring)
    return None if label is None else _ok(label)


def quick_labels(
    bodies: Sequence[bytes | None],
    signatures: Sequence[str | None],
    api_keys: Sequence[str | None],
    keyring: Keyring,
) -> list[str | None]:
    """For each delivery, the label of the secret that signed it, found the quick way (a plain
    body, a clean 64-digit header, a match); None means "look closer" (:func:`judge`).

    One loop over the batch, with each candidate secret's HMAC pads looked up once per API key.
    """
    pads: dict[str | None, list[tuple[str, Hash, Hash]]] = {}
    labels: list[str | None] = []
    for body, signature, api_key in zip(bodies, signatures, api_keys, strict=True):
        label = None
        if (
            signature is not None
            and len(signature) == 64
            and body is not None
            and not body.startswith(GZIP_MAGIC)
        ):
            try:
                expected = bytes.fromhex(signature)
            except ValueError:
                expected = b""
            if len(expected) == 32:
                keys = pads.get(api_key)
                if keys is None:
                    keys = pads[api_key] = [
                        (s.label, *hmac_pads(s.key)) for s in keyring.candidates(api_key)
                    ]
                for name, inner, outer in keys:
                    first = inner.copy()
                    first.update(body)
                    second = outer.copy()
                    second.update(first.digest())
                    if compare_digest(second.digest(), expected):
                        label = name
                        break
        labels.append(label)
    return labels


def judge_many(
    bodies: Sequence[bytes | None],
    signatures: Sequence[str | None],
    api_keys: Sequence[str | None],
    transports: Sequence[str],
    fidelities: Sequence[str],
    keyring: Keyring,
) -> list[Verdict]:
    """:func:`judge` for each delivery of a batch (the quick way for all of them at once)."""
    checkable = [
        body if transport == "http" and fidelity in _VERIFIABLE else None
        for body, transport, fidelity in zip(bodies, transports, fidelities, strict=True)
    ]
    labels = quick_labels(checkable, signatures, api_keys, keyring)
    return [
        _ok(label)
        if label is not None
        else _judge_carefully(body, signature, api_key, transport, fidelity, keyring)
        for label, body, signature, api_key, transport, fidelity in zip(
            labels, bodies, signatures, api_keys, transports, fidelities, strict=True
        )
    ]


@cache
def _ok(label: str) -> Verdict:
    return Verdict(Reason.OK, label)


def _judge_carefully(
    body: bytes | None,
    signature: str | None,
    api_key: str | None,
    transport: str,
    fidelity: str,
    keyring: Keyring,
) -> Verdict:
    if transport != "http":
        return _unsigned(body)
    if body is None or fidelity not in _VERIFIABLE:
        return _without_exact_bytes(body, signature, api_key, fidelity, keyring)
    if signature is None:
        return Verdict(Reason.MISSING_SIGNATURE)
    expected = signature_bytes(signature)
    if expected is None:
        return Verdict(
            Reason.MALFORMED_SIGNATURE,
            detail=f"(got {len(signature.strip(HEADER_WHITESPACE))} characters)",
        )
    try:
        payload = signed_bytes(body)
    except InflatedTooLargeError as exc:
        return Verdict(Reason.UNDECODABLE_BODY, detail=f"({exc}.)")
    except ValueError:
        return Verdict(Reason.UNDECODABLE_BODY)
    candidates = keyring.candidates(api_key)
    found = matching(payload, expected, candidates)
    if found is not None:
        return _ok(found.label)
    return diagnose(payload, expected, api_key, candidates, keyring)


def diagnose(
    payload: bytes,
    expected: bytes,
    api_key: str | None,
    candidates: tuple[Secret, ...],
    keyring: Keyring,
) -> Verdict:
    """Explain a signature that matches no candidate secret (run only for failures)."""
    trimmed = _trimmed_secret(payload, expected, candidates)
    if trimmed is not None:
        return trimmed
    reencoded = _reencoding_verdict(payload, expected, candidates, _reserialized(payload))
    if reencoded is not None:
        return reencoded
    other_app = _other_apps_secret(payload, expected, api_key, keyring)
    if other_app is not None:
        return other_app
    if keyring.expected_api_key and api_key and api_key != keyring.expected_api_key:
        return Verdict(
            Reason.API_KEY_MISMATCH,
            detail=f"(X-Api-Key {api_key!r}, expected {keyring.expected_api_key!r})",
        )
    if keyring.keyed and api_key is None:
        return Verdict(Reason.UNKNOWN_APP, detail="(no X-Api-Key header, and no secret matches)")
    if not candidates:
        return Verdict(Reason.UNKNOWN_APP, detail=f"(X-Api-Key {api_key!r})")
    return Verdict(Reason.SIGNATURE_MISMATCH)


def _without_exact_bytes(
    body: bytes | None, signature: str | None, api_key: str | None, fidelity: str, keyring: Keyring
) -> Verdict:
    """``unverifiable``: the capture did not keep the signed bytes. Unless the body is JSON
    rebuilt from a parsed payload (``reconstructed``, such as an app's log of its parsed
    request) and a re-encoding of it in Stream's form matches: then ``body_reserialized``, the
    content is authentic (a match proves the re-encoding is the bytes Stream signed)."""
    unverifiable = Verdict(Reason.UNVERIFIABLE, detail=f"(fidelity: {fidelity})")
    if body is None or fidelity != Fidelity.RECONSTRUCTED or signature is None:
        return unverifiable
    expected = signature_bytes(signature)
    if expected is None:
        return unverifiable
    try:
        payload = signed_bytes(body)
    except ValueError:
        return unverifiable
    forms = _reserialized(payload, keep_same=True)  # the rebuilt body may be Stream's form
    candidates = keyring.candidates(api_key)
    verdict = _reencoding_verdict(payload, expected, candidates, forms)
    return verdict or _wrong_secret(forms, expected, api_key, candidates, keyring) or unverifiable


def _wrong_secret(
    forms: list[bytes],
    expected: bytes,
    api_key: str | None,
    candidates: tuple[Secret, ...],
    keyring: Keyring,
) -> Verdict | None:
    """``secret_whitespace`` or ``api_key_mismatch`` when a re-encoding of a rebuilt body
    matches a trimmed secret or another app's: the secret is at fault, not only the capture."""
    rebuilt = "(A re-encoding of the rebuilt body matches: its content is authentic.)"
    for form in forms:
        found = _trimmed_secret(form, expected, candidates) or _other_apps_secret(
            form, expected, api_key, keyring
        )
        if found is not None:
            return replace(found, detail=f"{found.detail} {rebuilt}" if found.detail else rebuilt)
    return None


def _trimmed_secret(
    payload: bytes, expected: bytes, candidates: tuple[Secret, ...]
) -> Verdict | None:
    """``secret_whitespace`` when a candidate secret matches once trimmed."""
    trimmed = tuple(t for s in candidates if (t := s.trimmed()) is not None)
    found = matching(payload, expected, trimmed)
    return None if found is None else Verdict(Reason.SECRET_WHITESPACE, found.label)


def _other_apps_secret(
    payload: bytes, expected: bytes, api_key: str | None, keyring: Keyring
) -> Verdict | None:
    """``api_key_mismatch`` when the secret of another app in the keyring matches."""
    for other_key, secret in keyring.others(api_key):
        if matching(payload, expected, (secret,)) is not None:
            detail = f"(X-Api-Key {api_key!r}; the secret of {other_key!r} matches)"
            return Verdict(Reason.API_KEY_MISMATCH, secret.label, detail)
    return None


def _unsigned(body: bytes | None) -> Verdict:
    """Queue deliveries are not signed; a damaged gzip body is still reported as one."""
    if body is not None and body.startswith(GZIP_MAGIC):
        try:
            signed_bytes(body)
        except InflatedTooLargeError as exc:
            return Verdict(Reason.UNDECODABLE_BODY, detail=f"({exc}.)")
        except ValueError:
            return Verdict(Reason.UNDECODABLE_BODY)
    return Verdict(Reason.UNSIGNED)


def _reserialized_verdict(payload: bytes, form: bytes, secret: Secret) -> Verdict:
    """``body_reserialized`` (authentic content), unless the body has duplicate keys (its
    re-encoding kept one value per key) or a number written with more digits than the
    re-encoding kept: then what an app parses may not be what was signed."""
    duplicates = duplicate_keys(payload)
    if duplicates == [] and same_numbers(payload, form):
        return Verdict(Reason.BODY_RESERIALIZED, secret.label)
    if duplicates == []:
        return Verdict(
            Reason.SIGNATURE_MISMATCH,
            detail="(A re-encoding of the body matches, but the body writes a number with "
            "more digits than the re-encoding kept: an application that reads numbers "
            "exactly (decimals, big numbers) parses other content than Stream signed.)",
        )
    if duplicates is None:
        named = "it cannot be checked for duplicate keys (nested too deep)"
    else:
        named = "it has duplicate JSON keys: " + ", ".join(repr(k) for k in duplicates[:10])
    return Verdict(
        Reason.SIGNATURE_MISMATCH,
        detail=f"(A re-encoding of the body matches, but {named}; re-encoding keeps one value "
        "per key, so what an application parses may differ from what Stream signed.)",
    )


def _reencoding_verdict(
    payload: bytes, expected: bytes, candidates: tuple[Secret, ...], forms: list[bytes]
) -> Verdict | None:
    """The verdict of the first re-encoding some candidate secret signed, or None."""
    for form in forms:
        found = matching(form, expected, candidates)
        if found is not None:
            return _reserialized_verdict(payload, form, found)
    return None


def _reserialized(payload: bytes, *, keep_same: bool = False) -> list[bytes]:
    """Stream's encodings of the parsed payload (those other than the payload itself, unless
    ``keep_same``); none when it is not JSON or is nested deeper than the encoders write."""
    try:
        forms = reserialized_forms(orjson.loads(payload))
    except (orjson.JSONDecodeError, TypeError, RecursionError):
        return []
    return forms if keep_same else [form for form in forms if form != payload]
