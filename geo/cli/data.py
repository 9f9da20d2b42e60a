"""Data commands: ``export``, ``backup`` and ``restore`` (the database is DATABASE_URL).

::

    python -m geo export --what partners|sites|activities -o OUTPUT   # .csv .xlsx .geojson .gpkg
    python -m geo backup -o FILE.gpkg [--include-password-hashes]
    python -m geo restore FILE.gpkg                                   # into an empty database

Exports from the command line contain every live record, names included (whoever runs
it can read the database anyway). The ``import`` command registers here too.
"""
from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from geo.cli import CliError
from geo.config import load_settings
from geo.db import NotEmptyError, Store, StoreError, open_store
from geo.db.backup import backup, restore
from geo.db.export import FORMATS, KINDS, format_for, write_export


def cli_actor() -> str:
    """Who the audit trail records for command-line changes: ``cli:<os user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _store() -> Store:
    settings = load_settings()
    try:
        return open_store(settings.database_url)
    except Exception as exc:  # a wrong URL, a server that is down, no PostGIS rights
        raise CliError(f"cannot open the database ({exc.__class__.__name__}: {exc}); check "
                       "DATABASE_URL (sqlite:///path/file.db or postgresql://...)") from None


def _export(args: argparse.Namespace) -> int:
    try:
        format_for(args.output)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    with _store() as store:
        path = write_export(store.frames(), what=args.what, path=args.output)
    print(f"wrote {args.what} to {path}")
    return 0


def _backup(args: argparse.Namespace) -> int:
    if Path(args.output).suffix.lower() != ".gpkg":
        raise CliError(f"a backup is a GeoPackage: name the file *.gpkg (got {args.output!r})")
    with _store() as store:
        counts = backup(store, args.output, include_password_hashes=args.include_password_hashes)
    rows = ", ".join(f"{n} {t}" for t, n in counts.items())
    hashes = "with" if args.include_password_hashes else "without"
    print(f"backed up {rows} to {args.output} ({hashes} password hashes)")
    return 0


def _restore(args: argparse.Namespace) -> int:
    path = Path(args.input)
    if not path.is_file():
        raise CliError(f"no backup file at {str(path)!r}")
    with _store() as store:
        try:
            counts = restore(store, path, actor=cli_actor())
        except NotEmptyError as exc:
            raise CliError(str(exc)) from None
        except (ValueError, StoreError) as exc:
            raise CliError(f"nothing was restored: {exc}") from None
    rows = ", ".join(f"{n} {t}" for t, n in counts.items())
    print(f"restored {rows} from {path}")
    return 0


def register(subparsers) -> None:  # noqa: ANN001 - argparse's private subparsers type
    export = subparsers.add_parser(
        "export", help="export partners, sites or activities to a file",
        description="Export live records with their boundary assignments. The format "
        f"comes from the extension of OUTPUT: {', '.join(FORMATS)}.",
    )
    export.add_argument("--what", required=True, choices=KINDS)
    export.add_argument("-o", "--output", required=True, metavar="OUTPUT")
    export.set_defaults(func=_export)

    back = subparsers.add_parser(
        "backup", help="write the whole database to one GeoPackage",
        description="Write every table (deleted records and audit trail included) to one "
        "GeoPackage that `restore` reads back. Password hashes are left out unless asked.",
    )
    back.add_argument("-o", "--output", required=True, metavar="FILE.gpkg")
    back.add_argument("--include-password-hashes", action="store_true",
                      help="keep users' password hashes (treat the file as a secret)")
    back.set_defaults(func=_backup)

    rest = subparsers.add_parser(
        "restore", help="load a backup GeoPackage into an empty database",
        description="Load a file written by `backup` into the database at DATABASE_URL, "
        "which must hold no partners yet. All or nothing.",
    )
    rest.add_argument("input", metavar="FILE.gpkg")
    rest.set_defaults(func=_restore)
