"""``python -m geo import INPUT --kind sites|activities``: import a partner's file.

::

    python -m geo import schools.csv --kind sites --partner "Communities In Schools"
    python -m geo import work.xlsx --kind activities --map Organization=partner
    python -m geo import work.csv --kind activities --dry-run --rejects rejected.csv

The file is read, mapped, checked row by row, located and matched to stored partners
exactly like the data page does (:mod:`geo.importer`), then written to DATABASE_URL in
one transaction. All or nothing: if any row has an error, nothing is written, every
problem is listed on stderr (row, column, message, fix) and the exit status is 1;
``--skip-bad-rows`` writes the valid rows instead. ``--rejects FILE.csv`` saves the
rejected rows with their reasons. Exit status 0 when written (or, with ``--dry-run``,
when it would be), 2 for a usage problem (a bad ``--map``, a database that cannot be
opened).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from geo.cli import CliError
from geo.problems import ROW_CONVENTION, Problem

_WARNINGS_SHOWN = 20


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``import`` command."""
    from geo.importer.mapping import TARGETS

    parser = subparsers.add_parser(
        "import",
        help="import sites or activities from a CSV, XLSX, GeoJSON, GeoPackage or zipped "
        "Shapefile",
        description="Check every row of INPUT and write it to the database in one "
        "transaction: all of it or nothing. Problems are listed with their row and "
        f"column ({ROW_CONVENTION}).",
    )
    parser.add_argument("input", metavar="INPUT", help="the file to import")
    parser.add_argument("--kind", required=True, choices=("sites", "activities"),
                        help="sites only, or activities (creating sites for point places)")
    parser.add_argument("--partner", metavar="NAME", default=None,
                        help="the partner of every row without one (files with no partner "
                        "column)")
    parser.add_argument("--map", metavar="SRC=TARGET", action="append", default=[],
                        help="use the file's column SRC as TARGET (one of: "
                        f"{', '.join(TARGETS)}); SRC= ignores SRC. Repeatable")
    parser.add_argument("--new-partner", metavar="NAME", action="append", default=[],
                        help="confirm NAME is a new partner although it is close to a "
                        "stored one. Repeatable")
    parser.add_argument("--same-partner", metavar="NAME=ID", action="append", default=[],
                        help="NAME in the file is the stored partner with id ID. Repeatable")
    parser.add_argument("--skip-bad-rows", action="store_true",
                        help="write the valid rows even if others have errors (default: "
                        "nothing is written when any row has an error)")
    parser.add_argument("--dry-run", action="store_true",
                        help="check and report only; write nothing")
    parser.add_argument("--rejects", metavar="FILE.csv", default=None,
                        help="write the rejected rows with their problems to this CSV")
    parser.add_argument("--verbose", action="store_true",
                        help=f"list every warning (default: the first {_WARNINGS_SHOWN})")
    from geo.cli.joins import add_placement_options

    add_placement_options(parser)
    parser.set_defaults(func=run)


