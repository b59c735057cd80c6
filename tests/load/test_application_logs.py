"""Logs an application writes itself when it receives Stream's webhooks (not a capture tool's
files): text logs of common loggers and servers, JSON logs whose first records hold no event,
requests logged as objects, Rails' parameters, repeated JSON keys, and what Windows
PowerShell's ``>`` makes of a log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lambda_files.make_lambda_files import REACTION, READ, rest_event, stream_headers

from streamhook_nb import load_log, verify_deliveries
from streamhook_nb.errors import SourceError
from streamhook_nb.load.batch import DeliveryBatch, Rejected
from streamhook_nb.load.detect import HEAD_BYTES, sniff
from streamhook_nb.load.readers import lambda_logs
from streamhook_nb.load.readers.aws_lambda import FORMAT, add_event
from streamhook_nb.samples.webhooks import DEMO_SECRET
from streamhook_nb.verify.secrets import Keyring, Secret
from streamhook_nb.verify.signing import sign
from streamhook_nb.verify.stream_json import encode

RING = Keyring((Secret(DEMO_SECRET, "demo"),))
UVICORN = [
    # uvicorn's default log config: "%(levelprefix)s %(message)s" (the level and a colon
    # padded to 9 characters), its startup messages, and its access formatter's
    # '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s'
    "INFO:     Started server process [4242]",
    "INFO:     Waiting for application startup.",
    "INFO:     Application startup complete.",
    "INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)",
]
ACCESS = 'INFO:     34.225.1.7:52344 - "POST /webhooks/stream HTTP/1.1" 200 OK'


def _write(tmp_path: Path, name: str, lines: list[str], *, end: str = "\n") -> Path:
    path = tmp_path / name
    path.write_text(end.join(lines) + end, encoding="utf-8")
    return path


def _event(webhook_id: str, body: bytes = REACTION) -> str:
    return json.dumps(rest_event(body, webhook_id))


def _reasons(path: Path, format: str | None = None) -> list[str]:
    frame = verify_deliveries(load_log(path, format=format).deliveries, RING)
    return list(frame["reason"].astype(str))


def _rejected(path: Path, format: str | None = None) -> list[tuple[str, str]]:
    result = load_log(path, format=format)
    return [(row.source, row.reason) for row in result.rejected.itertuples()]


def test_python_loggings_default_format_among_uvicorns_lines(tmp_path: Path) -> None:
    """``logging.basicConfig(level=logging.INFO)`` writes ``logging.BASIC_FORMAT``,
    ``"%(levelname)s:%(name)s:%(message)s"``; the server's banner and access lines around the
    events are passed over, whether the format is detected or forced."""
    lines = [
        *UVICORN,
        "INFO:root:Received event: " + _event("a"),
        ACCESS,
        'INFO:     34.225.1.7:52345 - "GET /health HTTP/1.1" 200 OK',
        "WARNING:root:X-Webhook-Attempt 2 for b",
        "INFO:root:Received event: " + _event("b", READ),
        ACCESS,
    ]
    path = _write(tmp_path, "uvicorn.log", lines)
    assert sniff(path.read_bytes()) == "aws-lambda"
    for format in (None, "aws-lambda"):
        result = load_log(path, format=format)
        assert result.rejected.empty, result.rejected.to_dict("records")
        assert list(result.deliveries["webhook_id"]) == ["a", "b"]
        assert list(result.deliveries["source"]) == [f"{path}:5", f"{path}:9"]
        assert _reasons(path, format) == ["ok", "ok"]


# (an other line, the prefix of the line with the event), each as the tool writes it
PREFIXES = {
    # logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s %(message)s")
    "asctime": (
        "2026-11-26 10:00:00,120 INFO uvicorn.error Started server process [4242]",
        "2026-11-26 10:00:00,123 INFO app ",
    ),
    # gunicorn's default: "%(asctime)s [%(process)d] [%(levelname)s] %(message)s", datefmt
    # "[%Y-%m-%d %H:%M:%S %z]"
    "gunicorn": (
        "[2026-11-26 10:00:00 +0000] [1] [INFO] Listening at: http://0.0.0.0:8000 (1)",
        "[2026-11-26 10:00:00 +0000] [7] [INFO] ",
    ),
    # Flask's app.logger: "[%(asctime)s] %(levelname)s in %(module)s: %(message)s", and
    # werkzeug's access line
    "flask": (
        '34.225.1.7 - - [26/Nov/2026 10:00:00] "POST /webhooks/stream HTTP/1.1" 200 -',
        "[2026-11-26 10:00:00,123] INFO in app: ",
    ),
    # Django's runserver access line, and its logging example "{levelname} {asctime} {module}"
    "django": (
        '[26/Nov/2026 10:00:00] "POST /webhooks/stream HTTP/1.1" 200 2',
        "INFO 2026-11-26 10:00:00,123 views ",
    ),
    # Go's log package with log.LstdFlags: log.Printf("received %s", body)
    "go": ("2026/11/26 10:00:00 listening on :8080", "2026/11/26 10:00:00 "),
    # Ruby's Logger: "%s, [%s #%d] %5s -- %s: %s" (severity letter, time, pid, level, progname)
    "ruby": (
        "I, [2026-11-26T10:00:00.120000 #1]  INFO -- : Listening on http://0.0.0.0:3000",
        "I, [2026-11-26T10:00:00.123456 #1]  INFO -- : ",
    ),
    # Spring Boot's console pattern (Logback)
    "spring": (
        "2026-11-26T10:00:00.120Z  INFO 1 --- [main] o.s.b.w.e.tomcat.TomcatWebServer   "
        ": Tomcat started on port 8080 (http)",
        "2026-11-26T10:00:00.123Z  INFO 1 --- [nio-8080-exec-1] c.e.hooks.WebhookController   : ",
    ),
    # morgan's "dev" format after Express's console.log (which has no prefix)
    "express": ("POST /webhooks/stream 200 4.123 ms - 2", ""),
    # winston's simple format: `${level}: ${message}`, after a morgan line
    "winston": ("POST /webhooks/stream 200 4.123 ms - 2", "info: "),
    # logrus on a terminal, and its text formatter
    "logrus": ('time="2026-11-26T10:00:00Z" level=info msg="listening on :8080"', "INFO[0001] "),
    # Logback's documented console pattern
    # "%d{HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg%n"
    "logback": (
        "10:00:00.120 [main] INFO  c.e.hooks.Application - Started Application in 1.2 seconds",
        "10:00:00.123 [http-nio-8080-exec-1] INFO  c.e.hooks.WebhookController - ",
    ),
    # Python "%(levelname)s - %(message)s"
    "levelname-dash": ("INFO - Application startup complete.", "INFO - "),
    # Apache/nginx combined access log before the app's own line
    "nginx": (
        '34.225.1.7 - - [26/Nov/2026:10:00:00 +0000] "POST /webhooks/stream HTTP/1.1" 200 2 '
        '"-" "Go-http-client/1.1"',
        "[INFO] ",
    ),
}


@pytest.mark.parametrize("name", sorted(PREFIXES))
def test_events_in_the_logs_of_common_loggers_and_servers(tmp_path: Path, name: str) -> None:
    other, prefix = PREFIXES[name]
    lines = [other, prefix + "Received event: " + _event("a"), other]
    path = _write(tmp_path, f"{name}.log", lines)
    assert sniff(path.read_bytes()) == "aws-lambda"
    assert _rejected(path) == []
    assert _reasons(path) == ["ok"]
    assert _rejected(path, "aws-lambda") == []


def test_a_log_without_any_webhook_is_one_rejected_record(tmp_path: Path) -> None:
    """A log of other things (the server's lines only) is read as nothing found: one record
    naming the file and saying what to log, never an empty success, nor one per line."""
    path = _write(tmp_path, "uvicorn.log", [*UVICORN, ACCESS, ACCESS])
    result = load_log(path)
    assert len(result.deliveries) == 0
    [(source, reason)] = _rejected(path)
    assert source == str(path)
    assert "none of its 6 messages" in reason
    assert "console.log(JSON.stringify(event))" in reason


def _pino(message: str, **fields: Any) -> str:
    """A pino record as its README shows one (level, time, pid, hostname, msg)."""
    record = {"level": 30, "time": 1795687200123, "pid": 7, "hostname": "web-1"}
    return json.dumps(record | fields | {"msg": message})


JSON_LOGGERS = {
    # pino-http's "request completed" records
    "pino": (
        _pino("request completed", reqId="req-1", res={"statusCode": 200}, responseTime=1.2),
        _pino("received", event=rest_event(REACTION, "a")),
    ),
    # winston's json format: logger.info("received", { event })
    "winston": (
        json.dumps({"level": "info", "message": "GET /health 200"}),
        json.dumps({"event": rest_event(REACTION, "a"), "level": "info", "message": "received"}),
    ),
    # structlog's JSONRenderer with add_log_level and TimeStamper(fmt="iso"): the message in
    # "event"
    "structlog": (
        json.dumps(
            {"event": "startup complete", "level": "info", "timestamp": "2026-11-26T10:00:00Z"}
        ),
        json.dumps(
            {"lambda_event": rest_event(REACTION, "a"), "event": "received", "level": "info"}
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(JSON_LOGGERS))
def test_json_logs_whose_head_holds_no_event(tmp_path: Path, name: str) -> None:
    """A JSON logger's records read as a log even when the first 64 KiB (what detection
    reads) hold none of the events: not a capture log whose every line is rejected."""
    other, with_event = JSON_LOGGERS[name]
    count = HEAD_BYTES // len(other) + 10
    path = _write(tmp_path, f"{name}.log", [other] * count + [with_event])
    assert sniff(path.read_bytes()[:HEAD_BYTES]) == "aws-lambda"
    assert _rejected(path) == []
    assert _reasons(path) == ["ok"]
    quiet = _write(tmp_path, f"{name}-quiet.log", [other] * 3)
    [(source, reason)] = _rejected(quiet)
    assert (source, "none of its 3 messages" in reason) == (str(quiet), True)


def _node_headers(body: bytes, webhook_id: str) -> dict[str, str]:
    """``req.headers`` in Node.js: names lower-cased."""
    return {name.lower(): value for name, value in stream_headers(body, webhook_id)}


def test_requests_logged_as_objects_among_a_servers_lines(tmp_path: Path) -> None:
    """Express: ``console.log(JSON.stringify({headers: req.headers, body: req.body}))`` with
    ``express.json()`` (a parsed body: rebuilt, so its content is checked), ``express.text()``
    (the text: exact) or ``express.raw()`` (a Buffer, which JSON.stringify writes as
    ``{"type": "Buffer", "data": [...]}``: exact); pino
    (``req.log.info({headers: req.headers, body: req.body}, "webhook")``) among morgan's
    lines."""
    parsed = {"headers": _node_headers(REACTION, "parsed"), "body": json.loads(REACTION)}
    text = {"headers": _node_headers(READ, "text"), "body": READ.decode()}
    buffer = {"headers": _node_headers(READ, "raw"), "body": {"type": "Buffer", "data": list(READ)}}
    lines = [
        json.dumps(parsed),
        "POST /webhooks/stream 200 4.123 ms - 2",
        json.dumps(text),
        "POST /webhooks/stream 200 1.001 ms - 2",
        _pino("webhook", **buffer),
        "POST /webhooks/stream 200 0.982 ms - 2",
    ]
    path = _write(tmp_path, "express.log", lines)
    assert sniff(path.read_bytes()) == "aws-lambda"
    result = load_log(path)
    assert result.rejected.empty, result.rejected.to_dict("records")
    assert list(result.deliveries["webhook_id"]) == ["parsed", "text", "raw"]
    assert list(result.deliveries["fidelity"].astype(str)) == ["reconstructed", "exact", "exact"]
    assert _reasons(path) == ["body_reserialized", "ok", "ok"]
    bad = _write(
        tmp_path,
        "bad.log",
        [lines[1], json.dumps(buffer | {"body": {"type": "Buffer", "data": [256]}})],
    )
    [(source, reason)] = _rejected(bad)
    assert (source, reason) == (
        f"{bad}:2",
        "field 'body' is a Buffer whose 'data' is not a list of bytes",
    )


def _inspect(value: Any, arrow: str) -> str:
    """A parsed JSON value as Ruby's ``inspect`` writes the hash Rails parsed it into."""
    if isinstance(value, dict):
        items = (f"{json.dumps(k)}{arrow}{_inspect(v, arrow)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inspect(item, arrow) for item in value) + "]"
    return "nil" if value is None else json.dumps(value)


