"""Where logs come from: paths, directories, globs and fsspec URLs, opened as binary streams."""

from __future__ import annotations

import errno
import glob
import gzip
import io
import itertools
import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from streamhook_nb.errors import SourceError

GZIP_MAGIC = b"\x1f\x8b"
ZLIB_HEADERS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")
"""The first bytes of a zlib stream (mitmproxy writes ``.zhar`` files so: HAR through zlib)."""
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
"""How a UTF-16 text file starts: Windows PowerShell 5.1 writes what ``>`` redirects so (say,
``aws sqs receive-message ... > messages.json``)."""
DAMAGE_ERRORS = (OSError, EOFError, zlib.error)
"""What reading a damaged file raises (``EOFError``: a gzip file cut short; ``zlib.error``: a
gzip member with corrupt data)."""
MAX_DOCUMENT_BYTES = 1 << 30
"""The most a log read whole (one JSON document, a raw HTTP dump) may hold, once decompressed:
more is refused by name before it fills the memory (a gzip file of 3 MB may inflate to 3 GB)."""
NOT_LOGS = frozenset(
    (".md", ".rst", ".html", ".ipynb", ".py", ".cfg", ".toml", ".yml", ".yaml", ".csv", ".png")
)
"""Suffixes skipped when walking a directory (its README, notes, pictures); name them to read."""


@dataclass(frozen=True)
class Source:
    """One file to read: a display name (used in every message) and how to open it."""

    name: str
    url: str  # local path or fsspec URL
    size: int | None = None
    listed: bool = False
    """Found by walking a directory or matching a pattern (not named by the caller): when it
    cannot be read, that is a rejected record and the other files still load."""

    def open(self) -> IO[bytes]:
        """Open for binary reading; gzip is unwrapped transparently (detected by its magic)."""
        try:
            raw = _open_raw(self.url)
        except OSError as exc:
            raise SourceError(
                f"cannot open ({exc.strerror or exc})",
                source=self.name,
                fix="Check the path and that you may read it",
            ) from exc
        head = raw.read(2)
        raw.seek(0)
        if head == GZIP_MAGIC:
            return _GzipReader(raw)  # type: ignore[return-value]
        if head in ZLIB_HEADERS:
            return self._inflated(raw)
        if head in UTF16_BOMS:
            return self._transcoded(raw)
        return raw

    def _transcoded(self, raw: IO[bytes]) -> IO[bytes]:
        """A UTF-16 text file as UTF-8 (the text each JSON format holds is the same)."""
        with raw:
            data = read_whole(raw, self.name)
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"cannot read (it starts as UTF-16 text but is not: {exc.reason} at byte "
                f"{exc.start})",
                source=self.name,
                fix="Save it again as UTF-8 (PowerShell: Out-File -Encoding utf8)",
            ) from None
        width = _cut_width(text)
        if width is not None:
            raise SourceError(
                f"cannot read (it is UTF-16 text whose lines are cut at {width} characters: "
                "Windows PowerShell 5.1's > wraps or cuts what it writes at the console's width, "
                "so a logged request no longer fits on its line)",
                source=self.name,
                fix=_RESAVE_FIX,
            )
        return TranscodedText(text.encode("utf-8", "surrogatepass"))

    def _inflated(self, raw: IO[bytes]) -> IO[bytes]:
        """A zlib-compressed file, inflated whole (the formats written so are JSON documents,
        read whole anyway)."""
        with raw:
            data = read_whole(raw, self.name)
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data, MAX_DOCUMENT_BYTES + 1)
            if len(inflated) > MAX_DOCUMENT_BYTES:
                raise too_large(self.name)
            inflated += inflater.flush()
        except zlib.error as exc:
            raise SourceError(
                f"cannot read (its zlib compression is damaged: {exc})",
                source=self.name,
                fix="The file may be damaged or cut short (a compressed file must be complete)",
            ) from None
        if not inflater.eof:
            raise SourceError(
                "cannot read (its zlib compression ends early)",
                source=self.name,
                fix="The file was cut short; copy or save it again",
            )
        return io.BytesIO(inflated)


