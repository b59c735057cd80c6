"""Argument types that turn a malformed option value into a usage error, never a traceback.

Their messages never repeat a value (a stray one may be a pasted secret), except a URL with its
credentials redacted.
"""

from __future__ import annotations

import argparse
import math
from urllib.parse import urlsplit

from streamhook_nb.webhook.plan import unparsable_why
from streamhook_nb.webhook.redact import redact_url


def url(text: str) -> str:
    """A URL that parses, with a port (if any) in range; whether it is a usable webhook URL
    (scheme, host) is checked by the command, which says what it needs."""
    try:
        _ = urlsplit(text.strip()).port  # the port is parsed only when asked for
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{redact_url(text)!r} is not a URL ({unparsable_why(exc)}); give an absolute "
            "http:// or https:// "
            "URL, such as https://example.com/webhooks/stream"
        ) from None
    return text


MIN_RATE = 1 / 86400
"""One delivery a day: slower rates wait longer than a replay is worth (and past what
``time.sleep`` takes, at 1e-300)."""


def positive_rate(text: str) -> float:
    """A rate in deliveries per second: a finite number above zero."""
    try:
        rate = float(text)
    except ValueError:
        rate = math.nan
    if not (math.isfinite(rate) and rate > 0):
        raise argparse.ArgumentTypeError(
            "must be a number of deliveries per second above 0, such as 5 or 0.5"
        )
    if rate < MIN_RATE:
        raise argparse.ArgumentTypeError(
            f"must be at least {MIN_RATE:.8f} (one delivery a day); such as 5 or 0.5"
        )
    return rate


def positive_count(text: str) -> int:
    """A whole number above zero (a count of processes, say)."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError("must be a whole number of at least 1, such as 4")
    return count
