"""Each verdict reason on constructed deliveries, and agreement with the official SDK."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import orjson
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from stream_chat.webhook import verify_signature

from streamhook_nb.verify import verdict as verdict_module
from streamhook_nb.verify.reasons import HINTS, Reason
from streamhook_nb.verify.secrets import Keyring, Secret
from streamhook_nb.verify.signing import sign
from streamhook_nb.verify.stream_json import encode
from streamhook_nb.verify.verdict import HEADER_WHITESPACE, judge, signature_bytes

SECRET = "app-one-secret"
OTHER = "app-two-secret"
BODY = encode({"type": "message.new", "message": {"text": "a <b> & c", "html": "<p>é</p>"}})
ONE = Keyring((Secret(SECRET, "STREAM_API_SECRET"),), expected_api_key="key1")
BOTH = Keyring(apps={"key1": (Secret(SECRET, "f:key1"),), "key2": (Secret(OTHER, "f:key2"),)})


def check(
    body: bytes | None = BODY,
    signature: str | None = None,
    api_key: str | None = "key1",
    *,
    transport: str = "http",
    fidelity: str = "exact",
    keyring: Keyring = ONE,
) -> tuple[Reason, str | None]:
    if signature is None and body is not None:
        signature = sign(body, SECRET)
    result = judge(body, signature, api_key, transport, fidelity, keyring)
    return result.reason, result.matched_secret


def test_ok_and_matched_label() -> None:
    assert check() == (Reason.OK, "STREAM_API_SECRET")
    assert check(keyring=BOTH) == (Reason.OK, "f:key1")


def test_header_is_trimmed_and_case_insensitive() -> None:
    assert check(signature=f"  {sign(BODY, SECRET).upper()}\n")[0] is Reason.OK


def test_rotation_reports_which_secret_matched() -> None:
    ring = Keyring((Secret("new-secret", "NEW"), Secret(SECRET, "OLD")))
    assert check(keyring=ring) == (Reason.OK, "OLD")


def test_missing_and_malformed_signature() -> None:
    assert judge(BODY, None, "key1", "http", "exact", ONE).reason is Reason.MISSING_SIGNATURE
    for bad in ("sha256=" + sign(BODY, SECRET), sign(BODY, SECRET)[:40], "z" * 64, ""):
        assert check(signature=bad)[0] is Reason.MALFORMED_SIGNATURE


def test_tampered_body_is_a_mismatch() -> None:
    assert check(signature=sign(BODY + b" ", SECRET)) == (Reason.SIGNATURE_MISMATCH, None)


@pytest.mark.parametrize(
    "redumped",
    [
        json.dumps(json.loads(BODY)).encode(),  # Python's default: spaces, \\u escapes
        json.dumps(json.loads(BODY), separators=(",", ":"), ensure_ascii=False).encode(),
        orjson.dumps(json.loads(BODY), option=orjson.OPT_INDENT_2),  # pretty-printed
    ],
)
def test_reserialized_body_is_recognised(redumped: bytes) -> None:
    assert redumped != BODY
    assert check(redumped, sign(BODY, SECRET)) == (Reason.BODY_RESERIALIZED, "STREAM_API_SECRET")


def test_secret_with_whitespace() -> None:
    ring = Keyring((Secret(SECRET + "\n", "FILE_SECRET"),))
    assert check(keyring=ring) == (Reason.SECRET_WHITESPACE, "FILE_SECRET (trimmed)")


def test_another_apps_delivery() -> None:
    other_body = encode({"type": "user.updated"})
    reason, matched = check(other_body, sign(other_body, OTHER), "key1", keyring=BOTH)
    assert (reason, matched) == (Reason.API_KEY_MISMATCH, "f:key2")
    # Only one secret known, and X-Api-Key names another app:
    assert check(other_body, sign(other_body, OTHER), "key2")[0] is Reason.API_KEY_MISMATCH


def test_unknown_app() -> None:
    body = encode({"type": "user.updated"})
    assert check(body, sign(body, "third"), "key3", keyring=BOTH)[0] is Reason.UNKNOWN_APP
    assert check(body, sign(body, "third"), None, keyring=BOTH)[0] is Reason.UNKNOWN_APP


def test_gzip_body_verifies_on_uncompressed_bytes() -> None:
    zipped = gzip.compress(BODY)
    assert check(zipped, sign(BODY, SECRET))[0] is Reason.OK
    assert check(zipped, sign(zipped, SECRET))[0] is Reason.SIGNATURE_MISMATCH
    assert check(zipped[:20], sign(BODY, SECRET))[0] is Reason.UNDECODABLE_BODY


def test_no_verdict_for_unsigned_or_unverifiable() -> None:
    assert check(transport="sqs")[0] is Reason.UNSIGNED
    assert check(transport="sns", signature="x")[0] is Reason.UNSIGNED
    for fidelity in ("truncated", "missing"):
        assert check(fidelity=fidelity)[0] is Reason.UNVERIFIABLE
    assert check(None, "ab" * 32)[0] is Reason.UNVERIFIABLE
    assert check(fidelity="decoded")[0] is Reason.OK


def test_a_rebuilt_body_whose_stream_encoding_matches_is_authentic_content() -> None:
    """An app's log of its parsed request (fidelity ``reconstructed``): the bytes are gone, but
    a re-encoding in Stream's form that matches proves the content is what Stream signed."""
    parsed_and_dumped = orjson.dumps(orjson.loads(BODY))  # no Go escapes: not the signed bytes
    assert parsed_and_dumped != BODY
    signature = sign(BODY, SECRET)
    assert check(parsed_and_dumped, signature, fidelity="reconstructed") == (
        Reason.BODY_RESERIALIZED,
        "STREAM_API_SECRET",
    )
    assert check(BODY, signature, fidelity="reconstructed")[0] is Reason.BODY_RESERIALIZED