class TranscodedText(io.BytesIO):
    """A UTF-16 text file as UTF-8. Its text is what Windows PowerShell made of the app's
    output: decoded with the console's code page (437, 850, 1252 or UTF-8: which, the file
    does not say), so a non-ASCII character may not stand for the bytes the app printed."""


_RESAVE_FIX = (
    "Write the log again so that each line is kept whole: run the app under cmd.exe "
    '(cmd /c "node app.js > app.log"), or PowerShell 7, whose > keeps lines whole, or pipe to '
    "Out-File -Encoding utf8 -Width 2147483647 app.log"
)
_MIN_CUT_WIDTH = 40
"""The narrowest console width a cut is looked for at (a console is 80 or 120 wide)."""


def _cut_width(text: str) -> int | None:
    """The width at which a UTF-16 log's lines were cut (PowerShell 5.1's ``>`` wraps or cuts
    lines at the console's width), or None when its lines look whole: at least two lines of
    the longest length that end no JSON value and are followed by a line that starts
    otherwise (the rest of a wrapped line, where whole records, such as one event logged for
    each retry, start alike)."""
    lines = text.splitlines()
    width = max(map(len, lines), default=0)
    if width < _MIN_CUT_WIDTH:
        return None
    cut = 0
    for line, after in itertools.pairwise(lines):
        if len(line) == width and not line.endswith(("}", "]")) and after[:1] != line[:1]:
            cut += 1
    return width if cut >= 2 else None


