"""Sources, detection, chunked loading, strictness, progress and the frame's columns."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import fsspec
import pandas as pd
import pytest
from aiohttp import web
from helpers import capture_line

from streamhook_nb import COLUMNS, FORMATS, SourceError, UsageError, iter_load, load_log
from streamhook_nb.background_server import BackgroundServer
from streamhook_nb.load.detect import JSON_DOCUMENT, sniff

WriteFile = Callable[[str, bytes], Path]


def test_every_sample_format_loads(data_dir: Path) -> None:
    result = load_log(data_dir)
    assert result.by_format == {
        "capture-jsonl": 203,
        "har": 9,
        "ngrok": 5,
        "raw-http": 3,
        "sqs": 7,
        "sns": 1,
    }
    assert len(result.rejected) == 6
    assert all(
        result.rejected["source"].str.startswith(str(data_dir / "capture" / "damaged.jsonl"))
    )


def test_frame_has_every_documented_column_and_dtype(data_dir: Path) -> None:
    frame = load_log(data_dir).deliveries
    assert list(frame.columns) == list(COLUMNS)
    assert {c: str(t) for c, t in frame.dtypes.items()} == {
        c: ("category" if t == "category" else t) for c, t in COLUMNS.items()
    }
    assert isinstance(frame.index, pd.RangeIndex)


def test_empty_log_gives_an_empty_typed_frame(write_file: WriteFile) -> None:
    result = load_log(write_file("empty.jsonl", capture_line()[:0] + b"\n"), format="capture-jsonl")
    assert len(result.deliveries) == 0
    assert list(result.deliveries.columns) == list(COLUMNS)


def test_several_sources_keep_their_order(write_file: WriteFile) -> None:
    a = write_file("a.jsonl", capture_line(b"1"))
    b = write_file("b.jsonl", capture_line(b"2"))
    assert list(load_log([b, a]).deliveries["body"]) == [b"2", b"1"]


def test_glob_and_directory(write_file: WriteFile, tmp_path: Path) -> None:
    write_file("logs/a.jsonl", capture_line(b"1"))
    write_file("logs/sub/b.jsonl", capture_line(b"2"))
    write_file("logs/.hidden/c.jsonl", capture_line(b"3"))
    write_file("logs/README.md", b"# what these logs are\n")
    assert list(load_log(tmp_path / "logs").deliveries["body"]) == [b"1", b"2"]
    assert list(load_log(str(tmp_path / "logs" / "**" / "*.jsonl")).deliveries["body"]) == [
        b"1",
        b"2",
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("no/such/file.jsonl", "no/such/file.jsonl: no such file or directory"),
        ("no/such/*.jsonl", "no/such/*.jsonl: the pattern matches no file"),
        ("memory://nothing/here.jsonl", "the URL matches no file"),
    ],
)
def test_missing_sources_are_clear_errors(source: str, message: str) -> None:
    with pytest.raises(SourceError, match=message.replace("*", r"\*")):
        load_log(source)


def test_unknown_format_names_the_file_and_formats(write_file: WriteFile) -> None:
    path = write_file("notes.txt", b"hello, this is not a capture log\n")
    with pytest.raises(SourceError) as caught:
        load_log(path)
    assert str(path) in str(caught.value)
    assert all(name in str(caught.value) for name in FORMATS)


def test_json_document_of_unknown_shape(write_file: WriteFile) -> None:
    with pytest.raises(SourceError, match="not a known capture format"):
        load_log(write_file("x.json", b'{"hello": "world"}'))
    with pytest.raises(SourceError, match="not valid JSON"):
        load_log(write_file("y.json", b'[{"Body": '))


def test_a_gzip_cut_short_keeps_every_whole_line_before_the_cut(write_file: WriteFile) -> None:
    """The read that met the cut dropped what it had decompressed: up to 120 KiB of lines
    before the damage were lost with it (here, all of them)."""
    import gzip
    import zlib

    content = gzip.compress(b"".join(capture_line(str(n).encode()) for n in range(400)))
    cut = content[: len(content) // 2]
    path = write_file("cut.jsonl.gz", cut)
    whole_lines = zlib.decompressobj(31).decompress(cut).count(b"\n")
    result = load_log(path)
    assert list(result.deliveries["body"]) == [str(n).encode() for n in range(whole_lines)]
    [(source, reason)] = result.rejected.itertuples(index=False)
    assert source == f"{path}:{whole_lines + 1}"
    assert "a gzip file must be complete" in reason
    nothing = write_file("nothing.jsonl.gz", content[:20])  # not one byte inflates
    with pytest.raises(SourceError, match="cut short"):
        load_log(nothing)


def test_unknown_format_option() -> None:
    with pytest.raises(UsageError, match="unknown format 'saz'"):
        load_log("data", format="saz")  # Fiddler's archive: not read


def test_sniffing() -> None:
    assert sniff(capture_line()) == "capture-jsonl"
    assert sniff(b"\xef\xbb\xbf  " + capture_line()) == "capture-jsonl"
    assert sniff(b"POST /x HTTP/1.1\r\nHost: a\r\n\r\n") == "raw-http"
    assert sniff(b'{\n  "log": {') == JSON_DOCUMENT
    assert sniff(b"[") == JSON_DOCUMENT
    assert sniff(b"GET") is None


def test_iter_load_streams_in_chunks(write_file: WriteFile) -> None:
    path = write_file("log.jsonl", capture_line() * 5 + b"bad\n" + capture_line() * 4)
    chunks = list(iter_load(path, chunk_size=3))
    assert [len(c.deliveries) for c in chunks] == [3, 3, 3]
    assert sum(len(c.rejected) for c in chunks) == 1
    assert pd.concat([c.deliveries for c in chunks])["source"].tolist() == [
        f"{path}:{n}" for n in (1, 2, 3, 4, 5, 7, 8, 9, 10)
    ]


def test_a_log_of_many_read_batches_is_the_frame_of_its_chunks(
    write_file: WriteFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """load_log builds the frame once over many read batches: the same rows, dtypes and
    rejections as the chunks' own frames, bad times dropped from each batch."""
    from streamhook_nb.load import loading

    monkeypatch.setattr(loading, "READ_CHUNK", 4)
    lines = []
    for n in range(1, 31):
        if n % 7 == 0:
            lines.append(capture_line(received_at=f"not a time {n}"))
        elif n % 11 == 0:
            lines.append(b"{bad json\n")
        else:
            lines.append(
                capture_line(
                    f'{{"n":{n}}}'.encode(),
                    {"x-signature": "ab" * 32, "x-webhook-attempt": str(n), "x-id": ["1", "2"]},
                    response={"status": 200 + n},
                    transport="sqs" if n % 3 else None,
                    fidelity="missing" if n == 5 else None,
                )
            )
    path = write_file("log.jsonl", b"".join(lines))
    whole = load_log(path)
    chunks = list(iter_load(path, chunk_size=4))
    expected = pd.concat([c.deliveries for c in chunks], ignore_index=True)
    pd.testing.assert_frame_equal(whole.deliveries, expected, check_exact=True)
    assert len(whole.deliveries) == 30 - 4 - 2
    assert whole.deliveries["attempt"].tolist()[:3] == [1, 2, 3]
    assert whole.deliveries["transport"].tolist()[:3] == ["sqs", "sqs", "http"]
    assert whole.rejected["source"].tolist() == [f"{path}:{n}" for n in (7, 11, 14, 21, 22, 28)]
    assert whole.rejected["source"].tolist() == [
        s for c in chunks for s in c.rejected["source"].tolist()
    ]


