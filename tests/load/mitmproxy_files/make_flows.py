"""Write the flow files in this folder with the real ``mitmdump`` (mitmproxy 11.0.2 wrote them,
flow format 21): mitmdump as a reverse proxy on 127.0.0.1 in front of a small aiohttp receiver,
Stream deliveries POSTed through it, signed with the demo secret.

mitmproxy is not a dependency: install it apart (``python3 -m venv mitm-venv &&
mitm-venv/bin/pip install mitmproxy``), then run ``MITMDUMP=mitm-venv/bin/mitmdump python
tests/load/mitmproxy_files/make_flows.py`` from the repository's root (``curl`` sends the HTTP/2
request).

- ``deliveries.mitm``: a POST, a gzip POST, ``GET /`` and a favicon, a POST whose body is not
  UTF-8, a chunked POST, an HTTP/2 POST (over TLS), a WebSocket.
- ``streamed.mitm`` (``--set stream_large_bodies=64k``): a small POST, and one of 100 KiB that
  mitmproxy streamed and so did not keep.
- ``edited.mitm``: an addon backs the first flow up and edits its body, as an edit in mitmweb
  does; the second is as received.
- ``replayed.mitm``: ``mitmdump -nC edited.mitm`` (client replay) re-sending both.
- ``tcp.mitm``: a POST through ``reverse:tcp://``, a TCP flow.

``mitmproxy-10.4.2.mitm`` and ``mitmproxy-9.0.1.mitm`` are ``deliveries.mitm`` as those versions
of mitmdump write it (flow formats 20 and 18): ``make_flows.py mitmproxy-10.4.2.mitm``, with
``MITMDUMP`` naming that version's mitmdump, writes only the first file, under that name.
"""

from __future__ import annotations

import asyncio
import gzip
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from aiohttp import web

from streamhook_nb.samples.webhooks import DEMO_API_KEY, DEMO_SECRET, stream_headers
from streamhook_nb.verify.stream_json import encode

MITMDUMP = os.environ.get("MITMDUMP", "mitmdump")
CONF = tempfile.mkdtemp()  # mitmproxy's certificates, made afresh
OUT = Path(__file__).parent
EXAMPLES = json.loads(Path("streamhook_nb/payloads/stream-payload-examples.json").read_text())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def hook(request: web.Request) -> web.StreamResponse:
    if request.path == "/ws":
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            await ws.send_str(f"echo {msg.data}")
        return ws
    await request.read()
    return web.json_response({"ok": True})


def start_receiver() -> tuple[int, asyncio.AbstractEventLoop]:
    import threading

    port = free_port()
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", hook)
        runner = web.AppRunner(app)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        ready.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    ready.wait()
    return port, loop


