"""What the receiver says about a request it could not take: one line, never a traceback.

aiohttp logs a malformed request (two ``Content-Length`` headers, a bare LF, a header line too
long) or a client that went away mid-body as an error with a traceback, and the parser's message
quotes the offending request bytes, up to kilobytes of a payload. These are the client's doing,
not the receiver's: the receiver answers (400, 413...), stays up, and says so in one line that
names the client and the problem, without the request's bytes. The full traceback is still
logged at DEBUG.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

from aiohttp import http_exceptions

server_logger = logging.getLogger("streamhook_nb.capture.requests")
_QUOTED_BYTES = re.compile(r"""[:\s]*(?:bytearray\()?b['"].*""")
"""Where a parser message starts quoting the request (``...: bytearray(b'/ppp...')``)."""


def describe(exc: BaseException) -> str:
    """The problem in a few words: the first line of the parser's message (never the bytes it
    quotes), or what happened to the connection."""
    if isinstance(exc, http_exceptions.HttpProcessingError):
        lines = exc.message.strip().splitlines() if exc.message else []
        headline = _QUOTED_BYTES.sub("", lines[0]).strip().rstrip(":") if lines else ""
        return f"answered {exc.code}: {headline or type(exc).__name__}"
    if isinstance(exc, ConnectionError):
        return "the client went away before the request was complete (nothing was logged)"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no detail'}"


class OneLineLog(logging.LoggerAdapter[logging.Logger]):
    """The aiohttp server's logger, with every error as one warning line (the traceback goes to
    DEBUG)."""

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        """Log ``msg``; an exception becomes a short description at the end of the line."""
        exc_info = kwargs.pop("exc_info", None)
        exc = sys.exc_info()[1] if exc_info is True else exc_info
        if isinstance(exc, BaseException):
            self.logger.debug(msg, *args, exc_info=exc, **kwargs)
            msg, args = f"{msg}: %s", (*args, describe(exc))
        self.logger.log(min(level, logging.WARNING), msg, *args, **kwargs)


def one_line_server_log() -> logging.Logger:
    """The logger to hand aiohttp's request handler (typed as the Logger it expects)."""
    adapter: Any = OneLineLog(server_logger, {})
    return adapter  # type: ignore[no-any-return]