def test_rails_parameters_say_what_to_log(tmp_path: Path) -> None:
    """Rails logs the parameters it parsed, as a Ruby hash (``inspect``: ``"type"=>...``, or
    ``"type" => ...`` from Ruby 3.4): no headers and not the signed bytes. Alone, each is a
    rejected record saying what to log; beside logged events they are passed over."""
    payload = json.loads(REACTION)
    old_ruby, new_ruby = _inspect(payload, "=>"), _inspect(payload, " => ")
    ruby = "I, [2026-11-26T10:00:00.123456 #1]  INFO -- : [7f3a] "
    lines = [
        ruby + 'Started POST "/webhooks/stream" for 34.225.1.7 at 2026-11-26 10:00:00 +0000',
        ruby + "Processing by WebhooksController#create as JSON",
        ruby + "  Parameters: " + old_ruby,
        ruby + "Completed 200 OK in 3ms (Allocations: 512)",
        'Started POST "/webhooks/stream" for ::1 at 2026-11-26 10:00:01 +0000',
        "  Parameters: " + new_ruby,
    ]
    path = _write(tmp_path, "production.log", lines)
    assert sniff(path.read_bytes()) == "aws-lambda"
    rejected = _rejected(path)
    assert [source for source, _ in rejected] == [f"{path}:3", f"{path}:6"]
    assert all("request.raw_post" in reason for _, reason in rejected)
    both = _write(tmp_path, "both.log", [*lines, ruby + "Received event: " + _event("a")])
    assert (_rejected(both), _reasons(both)) == ([], ["ok"])
    form = ruby + '  Parameters: {"authenticity_token"=>"[FILTERED]", "type"=>"admin"}'
    other = _write(tmp_path, "other.log", [lines[0], form])  # another request's parameters
    [(source, reason)] = _rejected(other)
    assert (source, "none of its 2 messages" in reason) == (str(other), True)