class _GzipReader(gzip.GzipFile):
    """A gzip reader that also closes the file under it, and that gives what it can read
    before damage (a file cut short) before it raises."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw
        self._damage: BaseException | None = None

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes. A read that meets damage returns the bytes before it (read
        again from where it started, a decompressed step at a time: the failed read dropped
        them) and the next read raises; a whole-file read (no size) raises at once."""
        if self._damage is not None:
            raise self._damage
        if size is None or size < 0:
            return super().read(size)
        start = self.tell()
        try:
            return super().read(size)
        except DAMAGE_ERRORS as exc:
            before = self._before_damage(start, size)
            if not before:
                raise
            self._damage = exc
            return before

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move (reading from the start again to go back); damage is then met again."""
        self._damage = None
        return super().seek(offset, whence)

    def _before_damage(self, start: int, size: int) -> bytes:
        try:
            self.seek(start)
        except DAMAGE_ERRORS:
            return b""
        data = bytearray()
        try:
            while len(data) < size and (piece := self.read1(size - len(data))):
                data += piece  # one decompressed step at a time: none is dropped at the damage
        except DAMAGE_ERRORS:
            pass
        return bytes(data)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


def _open_raw(url: str) -> IO[bytes]:
    if _is_url(url):
        import fsspec

        handle: IO[bytes] = fsspec.open(url, mode="rb").open()
        return handle
    return open(url, "rb")


def _is_url(text: str) -> bool:
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.isidentifier() and len(scheme) > 1


def expand(sources: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Source]:
    """Expand paths, directories (their files, sorted), globs and fsspec URLs into sources.

    Raises :class:`SourceError` for a path that does not exist or a pattern matching nothing.
    """
    items = [sources] if isinstance(sources, str | os.PathLike) else list(sources)
    if not items:
        raise SourceError("no source given", fix="Pass at least one file, directory, glob or URL")
    expanded: list[Source] = []
    for item in items:
        expanded.extend(_expand_one(os.fspath(item)))
    return expanded


def _expand_one(item: str) -> Iterator[Source]:
    if _is_url(item):
        yield from _expand_url(item)
        return
    path = Path(item)
    if path.is_dir():
        files = _walk(path)
        if not files:
            raise SourceError("directory holds no files", source=shown_path(item))
        for name, size in files:
            yield Source(shown_path(name), name, size, listed=True)
        return
    if path.is_file():
        yield Source(shown_path(item), item, path.stat().st_size)
        return
    if glob.has_magic(item):
        matches = sorted(m for m in glob.glob(item, recursive=True) if os.path.isfile(m))
        if not matches:
            raise SourceError("the pattern matches no file", source=shown_path(item))
        for match in matches:
            yield Source(shown_path(match), match, os.path.getsize(match), listed=True)
        return
    if path.is_symlink():
        raise SourceError(
            f"a symbolic link to {os.readlink(path)}, which {_link_trouble(path)}",
            source=shown_path(item),
            fix="Point the link at the log, or name the log itself",
        )
    if path.exists():
        raise SourceError(
            "not a regular file (a pipe, socket or device)",
            source=shown_path(item),
            fix="Save the log to a file first, then load that file",
        )
    raise SourceError("no such file or directory", source=shown_path(item), fix="Check the path")


def _link_trouble(link: Path) -> str:
    """What is wrong with where a link leads: nowhere, or round in a loop."""
    try:
        link.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "leads back to itself (a loop of links)"
    return "does not exist"


def shown_path(path: str) -> str:
    """A path as text to show and store: a file name that is not UTF-8 (a zip made on Windows,
    unpacked here) holds the bytes Python keeps as lone surrogates, which no text column can
    hold; they are shown as U+FFFD (the file is still opened by its real name)."""
    if path.isascii():
        return path
    try:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte (a Windows name)
        return _SURROGATE.sub("\ufffd", path)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _walk(root: Path) -> list[tuple[str, int]]:
    """The files under ``root`` and their sizes, in path order (as ``sorted`` orders paths):
    hidden files and folders, links to folders and :data:`NOT_LOGS` suffixes left out."""
    found: list[tuple[tuple[str, ...], str, int]] = []
    for folder, folders, names in os.walk(root):
        folders[:] = [name for name in folders if not name.startswith(".")]
        parts = Path(folder).parts
        for name in names:
            if name.startswith(".") or os.path.splitext(name)[1].lower() in NOT_LOGS:
                continue
            full = os.path.join(folder, name)
            try:
                status = os.stat(full)  # a link: what it points at
            except OSError:  # a broken link
                continue
            if stat.S_ISREG(status.st_mode):
                found.append(((*parts, name), str(Path(full)), status.st_size))
    found.sort(key=lambda entry: entry[0])
    return [(name, size) for _, name, size in found]


def _expand_url(url: str) -> Iterator[Source]:
    import fsspec

    try:
        files = fsspec.open_files(url, mode="rb")
    except (ImportError, ValueError, OSError) as exc:
        raise SourceError(f"cannot list ({exc})", source=url) from exc
    if not files or not (glob.has_magic(url) or _exists(files[0])):
        raise SourceError("the URL matches no file", source=url, fix="Check the URL")
    for handle in files:
        full = handle.full_name if glob.has_magic(url) else url
        try:
            size = handle.fs.size(handle.path)
        except (OSError, NotImplementedError):
            size = None
        yield Source(shown_path(full), full, size, listed=glob.has_magic(url))


def _exists(handle: Any) -> bool:
    try:
        return bool(handle.fs.exists(handle.path))
    except (OSError, NotImplementedError):
        return True  # cannot tell: let opening it report the problem


def read_whole(stream: IO[bytes], name: str) -> bytes:
    """All of a stream that is read whole, up to :data:`MAX_DOCUMENT_BYTES` (else refused).

    Read in pieces that grow as the file does: one read of the whole cap would ask for 1 GiB
    up front however small the file (Python sizes the buffer by the request), which a limit
    on the address space (``ulimit -v``) refuses with a ``MemoryError``.
    """
    limit = MAX_DOCUMENT_BYTES
    pieces: list[bytes] = []
    total, size = 0, _FIRST_PIECE
    while piece := stream.read(min(size, limit + 1 - total)):
        pieces.append(piece)
        total += len(piece)
        if total > limit:
            raise too_large(name)
        size = min(size * 2, _LARGEST_PIECE)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


_FIRST_PIECE = 1 << 18
_LARGEST_PIECE = 1 << 26


def too_large(name: str) -> SourceError:
    """The error for a log too large to read whole."""
    return SourceError(
        f"too large to read whole: more than {_mebibytes(MAX_DOCUMENT_BYTES)} once decompressed "
        "(this format is one document, or a dump, read at once)",
        source=name,
        fix="Split it into smaller files, or check that it is the file you meant (a small "
        "compressed file that inflates this much is not a capture)",
    )


def _mebibytes(size: int) -> str:
    return f"{size >> 30} GiB" if size >= 1 << 30 else f"{size >> 20} MiB"
