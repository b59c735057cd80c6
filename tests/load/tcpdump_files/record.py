"""Record the captures in this folder with the real tcpdump (run as root: ``python record.py``).

An aiohttp receiver on 127.0.0.1 and [::1] gets Stream deliveries from a real HTTP client
(``requests``, keep-alive), signed with the demo secret, while tcpdump writes what it saw:

- ``lo.pcap``: ``tcpdump -i lo`` (Ethernet link type, microseconds);
- ``any-sll.pcap``: ``tcpdump -i any -y LINUX_SLL`` (Linux cooked capture v1, the default of
  libpcap before 1.10);
- ``any-sll2-nano.pcap.gz``: ``tcpdump -i any -y LINUX_SLL2 --time-stamp-precision=nano``
  (v2 is what ``-i any`` gives from libpcap 1.10 on), then gzip (as Wireshark saves
  ``.pcap.gz``);
- ``snap96.pcap``: ``tcpdump -i lo -s 96`` (every packet cut after 96 bytes);
- ``dumpcap-lo-any.pcapng``: Wireshark's ``dumpcap -i lo -i any`` (pcapng, two interfaces of
  different link types, so every packet is in the file twice);
- ``tshark-lo.pcapng.gz``: ``tshark -i lo -w``, then gzip.

Not run by the tests (tcpdump is no dependency of the project): the files are committed.
"""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from aiohttp import web

from streamhook_nb.background_server import BackgroundServer
from streamhook_nb.samples.webhooks import DEMO_API_KEY, DEMO_SECRET, encode, webhook_payloads
from streamhook_nb.verify.signing import sign

HERE = Path(__file__).parent


def payload(event_type: str, **extra: object) -> bytes:
    """A documented payload of this type, as Stream's encoder writes it."""
    event = next(p for p in webhook_payloads() if p["type"] == event_type)
    return encode({**event, **extra})


def headers(body: bytes, number: int, **extra: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Go-http-client/1.1",
        "X-Api-Key": DEMO_API_KEY,
        "X-Signature": sign(body, DEMO_SECRET),
        "X-Webhook-Id": f"6f1c2a57-7d3e-4c55-9b8e-2f0a61d1c0{number:02d}",
        "X-Webhook-Attempt": "1",
        **extra,
    }


async def hook(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(text="OK")


async def health(_: web.Request) -> web.Response:
    return web.Response(text="up")


def application() -> web.Application:
    app = web.Application()
    app.router.add_post("/webhooks/stream", hook)
    app.router.add_get("/health", health)
    return app


def main() -> None:
    four = BackgroundServer(application())
    _, port = four.start("127.0.0.1", 0)
    six = BackgroundServer(application())
    six.start("::1", port)
    rules = ["tcp", "port", str(port)]
    runs = {
        "lo.pcap": ["-i", "lo"],
        "any-sll.pcap": ["-i", "any", "-y", "LINUX_SLL"],
        "any-sll2-nano.pcap": ["-i", "any", "-y", "LINUX_SLL2", "--time-stamp-precision=nano"],
        "snap96.pcap": ["-i", "lo", "-s", "96"],
    }
    dumps = [
        subprocess.Popen(
            ["tcpdump", "-U", "-n", *options, "-w", str(HERE / name), *rules],
            stderr=subprocess.PIPE,
        )
        for name, options in runs.items()
    ]
    for dump in dumps:  # "listening on ..." once the capture runs
        assert dump.stderr is not None
        print(dump.stderr.readline().decode().strip(), file=sys.stderr)
    rule = " ".join(rules)
    for command in (
        ["dumpcap", "-q", "-i", "lo", "-i", "any", "-f", rule, "-w", "dumpcap-lo-any.pcapng"],
        ["tshark", "-q", "-i", "lo", "-f", rule, "-w", "tshark-lo.pcapng"],
    ):
        dumps.append(subprocess.Popen(command, cwd=HERE, stderr=subprocess.DEVNULL))
    time.sleep(3)  # dumpcap says nothing when it is ready
    reaction, read = payload("reaction.new"), payload("message.read")
    large = payload("message.new", padding="x" * 12_000)
    with requests.Session() as session:  # one keep-alive connection, as Stream's client keeps
        base = f"http://127.0.0.1:{port}"
        session.post(f"{base}/webhooks/stream", data=reaction, headers=headers(reaction, 1))
        session.get(f"{base}/health")
        session.post(f"{base}/webhooks/stream", data=large, headers=headers(large, 2))
        packed = gzip.compress(read, mtime=0)  # payload compression: signed uncompressed
        session.post(
            f"{base}/webhooks/stream",
            data=packed,
            headers=headers(read, 3, **{"Content-Encoding": "gzip"}),
        )
    with requests.Session() as session:
        session.post(
            f"http://[::1]:{port}/webhooks/stream", data=reaction, headers=headers(reaction, 4)
        )
    time.sleep(1)
    for dump in dumps:
        dump.send_signal(signal.SIGINT)
        dump.wait()
    four.stop()
    six.stop()
    for name in ("any-sll2-nano.pcap", "tshark-lo.pcapng"):
        plain = HERE / name
        (HERE / f"{name}.gz").write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
        plain.unlink()
    print(json.dumps({p.name: p.stat().st_size for p in sorted(HERE.glob("*.pcap*"))}))


if __name__ == "__main__":
    main()