def _pairs(values: list[str], *, flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        if "=" not in value:
            raise CliError(f"{flag} takes NAME=VALUE (got {value!r})")
        left, right = value.rsplit("=", 1) if flag == "--same-partner" else value.split("=", 1)
        if not left.strip():
            raise CliError(f"{flag} {value!r}: the part before '=' is empty")
        out[left.strip()] = right.strip()
    return out


def _choices(args: argparse.Namespace) -> dict[str, int | str]:
    choices: dict[str, int | str] = {name: "new" for name in args.new_partner}
    for name, value in _pairs(args.same_partner, flag="--same-partner").items():
        if not value.isdigit():
            raise CliError(f"--same-partner {name}={value}: the id must be a whole number")
        choices[name] = int(value)
    return choices


def run(args: argparse.Namespace) -> int:
    from geo.cli.data import _store, cli_actor
    from geo.importer import (
        ImportRefused,
        MappingError,
        commit_import,
        merge_mapping,
        prepare_import,
    )

    path = Path(args.input)
    if not path.is_file():
        raise CliError(f"no file at {str(path)!r}; check the path")
    overrides = _pairs(args.map, flag="--map")
    choices = _choices(args)
    with _store() as store:
        from geo.cli.joins import school_directory

        options = dict(kind=args.kind, store=store, partner=args.partner,
                       partner_choices=choices, crs=args.crs, sheet=args.sheet,
                       schools=school_directory(args, store))
        try:
            preview = prepare_import(path, **options)
            if overrides and preview.columns:
                mapping = merge_mapping(preview.suggested, overrides, columns=preview.columns)
                preview = prepare_import(path, mapping=mapping, **options)
        except MappingError as exc:
            raise CliError("; ".join(f"{p.message} {p.fix}" for p in exc.problems)) from None
        _print_report(preview, verbose=args.verbose)
        if args.rejects and len(preview.rejected):
            _write_atomic(Path(args.rejects), preview.rejected_csv())
            print(f"wrote {len(preview.rejected):,} rejected rows with their problems to "
                  f"{args.rejects}", file=sys.stderr)
        print(preview.summary(), file=sys.stderr)
        if preview.placed:
            print(placement_line(preview), file=sys.stderr)
        if not preview.can_commit(valid_rows_only=args.skip_bad_rows):
            print(_refusal(preview, args), file=sys.stderr)
            return 1
        if args.dry_run:
            print(f"dry run: nothing written. {_mapping_text(preview.mapping)}")
            return 0
        try:
            counts = commit_import(store, preview, actor=cli_actor(),
                                   valid_rows_only=args.skip_bad_rows)
        except ImportRefused as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print(f"error: {exc}", file=sys.stderr)
            return 1
    written = ", ".join(f"{n:,} {table}" for table, n in counts.items())
    skipped = preview.counts["rows_rejected"]
    print(f"imported {written} from {path.name}"
          + (f"; {skipped:,} rejected rows skipped" if skipped else "")
          + (". New partners are not listed publicly until their consent is recorded."
             if counts.get("partners") else "."))
    return 0


def placement_line(preview) -> str:  # noqa: ANN001 - ImportPreview
    """``"placed: 10 by coordinates, 2 by ZIP centroid (approximate); ..."``."""
    from geo.placement import SOURCE_LABELS

    parts = [f"{n:,} by {SOURCE_LABELS[k]}" if k != "none" else f"{n:,} not placed"
             for k, n in preview.placed.items()]
    line = "placed: " + ", ".join(parts)
    if preview.crs:
        line += f"; coordinates read as {preview.crs}" + (" (detected)" if
                                                            preview.crs_detected else "")
    if len(preview.review):
        line += f"; {preview.review['row'].nunique():,} school name(s) to review"
    return line


def _print_report(preview, *, verbose: bool) -> None:  # noqa: ANN001 - ImportPreview
    errors = preview.report.errors()
    warnings = preview.report.warnings()
    for problem in errors:
        print(_line(problem), file=sys.stderr)
    shown = warnings if verbose else warnings[:_WARNINGS_SHOWN]
    for problem in shown:
        print(_line(problem), file=sys.stderr)
    if len(shown) < len(warnings):
        print(f"... and {len(warnings) - len(shown):,} more warnings (--verbose lists them)",
              file=sys.stderr)


def _line(problem: Problem) -> str:
    return str(problem)


def _refusal(preview, args: argparse.Namespace) -> str:  # noqa: ANN001 - ImportPreview
    if preview.file_errors:
        text = "error: the file cannot be imported (see above); nothing was written."
        if any(match.how == "unsure" for match in preview.partners.values()):
            text += (" For a partner name close to a stored one, write the stored name, or "
                     "pass --same-partner 'NAME=ID' or --new-partner 'NAME'.")
        if preview.missing:
            text += (" Map missing columns with --map SRC=TARGET"
                     + (" or give --partner NAME" if "partner" in preview.missing else "")
                     + ".")
        return text
    if preview.counts["rows_valid"] == 0:
        return "error: no row can be imported; nothing was written."
    n = preview.counts["rows_rejected"]
    return (f"error: {n:,} row(s) have errors, so nothing was written (all or nothing). Fix "
            "them, or pass --skip-bad-rows to import the other rows"
            + ("" if args.rejects else "; --rejects FILE.csv saves the rejected rows") + ".")


def _mapping_text(mapping: dict[str, str]) -> str:
    return "Columns used: " + ", ".join(f"{s} -> {t}" for t, s in mapping.items()) + "."


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
