"""Shared fixtures: the committed sample data and a temporary file writer."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import CHROMIUM_ARGS, DATA, chromium_path
from hypothesis import settings

settings.register_profile("no-deadline", deadline=None)
settings.load_profile("no-deadline")  # no timing threshold in a test: a busy machine is slow


@pytest.fixture(scope="session")
def tour_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small sample logs of the tour: a copy of data/ without the story week (story/) and
    the samples of the other tools (packet capture, webhook.site, AWS Lambda, mitmproxy), so a
    test that loads the whole folder counts what it always has (the other tools' samples have
    their own test, ``tests/samples/test_data_files.py``)."""
    from streamhook_nb.samples.other_tools import FOLDERS

    target = tmp_path_factory.mktemp("tour") / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("story", *FOLDERS))
    return target


@pytest.fixture
def data_dir(tour_dir: Path) -> Path:
    """The format tour (see ``tour_dir``); the story week is ``helpers.DATA / "story"``."""
    return tour_dir


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, bytes], Path]:
    """Write bytes to a file under a temporary folder and return its path."""

    def write(name: str, content: bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return path

    return write


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the streaming verifier fork its workers even when earlier tests left library
    threads behind (fsspec's IO loop): these tests are about the workers."""
    from streamhook_nb.load import log_ranges

    monkeypatch.setattr(log_ranges, "can_fork", lambda: True)


@pytest.fixture
def split_logs(monkeypatch: pytest.MonkeyPatch, forking: None) -> None:
    """Split every capture log across the workers, however small."""
    from streamhook_nb.load import log_ranges

    monkeypatch.setattr(log_ranges, "SPLIT_MIN_BYTES", 1)


@pytest.fixture
def fork_contexts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each multiprocessing context asked for, in order (forked work asks for ``fork``)."""
    import multiprocessing

    contexts: list[str] = []
    get_context = multiprocessing.get_context

    def counted(method: str) -> Any:
        contexts.append(method)
        return get_context(method)

    monkeypatch.setattr(multiprocessing, "get_context", counted)
    return contexts


@pytest.fixture(scope="module")
def events(tour_dir: Path) -> Any:
    """The events frame of the sample data, verified with the demo secrets (a module's own
    fixture of that name takes its place)."""
    from streamhook_nb import events_frame, keyring, load_log, verify_deliveries

    loaded = load_log(tour_dir)
    return events_frame(
        verify_deliveries(loaded.deliveries, keyring(secrets_file=tour_dir / "demo-secrets.toml"))
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for the browser tests of a module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def offline(tmp_path: Path) -> Iterator[Any]:
    """A webhook controller on the local stand-in for Stream's API, stopped afterwards."""
    from streamhook_nb.webhook.controller import WebhookController

    controller = WebhookController.offline(tmp_path / "backups")
    assert controller.stand_in is not None
    yield controller
    controller.stand_in.stop()
