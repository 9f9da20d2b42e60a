"""Command line: ``python -m geo <command> ...``.

Each command group lives in its own module exposing ``register(subparsers)``; the
module's command functions take the parsed ``argparse.Namespace`` and return an exit
code. A :class:`CliError` becomes a plain message on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from geo.errors import PartnerMapError

# Command-group modules (named so that no module name in geo/ repeats: `joins` holds
# `geo join`, `school_directory` `geo schools`, `publishing` `geo publish`), in the order
# their commands appear in ``--help``.
_GROUPS = ("joins", "imports", "school_directory", "data", "analysis", "admin", "publishing")


class CliError(PartnerMapError):
    """A problem the user can fix; shown as a plain message, no traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m geo",
        description="Community Schools Partner Map: scripted interface.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _GROUPS:
        module = importlib.import_module(f"geo.cli.{name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from geo.db.storage_errors import UnavailableError

    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except UnavailableError as exc:  # the server went away while the command ran
        print(f"error: {exc} ({exc.detail})", file=sys.stderr)
        return 2
