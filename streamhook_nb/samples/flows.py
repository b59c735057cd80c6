"""mitmproxy flow files (``mitmdump -w``) written without mitmproxy: each flow's state as
mitmproxy 11 saves it (flow format 21), as a tnetstring.

The state has the fields, types and order of what mitmdump 11 writes for a reverse proxy
(``mitmdump --mode reverse:http://localhost:8000 -p 8080 -w FILE``): text fields as ``str``,
the request line and headers as bytes, times as epoch seconds, a dict's items in the order the
file holds them (mitmproxy writes a state's last field first).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

FLOW_FORMAT = 21
"""The flow format of mitmproxy 11 and later."""
UPSTREAM = ("localhost", 8000)
"""The app behind the reverse proxy: mitmproxy rewrites ``Host`` to it."""
LISTENING = ("10.0.2.15", 8080)
"""The proxy's own address and port, where Stream's requests arrive."""
_NAMESPACE = uuid.UUID("1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0")


def dumps(value: Any) -> bytes:
    """``value`` as mitmproxy's ``tnetstring.dumps`` writes it: ``str`` as ``;`` text, bytes
    as ``,``, floats by their ``repr``, a dict's items in the order given."""
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
    raise TypeError(f"a flow holds no {type(value).__name__}")


def _netstring(payload: bytes, tag: bytes) -> bytes:
    return b"%d:%s%s" % (len(payload), payload, tag)


@dataclass(frozen=True)
class Exchange:
    """One request through the proxy and the app's answer, as the flow records them."""

    started: float
    """When the request's first byte arrived (epoch seconds)."""
    method: bytes
    path: bytes
    headers: Sequence[tuple[str, str]]
    """As the client sent them (mitmproxy keeps their case and order); ``Host`` is rewritten
    to :data:`UPSTREAM` in the state, as reverse mode does."""
    content: bytes | None
    """The body; None when mitmproxy streamed it without keeping it."""
    client: tuple[str, int]
    status: int = 200
    edited: bytes | None = None
    """A body the user put in place of ``content`` (mitmweb's edit): the flow then keeps the
    request as received in its backup."""
    replay: bool = False
    """Sent by mitmproxy itself (replay in mitmweb or the console), not by the client."""


def flow_file(exchanges: Sequence[Exchange]) -> bytes:
    """The flow file of ``exchanges``, one flow each, in order."""
    return b"".join(dumps(flow_state(n, item)) for n, item in enumerate(exchanges))


def flow_state(number: int, item: Exchange) -> dict[str, Any]:
    """The state mitmproxy 11 saves for one HTTP flow (its fields in file order)."""
    request = _request(item, item.content)
    backup = None
    if item.edited is not None:
        backup = _state(number, item, request, None, None)
        request = _request(item, item.edited)
    return _state(number, item, request, _response(item), backup)


def _id(number: int, what: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{what}-{number}"))


def _state(
    number: int,
    item: Exchange,
    request: dict[str, Any],
    response: dict[str, Any] | None,
    backup: dict[str, Any] | None,
) -> dict[str, Any]:
    started = item.started
    return {
        "websocket": None,
        "response": response,
        "request": request,
        "backup": backup,
        "timestamp_created": started + 0.0002,
        "comment": "",
        "metadata": {},
        "marked": "",
        "is_replay": "request" if item.replay else None,
        "intercepted": False,
        "server_conn": _server_conn(number, started),
        "client_conn": _client_conn(number, item),
        "error": None,
        "id": _id(number, "flow"),
        "type": "http",
        "version": FLOW_FORMAT,
    }


def _request(item: Exchange, content: bytes | None) -> dict[str, Any]:
    host, port = UPSTREAM
    headers = [
        [name.encode("latin-1"), (f"{host}:{port}" if name.lower() == "host" else value).encode()]
        for name, value in item.headers
    ]
    if content is not None and content is not item.content:  # an edit: its own length
        headers = [
            [name, str(len(content)).encode() if name.lower() == b"content-length" else value]
            for name, value in headers
        ]
    return {
        "path": item.path,
        "authority": b"",
        "scheme": b"http",
        "method": item.method,
        "port": port,
        "host": host,
        "timestamp_end": item.started + 0.0007,
        "timestamp_start": item.started,
        "trailers": None,
        "content": content,
        "headers": headers,
        "http_version": b"HTTP/1.1",
    }


def _response(item: Exchange) -> dict[str, Any]:
    body = b'{"ok":true}' if item.status < 400 else b'{"error":"invalid signature"}'
    reason = b"OK" if item.status < 400 else b"Unauthorized"
    return {
        "reason": reason,
        "status_code": item.status,
        "timestamp_end": item.started + 0.0091,
        "timestamp_start": item.started + 0.0086,
        "trailers": None,
        "content": body,
        "headers": [
            [b"content-type", b"application/json"],
            [b"content-length", str(len(body)).encode()],
            [b"date", _http_date(item.started)],
        ],
        "http_version": b"HTTP/1.1",
    }


def _http_date(seconds: float) -> bytes:
    from email.utils import formatdate

    return formatdate(int(seconds), usegmt=True).encode()


def _tls_fields() -> dict[str, Any]:
    return {
        "sni": None,
        "tls_version": None,
        "cipher_list": [],
        "cipher": None,
        "alpn_offers": [],
        "alpn": None,
        "certificate_list": [],
        "tls": False,
        "error": None,
        "transport_protocol": "tcp",
    }


def _server_conn(number: int, started: float) -> dict[str, Any]:
    host, port = UPSTREAM
    return {
        "via": None,
        "timestamp_tcp_setup": started + 0.0004,
        "address": [host, port],
        "timestamp_tls_setup": None,
        "timestamp_end": None,
        "timestamp_start": started + 0.0003,
        **_tls_fields(),
        "id": _id(number, "server"),
        "sockname": ["127.0.0.1", 51200 + number],
        "peername": ["127.0.0.1", port],
    }


def _client_conn(number: int, item: Exchange) -> dict[str, Any]:
    host, port = UPSTREAM
    return {
        "proxy_mode": f"reverse:http://{host}:{port}",
        "mitmcert": None,
        "timestamp_tls_setup": None,
        "timestamp_end": None,
        "timestamp_start": item.started - 0.0012,
        **_tls_fields(),
        "id": _id(number, "client"),
        "sockname": list(LISTENING),
        "peername": [item.client[0], item.client[1]],
    }
