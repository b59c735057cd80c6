"""mitmproxy flows of any shape for tests, written as tnetstrings (the sample generator's
``dumps``, which writes them as mitmproxy's ``tnetstring.dumps`` does)."""

from __future__ import annotations

from typing import Any

from streamhook_nb.samples.flows import dumps

__all__ = ["dumps", "flow_state"]


def flow_state(
    *,
    content: bytes | None = b'{"type":"message.new"}',
    method: bytes = b"POST",
    headers: list[list[bytes]] | None = None,
    version: Any = 21,
    kind: str = "http",
    **changes: Any,
) -> dict[str, Any]:
    """An HTTP flow's state as mitmproxy 11 writes it (its fields last first, as in a file)."""
    request = {
        "path": b"/webhooks/stream",
        "authority": b"",
        "scheme": b"http",
        "method": method,
        "port": 8000,
        "host": "127.0.0.1",
        "timestamp_end": 1795000000.25,
        "timestamp_start": 1795000000.125,
        "trailers": None,
        "content": content,
        "headers": headers if headers is not None else [[b"x-signature", b"ab" * 32]],
        "http_version": b"HTTP/1.1",
    }
    state: dict[str, Any] = {
        "websocket": None,
        "response": None,
        "request": request,
        "backup": None,
        "timestamp_created": 1795000000.0,
        "comment": "",
        "metadata": {},
        "marked": "",
        "is_replay": None,
        "intercepted": False,
        "server_conn": {},
        "client_conn": {"peername": ["203.0.113.7", 40000]},
        "error": None,
        "id": "9e8c1f4e-0000-0000-0000-000000000001",
        "type": kind,
        "version": version,
    }
    state.update(changes)
    return state
