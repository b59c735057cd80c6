"""Files of logged Lambda events: one event (a test event saved from the console or
``sam local generate-event``), an array of them, one per line, pretty-printed one after
another, and the function's CloudWatch Logs as the runtimes write them.

CloudWatch log lines (what ``aws logs tail``, a download of a log stream or a copy of the
console's lines hold):

- Node.js ``console.log``: ``2026-11-26T10:00:00.123Z\\t<request id>\\tINFO\\t<message>``;
- Python's ``logging`` in a Lambda:
  ``[INFO]\\t2026-11-26T10:00:00.123Z\\t<request id>\\t<message>``;
- Python's ``print``, Go's ``fmt.Println``: the message alone; Go's ``log.Printf``:
  ``2026/11/26 10:00:00 <message>``;
- the JSON log format, and Powertools' ``Logger(log_event=True)``: an object whose
  ``message`` is the event (or the event as JSON text);
- ``aws logs tail``: each line after ``<time> <log stream> ``; a log group exported to S3:
  each line after ``<time> ``;
- the runtime's own lines (``START``, ``END``, ``REPORT``, ``INIT_START``...), and any other
  message, are not events: passed over.

A message pretty-printed over several lines (``JSON.stringify(event, null, 2)``) goes on in
the lines after it that are indented or close it. ``aws logs filter-log-events`` and
``get-log-events`` (``--output json``: ``{"events": [{"message": ...}]}``) and a CloudWatch
Logs Insights JSON export (``[{"@timestamp": ..., "@message": ...}]``) hold the same messages,
and so do CSV exports (``cloudwatch_csv``) and subscription messages (``{"messageType": ...,
"logEvents": [...]}``, back to back as Firehose writes them to S3).

An application's own log is read the same way: its logger's and server's lines
(``app_log_lines``) make a file a log, a request it logged as an object is read as one
(``logged_requests``), and serverless platforms' records hand back what a function logged
(``platform_logs``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from streamhook_nb.load.batch import DeliveryBatch, Rejected
from streamhook_nb.load.payload import BARE_PAYLOAD, is_bare_payload
from streamhook_nb.load.readers import (
    cloudwatch_csv,
    logged_requests,
    marked_json,
    platform_logs,
    printed_values,
)
from streamhook_nb.load.readers.app_log_lines import APP_LOG_LINE, is_json_log_record
from streamhook_nb.load.readers.aws_lambda import FORMAT as FORMAT
from streamhook_nb.load.readers.aws_lambda import add_event, is_event
from streamhook_nb.load.readers.common import (
    BadEntryError,
    add_or_reject,
    json_values,
    parse_document,
)
from streamhook_nb.load.readers.queue import add_lambda_record, is_lambda_queue_event

_TIME = rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?"
_NODE = re.compile(_TIME + rb"Z\t[^\t]*\t[A-Z]{3,8}\t")
"""A Node.js runtime line's prefix: time, request id, level."""
_PYTHON = re.compile(rb"\[[A-Z]{4,8}\]\t" + _TIME + rb"Z\t[^\t]*\t")
"""A Python runtime logger line's prefix: level, time, request id."""
_GO = re.compile(rb"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d{1,9})? ")
"""Go's ``log.Printf`` prefix (a Go function's own lines carry no request id)."""
_TAIL = re.compile(_TIME + rb"(?:Z|[+-]\d\d:\d\d)? (?:\d{4}/\d\d/\d\d/\[[^\]\s]*\]\S* |)")
"""The prefix of ``aws logs tail`` (the event's time and its Lambda log stream,
``2026/11/26/[$LATEST]0123abcd``; with ``--format short`` the time alone, to the second and
without its zone), or of a log group exported to S3 (``create-export-task``: the time alone)."""
_PLATFORM = re.compile(
    rb"(?:(?:START|END|REPORT) RequestId: |(?:INIT_START|INIT_REPORT|INIT_RUNTIME_DONE"
    rb"|RESTORE_START|RESTORE_REPORT) |(?:EXTENSION|TELEMETRY|LOGS)[\t ]Name: |XRAY TraceId: )"
)
"""A line the Lambda runtime writes itself (``START RequestId: ...``)."""
LOG_LINE = re.compile(
    b"(?:%s)?(?:%s|%s|%s)" % (_TAIL.pattern, _NODE.pattern, _PYTHON.pattern, _PLATFORM.pattern)
)
"""The start of a CloudWatch Logs line of a Lambda function (detection looks for it)."""
LOG_LINE_IN = re.compile(b"(?m)^" + LOG_LINE.pattern)
"""A CloudWatch Logs line of a Lambda function anywhere in a text."""
_LOOKS_LIKE_EVENT = re.compile(r"""["']?(?:httpMethod|requestContext|rawPath)["']?\s*:""")
_NOT_EVENT = (
    "not a Lambda event for an HTTP request (none of the fields httpMethod, requestContext, "
    "rawPath)"
)
_BARE_IN_LOG = (
    "a webhook body logged without its event (console.log(event.body), print(body)): no "
    "headers, so no X-Signature to check. Log the whole event instead: "
    "console.log(JSON.stringify(event)), or print(json.dumps(event)); in a server, log the "
    "raw body with its headers, or capture with streamhook-nb capture"
)