def test_a_rebuilt_body_that_no_encoding_matches_has_no_verdict() -> None:
    """Not a mismatch: the bytes Stream signed were not kept, so nothing can be concluded."""
    changed = encode({"type": "message.deleted"})
    assert check(changed, sign(BODY, SECRET), fidelity="reconstructed")[0] is Reason.UNVERIFIABLE
    assert check(b"not json", sign(BODY, SECRET), fidelity="reconstructed")[0] is (
        Reason.UNVERIFIABLE
    )
    assert judge(BODY, None, "key1", "http", "reconstructed", ONE).reason is Reason.UNVERIFIABLE
    assert check(BODY, "zz", fidelity="reconstructed")[0] is Reason.UNVERIFIABLE
    assert check(BODY, sign(BODY, OTHER), fidelity="reconstructed")[0] is Reason.UNVERIFIABLE


def test_valid_is_true_false_or_none() -> None:
    assert Reason.OK.valid is True
    assert Reason.SIGNATURE_MISMATCH.valid is False
    assert Reason.UNSIGNED.valid is None
    assert Reason.UNVERIFIABLE.valid is None
    assert set(HINTS) == set(Reason)


def test_reason_strings_are_the_contract() -> None:
    assert [r.value for r in Reason] == [
        "ok",
        "missing_signature",
        "malformed_signature",
        "signature_mismatch",
        "body_reserialized",
        "secret_whitespace",
        "api_key_mismatch",
        "unknown_app",
        "undecodable_body",
        "unverifiable",
        "unsigned",
    ]


def test_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(verdict_module, "compare_digest", spy)
    assert check()[0] is Reason.OK
    assert check(signature=sign(b"x", SECRET))[0] is Reason.SIGNATURE_MISMATCH
    assert len(calls) >= 2


def test_signature_bytes() -> None:
    assert signature_bytes("ab" * 32) == bytes.fromhex("ab" * 32)
    assert signature_bytes(" " + "AB" * 32 + " ") == bytes.fromhex("ab" * 32)
    assert signature_bytes("ab " * 21 + "a") is None


def test_official_test_vectors() -> None:
    from streamhook_nb.events.catalog import documented_examples

    for vector in (e for e in documented_examples() if "raw_body" in e):
        ring = Keyring((Secret(vector["secret"], "vector"),))
        body = vector["raw_body"].encode()
        assert judge(body, vector["x_signature"], None, "http", "exact", ring).reason is Reason.OK


@settings(max_examples=2000)
@given(
    body=st.binary(max_size=500) | st.text(max_size=300).map(str.encode),
    secret=st.text(min_size=1, max_size=40),
    signature=st.one_of(
        st.none(),
        st.text(alphabet="0123456789abcdefABCDEF \t\r\n\x0b\xa0\u2028", max_size=70),
        st.just("valid"),
        st.just("other"),
    ),
    gzipped=st.booleans(),
)
def test_valid_agrees_with_the_official_sdk(
    body: bytes, secret: str, signature: str | None, gzipped: bool
) -> None:
    assume(gzipped or not body.startswith(b"\x1f\x8b"))  # a raw body that only looks gzipped
    if signature == "valid":
        signature = sign(body, secret)
    elif signature == "other":
        signature = sign(body + b"!", secret)
    sent = gzip.compress(body) if gzipped else body
    ring = Keyring((Secret(secret, "S"),))
    ours = judge(sent, signature, None, "http", "exact", ring)
    if signature is None:
        assert ours.valid is False
        return
    # The one difference, on purpose: we trim ASCII whitespace and accept upper-case hex.
    official = verify_signature(body, signature.strip(HEADER_WHITESPACE).lower(), secret)
    assert ours.valid is official
    if signature == signature.strip(HEADER_WHITESPACE).lower():  # the header as Stream sends it
        assert ours.valid is verify_signature(body, signature, secret)


