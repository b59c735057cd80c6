"""``streamhook-nb load``: read logs in any format, report, convert."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from streamhook_nb.cli import exit_codes
from streamhook_nb.cli.output import counted, print_json, table
from streamhook_nb.cli.output_paths import refuse_sources_as_outputs
from streamhook_nb.cli.scheduler_option import add_scheduler_argument, client_for
from streamhook_nb.cli.source_options import add_source_arguments
from streamhook_nb.errors import UsageError

if TYPE_CHECKING:
    from distributed import Client

CONVERT_CHUNK = 50_000
"""Deliveries converted at a time: memory stays bounded however big the log."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``load`` command."""
    parser = commands.add_parser(
        "load",
        allow_abbrev=False,
        help="load captured logs in any supported format and report what was found",
        description="Load deliveries from files, directories, globs or fsspec URLs. Exit 0 when "
        "every record loaded, 1 when some were rejected, 2 when a source cannot be read.",
    )
    add_source_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--to-jsonl", metavar="OUT", help="write every delivery as capture JSONL")
    parser.add_argument("--to-har", metavar="OUT", help="write every delivery as a HAR 1.2 log")
    parser.add_argument(
        "--to-parquet", metavar="OUT", help="write every delivery as Parquet (exact bytes)"
    )
    add_scheduler_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Load (one chunk at a time), optionally convert, and print the summary."""
    if args.scheduler:
        with client_for(args) as client:
            summary = _on_cluster(args, client)
    elif args.to_jsonl or args.to_har or args.to_parquet:
        summary = _convert(args)
    else:
        from streamhook_nb.pipeline.load_summary import (
            summarize,  # no pandas: counting needs no DataFrame
        )

        summary = summarize(
            args.sources, format=args.format, strict=args.strict, path=args.path
        ).as_json()
    # A conversion to standard output owns it: the summary goes to stderr, after the data.
    to_stdout = "-" in (args.to_jsonl, args.to_har, args.to_parquet)
    with contextlib.redirect_stdout(sys.stderr) if to_stdout else contextlib.nullcontext():
        if args.json:
            print_json(summary)
        else:
            print(describe(summary))
    return exit_codes.PROBLEMS_FOUND if summary["rejected"] else exit_codes.OK


def _on_cluster(args: argparse.Namespace, client: Client | None) -> dict[str, Any]:
    """``--scheduler``: the same summary (and conversions), loaded by the Dask workers."""
    assert client is not None
    if args.to_jsonl or args.to_har or args.to_parquet:
        return _convert(args, client)
    from streamhook_nb.pipeline.cluster_load import summarize_on_cluster

    summary = summarize_on_cluster(
        args.sources, client, format=args.format, strict=args.strict, path=args.path
    )
    return summary.as_json()


def _convert(args: argparse.Namespace, client: Client | None = None) -> dict[str, Any]:
    """Write the conversions chunk by chunk (memory stays bounded); the load summary.

    With a Dask ``client`` the workers load the partitions and they are written here in order.
    """
    from streamhook_nb.load.loading import iter_load  # pandas: the writers take DataFrames
    from streamhook_nb.load.parquet import ParquetDeliveriesWriter
    from streamhook_nb.load.writers import HarWriter, too_long_message, write_capture_lines
    from streamhook_nb.pipeline.load_summary import LoadSummary

    refuse_sources_as_outputs(
        args.sources,
        {"--to-jsonl": args.to_jsonl, "--to-har": args.to_har, "--to-parquet": args.to_parquet},
    )
    summary = LoadSummary()
    too_long = 0
    with ExitStack() as stack:
        jsonl = stack.enter_context(_opened(args.to_jsonl)) if args.to_jsonl else None
        har_out = stack.enter_context(_opened(args.to_har)) if args.to_har else None
        har = stack.enter_context(HarWriter(har_out)) if har_out is not None else None
        parquet_out = stack.enter_context(_opened(args.to_parquet)) if args.to_parquet else None
        parquet = stack.enter_context(ParquetDeliveriesWriter(parquet_out)) if parquet_out else None
        if client is None:
            chunks = iter_load(
                args.sources,
                chunk_size=CONVERT_CHUNK,
                format=args.format,
                strict=args.strict,
                path=args.path,
            )
        else:
            from streamhook_nb.pipeline.cluster_load import iter_load_on_cluster

            chunks = iter_load_on_cluster(
                args.sources, client, format=args.format, strict=args.strict, path=args.path
            )
        for chunk in chunks:
            summary.add_loaded(chunk)
            if jsonl is not None:
                too_long += write_capture_lines(chunk.deliveries, jsonl)[1]
            if har is not None:
                har.write(chunk.deliveries)
            if parquet is not None:
                parquet.write(chunk.deliveries)
    result = summary.as_json()
    for path in (args.to_jsonl, args.to_har, args.to_parquet):
        if path:
            print(written(result, "standard output" if path == "-" else path), file=sys.stderr)
    if too_long:
        print(f"note: {too_long_message(too_long)}", file=sys.stderr)
    if har is not None and har.lost:
        print(f"note: {har.loss_message()}", file=sys.stderr)
    return result


def written(summary: dict[str, Any], where: str) -> str:
    """What a conversion wrote, and what it could not: rejected records (they are no
    deliveries: the summary lists each with its reason) and skipped requests."""
    line = f"wrote {counted(summary['deliveries'], 'delivery')} to {where}"
    left_out = []
    if summary["rejected"]:
        left_out.append(
            f"{counted(summary['rejected'], 'rejected record')} (listed in the summary with "
            "their reasons)"
        )
    if summary["skipped"]:
        left_out.append(f"{counted(summary['skipped'], 'request')} skipped as not deliveries")
    return f"{line}; not written: {' and '.join(left_out)}" if left_out else line


@contextmanager
def _opened(path: str) -> Iterator[IO[bytes]]:
    """The output file (``-``: standard output); a clear error naming it when it cannot be
    written, and no half-written file left behind when the load fails."""
    if path == "-":
        yield sys.stdout.buffer
        return
    try:
        out = open(path, "wb")  # noqa: SIM115  (closed by the with below)
    except OSError as exc:
        raise UsageError(
            f"cannot write {path} ({exc.strerror})",
            fix="Check that its folder exists and that you may write there",
        ) from None
    with out:
        try:
            yield out
        except BaseException:
            out.close()
            Path(path).unlink(missing_ok=True)
            raise


def describe(summary: dict[str, Any]) -> str:
    """A short human report: deliveries per format and every rejected record."""
    lines = [f"{counted(summary['deliveries'], 'delivery')} loaded, {summary['rejected']} rejected"]
    if summary["skipped"]:
        lines.append(
            f"{counted(summary['skipped'], 'request')} skipped: not deliveries (not a POST, "
            "not to --path, an SNS subscription confirmation, or a proxy's own traffic: its "
            "replays, its TCP or DNS flows)"
        )
    if summary["by_format"]:
        lines += ["", table(["format", "deliveries"], summary["by_format"].items())]
    if summary["rejected_records"]:
        lines += ["", "Rejected records:"]
        lines += [f"  {r['source']}: {r['reason']}" for r in summary["rejected_records"]]
    return "\n".join(lines)