@dataclass(frozen=True)
class _BodyAlone(Rejected):
    """A webhook body a log holds without its event: a rejected record only in a log that
    holds no event (beside events, it is passed over like any other message)."""


_CUT = "CloudWatch Logs keeps at most 256 KB of a log event: a longer one is cut"
_ENDED = "unexpected end of data"
"""What orjson says of a value cut short."""
_SUBSCRIPTION_START = re.compile(rb'\s*\{\s*"(?:messageType|owner|logGroup|logStream)"\s*:')
"""A CloudWatch Logs subscription message's opening (Firehose and Kinesis deliver these)."""
_LABEL_BYTES = 200
"""The longest label a message may put before the event it logs (``Received event: ``)."""
_SCAN_LINES = 200
"""How many first lines tell a log (runtime prefixes) from a file of events only."""


def read(data: bytes, name: str) -> Iterator[DeliveryBatch]:
    """Every event of a file in any of the layouts above (sources ``file#N`` in an array or a
    CloudWatch Logs response, ``file:line`` where a value or log message starts)."""
    if cloudwatch_csv.is_export(data):
        yield _settled(cloudwatch_csv.read(data, name, DeliveryBatch(FORMAT), add_log_event))
        return
    try:
        document = parse_document(data)
    except orjson.JSONDecodeError:
        if _SUBSCRIPTION_START.match(data):
            yield _settled(_subscription_values(data, name))
        else:
            yield _settled(_lines(data, name))
        return
    yield from read_document(document, name, data)


def read_document(document: Any, name: str, data: bytes) -> Iterator[DeliveryBatch]:
    """The events of ``data``, a file that parsed as the JSON ``document``."""
    batch = DeliveryBatch(FORMAT)
    values = document if isinstance(document, list) else [document]
    if any(logged_requests.parsed_body(_delivery_in(value)) for value in values):
        document = marked_json.parse_marked(data) or document  # rebuilt: keys must not repeat
    events = _log_events(document) if isinstance(document, dict) else None
    if events is not None:  # a CloudWatch Logs response
        _add_log_events(batch, name, events)
    elif isinstance(document, list):
        _add_array(batch, name, document)
        platform = any(isinstance(item, dict) and is_platform_record(item) for item in document)
        if platform and not (len(batch) or batch.rejected or batch.skipped):
            batch.reject(name, _nothing_found(len(document)))
    else:  # one value, named as in a file of one per line or of values one after another
        line = 1 + data[: len(data) - len(data.lstrip())].count(b"\n")
        _value(batch, f"{name}:{line}", document, only_events=True)
    yield _settled(batch)


def _settled(batch: DeliveryBatch) -> DeliveryBatch:
    """``batch`` without the webhook bodies its log holds beside events (a function that logs
    both its event and the body): those are passed over as any other message. A log of bodies
    alone keeps them as rejected records, each saying what to log instead."""
    if len(batch):
        batch.rejected = [bad for bad in batch.rejected if not isinstance(bad, _BodyAlone)]
    else:
        batch.rejected = [
            Rejected(bad.source, bad.reason) if isinstance(bad, _BodyAlone) else bad
            for bad in batch.rejected
        ]
    return batch


