"""A request as it arrives: its headers folded the way the loaders fold them, and its verdict.

The receiver's verdict on arrival and offline ``verify`` of the same capture record must agree,
so both read the headers through :func:`~streamhook_nb.load.headers.fold` and
:func:`~streamhook_nb.load.batch.picked_headers` (a repeated ``X-Signature`` is joined with
``, `` and so is malformed) and decide with :func:`~streamhook_nb.verify.verdict.judge`.
"""

from __future__ import annotations

from aiohttp import web

from streamhook_nb.load.batch import picked_headers
from streamhook_nb.load.headers import Headers, fold
from streamhook_nb.verify.secrets import Keyring
from streamhook_nb.verify.verdict import Verdict, judge


def request_headers(request: web.BaseRequest) -> Headers:
    """Every header as received (bytes read as Latin-1, so any value is kept), names folded."""
    return fold(
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in request.raw_headers
    )


def verdict_on_arrival(body: bytes, headers: Headers, keyring: Keyring) -> Verdict:
    """The verdict offline ``verify`` gives the capture record of this request."""
    signature, api_key, *_ = picked_headers(headers)
    return judge(body, signature, api_key, "http", "exact", keyring)
