"""SOURCE..., --format, --path and --strict: the arguments of every command that reads logs."""

from __future__ import annotations

import argparse

from streamhook_nb.load.detect import FORMATS


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the shared source arguments to ``parser``."""
    parser.add_argument("sources", nargs="+", metavar="SOURCE", help="file, directory, glob or URL")
    parser.add_argument("--format", choices=FORMATS, help="skip detection and read this format")
    parser.add_argument(
        "--strict", action="store_true", help="stop at the first rejected record (exit 2)"
    )
    parser.add_argument(
        "--path",
        help="keep only requests sent to this path (the webhook endpoint), e.g. /hook; "
        "requests that are not POSTs are never deliveries",
    )