def mitmdump(*args: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [MITMDUMP, "-q", "--set", f"confdir={CONF}", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc


def reverse_proxy(target: str, port: int, flows: Path, *options: str) -> subprocess.Popen[bytes]:
    """``mitmdump`` in reverse mode in front of ``target`` on 127.0.0.1:``port``, writing
    ``flows``, once it listens."""
    proc = mitmdump(
        "--mode", f"reverse:{target}", "-p", str(port), "--listen-host", "127.0.0.1",
        *options, "-w", str(flows),
    )  # fmt: skip
    wait_port(port)
    return proc


def wait_port(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"mitmdump did not listen on {port}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(20)


def delivery(
    index: int, *, gzipped: bool = False, mangle: bool = False
) -> tuple[bytes, dict[str, str]]:
    payload = EXAMPLES[index]["payload"]
    body = encode(payload)
    if mangle:  # a body that is not UTF-8 (latin-1 bytes), signed as it is
        body = body.replace(b"}", b',"note":"caf\xe9 \xff"}', 1)
    headers = stream_headers(body, DEMO_SECRET, DEMO_API_KEY, str(uuid.UUID(int=index + 1)))
    del headers["host"]
    if gzipped:
        body = gzip.compress(body, mtime=0)
        headers["content-encoding"] = "gzip"
    headers["content-length"] = str(len(body))
    return body, headers


def post(port: int, path: str, body: bytes, headers: dict[str, str], chunked: bool = False) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    if chunked:
        headers = {k: v for k, v in headers.items() if k != "content-length"}
        headers["transfer-encoding"] = "chunked"
        conn.putrequest("POST", path, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.endheaders()
        for start in range(0, len(body), 300):
            piece = body[start : start + 300]
            conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        conn.send(b"0\r\n\r\n")
    else:
        conn.request("POST", path, body=body, headers=headers)
    conn.getresponse().read()
    conn.close()


def get(port: int, path: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"user-agent": "Mozilla/5.0", "accept": "*/*"})
    conn.getresponse().read()
    conn.close()


def main() -> None:
    upstream, _ = start_receiver()
    # 1. deliveries: plain, gzip, non-UTF-8, chunked, GET, favicon, HTTP/2, websocket
    port = free_port()
    only = sys.argv[1] if len(sys.argv) > 1 else None  # the first file only, so named
    flows = OUT / (only or "deliveries.mitm")
    flows.unlink(missing_ok=True)
    proc = reverse_proxy(f"http://127.0.0.1:{upstream}", port, flows)
    post(port, "/webhooks/stream", *delivery(0))
    post(port, "/webhooks/stream", *delivery(8, gzipped=True))
    get(port, "/")
    get(port, "/favicon.ico")
    post(port, "/webhooks/stream?tenant=a", *delivery(14, mangle=True))
    post(port, "/webhooks/stream", *delivery(1), chunked=True)
    body, headers = delivery(21)
    h2 = Path(CONF) / "h2body.json"
    h2.write_bytes(body)
    cmd = ["curl", "-sk", "--http2", "-o", "/dev/null", "--data-binary", f"@{h2}"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    subprocess.run([*cmd, f"https://127.0.0.1:{port}/webhooks/stream"], check=True)
    h2.unlink()

    async def ws() -> None:
        import aiohttp

        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"http://127.0.0.1:{port}/ws") as socket_,
        ):
            await socket_.send_str("hello")
            await socket_.receive()

    asyncio.run(ws())
    time.sleep(0.5)
    stop(proc)

    if only:
        return

    # 2. streamed: a body larger than stream_large_bodies is forwarded, not kept
    port = free_port()
    flows = OUT / "streamed.mitm"
    flows.unlink(missing_ok=True)
    proc = reverse_proxy(
        f"http://127.0.0.1:{upstream}", port, flows, "--set", "stream_large_bodies=64k"
    )
    post(port, "/webhooks/stream", *delivery(32))
    big = json.loads(encode(EXAMPLES[9]["payload"]))
    big["channel"]["padding"] = "x" * 100_000
    body = encode(big)
    headers = stream_headers(body, DEMO_SECRET, DEMO_API_KEY, str(uuid.UUID(int=99)))
    del headers["host"]
    post(port, "/webhooks/stream", body, headers)
    time.sleep(0.5)
    stop(proc)

    # 3. edited: an addon backs the flow up and edits the body (as an edit in mitmweb does)
    port = free_port()
    flows = OUT / "edited.mitm"
    flows.unlink(missing_ok=True)
    addon = Path(CONF) / "edit_addon.py"
    addon.write_text(
        "def request(flow):\n"
        "    content = flow.request.content\n"
        "    if flow.request.headers.get('x-webhook-attempt') == '1' and b'member' in content:\n"
        "        flow.backup()\n"
        "        flow.request.content = flow.request.content.replace(b'member', b'MEMBER')\n"
    )
    proc = reverse_proxy(f"http://127.0.0.1:{upstream}", port, flows, "-s", str(addon))
    post(port, "/webhooks/stream", *delivery(8))
    post(port, "/webhooks/stream", *delivery(20))
    time.sleep(0.5)
    stop(proc)

    # 4. replayed: mitmdump -C re-sends the flows of file 1 (client replay)
    flows = OUT / "replayed.mitm"
    flows.unlink(missing_ok=True)
    proc = mitmdump(
        "-n",
        "-C",
        str(OUT / "edited.mitm"),
        "--set",
        "client_replay_concurrency=1",
        "-w",
        str(flows),
        "--set",
        "keep_host_header=true",
    )
    time.sleep(6)
    stop(proc)

    # 5. tcp: a raw TCP flow through reverse:tcp
    port = free_port()
    flows = OUT / "tcp.mitm"
    flows.unlink(missing_ok=True)
    proc = reverse_proxy(f"tcp://127.0.0.1:{upstream}", port, flows)
    post(port, "/webhooks/stream", *delivery(17))
    time.sleep(0.5)
    stop(proc)


if __name__ == "__main__":
    main()