def _repeating(event: dict[str, Any], first_type: str) -> str:
    """``event`` as JSON text whose parsed body repeats ``type``: ``first_type``, then the
    type that was signed (a parser keeping the last value sees the signed content)."""
    text = json.dumps(event)
    signed = f'"type": "{event["body"]["type"]}"'
    assert text.count(signed) == 1
    return text.replace(signed, f'"type": "{first_type}", {signed}')


def test_a_parsed_body_whose_keys_repeat_is_never_called_authentic(tmp_path: Path) -> None:
    """A body logged as parsed JSON is rebuilt to be verified. If its text repeats a key, the
    rebuilt body keeps one value of it, and could be the signed content while the app read
    the other: such a record is rejected, never ``body_reserialized``. In every layout: an
    event per line, one event file, a request logged as an object, a printed Python dict."""
    event = rest_event(REACTION, "a") | {"body": json.loads(REACTION)}
    request = {"headers": _node_headers(REACTION, "b"), "body": json.loads(REACTION)}
    repeated = _repeating(event, "message.deleted")
    python = str(event).replace("'type': 'reaction.new'", "'type': 'x', 'type': 'reaction.new'")
    files = {
        "events.jsonl": [repeated],
        "event.json": [
            json.dumps(json.loads(repeated), indent=2).replace(
                '"type": "reaction.new"', '"type": "x",\n    "type": "reaction.new"', 1
            )
        ],
        "labelled.log": [*UVICORN, "INFO:root:Received event: " + repeated],
        "express.log": [ACCESS, _repeating(request, "message.deleted")],
        "printed.log": [*UVICORN, "INFO:root:" + python],
    }
    for name, lines in files.items():
        path = _write(tmp_path, name, lines)
        assert len(load_log(path).deliveries) == 0, name
        [(_, reason)] = _rejected(path)
        assert "repeats a key ('type')" in reason, (name, reason)
    clean = _write(tmp_path, "clean.jsonl", [json.dumps(event), json.dumps(request)])
    assert _reasons(clean, "aws-lambda") == ["body_reserialized", "body_reserialized"]