def _add_array(batch: DeliveryBatch, name: str, document: list[Any]) -> None:
    """The events of an array of events, or of an Insights export (``[{"@message": ...}]``)."""
    for number, item in enumerate(document, start=1):
        source = f"{name}#{number}"
        if isinstance(item, dict) and "@message" in item:
            add_log_event(batch, source, item["@message"])
        else:
            _value(batch, source, item, only_events=True)


def _log_events(document: dict[str, Any]) -> list[Any] | None:
    """The log events of a CloudWatch Logs response (``events``), of a subscription's message
    (``logEvents``, as Firehose and Kinesis deliver them) or of a Logs Insights query's results
    (``aws logs get-query-results``: rows of ``{"field", "value"}``), else None."""
    for key in ("events", "logEvents"):
        if isinstance(document.get(key), list):
            items: list[Any] = document[key]
            return items
    if _is_query_results(document):
        return [_insights_row(row) for row in document["results"]]
    return None


def _is_query_results(document: dict[str, Any]) -> bool:
    """``aws logs get-query-results`` output: rows of ``{"field": ..., "value": ...}``."""
    rows = document.get("results")
    if "status" not in document or not isinstance(rows, list):
        return False
    first = rows[0] if rows else [{"field": "@message"}]
    return (
        isinstance(first, list)
        and bool(first)
        and isinstance(first[0], dict)
        and ("field" in first[0])
    )


def _insights_row(row: Any) -> dict[str, Any]:
    """A row of Logs Insights results as a log event: its ``@message`` field's value."""
    fields = row if isinstance(row, list) else []
    for item in fields:
        if isinstance(item, dict) and item.get("field") == "@message":
            return {"message": item.get("value")}
    return {}


def _add_log_events(batch: DeliveryBatch, name: str, items: list[Any]) -> None:
    for number, item in enumerate(items, start=1):
        message = item.get("message") if isinstance(item, dict) else None
        add_log_event(batch, f"{name}#{number}", message)


def _subscription_values(data: bytes, name: str) -> DeliveryBatch:
    """Subscription messages back to back (Firehose writes them to S3 without a separator),
    one per line, or pretty-printed: each log event ``file:line#N``."""
    batch = DeliveryBatch(FORMAT)
    for line, value, reason in json_values(data):
        if reason is not None:
            batch.reject(f"{name}:{line}", reason)
        elif isinstance(value, dict) and (events := _log_events(value)) is not None:
            _add_log_events(batch, f"{name}:{line}", events)
        else:
            batch.reject(f"{name}:{line}", "not a CloudWatch Logs subscription message")
    return batch


def _lines(data: bytes, name: str) -> DeliveryBatch:
    """Log lines, JSON Lines, or values pretty-printed one after another.

    A log (a Lambda runtime's lines, or an application's: see ``app_log_lines``) is mostly
    other messages, passed over; a log in which no message holds a request, an event or a
    body is one rejected record, so that a log of the wrong things is never read as nothing.
    """
    batch = DeliveryBatch(FORMAT)
    lines = data.splitlines()
    logs = any(_is_log_line(line) for line in lines[:_SCAN_LINES])
    count = 0
    for number, message in _messages(lines):
        _message(batch, f"{name}:{number}", message, only_events=not logs)
        count += 1
    if (logs or _record_lines(lines)) and not (len(batch) or batch.rejected or batch.skipped):
        batch.reject(name, _nothing_found(count))
    return batch


def _record_lines(lines: list[bytes]) -> bool:
    """Whether the first line is a log record: a JSON logger's (pino, winston, structlog) or a
    platform's (a Cloud Logging export's line, a Vercel log drain's)."""
    first = next((line for line in lines if line.strip()), b"")
    try:
        record = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(record, dict) and (is_platform_record(record) or is_json_log_record(record))


def _is_log_line(line: bytes) -> bool:
    """A line that makes a file a log: the Lambda runtime's, a logger's or a server's (see
    ``app_log_lines``). Text printed without a logger does not: among JSON values it may be
    one damaged, and is rejected as a file of events rejects what is no event."""
    return bool(
        LOG_LINE.match(line) or APP_LOG_LINE.match(line) or platform_logs.WRANGLER_LINE.match(line)
    )


