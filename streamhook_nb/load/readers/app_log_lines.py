"""The lines of an application's own text log, as common loggers and servers write them.

A backend that receives Stream's webhooks logs the request (or the Lambda event) among its
other lines: the server's startup banner, its access log, other messages. Each prefix below is
what the named tool writes by default (the format string is in its documentation or source):

- Python ``logging`` without configuration (``logging.BASIC_FORMAT``,
  ``"%(levelname)s:%(name)s:%(message)s"``): ``INFO:root:Received event: {...}``;
- uvicorn's default formatter (``"%(levelprefix)s %(message)s"``, the level and a colon padded
  to 9 characters): ``INFO:     Started server process [4242]``;
- a level, then the time (Django's logging example, ``"{levelname} {asctime} {module} ..."``);
- ``"%(levelname)s - %(message)s"``; logrus on a terminal (``INFO[0000] ...``); winston's
  ``simple`` and ``cli`` formats (``info: Received event ...``); Logback's documented
  console pattern (``10:00:00.123 [main] INFO  c.e.App - ...``);
- a ``%(asctime)s`` format (``2026-11-26 10:00:00,123 INFO app ...``), ISO 8601 times (Spring
  Boot's Logback, Quarkus, Serilog), and a time in brackets (gunicorn's
  ``[2026-11-26 10:00:00 +0000] [1] [INFO] ...``, log4js, Azure Functions' host);
- Go's ``log`` package with its standard flags: ``2026/11/26 10:00:00 ...``;
- Go's ``log/slog`` text handler and other logfmt writers: ``time=... level=INFO msg=...``;
- Ruby's ``Logger`` (``I, [2026-11-26T10:00:00.123456 #1234]  INFO -- : ...``) and Rails'
  request lines (``Started POST "/webhook" for 127.0.0.1 at ...``);
- access logs: Apache/nginx common and combined (``127.0.0.1 - - [26/Nov/2026:10:00:00 +0000]
  "POST ...``), werkzeug and Django's development server (``[26/Nov/2026 10:00:00] "POST ...``)
  and morgan's ``dev``/``tiny`` formats (``POST /webhook 200 4.123 ms - 2``);
- a level in brackets: ``[INFO] ...``;
- ``npm start > app.log``: npm's banner (``> hooks@1.0.0 start``), and Next.js's
  (``  \u25b2 Next.js 14.2.3``, ``  - Local: http://localhost:3000``, `` \u2713 Ready in 1.2s``).
"""

from __future__ import annotations

import re

_LEVEL = rb"(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|CRITICAL|FATAL)"
_METHOD = rb"(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)"
_MONTH_DAY = rb"\d\d/[A-Z][a-z]{2}/\d{4}[ :]\d\d:\d\d:\d\d"
_PREFIXES = (
    _LEVEL + rb":(?: +|[\w.-]*:)",  # Python logging's default format, uvicorn
    _LEVEL + rb" +\d{4}-\d\d-\d\d",  # "{levelname} {asctime}": Django's verbose example
    _LEVEL + rb" +[-|] ",  # "%(levelname)s - %(message)s"
    _LEVEL + rb"\[\d{4}\] ",  # logrus on a terminal: INFO[0000] ...
    rb"(?:error|warn|info|http|verbose|debug|silly): ",  # winston's simple and cli formats
    rb"\d\d:\d\d:\d\d[.,]\d{3} \[",  # Logback's "%d{HH:mm:ss.SSS} [%thread] %-5level ..."
    rb"\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d",  # asctime, ISO 8601, gunicorn, log4js
    rb"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d",  # Go's log package
    rb"(?:time|ts|level)=\S+ ",  # logfmt, Go's slog text handler
    rb"[DIWEFA], \[\d{4}-\d\d-\d\d",  # Ruby's Logger
    rb"Started " + _METHOD + rb' "',  # Rails
    rb"\S+ \S+ \S+ \[" + _MONTH_DAY,  # Apache/nginx access logs, werkzeug
    rb"\[" + _MONTH_DAY + rb"\] ",  # Django's development server
    _METHOD + rb" /\S* \d{3} ",  # morgan
    rb"\[" + _LEVEL + rb"\] ",
    rb"> [\w@./-]+@\S+ \w",  # npm run's banner: "> hooks@1.0.0 start"
    rb"[ \t]*(?:\xe2\x96\xb2 Next\.js |\xe2\x9c\x93 (?:Ready|Starting|Compiled)|- Local: )",  # next
)
APP_LOG_LINE = re.compile(b"|".join(_PREFIXES))
"""The start of a line an application's logger or server writes (see the module's list)."""
APP_LOG_LINE_IN = re.compile(b"(?m)^(?:" + APP_LOG_LINE.pattern + b")")
"""Such a line anywhere in a text."""
_LEVEL_KEYS = ("level", "levelname", "severity", "log.level", "lvl")
_MESSAGE_OR_TIME_KEYS = ("msg", "message", "event", "time", "timestamp", "@timestamp", "asctime")


def is_json_log_record(record: dict[str, object]) -> bool:
    """A record of a JSON logger: pino and bunyan (``level``, ``time``, ``msg``), winston
    (``level``, ``message``), structlog (``event``, ``level``), python-json-logger
    (``levelname``, ``message``), Logback's and log4j's JSON layouts (``@timestamp``,
    ``level``, ``message``), Google Cloud's structured logging (``severity``, ``message``)."""
    return any(key in record for key in _LEVEL_KEYS) and any(
        key in record for key in _MESSAGE_OR_TIME_KEYS
    )