def test_a_parsed_body_whose_numbers_have_more_digits_than_a_float(tmp_path: Path) -> None:
    """A parsed body writing ``0.1000000000000000055511`` is rebuilt as ``0.1``: content that
    could have been signed while an app reading decimals read another number. Rejected, never
    ``body_reserialized``; the digits a float keeps (``0.5``, ``1e2``) are read as before."""
    event = rest_event(REACTION, "a") | {"body": json.loads(REACTION)}
    text = json.dumps(event)
    signed = '"type": "reaction.new"'

    def with_number(number: str) -> str:
        return text.replace(signed, f'"score": {number}, {signed}', 1)

    path = _write(tmp_path, "cut.jsonl", [with_number("0.1000000000000000055511")])
    [(_, reason)] = _rejected(path)
    assert "more digits than a parser keeps (0.1000000000000000055511)" in reason
    kept = _write(tmp_path, "kept.log", [*UVICORN, "INFO:root:" + with_number("1e2")])
    assert (_rejected(kept), len(load_log(kept).deliveries)) == ([], 1)


def test_repeated_keys_where_the_bytes_are_kept(tmp_path: Path) -> None:
    """A body kept as text is verified as the bytes it is: ``ok`` only when those very bytes
    (repeats and all) were signed; a JSON logger's own repeated keys (pino writes a child's
    bindings and the call's fields both) do not touch the event it holds."""
    payload = REACTION.replace(b'"type":', b'"type":"x","type":', 1)
    signed = rest_event(payload, "signed")
    reencoded = rest_event(payload, "reencoded")
    reencoded["headers"]["X-Signature"] = sign(encode(json.loads(payload)), DEMO_SECRET)
    reencoded["multiValueHeaders"]["X-Signature"] = [reencoded["headers"]["X-Signature"]]
    pino = _pino("received", event=rest_event(REACTION, "pino")).replace(
        '"pid": 7', '"pid": 7, "pid": 8'
    )
    path = _write(tmp_path, "app.log", [*UVICORN, *map(json.dumps, (signed, reencoded)), pino])
    assert _reasons(path) == ["ok", "signature_mismatch", "ok"]


