"""Capture logs that do not look like one at first sight still load, line by line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from helpers import DATA, record_line

from streamhook_nb import load_log
from streamhook_nb.errors import SourceError
from streamhook_nb.load.detect import HEAD_BYTES, sniff
from streamhook_nb.samples.webhooks import deliveries

WriteFile = Callable[[str, bytes], Path]
_RECORD = next(iter(deliveries(1, seed=11))).capture_record()


def test_a_first_record_longer_than_the_head(write_file: WriteFile) -> None:
    big = {**_RECORD, "body": "x" * (HEAD_BYTES + 10)}
    path = write_file("log.jsonl", record_line(big) + record_line(_RECORD))
    assert sniff(path.read_bytes()[:HEAD_BYTES]) == "capture-jsonl"
    result = load_log(path)
    assert len(result.deliveries) == 2
    assert len(result.rejected) == 0


def test_a_log_of_one_record_without_its_newline(write_file: WriteFile) -> None:
    path = write_file("log.jsonl", orjson.dumps(_RECORD))
    assert len(load_log(path).deliveries) == 1


@pytest.mark.parametrize("damaged", [5, 40])
def test_damaged_first_lines_are_rejected_one_by_one(write_file: WriteFile, damaged: int) -> None:
    path = write_file("log.jsonl", b"{bad\n" * damaged + record_line(_RECORD))
    result = load_log(path)
    assert len(result.deliveries) == 1
    assert list(result.rejected["source"]) == [f"{path}:{n}" for n in range(1, damaged + 1)]


def test_a_log_whose_every_line_is_damaged_rejects_each_line(write_file: WriteFile) -> None:
    path = write_file("log.jsonl", b'{"received_at": \n' * 3)
    result = load_log(path)
    assert len(result.deliveries) == 0
    assert len(result.rejected) == 3


def test_documents_are_still_documents(write_file: WriteFile) -> None:
    har = orjson.loads((DATA / "har" / "devtools-export.har").read_bytes())
    har["log"]["comment"] = "x" * (HEAD_BYTES + 10)  # one minified line longer than the head
    path = write_file("big.har", orjson.dumps(har))
    assert sniff(path.read_bytes()[:HEAD_BYTES]) != "capture-jsonl"
    assert set(load_log(path).deliveries["format"]) == {"har"}
    broken = write_file("broken.har", orjson.dumps(har)[:-40])
    with pytest.raises(SourceError, match="not valid JSON"):
        load_log(broken)


@pytest.mark.parametrize("printed", ["{'Messages': []}", "[{'Type': 'Notification'}]"])
def test_a_python_dict_printed_as_it_is_says_to_write_json(tmp_path: Path, printed: str) -> None:
    path = tmp_path / "response.txt"
    path.write_text(printed + "\n")
    with pytest.raises(SourceError, match=r"a Python dict printed with print\(\)"):
        load_log(path)


_PAYLOADS = [
    example["payload"]
    for example in orjson.loads(
        (
            Path(__file__).resolve().parents[2]
            / "streamhook_nb/payloads/stream-payload-examples.json"
        ).read_bytes()
    )
]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("event.json", orjson.dumps(_PAYLOADS[0], option=orjson.OPT_INDENT_2)),
        ("events.json", orjson.dumps(_PAYLOADS[:4])),
    ],
)
def test_a_logged_payload_without_its_request_is_named_as_such(
    write_file: WriteFile, name: str, content: bytes
) -> None:
    """Logging ``req.body`` alone is a common first attempt: say why it cannot be verified."""
    path = write_file(name, content)
    with pytest.raises(SourceError, match="a webhook body without its request: no headers"):
        load_log(path)


def test_payload_lines_are_each_rejected_as_a_body_without_its_request(
    write_file: WriteFile,
) -> None:
    lines = b"".join(orjson.dumps(payload) + b"\n" for payload in _PAYLOADS[:3])
    path = write_file("bodies.jsonl", lines + record_line(_RECORD))
    result = load_log(path)
    assert len(result.deliveries) == 1
    assert list(result.rejected["source"]) == [f"{path}:{n}" for n in (1, 2, 3)]
    assert result.rejected["reason"].str.startswith("a webhook body without its request").all()


@pytest.mark.parametrize("forced", [None, "har"])
def test_a_deep_document_with_a_lone_surrogate_is_an_error_not_a_traceback(
    write_file: WriteFile, forced: str | None
) -> None:
    """orjson refuses the surrogate; the standard library, parsing it instead, ran out of
    recursion (a RecursionError traceback)."""
    depth = 100_000
    path = write_file("deep.json", b'["\\udc80",' + b"[" * depth + b"]" * depth + b"]")
    with pytest.raises(SourceError, match="nested too deeply"):
        load_log(path, format=forced)


def test_lambda_events_printed_as_python_dicts_one_per_line_are_lambda_events(
    write_file: WriteFile,
) -> None:
    """``print(event)`` lines (single quotes) were taken for a damaged capture log: every line
    rejected as "not valid JSON", where the ``aws-lambda`` reader reads them exactly."""
    event = {
        "resource": "/hook",
        "path": "/hook",
        "httpMethod": "POST",
        "headers": {"X-Signature": "ab" * 32},
        "requestContext": {"requestTimeEpoch": 1764151200000},
        "body": '{"type":"message.new"}',
        "isBase64Encoded": False,
    }
    v2 = {"version": "2.0", "rawPath": "/hook", "body": "{}"}
    for events in ([event, event], [v2, v2]):
        head = "".join(f"{e!r}\n" for e in events).encode()
        assert sniff(head) == "aws-lambda"
    path = write_file("printed.log", f"{event!r}\n{event!r}\n".encode())
    result = load_log(path)
    assert result.rejected.empty
    assert list(result.deliveries["body"]) == [b'{"type":"message.new"}'] * 2
