"""``--scheduler ADDRESS|local``: run verify, events and report on a Dask cluster."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from streamhook_nb.errors import UsageError

if TYPE_CHECKING:
    from distributed import Client


def add_scheduler_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--scheduler``."""
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster: a scheduler address (tcp://host:8786) or 'local' for "
        "a LocalCluster of processes; the output is the same as without it",
    )


@contextmanager
def client_for(args: argparse.Namespace) -> Iterator[Client | None]:
    """A Dask client for ``--scheduler`` (closed afterwards), or ``None`` without it.

    With ``--scheduler local``, ``--workers`` (where the command has it) sizes the cluster.
    """
    if not args.scheduler:
        yield None
        return
    try:
        from streamhook_nb.pipeline.cluster import connect
    except ImportError:
        raise UsageError(
            "--scheduler needs Dask, which is not installed",
            fix="pip install 'streamhook-nb[dask]'",
        ) from None
    with connect(args.scheduler, workers=getattr(args, "workers", None)) as client:
        yield client