def test_a_body_beside_events_is_told_by_its_kind_not_its_words() -> None:
    """Only the bodies a log holds beside its events are passed over: a record rejected for
    another cause keeps its place, whatever its words."""
    batch = DeliveryBatch(FORMAT)
    add_event(batch, "f:1", json.loads(json.dumps(rest_event(REACTION, "a"))))
    lambda_logs._value(batch, "f:2", json.loads(REACTION), only_events=False)
    batch.reject("f:3", lambda_logs._BARE_IN_LOG)  # same words, another record
    settled = lambda_logs._settled(batch)
    assert settled.rejected == [Rejected("f:3", lambda_logs._BARE_IN_LOG)]
    alone = DeliveryBatch(FORMAT)
    lambda_logs._value(alone, "f:2", json.loads(REACTION), only_events=False)
    (kept,) = lambda_logs._settled(alone).rejected
    assert type(kept) is Rejected
    assert kept.source == "f:2"


def _powershell(tmp_path: Path, name: str, text: str) -> Path:
    """What Windows PowerShell 5.1's ``>`` writes (``Out-File``'s default encoding): UTF-16 LE
    with a byte order mark, CRLF line ends."""
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-16"))
    return path


def test_windows_powershell_redirection_of_a_log(tmp_path: Path) -> None:
    """UTF-16 with CRLF, an application's log: read as its UTF-8 original."""
    lines = [*UVICORN, "INFO:root:Received event: " + _event("a"), ACCESS]
    whole = _powershell(tmp_path, "whole.log", "\n".join(lines) + "\n")
    assert _reasons(whole) == ["ok"]