def _nothing_found(messages: int) -> str:
    """Why a log yields nothing, and what to log."""
    return (
        f"a log in which none of its {messages:,} message{'' if messages == 1 else 's'} is "
        "a webhook request (a Lambda "
        "event, or an object of headers and body) or a body: nothing to verify. Log each "
        "request whole: in a Lambda function console.log(JSON.stringify(event)) or "
        "print(json.dumps(event)); in a server its headers with the raw body as JSON "
        '({"headers": ..., "body": ...}), or capture with streamhook-nb capture'
    )


def _messages(lines: list[bytes]) -> Iterator[tuple[int, bytes]]:
    """``(line number, message)`` for each log message, continuation lines joined on."""
    start, parts = 0, list[bytes]()
    for number, line in enumerate(lines, start=1):
        if parts and line[:1] in (b" ", b"\t", b"}", b"]") and _opens_value(parts[0]):
            parts.append(line)  # an indented line, or the one that closes the value
            continue
        if parts:
            yield start, b"\n".join(parts)
            parts = []
        message = _without_prefix(line)
        if message is not None and message.strip():
            start, parts = number, [message]
    if parts:
        yield start, b"\n".join(parts)


def _opens_value(first: bytes) -> bool:
    """Whether a message's first line opens a value that later lines may go on with (an
    indented line after one without, such as Rails' ``  Parameters:``, is a message of its
    own)."""
    return b"{" in first or first.rstrip().endswith(b"[")


def _without_prefix(line: bytes) -> bytes | None:
    """A line's message without the runtime's prefix; None for the runtime's own lines."""
    tail = _TAIL.match(line)
    if tail:
        line = line[tail.end() :]
    if _PLATFORM.match(line):
        return None
    prefix = _NODE.match(line) or _PYTHON.match(line) or _GO.match(line)
    return line[prefix.end() :] if prefix else line


def add_log_event(batch: DeliveryBatch, source: str, message: object) -> None:
    """A CloudWatch log event's message (with the runtime's prefix, as the line was)."""
    if not isinstance(message, str):
        return  # not a log event the API returns: nothing an event could be in
    text = _without_prefix(message.encode("utf-8", "surrogatepass"))
    if text is not None:
        _message(batch, source, text, only_events=False)


def _message(batch: DeliveryBatch, source: str, message: bytes, *, only_events: bool) -> None:
    """One log message: a JSON event (or a JSON log record holding one) is read; any other
    message is passed over, unless ``only_events`` (a file of events, not of logs) or it is
    an event that cannot be read (printed as a Python dict, cut short)."""
    text = message.strip()
    try:
        value = parse_document(text)
    except orjson.JSONDecodeError as exc:
        printed = printed_values.python_dict(text)
        if printed is not None:  # print(event): Python's repr keeps every string exactly
            value, repeated = printed
            if repeated and logged_requests.parsed_body(_delivery_in(value)):
                batch.reject(source, marked_json.repeated_reason(repeated))  # it was edited
            else:
                _value(batch, source, value, only_events=only_events)
            return
        labelled = _after_label(text)
        if labelled is not None:  # "Received event: {...}", as AWS's blueprints log it
            _message(batch, source, labelled, only_events=only_events)
            return
        shown = text[:4096].decode("utf-8", "replace")
        if printed_values.is_ruby_payload(shown):  # Rails: Parameters: {"type"=>"message.new"}
            batch.rejected.append(_BodyAlone(source, printed_values.RAILS_PARAMETERS))
        elif only_events or (shown.startswith("{") and _LOOKS_LIKE_EVENT.search(shown)):
            batch.reject(source, _unreadable(shown, exc))
        return
    if logged_requests.parsed_body(_delivery_in(value)):  # rebuilt: its keys must not repeat
        value = marked_json.parse_marked(text) or value
    _value(batch, source, value, only_events=only_events)


def _after_label(text: bytes) -> bytes | None:
    """The object after a short label in a message (``Received event: {...}``, what AWS's
    Node.js and Python blueprints log, ``EVENT: {...}``, or a logger's own prefix such as
    log4js' ``[2026-11-26T10:00:00.123] [INFO] default - {...}``), else None."""
    start = text.find(b"{", 1, _LABEL_BYTES + 1)
    return text[start:] if start > 0 and not text.startswith(b"{") else None


