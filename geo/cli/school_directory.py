"""``python -m geo schools load FILE | list | count``: the school directory.

Staff load an official school list once (NCES EDGE public school geocodes, the NCES CCD
directory, HIFLD public schools, or any file with an ID, a name and latitude/longitude;
column names recognised as in :mod:`geo.schools`). Loading replaces the whole directory
in one transaction. ``geo join`` and ``geo import`` then place rows without coordinates
at their school, by school ID or by name (see :mod:`geo.schools`).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo.cli import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``schools`` command group."""
    parser = subparsers.add_parser(
        "schools", help="the school directory rows are matched against (load, list, count)",
        description="The school directory in the database (DATABASE_URL): rows of "
        "partners' files without coordinates are placed at their school, found by school "
        "ID or by name with city, ZIP or state.")
    sub = parser.add_subparsers(dest="schools_command", metavar="ACTION", required=True)
    load = sub.add_parser("load", help="replace the directory with a school file",
                          description="Read FILE (CSV, XLSX, GeoPackage, ...: NCES EDGE "
                          "geocodes, NCES CCD, HIFLD public schools, or any file with an "
                          "ID, a name and latitude/longitude) and replace the directory.")
    load.add_argument("file", metavar="FILE")
    load.add_argument("--sheet", metavar="NAME", default=None,
                      help="the worksheet of an Excel file (default: the first)")
    load.set_defaults(func=_load)
    listing = sub.add_parser("list", help="print the directory as CSV")
    listing.add_argument("--state", metavar="ST", default=None, help="only this state")
    listing.add_argument("--limit", type=int, default=None, metavar="N",
                         help="at most N schools")
    listing.set_defaults(func=_list)
    count = sub.add_parser("count", help="how many schools, per state")
    count.set_defaults(func=_count)


def read_school_file(path: str | Path, *, sheet: str | None = None):  # noqa: ANN201
    """A school file as a directory frame, or :class:`CliError` saying what is wrong."""
    from geo.problems import Report
    from geo.read import ReadError, read_sites
    from geo.schools import directory_frame

    try:
        raw = read_sites(path, report=Report(), sheet=sheet)
        return directory_frame(raw.reset_index(drop=True))
    except (ReadError, ValueError) as exc:
        raise CliError(f"{Path(path).name}: {exc}") from None


def _load(args: argparse.Namespace) -> int:
    from geo.cli.data import _store, cli_actor

    frame = read_school_file(args.file, sheet=args.sheet)
    if frame.empty:
        raise CliError(f"{Path(args.file).name} has no school with an ID and a name")
    located = int(frame["latitude"].notna().sum())
    with _store() as store:
        n = store.load_schools(frame, source=Path(args.file).name, actor=cli_actor())
    print(f"loaded {n:,} schools from {Path(args.file).name} ({located:,} with coordinates); "
          "the directory was replaced")
    return 0


def _list(args: argparse.Namespace) -> int:
    from geo.cli.data import _store

    with _store() as store:
        frame = store.schools_frame()
    if args.state:
        frame = frame[frame["state"].str.upper() == args.state.strip().upper()]
    if args.limit is not None:
        frame = frame.head(args.limit)
    frame.drop(columns="source").to_csv(sys.stdout, index=False)
    return 0


def _count(args: argparse.Namespace) -> int:
    from geo.cli.data import _store

    with _store() as store:
        frame = store.schools_frame()
    print(f"{len(frame):,} schools in the directory")
    for state, n in frame["state"].replace("", "(no state)").value_counts().sort_index().items():
        print(f"{state}\t{n:,}")
    return 0