def test_lines_powershell_wrapped_at_the_console_width(tmp_path: Path) -> None:
    """Lines wrapped (or cut) at the console's width are refused by name, saying how to write
    the log again, not read as a rejected record per piece."""
    events = [_event("a"), _event("b")]
    wrapped_text = "".join(
        line[start : start + 120] + "\n" for line in events for start in range(0, len(line), 120)
    )
    wrapped = _powershell(tmp_path, "wrapped.log", wrapped_text)
    with pytest.raises(SourceError, match=r"wrapped\.log: cannot read .* cut at 120 char") as err:
        load_log(wrapped)
    assert "Out-File -Encoding utf8 -Width" in str(err.value)
    retries = _powershell(tmp_path, "retries.log", "\n".join([_event("a")] * 3) + "\n")
    assert _reasons(retries) == ["ok"] * 3  # whole lines of one length are not a cut


def test_non_ascii_text_through_powershells_code_page(tmp_path: Path) -> None:
    """A body of non-ASCII text went through a code page the file does not name: rebuilt
    (``body_reserialized`` when Stream's encoding of the text is signed, else
    unverifiable), never a false mismatch."""
    payload = json.loads(REACTION)
    payload["user"]["name"] = "Zoë Ünal"
    body = encode(payload)
    headers = {k: v for k, v in _node_headers(body, "b").items() if k != "content-length"}
    printed = json.dumps({"headers": headers, "body": body.decode()}, ensure_ascii=False)
    as_cp437 = printed.encode("utf-8").decode("cp437")  # the console's OEM code page
    # the console's code page was UTF-8 (the content, re-encoded, matches) or OEM 437
    for text, reason in ((printed, "body_reserialized"), (as_cp437, "unverifiable")):
        path = _powershell(tmp_path, "express.jsonl", text + "\n")
        frame = load_log(path).deliveries
        assert list(frame["fidelity"].astype(str)) == ["reconstructed"]
        assert _reasons(path) == [reason]


def _cloud_logging_entry(number: int, **payload: Any) -> dict[str, Any]:
    """A Cloud Run ``LogEntry`` as ``gcloud logging read --format json`` prints it (fields as
    the Cloud Logging API's LogEntry reference names them)."""
    return {
        "insertId": f"6745f0a2000a1b2c3d4e5f{number:02d}",
        "labels": {"instanceId": "00f8b7c1d2e3"},
        "logName": "projects/hooks-prod/logs/run.googleapis.com%2Fstdout",
        "receiveTimestamp": "2026-11-26T10:00:00.456789012Z",
        "resource": {
            "labels": {
                "configuration_name": "hooks",
                "location": "us-central1",
                "project_id": "hooks-prod",
                "revision_name": "hooks-00001-abc",
                "service_name": "hooks",
            },
            "type": "cloud_run_revision",
        },
        "timestamp": "2026-11-26T10:00:00.123456Z",
        **payload,
    }


