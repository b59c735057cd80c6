"""A folder of one file per delivery, as a tool (or a bucket) that keeps each request on its
own leaves it: built for the tests of loading and streaming many small files."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import orjson

DATA = Path(__file__).resolve().parents[1] / "data"


def _record(n: int, received_at: str | None = "2026-11-26T10:00:00Z") -> bytes:
    body = orjson.dumps({"type": "message.new", "n": n}).decode()
    record: dict[str, object] = {
        "received_at": received_at,
        "method": "POST",
        "path": "/h",
        "headers": {},
    }
    return orjson.dumps(record | {"body": body}) + b"\n"


def _raw(n: int) -> bytes:
    body = orjson.dumps({"type": "reaction.new", "n": n})
    head = f"POST /h HTTP/1.1\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    return b"GET /favicon.ico HTTP/1.1\r\n\r\n" + head + body


def folder_of_small_files(folder: Path) -> Path:
    """Files of one to three deliveries, with bad lines, bad times, skipped requests, other
    formats in between, and one file big enough to stay a batch of its own."""
    folder.mkdir()
    for n in range(120):
        lines = [_record(n)] * (1 + n % 3)
        if n % 7 == 0:
            lines.insert(1, b"not json\n")
        if n % 11 == 0:
            lines.append(_record(n, received_at="yesterday"))
        if n % 13 == 0:
            lines = [b'{"received_at": null, "method": "POST"}\n'] * 2  # only rejected records
        (folder / f"d{n:03d}.jsonl").write_bytes(b"".join(lines))
        if n % 17 == 0:
            (folder / f"d{n:03d}.http").write_bytes(_raw(n))
        if n % 29 == 0:
            shutil.copy(DATA / "har" / "devtools-export.har", folder / f"d{n:03d}.har")
    (folder / "d060-big.jsonl").write_bytes(b"".join(_record(n) for n in range(400)))
    return folder


def record_gathered(monkeypatch: Any) -> list[int]:
    """Record how many parts each task of ``log_ranges.gathered`` holds, as tasks are made."""
    from streamhook_nb.load import log_ranges

    sizes: list[int] = []
    real = log_ranges.gathered

    def recorded(parts: list[log_ranges.LogRange], workers: int) -> list[tuple[Any, ...]]:
        tasks = real(parts, workers)
        sizes.extend(len(task) for task in tasks)
        return tasks

    monkeypatch.setattr(log_ranges, "gathered", recorded)
    return sizes