def test_sqs_base64_capture_is_unsigned() -> None:
    payload = base64.b64encode(BODY)
    assert check(payload, transport="sqs")[0] is Reason.UNSIGNED


def test_every_sample_delivery_agrees_with_the_official_sdk(data_dir: Path) -> None:
    from streamhook_nb import load_log
    from streamhook_nb.load.body import signed_bytes
    from streamhook_nb.samples.webhooks import DEMO_SECRET, SECOND_API_KEY, SECOND_SECRET

    ring = Keyring(
        apps={
            "demo_api_key": (Secret(DEMO_SECRET, "A"),),
            SECOND_API_KEY: (Secret(SECOND_SECRET, "B"),),
        }
    )
    frame = load_log(data_dir).deliveries
    exact = frame[
        (frame["transport"] == "http")
        & frame["fidelity"].isin(["exact", "decoded"])
        & frame["signature"].notna()
    ]
    assert len(exact) > 200
    for body, signature, api_key in zip(
        exact["body"], exact["signature"], exact["api_key"], strict=True
    ):
        secret = SECOND_SECRET if api_key == SECOND_API_KEY else DEMO_SECRET
        ours = judge(body, signature, api_key, "http", "exact", ring).valid
        header = signature.strip(HEADER_WHITESPACE).lower()
        assert ours is verify_signature(signed_bytes(body), header, secret)


def test_lost_api_key_header_tries_every_configured_app() -> None:
    other_body = encode({"type": "user.updated"})
    assert check(other_body, sign(other_body, OTHER), None, keyring=BOTH) == (Reason.OK, "f:key2")
    unknown = judge(other_body, sign(other_body, "third"), None, "http", "exact", BOTH)
    assert unknown.reason is Reason.UNKNOWN_APP
    assert "no X-Api-Key header" in unknown.hint


def test_sdk_difference_is_only_ascii_whitespace_and_case() -> None:
    header = sign(BODY, SECRET)
    for sent in (f" {header}\r\n", f"\t{header.upper()}"):
        assert check(signature=sent)[0] is Reason.OK
        assert verify_signature(BODY, sent, SECRET) is False  # the SDK compares exactly
    assert verify_signature(BODY, header, SECRET) is True


@pytest.mark.parametrize("space", ["\xa0", "\x0b", "\x0c", "\u2028", "\u3000", "\x85"])
def test_no_trimming_beyond_ascii_whitespace(space: str) -> None:
    for sent in (f"{space}{sign(BODY, SECRET)}", f"{sign(BODY, SECRET)}{space}"):
        result = judge(BODY, sent, "key1", "http", "exact", ONE)
        assert result.reason is Reason.MALFORMED_SIGNATURE
        assert "(got 65 characters)" in result.hint
    assert signature_bytes("\xa0" + "ab" * 32) is None


@pytest.mark.parametrize(
    ("signed", "captured", "duplicates"),
    [
        (
            b'{"type":"message.new","user":{"id":"a"}}',
            b'{"type":"x","type":"message.new", "user":{"id":"a"}}',
            "'type'",
        ),
        (
            b'{"type":"message.new","user":{"id":"b"}}',
            b'{"type":"message.new","user":{"id":"a", "id":"b"}}',
            "'id'",
        ),
        (b'{"a":[{"k":2}]}', b'{"a":[{"k":1,"k":2}]}', "'k'"),
    ],
)
def test_duplicate_keys_are_never_called_authentic(
    signed: bytes, captured: bytes, duplicates: str
) -> None:
    result = judge(captured, sign(signed, SECRET), "key1", "http", "exact", ONE)
    assert result.reason is Reason.SIGNATURE_MISMATCH
    assert result.valid is False
    assert f"duplicate JSON keys: {duplicates}" in result.hint
    assert "what an application parses may differ" in result.hint


