"""Errors keep their parts when pickled (a worker process raises them, the parent reports)."""

from __future__ import annotations

import pickle

import pytest

from streamhook_nb.errors import ApiError, RecordError, SourceError, StreamhookError, UsageError
from streamhook_nb.verify.secrets import SecretError


@pytest.mark.parametrize(
    "kind", [StreamhookError, UsageError, SourceError, ApiError, RecordError, SecretError]
)
def test_an_error_pickles_with_its_fix_and_shell_wording(kind: type[StreamhookError]) -> None:
    error = kind("cannot read", source="x.jsonl:3", fix="Pass format=", shell_fix="Pass --format")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is kind
    assert (again.message, again.source, again.fix, again.shell_fix) == (
        "cannot read",
        "x.jsonl:3",
        "Pass format=",
        "Pass --format",
    )
    assert str(again) == str(error) == "x.jsonl:3: cannot read. Pass format="
    assert again.shell_message() == "x.jsonl:3: cannot read. Pass --format"


@pytest.mark.parametrize("kind", [SourceError, RecordError, UsageError, SecretError])
def test_ipython_shows_a_user_error_as_its_message_not_a_traceback(
    kind: type[StreamhookError],
) -> None:
    """A notebook pointed at a path that does not exist showed eight frames of the package's
    internals; IPython shows what ``_render_traceback_`` gives: one line, the file and the fix."""
    from IPython.core.interactiveshell import InteractiveShell

    error = kind("no such file or directory", source="logs/x.jsonl", fix="Check the path")
    assert error._render_traceback_() == [
        f"\x1b[31m{kind.__name__}\x1b[0m: logs/x.jsonl: no such file or directory. Check the path"
    ]
    shell = InteractiveShell.instance()
    try:
        shown: list[str] = []
        shell._showtraceback = lambda etype, value, stb: shown.extend(stb)  # type: ignore[method-assign]
        try:
            raise error
        except StreamhookError:
            shell.showtraceback()
        assert shown == error._render_traceback_()
    finally:
        InteractiveShell.clear_instance()