def test_google_cloud_logging_entries(tmp_path: Path) -> None:
    """Cloud Run: a line of text in ``textPayload``; a JSON line (structured logging) in
    ``jsonPayload``. Entries of other lines are passed over; entries holding nothing at all
    are one rejected record."""
    request = {"headers": _node_headers(READ, "json"), "body": READ.decode()}
    entries = [
        _cloud_logging_entry(1, textPayload=UVICORN[0]),
        _cloud_logging_entry(2, textPayload="INFO:root:Received event: " + _event("text")),
        _cloud_logging_entry(3, jsonPayload={"message": "webhook", **request}, severity="INFO"),
        _cloud_logging_entry(4, textPayload=ACCESS),
    ]
    path = tmp_path / "gcloud.json"
    path.write_text(json.dumps(entries, indent=2), encoding="utf-8")
    result = load_log(path)
    assert result.rejected.empty, result.rejected.to_dict("records")
    assert list(result.deliveries["source"]) == [f"{path}#2", f"{path}#3"]
    assert _reasons(path) == ["ok", "ok"]
    exported = _write(tmp_path, "sink.jsonl", [json.dumps(entry) for entry in entries])
    assert _reasons(exported) == ["ok", "ok"]  # a sink's export: one entry per line
    quiet = tmp_path / "quiet.json"
    quiet.write_text(json.dumps([entries[0], entries[3]]), encoding="utf-8")
    [(source, reason)] = _rejected(quiet)
    assert source == str(quiet)
    assert "none of its 2 messages" in reason


def _tail_event(method: str, logged: list[list[Any]]) -> dict[str, Any]:
    """A Cloudflare Workers tail event (wrangler's ``TailEventMessage``): the request without
    its body, and each ``console.log`` call's arguments."""
    headers = _node_headers(READ, "tail") if method == "POST" else {}
    return {
        "outcome": "ok",
        "scriptName": "stream-hooks",
        "diagnosticsChannelEvents": [],
        "exceptions": [],
        "logs": [
            {"message": message, "level": "log", "timestamp": 1795687200123} for message in logged
        ],
        "eventTimestamp": 1795687200120,
        "event": {
            "request": {
                "url": "https://hooks.example.workers.dev/webhooks/stream",
                "method": method,
                "headers": headers,
                "cf": {"colo": "IAD", "country": "US"},
            },
            "response": {"status": 200},
        },
    }


def test_wrangler_tail_in_its_json_format(tmp_path: Path) -> None:
    """``wrangler tail --format json``: its two lines, then each event pretty-printed. A
    request the Worker logged is read; a POST whose logs hold none is refused, saying what to
    log (the tail never keeps a body); another method is skipped."""
    request = {"headers": _node_headers(READ, "worker"), "body": READ.decode()}
    events = [
        _tail_event("POST", [["received", json.dumps(request)]]),
        _tail_event("GET", []),
        _tail_event("POST", [["signature check failed"]]),
    ]
    banner = [
        "successfully created tail, expires at 11/26/2026, 4:00:00 PM",
        "Connected to stream-hooks, waiting for logs...",
    ]
    path = _write(tmp_path, "tail.log", [*banner, *(json.dumps(e, indent=2) for e in events)])
    assert sniff(path.read_bytes()) == "aws-lambda"
    result = load_log(path)
    assert list(result.deliveries["webhook_id"]) == ["worker"]
    assert list(result.deliveries["source"]) == [f"{path}:3#1"]
    assert result.skipped == 1
    [(source, reason)] = _rejected(path)
    assert source.startswith(f"{path}:")
    assert "request.clone().text()" in reason
    assert _reasons(path) == ["ok"]