def test_iter_load_rejects_a_bad_chunk_size() -> None:
    with pytest.raises(UsageError):
        next(iter_load("data", chunk_size=0))


def test_progress_bar_can_be_forced(
    write_file: WriteFile, capsys: pytest.CaptureFixture[str]
) -> None:
    load_log(write_file("log.jsonl", capture_line()), progress=True)
    assert "loading" in capsys.readouterr().err


def test_memory_url(write_file: WriteFile) -> None:
    with fsspec.open("memory://logs/a.jsonl", "wb") as out:
        out.write(capture_line(b"mem"))
    frame = load_log("memory://logs/*.jsonl").deliveries
    assert list(frame["body"]) == [b"mem"]
    assert frame["source"].iloc[0] == "memory:///logs/a.jsonl:1"


async def _forbidden(_: web.Request) -> web.Response:
    return web.Response(status=403)


@pytest.fixture
def http_server(data_dir: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving the sample data."""
    app = web.Application()
    app.router.add_static("/data", data_dir)
    app.router.add_get("/forbidden.jsonl", _forbidden)
    server = BackgroundServer(app)
    host, port = server.start()
    yield f"http://{host}:{port}/data"
    server.stop()


def test_https_style_url_over_a_local_server(http_server: str, data_dir: Path) -> None:
    remote = load_log(f"{http_server}/har/devtools-export.har").deliveries
    local = load_log(data_dir / "har" / "devtools-export.har").deliveries
    assert list(remote["body"]) == list(local["body"])
    assert remote["source"].iloc[0].startswith(http_server)


def test_summary_shape(data_dir: Path) -> None:
    summary = load_log(data_dir / "capture").summary()
    assert set(summary) == {"deliveries", "rejected", "skipped", "by_format", "rejected_records"}
    assert summary["rejected"] == len(summary["rejected_records"]) == 6
    assert set(summary["rejected_records"][0]) == {"source", "reason"}


def test_unreadable_url_is_a_clear_error(http_server: str) -> None:
    with pytest.raises(
        SourceError, match=r"forbidden.jsonl: (cannot open|the URL matches no file)"
    ):
        load_log(http_server.replace("/data", "/forbidden.jsonl"))


def _folder_with_unreadable_files(write_file: WriteFile) -> Path:
    import gzip

    good = write_file("logs/a.jsonl", capture_line(b"1") + capture_line(b"2"))
    write_file("logs/b-notes.txt", b"what we saw on Tuesday\n")
    write_file("logs/c.har", b'{"log": {"entries": [')
    write_file("logs/d.jsonl.gz", gzip.compress(capture_line(b"3") * 50)[:-30] + b"\x00" * 30)
    damaged = bytearray(gzip.compress(capture_line(b"5") * 50))
    damaged[12:40] = bytes(b ^ 0xFF for b in damaged[12:40])  # corrupt deflate data
    write_file("logs/d2.jsonl.gz", bytes(damaged))
    write_file("logs/e.jsonl", capture_line(b"4"))
    return good.parent


def test_an_unreadable_file_in_a_directory_is_one_rejected_record(write_file: WriteFile) -> None:
    folder = _folder_with_unreadable_files(write_file)
    result = load_log(folder)
    assert list(result.deliveries["body"])[:2] == [b"1", b"2"]
    assert list(result.deliveries["body"])[-1] == b"4"
    reasons = dict(zip(result.rejected["source"], result.rejected["reason"], strict=True))
    assert reasons[str(folder / "b-notes.txt")].startswith("not a known capture format")
    assert reasons[str(folder / "c.har")].startswith("not valid JSON")
    damaged = result.rejected[result.rejected["source"].str.contains("d.jsonl.gz:")]
    assert damaged["reason"].iloc[-1].startswith("cannot read from this line on")
    assert b"3" in list(result.deliveries["body"])  # the lines before its damage
    assert reasons[str(folder / "d2.jsonl.gz")].startswith("cannot read (Error -3")
    with pytest.raises(SourceError, match="not a known capture format"):
        load_log(folder / "b-notes.txt")  # named on its own: the whole load fails


def test_inventory_gives_an_unreadable_file_its_row(write_file: WriteFile) -> None:
    from streamhook_nb import inventory

    folder = _folder_with_unreadable_files(write_file)
    table = inventory(folder).set_index("source")
    assert table.loc[str(folder / "a.jsonl"), "deliveries"] == 2
    assert pd.isna(table.loc[str(folder / "a.jsonl"), "error"])
    assert table.loc[str(folder / "c.har"), "error"].startswith("not valid JSON")
    assert table.loc[str(folder / "c.har"), "deliveries"] == 0
    assert table["skipped"].sum() == 0


def test_inventory_of_a_folder_adds_up_to_loading_it(write_file: WriteFile) -> None:
    """A file cut short is counted as the folder's load counts it: what was read before the
    damage, and the damage as one rejected record (with the reason in ``error``)."""
    import gzip

    from streamhook_nb import inventory

    folder = _folder_with_unreadable_files(write_file)
    lines = b"".join(capture_line(str(n).encode()) for n in range(20_000))
    write_file("logs/d.jsonl.gz", gzip.compress(lines)[:-3000])  # cut: most of it reads
    table = inventory(folder)
    result = load_log(folder)
    assert (table["deliveries"].sum(), table["rejected"].sum()) == (
        len(result.deliveries),
        len(result.rejected),
    )
    cut = table.set_index("source").loc[str(folder / "d.jsonl.gz")]
    loaded = result.deliveries["source"].str.startswith(str(folder / "d.jsonl.gz"))
    assert cut["deliveries"] == loaded.sum() > 0
    assert (cut["rejected"], cut["format"]) == (1, "capture-jsonl")
    assert pd.isna(cut["error"])  # read in part: the damage is its rejected record
    [damage] = result.rejected[result.rejected["source"].str.contains("d.jsonl.gz")]["reason"]
    assert damage.startswith("cannot read from this line on")


def test_byte_order_mark_on_every_json_format(write_file: WriteFile, data_dir: Path) -> None:
    for sample in ("har", "ngrok", "sqs", "sns"):
        for file in sorted((data_dir / sample).iterdir()):
            original = load_log(file)
            again = load_log(write_file(f"bom/{file.name}", b"\xef\xbb\xbf" + file.read_bytes()))
            assert len(again.deliveries) == len(original.deliveries) > 0, file
            assert again.deliveries["body"].tolist() == original.deliveries["body"].tolist()


def test_iter_load_counts_skipped_requests(write_file: WriteFile) -> None:
    page = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    path = write_file("mixed.http", page + b"POST /h HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
    chunks = list(iter_load(path))
    assert sum(chunk.skipped for chunk in chunks) == 1
    assert sum(len(chunk.deliveries) for chunk in chunks) == 1


@pytest.mark.parametrize("chunk_size", [1, 3, 4, 5, 9, 64])
def test_iter_load_reads_a_few_rows_at_a_time_and_gives_chunks_of_the_size_asked(
    write_file: WriteFile, monkeypatch: pytest.MonkeyPatch, chunk_size: int
) -> None:
    """Reader batches of a few rows (Python objects for only those at a time) gathered into
    results of ``chunk_size``: the rows, rejected records and skips of the whole load."""
    from streamhook_nb.load import loading, small_batches

    monkeypatch.setattr(loading, "READ_CHUNK", 4)
    monkeypatch.setattr(small_batches, "SMALL_ROWS", 4)  # as 512 rows are not small
    lines = [
        b"{bad json\n"
        if n % 6 == 0
        else capture_line(received_at="yesterday")
        if n % 10 == 0
        else capture_line(f'{{"n":{n}}}'.encode(), method="GET" if n == 8 else "POST")
        for n in range(1, 41)
    ]
    path = write_file("log.jsonl", b"".join(lines))
    whole = load_log(path)
    chunks = list(iter_load(path, chunk_size=chunk_size))
    sizes = [len(c.deliveries) for c in chunks]
    assert sizes[:-1] == [chunk_size] * (len(sizes) - 1)
    assert 0 < sizes[-1] <= chunk_size
    pd.testing.assert_frame_equal(
        pd.concat([c.deliveries for c in chunks], ignore_index=True), whole.deliveries
    )
    pd.testing.assert_frame_equal(
        pd.concat([c.rejected for c in chunks], ignore_index=True), whole.rejected
    )
    assert sum(c.skipped for c in chunks) == whole.skipped == 1
    lines = [_line_numbers(c.deliveries["source"]) for c in chunks]
    for at, chunk in enumerate(chunks):  # a rejected record lies between its chunk's neighbours
        for line in _line_numbers(chunk.rejected["source"]):
            assert at == 0 or line > lines[at - 1][-1]
            assert at == len(chunks) - 1 or line < lines[at + 1][0]


def _line_numbers(sources: pd.Series) -> list[int]:
    return [int(source.rpartition(":")[2]) for source in sources]


def test_iter_load_holds_python_objects_for_a_read_chunk_not_a_result(
    write_file: WriteFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Converting a big log 50,000 deliveries at a time held 50,000 rows of Python objects
    (a dict of headers and bytes per row: about 500 MB at the peak for a 300 MB log)."""
    from streamhook_nb.load import loading

    asked: list[int] = []
    read_sources = loading.read_sources

    def reading(*args: Any) -> Any:
        asked.append(args[4])
        return read_sources(*args)

    monkeypatch.setattr(loading, "read_sources", reading)
    path = write_file("log.jsonl", capture_line() * 3)
    assert sum(len(c.deliveries) for c in iter_load(path, chunk_size=50_000)) == 3
    assert sum(len(c.deliveries) for c in iter_load(path, chunk_size=2)) == 3
    assert asked == [loading.READ_CHUNK, 2]
