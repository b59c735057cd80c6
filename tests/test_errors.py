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