def test_vercel_log_drain_records_whose_head_holds_no_event(tmp_path: Path) -> None:
    """Vercel's JSON log drain: the function's line in ``message`` (the Lambda runtime's
    prefix before it), beside ``deploymentId``, ``source``, ``requestId``."""
    base = {
        "id": "1573817187330377061717300000",
        "deploymentId": "dpl_233NRGRjVZX1caZrXWtz5g1TAksD",
        "source": "lambda",
        "host": "hooks-example.vercel.app",
        "timestamp": 1795687200123,
        "projectId": "gdufoJxB6b9b1fEqr1jUtFkyavUU",
        "requestId": "643af4e3-975a-4cc7-9e7a-1eda11539d90",
        "path": "/api/stream-webhook",
    }
    request = {"headers": _node_headers(REACTION, "vercel"), "body": REACTION.decode()}
    noise = json.dumps(base | {"message": "START RequestId: 643af4e3 Version: $LATEST"})
    logged = json.dumps(
        base
        | {
            "message": f"2026-11-26T10:00:00.123Z\t{base['requestId']}\tINFO\t"
            + json.dumps(request)
        }
    )
    path = _write(tmp_path, "drain.jsonl", [noise] * (HEAD_BYTES // len(noise) + 5) + [logged])
    assert sniff(path.read_bytes()[:HEAD_BYTES]) == "aws-lambda"
    assert _rejected(path) == []
    assert _reasons(path) == ["ok"]


def test_requests_a_python_app_printed_as_dicts(tmp_path: Path) -> None:
    """Flask's ``app.logger.info("%s", {"headers": dict(request.headers), "body":
    request.get_data()})`` prints a dict, its body a bytes literal; with
    ``get_data(as_text=True)`` a string. Both are the exact bytes (read as literals, never
    run), between werkzeug's access lines."""
    headers = dict(stream_headers(REACTION, "flask"))
    flask = "[2026-11-26 10:00:00,123] INFO in app: "
    access = '34.225.1.7 - - [26/Nov/2026 10:00:00] "POST /webhooks/stream HTTP/1.1" 200 -'
    lines = [
        access,
        flask + repr({"headers": headers, "body": REACTION}),
        flask + repr({"headers": headers, "body": REACTION.decode()}),
        access,
    ]
    path = _write(tmp_path, "flask.log", lines)
    result = load_log(path)
    assert result.rejected.empty, result.rejected.to_dict("records")
    assert list(result.deliveries["fidelity"].astype(str)) == ["exact", "exact"]
    assert _reasons(path) == ["ok", "ok"]


def test_npm_start_of_a_next_js_app(tmp_path: Path) -> None:
    """``npm start > app.log`` of a Next.js app: npm's banner, Next's (printed without a
    logger), then what a route handler logged:
    ``console.log(JSON.stringify({headers: Object.fromEntries(req.headers), body: await
    req.text()}))``. The banners are passed over, not rejected line by line."""
    request = {"headers": _node_headers(READ, "next"), "body": READ.decode()}
    lines = [
        "",
        "> hooks@0.1.0 start",
        "> next start",
        "",
        "   \u25b2 Next.js 14.2.3",
        "   - Local:        http://localhost:3000",
        "",
        " \u2713 Starting...",
        " \u2713 Ready in 1033ms",
        json.dumps(request),
    ]
    path = _write(tmp_path, "app.log", lines)
    assert sniff(path.read_bytes()) == "aws-lambda"
    assert _rejected(path) == []
    assert _reasons(path) == ["ok"]


def test_platform_records_nested_without_end_are_not_a_crash(tmp_path: Path) -> None:
    """A Cloud Logging entry whose ``jsonPayload`` is an entry, and so on 500 deep: what a
    function logged is read once, never as another platform's record."""
    entry = json.dumps({"logName": "l", "insertId": "i", "textPayload": UVICORN[0]})
    opening = '{"logName": "l", "insertId": "i", "jsonPayload": '
    path = tmp_path / "nested.json"
    path.write_text("[" + opening * 500 + entry + "}" * 500 + "]", encoding="utf-8")
    [(source, reason)] = _rejected(path)
    assert (source, "none of its 1 message is" in reason) == (str(path), True)
