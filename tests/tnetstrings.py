"""Write tnetstrings as mitmproxy's ``tnetstring.dumps`` does (for tests: flows of any shape)."""

from __future__ import annotations

from typing import Any


def dumps(value: Any) -> bytes:
    """``value`` as a tnetstring: ``str`` as ``;`` text, ``bytes`` as ``,``, a dict's items
    in the order given (mitmproxy's writer puts a dict's last item first: :func:`flow_state`
    lists a flow's fields in the order a file holds them)."""
    if value is None:
        return b"0:~"
    if value is True or value is False:
        text = b"true" if value else b"false"
        return b"%d:%s!" % (len(text), text)
    if isinstance(value, int):
        return _netstring(str(value).encode(), b"#")
    if isinstance(value, float):
        return _netstring(repr(value).encode(), b"^")
    if isinstance(value, bytes):
        return _netstring(value, b",")
    if isinstance(value, str):
        return _netstring(value.encode(), b";")
    if isinstance(value, list | tuple):
        return _netstring(b"".join(map(dumps, value)), b"]")
    if isinstance(value, dict):
        return _netstring(b"".join(dumps(k) + dumps(v) for k, v in value.items()), b"}")
    raise TypeError(f"cannot write {type(value).__name__}")


def _netstring(payload: bytes, tag: bytes) -> bytes:
    return b"%d:%s%s" % (len(payload), payload, tag)


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
