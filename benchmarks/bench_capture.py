"""Capture receiver under load, against a minimal aiohttp server that only appends to a file.

Signed ~1 KB deliveries over 16 keep-alive connections on loopback, the same load for both
servers in one run. Run: ``.venv/bin/python benchmarks/bench_capture.py`` (BENCH_REQUESTS=20000).
Targets (issue 6): at least 0.5x the minimal server's throughput, p99 latency under 50 ms,
zero non-200 answers.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import requests
from common import OUT

from streamhook_nb.samples.webhooks import deliveries

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "20000"))
CONNECTIONS = 16
MINIMAL = """
import sys
from aiohttp import web
log = open(sys.argv[2], "ab")
async def hook(request):
    log.write(await request.read() + b"\\n")
    log.flush()
    return web.Response(text="ok")
async def health(request):
    return web.Response(text="ok")
app = web.Application()
app.router.add_get("/healthz", health)
app.router.add_post("/{tail:.*}", hook)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(command: list[str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return process
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not start")


async def load(
    url: str, items: list[tuple[bytes, dict[str, str]]]
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    failures = 0
    queue = iter(items)
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal failures
            for body, headers in queue:
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    failures += response.status != 200
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        return time.perf_counter() - started, latencies, failures


def measure(
    command: list[str], port: int, items: list[tuple[bytes, dict[str, str]]]
) -> tuple[float, float, int]:
    process = start(command, port)
    try:
        wall, latencies, failures = asyncio.run(
            load(f"http://127.0.0.1:{port}/webhooks/stream", items)
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    return len(items) / wall, p99, failures


def main() -> None:
    OUT.mkdir(exist_ok=True)
    items = [(d.body, {**d.headers}) for d in deliveries(REQUESTS, seed=4)]
    size = sum(len(b) for b, _ in items) / len(items)
    results = {}
    for name in ("minimal", "capture"):
        log = OUT / f"bench-{name}.jsonl"
        log.unlink(missing_ok=True)
        port = free_port()
        if name == "minimal":
            command = [sys.executable, "-c", MINIMAL, str(port), str(log)]
        else:
            command = [
                str(Path(sys.executable).parent / "streamhook-nb"),
                "capture",
                "--port",
                str(port),
                "--out",
                str(log),
            ]
        results[name] = measure(command, port, items)
    print(
        f"{REQUESTS} deliveries of {size:.0f} bytes, {CONNECTIONS} keep-alive connections, loopback"
    )
    for name, (rate, p99, failures) in results.items():
        print(f"{name:8}: {rate:7.0f} deliveries/s   p99 {p99:6.1f} ms   non-200: {failures}")
    ratio = results["capture"][0] / results["minimal"][0]
    print(f"capture / minimal throughput = {ratio:.2f}x (target >= 0.5x); p99 target < 50 ms")


if __name__ == "__main__":
    main()
