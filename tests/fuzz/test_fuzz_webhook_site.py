"""Fuzzing the webhook.site reader: any field of any request may hold anything."""

from __future__ import annotations

import json
from typing import Any

from fuzzing import FUZZ, JSON_VALUES, dumps, json_lines, load_case, maybe, mutated
from hypothesis import given
from hypothesis import strategies as st

BODY = '{"type":"message.new","message":{"text":"hi \\u003cb\\u003e"}}'
REQUESTS = st.fixed_dictionaries(
    {
        "uuid": st.just("a2a6a4ae-4130-4063-953a-84fa29d81d43"),
        "token_id": st.just("a94a7294-c4aa-4074-ab77-c4cf86fd53b1"),
    },
    optional={
        "type": maybe("web") | st.sampled_from(["email", "dns"]),
        "method": maybe("POST") | st.sampled_from(["GET", "post"]),
        "content": maybe(BODY),
        "headers": maybe({"x-signature": ["ab" * 32], "content-length": [str(len(BODY))]})
        | st.dictionaries(
            st.sampled_from(["x-signature", "content-length", "content-encoding"]),
            st.lists(st.text(max_size=8), max_size=2) | st.text(max_size=8),
            max_size=3,
        ),
        "url": maybe("https://webhook.site/a94a/hook?x=1") | st.sampled_from(["http://[::1", ""]),
        "created_at": maybe("2026-11-26 10:00:00")
        | st.sampled_from(["2026-13-40 99:99:99", "1600-01-01 00:00:00", "now"]),
        "ip": maybe("127.0.0.1"),
    },
)


def _page(items: list[Any]) -> bytes:
    return dumps({"data": items, "total": len(items), "per_page": 50})


@FUZZ
@given(items=st.lists(REQUESTS, min_size=1, max_size=5))
def test_requests_in_a_page(items: list[Any]) -> None:
    outcome = load_case("requests.json", _page(items))
    assert outcome.records == len(items)


@FUZZ
@given(items=st.lists(REQUESTS | JSON_VALUES, min_size=1, max_size=5))
def test_one_value_per_line(items: list[Any]) -> None:
    load_case("requests.jsonl", json_lines(items), format="webhook-site")


SEED = json.dumps(
    {
        "data": [
            {
                "uuid": "u",
                "token_id": "t",
                "method": "POST",
                "content": BODY,
                "headers": {"x-signature": ["ab" * 32]},
                "created_at": "2026-11-26 10:00:00",
            }
        ]
        * 2,
        "per_page": 50,
    },
    indent=2,
).encode()


@FUZZ
@given(content=mutated(SEED))
def test_damaged_page(content: bytes) -> None:
    load_case("requests.json", content)
