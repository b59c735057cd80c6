"""A webhook.site export: its API's page of requests (``GET /token/{uuid}/requests``).

webhook.site keeps each request's body as text (``content``), its headers with lower-cased
names and a list of values each, and ``created_at`` in UTC to the second (the fields and order
of its API documentation's example; an empty ``query``, ``request`` or ``files`` is ``[]``, as
its PHP back end writes an empty map).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from streamhook_nb.samples.webhooks import SampleDelivery

TOKEN = "0d6f2c1e-8a4b-4f3e-9c2d-7b1a5e6f4d30"
"""The demo token: the URL Stream posts to is ``https://webhook.site/{TOKEN}``."""
_NAMESPACE = uuid.UUID("3c9a7e52-14d8-4b6f-a0e1-92d5c8b7f6a4")


def request(item: SampleDelivery, number: int, *, method: str = "POST") -> dict[str, Any]:
    """One request as the API returns it. A body that is not UTF-8 (gzip) cannot be text: it
    is kept as webhook.site keeps it, every byte that is not UTF-8 replaced by U+FFFD."""
    content = item.body.decode("utf-8", "replace")
    headers = {name: [value] for name, value in item.headers.items()}
    headers["host"] = ["webhook.site"]
    created = item.received_at.strftime("%Y-%m-%d %H:%M:%S")
    return {
        "uuid": str(uuid.uuid5(_NAMESPACE, f"request-{number}")),
        "type": "web",
        "token_id": TOKEN,
        "ip": item.remote_addr,
        "country": "United States",
        "country_code": "US",
        "region": "Virginia",
        "city": "Ashburn",
        "hostname": "webhook.site",
        "method": method,
        "user_agent": headers.get("user-agent", [""])[0],
        "content": content,
        "query": [],
        "request": [],
        "files": [],
        "headers": headers,
        "url": f"https://webhook.site/{TOKEN}",
        "size": len(item.body),
        "custom_action_output": [],
        "custom_action_errors": [],
        "note": None,
        "time": round(0.0011 + (number % 7) * 0.00023, 6),
        "created_at": created,
        "updated_at": created,
        "sorting": int(item.received_at.timestamp() * 10**6),
    }


def page(requests: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The API's answer to ``GET /token/{uuid}/requests`` (one page holding them all)."""
    return {
        "data": list(requests),
        "total": len(requests),
        "per_page": 50,
        "current_page": 1,
        "is_last_page": True,
        "from": 1,
        "to": len(requests),
    }