def _value(
    batch: DeliveryBatch, source: str, value: Any, *, only_events: bool, platform: bool = True
) -> None:
    """A parsed value: an event, or a log record holding one (see :func:`_held_event`); a
    platform's record of what a function logged, unless ``platform`` is false (what it holds
    is never another platform's record: no nesting without end)."""
    if platform and isinstance(value, dict) and _platform_record(batch, source, value):
        return
    if isinstance(value, dict) and not _is_delivery(value) and not is_bare_payload(value):
        if "@message" in value:
            add_log_event(batch, source, value["@message"])  # a row of Logs Insights results
            return
        held = _held_event(value)
        if held is None:
            held = next((item for item in value.values() if is_bare_payload(item)), None)
        if held is None:
            text = _message_text(value)
            if text is not None:
                _message(batch, source, text.encode("utf-8", "surrogatepass"), only_events=False)
                return
            if any(k in value for k in _MESSAGE_KEYS) or _is_platform(value):
                return  # another structured log record, or the runtime's own (JSON log format)
        else:
            value = held
    if is_lambda_queue_event(value):  # a function fed by Stream's SQS or SNS hook
        for number, record in enumerate(value["Records"], start=1):
            add_or_reject(batch, f"{source}#{number}", add_lambda_record, record, "record")
        return
    if logged_requests.parsed_body(value) and _is_delivery(value):
        ambiguous = marked_json.ambiguity(value)
        if ambiguous is not None:
            batch.reject(source, ambiguous)
            return
    try:
        value = marked_json.plain(value)
    except BadEntryError as exc:
        batch.reject(source, str(exc))
        return
    if logged_requests.is_request(value) and not is_event(value):  # {headers, body}
        add_or_reject(batch, source, logged_requests.add_request, value, "request")
        return
    if is_bare_payload(value):  # console.log(event.body), print(body)
        if only_events:
            batch.reject(source, BARE_PAYLOAD)
        else:
            batch.rejected.append(_BodyAlone(source, _BARE_IN_LOG))
        return
    if not is_event(value):
        if only_events:
            batch.reject(source, _NOT_EVENT)
        return
    add_or_reject(batch, source, add_event, value, "event")


def _platform_record(batch: DeliveryBatch, source: str, record: dict[str, Any]) -> bool:
    """Read what a function logged from a platform's record of it (see ``platform_logs``):
    True when ``record`` is one. A Workers tail event of a POST whose logs hold nothing is a
    rejected record saying what to log; of another method, skipped."""
    if platform_logs.is_log_entry(record):
        _logged(batch, source, platform_logs.entry_payload(record))
        return True
    if not platform_logs.is_tail_event(record):
        return False
    before = (len(batch), len(batch.rejected), batch.skipped)
    for number, argument in platform_logs.tail_arguments(record):
        _logged(batch, f"{source}#{number}", argument)
    if (len(batch), len(batch.rejected), batch.skipped) == before:
        method = platform_logs.tail_method(record)
        if method == "POST":
            batch.reject(source, platform_logs.NO_REQUEST_IN_TAIL)
        elif method is not None:
            batch.skipped += 1  # a page load or a health check: never a webhook
    return True


def _logged(batch: DeliveryBatch, source: str, logged: object) -> None:
    """What a function logged: a line of text, or a value logged as it is."""
    if isinstance(logged, str):
        _message(batch, source, logged.encode("utf-8", "surrogatepass"), only_events=False)
    elif logged is not None:
        _value(batch, source, logged, only_events=False, platform=False)


def is_platform_record(record: dict[str, Any]) -> bool:
    """A Cloud Logging entry, a Workers tail event or a Vercel log drain record."""
    return (
        platform_logs.is_log_entry(record)
        or platform_logs.is_tail_event(record)
        or platform_logs.is_drain_record(record)
    )


_MESSAGE_KEYS = ("message", "msg", "event")
"""Where a JSON log record keeps its message: Lambda's JSON log format, Powertools, winston and
python-json-logger in ``message``, pino and bunyan in ``msg``, structlog in ``event``."""


