"""Output files that must not be sources: opening one for writing would empty a log before it
is read (or one written inside a folder being loaded would be read back)."""

from __future__ import annotations

import fnmatch
import glob
from collections.abc import Mapping, Sequence
from pathlib import Path

from streamhook_nb.errors import UsageError
from streamhook_nb.load.sources import NOT_LOGS


def refuse_sources_as_outputs(sources: Sequence[str], outputs: Mapping[str, str | None]) -> None:
    """Raise :class:`UsageError` when an output (option -> path; ``-`` is standard output)
    is also a source, or two outputs name one file."""
    written: dict[Path, str] = {}
    for option, out in outputs.items():
        if not out or out == "-" or "://" in out:
            continue
        where = Path(out).resolve()
        if where in written:
            raise UsageError(
                f"{written[where]} and {option} name the same file, {out}",
                fix="Give each output its own file",
            )
        written[where] = option
        for source in sources:
            clash = _clash(source, out, where)
            if clash is not None:
                raise UsageError(f"{option} {out} {clash}", fix="Write the output elsewhere")


def _clash(source: str, out: str, where: Path) -> str | None:
    """How loading ``source`` (a file, a folder, a pattern) would read ``out``, or None."""
    if "://" in source:
        return None
    path = Path(source)
    if path.is_dir():  # a folder's notes and pages (such as report.html) are never read
        inside = where.is_relative_to(path.resolve()) and where.suffix.lower() not in NOT_LOGS
        return f"is inside {source}, which is loaded: it would be read back" if inside else None
    if path.exists():
        same = path.resolve() == where or _same_file(path, where)  # a hard link too
        return "is the source being loaded: writing it would empty it first" if same else None
    if glob.has_magic(source):
        matches = {Path(m).resolve() for m in glob.glob(source, recursive=True)}
        if where in matches or fnmatch.fnmatch(out, source):
            return f"matches the pattern {source}, which is loaded: it would be read back"
    return None


def _same_file(source: Path, out: Path) -> bool:
    try:
        return out.exists() and source.samefile(out)
    except OSError:
        return False
