"""Fuzzing the mitmproxy flow reader: damaged flow files and flows whose fields hold anything
never crash or hang, and every flow is loaded, rejected or skipped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fuzzing import FUZZ, load_case, mutated
from hypothesis import given
from hypothesis import strategies as st
from tnetstrings import dumps, flow_state

REAL = (Path(__file__).parents[1] / "load" / "mitmproxy_files" / "edited.mitm").read_bytes()
"""Two flows written by mitmdump (one edited, with its backup)."""
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.binary(max_size=12)
    | st.text(max_size=12)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)
"""Any value a tnetstring holds, small: what a damaged or foreign flow may put in a field."""


def _maybe(value: object) -> st.SearchStrategy[object]:
    return st.just(value) | VALUES


FLOWS = st.builds(
    lambda fields: flow_state(**fields),
    st.fixed_dictionaries(
        {},
        optional={
            "version": _maybe(21) | st.integers(min_value=0, max_value=30),
            "type": _maybe("http") | st.sampled_from(["tcp", "udp", "dns", b"http"]),
            "content": _maybe(b'{"type":"message.new"}'),
            "method": st.sampled_from([b"POST", b"GET", b"post"]),
            "headers": _maybe([[b"x-signature", b"ab" * 32]]) | st.lists(VALUES, max_size=3),
            "is_replay": _maybe(None) | st.sampled_from(["request", "response"]),
            "client_conn": _maybe({"peername": ["127.0.0.1", 1]}),
            "backup": _maybe(None),
            "response": _maybe({"status_code": 200}),
            "request": _maybe(flow_state()["request"]),
        },
    ),
)


def test_seeds_load_whole() -> None:
    assert load_case("flows", REAL).deliveries == 2
    assert load_case("flows", dumps(flow_state())).deliveries == 1


@FUZZ
@given(content=mutated(REAL))
def test_damaged_flow_file(content: bytes) -> None:
    load_case("flows", content)


@FUZZ
@given(content=mutated(REAL))
def test_damaged_flow_file_forced(content: bytes) -> None:
    load_case("flows", content, format="mitmproxy")


@FUZZ
@given(flows=st.lists(FLOWS, min_size=1, max_size=4))
def test_flows_of_any_shape(flows: list[dict[str, Any]]) -> None:
    outcome = load_case("flows", b"".join(map(dumps, flows)), format="mitmproxy")
    assert outcome.records == len(flows)