def test_reserialized_body_without_duplicates_is_still_recognised() -> None:
    redumped = json.dumps(json.loads(BODY)).encode()
    assert check(redumped, sign(BODY, SECRET))[0] is Reason.BODY_RESERIALIZED


def test_corrupt_gzip_in_a_queue_message_is_flagged() -> None:
    damaged = gzip.compress(BODY)[:-9] + b"\x00" * 9
    for transport in ("sqs", "sns"):
        result = judge(damaged, None, None, transport, "exact", ONE)
        assert (result.reason, result.valid) == (Reason.UNDECODABLE_BODY, False)
    assert check(gzip.compress(BODY), transport="sqs", fidelity="decoded")[0] is Reason.UNSIGNED


_SIGNATURES = st.sampled_from(
    [
        sign(BODY, SECRET),
        sign(BODY, OTHER),
        sign(BODY, SECRET).upper(),
        f" {sign(BODY, SECRET)} ",
        "0" * 64,
        "zz" * 32,
        "ab " * 21 + "a",
        "",
        None,
    ]
)
_DELIVERY = st.tuples(
    st.sampled_from([BODY, BODY + b" ", gzip.compress(BODY, mtime=0), None]),
    _SIGNATURES,
    st.sampled_from(["key1", "key2", "key3", None]),
    st.sampled_from(["http", "sqs"]),
    st.sampled_from(["exact", "reconstructed"]),
)


@settings(max_examples=300)
@given(batch=st.lists(_DELIVERY, max_size=12), keyring=st.sampled_from([ONE, BOTH]))
@example(  # two apps in one batch: each API key has its own secrets
    batch=[
        (BODY, sign(BODY, SECRET), "key1", "http", "exact"),
        (BODY, sign(BODY, OTHER), "key2", "http", "exact"),
        (BODY, sign(BODY, OTHER), None, "http", "exact"),
    ],
    keyring=BOTH,
)
def test_a_batch_is_judged_as_each_delivery_alone(
    batch: list[tuple[bytes | None, str | None, str | None, str, str]], keyring: Keyring
) -> None:
    columns = [list(column) for column in zip(*batch, strict=True)] or [[]] * 5
    bodies, signatures, api_keys, transports, fidelities = columns
    together = verdict_module.judge_many(
        bodies, signatures, api_keys, transports, fidelities, keyring
    )
    assert together == [judge(*delivery, keyring) for delivery in batch]
    quick = verdict_module.quick_labels(
        [b if t == "http" and f == "exact" else None for b, _, _, t, f in batch],
        signatures,
        api_keys,
        keyring,
    )
    for label, verdict, (body, signature, *_) in zip(quick, together, batch, strict=True):
        clean = signature is not None and signature == signature.strip()
        plain = body is not None and not body.startswith(b"\x1f\x8b")
        expected = (
            verdict.matched_secret if verdict.reason is Reason.OK and clean and plain else None
        )
        assert label == expected  # the quick way finds every clean match, and only those


def test_a_gzip_bomb_is_undecodable_never_inflated_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small gzip body that inflates past the cap (a megabyte of gzip can hold a gigabyte)
    is ``undecodable_body`` saying so, over HTTP and over a queue; the loader's event fields
    and retry digests read it without inflating it either. Just under the cap still verifies."""
    from streamhook_nb import load_log, verify_deliveries
    from streamhook_nb.load import body as body_module
    from streamhook_nb.load.payload import event_type

    monkeypatch.setattr(body_module, "MAX_INFLATED_BYTES", 1 << 20)
    payload = b'{"type":"message.new","pad":"' + b" " * (2 << 20) + b'"}'
    just_under = b'{"type":"message.new","pad":"' + b" " * ((1 << 20) - 40) + b'"}'
    lines = []
    for number, (signed, transport) in enumerate(
        [(payload, "http"), (payload, "sqs"), (just_under, "http")]
    ):
        record = {
            "received_at": None,
            "method": "POST",
            "path": "/hook",
            "headers": {"x-signature": sign(signed, SECRET), "x-webhook-id": f"w{number}"},
            "body_b64": base64.b64encode(gzip.compress(signed)).decode(),
            "transport": transport,
        }
        lines.append(orjson.dumps(record))
    path = tmp_path / "bomb.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    frame = verify_deliveries(load_log(path).deliveries, ONE)
    assert list(frame["reason"].astype(str)) == ["undecodable_body"] * 2 + ["ok"]
    assert "inflates past 1 MiB" in frame["hint"].iloc[0]
    assert "inflates past 1 MiB" in frame["hint"].iloc[1]
    assert [event_type(body) for body in frame["body"]] == [None, None, "message.new"]