def _message_text(record: dict[str, Any]) -> str | None:
    """A JSON log record's message, when it is text."""
    return next((record[k] for k in _MESSAGE_KEYS if isinstance(record.get(k), str)), None)


def _is_platform(record: dict[str, Any]) -> bool:
    return str(record.get("type")).startswith("platform.")


def _held_event(record: dict[str, Any]) -> Any:
    """The event (or logged request) a JSON log record holds in one of its fields, or None:
    Lambda's JSON log format and Powertools (``message``), pino
    (``logger.info({event}, "received")``), winston's and python-json-logger's extra fields,
    structlog's keyword arguments (``log.info("received", lambda_event=event)``)."""
    return next((item for item in record.values() if _is_delivery(item)), None)


def _is_delivery(value: object) -> bool:
    """An event of an HTTP request or of queue messages, or a request logged as an object."""
    return _is_any_event(value) or logged_requests.is_request(value)


def _delivery_in(value: object) -> object:
    """The event or logged request ``value`` is or holds in one of its fields, else None."""
    if _is_delivery(value):
        return value
    return _held_event(value) if isinstance(value, dict) else None


def _is_any_event(value: object) -> bool:
    """An event of an HTTP request, or of queue messages."""
    return is_event(value) or is_lambda_queue_event(value)


def _unreadable(text: str, exc: orjson.JSONDecodeError) -> str:
    """Why a logged event cannot be read, and what to log instead."""
    if text.startswith("{'"):
        return (
            "an event printed as a Python dict (print(event)) that cannot be read (cut short? "
            f"{_CUT}): log print(json.dumps(event)) instead"
        )
    if re.match(r"\{\s*[A-Za-z_]\w*:", text):
        return (
            "an event logged with console.log(event), not JSON: log "
            "console.log(JSON.stringify(event)) instead"
        )
    if exc.msg == _ENDED:
        return f"not valid JSON: it ends too soon (cut short? {_CUT})"
    return f"not valid JSON ({exc.msg})"


_LAMBDA_JSON_LOG = frozenset({"timestamp", "level", "message", "requestId"})
"""The keys of a record in Lambda's JSON log format (``message`` of any kind)."""
_POWERTOOLS_LOG = frozenset({"level", "location", "message", "timestamp", "service"})
"""The keys of a record Powertools' ``Logger`` writes."""
_PLATFORM_RECORD = frozenset({"time", "type", "record"})
"""The keys of a runtime record in Lambda's JSON log format (``"type": "platform.start"``)."""


def is_log_record(record: dict[str, Any]) -> bool:
    """A record of a Lambda function's JSON logs (Lambda's JSON log format, Powertools' Logger,
    a runtime record), any JSON log record holding an event, or a Lambda event of SQS messages
    or SNS notifications (an HTTP request's event is :func:`~aws_lambda.is_event`)."""
    if is_lambda_queue_event(record):
        return True
    keys = record.keys()
    if keys >= _LAMBDA_JSON_LOG or keys >= _POWERTOOLS_LOG:
        return True
    if keys >= _PLATFORM_RECORD and str(record["type"]).startswith("platform."):
        return True
    if _held_event(record) is not None:
        return True
    text = _message_text(record) or ""
    start = text.find("{", 0, _LABEL_BYTES + 1)
    if start < 0:
        return False
    try:
        inner = parse_document(text[start:].encode("utf-8", "surrogatepass"))
    except orjson.JSONDecodeError:
        return False
    return _is_any_event(inner)


def is_log_response(record: dict[str, Any]) -> bool:
    """``aws logs filter-log-events`` / ``get-log-events`` / ``get-query-results`` output, or a
    subscription's message (``"messageType": "DATA_MESSAGE"``, its ``logEvents``)."""
    if "messageType" in record and isinstance(record.get("logEvents"), list):
        return True
    if _is_query_results(record):
        return True
    events = record.get("events")
    if not isinstance(events, list):
        return False
    if "searchedLogStreams" in record or "nextForwardToken" in record:
        return True
    first = events[0] if events else None
    return isinstance(first, dict) and "message" in first and "timestamp" in first
