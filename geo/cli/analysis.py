"""``scan``, ``overlaps`` and ``coverage``: the analyses of the app, as CSV files.

They read the database named by ``DATABASE_URL`` (see geo/config.py) and call the same
functions as the pages (:mod:`geo.analysis`). This is an operator tool: partner names,
websites and contacts are written as stored, without the public-listing redaction the
app applies to visitors. Text cells that a spreadsheet would run as formulas are
neutralised.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from geo.cli import CliError

_OPERATOR_NOTE = ("Operator tool: names, websites and contacts are written as stored "
                  "(no public-listing redaction). Reads the database named by DATABASE_URL.")


def _frames():
    import sqlalchemy.exc

    from geo.config import load_settings
    from geo.db import StoreError, open_store

    try:
        settings = load_settings()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    try:
        store = open_store(settings.database_url)
        return store.frames()
    except (StoreError, sqlalchemy.exc.SQLAlchemyError, OSError) as exc:
        raise CliError(f"cannot read the database {settings.database_url!r}: {exc}") from None


def _write(df: pd.DataFrame, out: str) -> None:
    from geo.spreadsheet import neutralise_frame

    path = Path(out)
    if not path.parent.exists():
        raise CliError(f"the folder {str(path.parent)!r} for -o does not exist; create it first")
    tmp = path.with_name(path.name + ".part")
    neutralise_frame(df).to_csv(tmp, index=False)
    tmp.replace(path)  # nothing half-written
    print(f"wrote {len(df)} rows to {path}", file=sys.stderr)


def _point(text: str) -> tuple[float, float]:
    from geo.analysis.lookup import PlaceNotFound, parse_point

    try:
        return parse_point(text)
    except PlaceNotFound as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of miles, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of miles, got {text!r}")
    return value


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _frames_as_of(as_of):
    frames = _frames()
    if as_of is None:
        return frames
    from geo.analysis import filter_activities

    return filter_activities(frames, as_of=as_of)


def cmd_scan(args: argparse.Namespace) -> int:
    from geo.analysis import PlaceNotFound, UnknownTermError, parse_needs, resolve_place, scan

    try:
        needs = parse_needs(args.needs or "")
    except UnknownTermError as exc:
        raise CliError(f"--needs: {exc}") from None
    try:
        place = resolve_place(state=args.state, county=args.county, district=args.district,
                              zip=args.zip, point=args.point)
    except PlaceNotFound as exc:
        raise CliError(str(exc)) from None
    frames = _frames_as_of(args.as_of)
    result = scan(frames, place, radius_mi=args.radius_mi, needs=needs)
    table = result.partners
    if args.all_partners and result.fit is not None:
        listed = set(table["partner_id"])
        rest = result.fit[~result.fit["partner_id"].isin(listed)]
        extra = pd.DataFrame({"partner_id": rest["partner_id"], "partner": rest["name"],
                              "presence": "", "fit_score": rest["score"],
                              "fit_reasons": rest["reasons"]})
        table = pd.concat([table, extra], ignore_index=True).sort_values(
            ["fit_score", "partner"], ascending=[False, True], kind="stable")
    table = table.assign(place=place.label)
    _write(table, args.output)
    print(result.summary, file=sys.stderr)
    for message in result.messages:
        print(message, file=sys.stderr)
    return 0


def cmd_overlaps(args: argparse.Namespace) -> int:
    from geo.analysis import introductions, nearby_pairs, overlap_places, partner_pairs

    modes = [m for m in (args.level is not None, args.pairs, args.introductions,
                         args.nearby_mi is not None) if m]
    if len(modes) != 1:
        raise CliError("choose one of --level LEVEL, --pairs, --introductions or --nearby-mi MILES")
    frames = _frames_as_of(args.as_of)
    if args.level is not None:
        table = overlap_places(frames, args.level)
    elif args.pairs:
        table = partner_pairs(frames, level=args.pairs_level)
    elif args.introductions:
        table = introductions(frames, level=args.pairs_level)
    else:
        table = nearby_pairs(frames, miles=args.nearby_mi)
    _write(table, args.output)
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from geo.analysis import coverage

    frames = _frames_as_of(args.as_of)
    _write(coverage(frames, args.level, metric=args.metric), args.output)
    return 0


def register(subparsers) -> None:
    """Add ``scan``, ``overlaps`` and ``coverage`` to ``python -m geo``."""
    p = subparsers.add_parser(
        "scan", help="who works in and around a place, with fit scores (CSV)",
        description="One row per partner in or near the place: presence, kinds of work, since, "
                    "sites, distance, contacts, fit score and its reasons. " + _OPERATOR_NOTE)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--state", metavar="ST", help="postal code (FL), FIPS (12) or name")
    where.add_argument("--county", metavar="FIPS", help="5-digit county FIPS, e.g. 12073")
    where.add_argument("--district", metavar="GEOID",
                       help="7-digit district GEOID = NCES LEAID, e.g. 1201110")
    where.add_argument("--zip", metavar="ZIP", help="5-digit ZIP code (its centroid)")
    where.add_argument("--point", metavar="LAT,LON", type=_point, help="a point, e.g. 30.44,-84.28")
    p.add_argument("--radius-mi", type=_positive, metavar="R",
                   help="also list partners with sites within R miles")
    p.add_argument("--needs", default="", metavar="LIST",
                   help='";"-separated principles and kinds of work (names, codes or labels), '
                        'e.g. "Family Engagement;Funding"')
    p.add_argument("--as-of", type=_date, metavar="DATE",
                   help="only activities under way on this date")
    p.add_argument("--all-partners", action="store_true",
                   help="also list partners not present, ranked by fit (presence left empty)")
    p.add_argument("-o", "--output", required=True, metavar="OUT.csv")
    p.set_defaults(func=cmd_scan)

    p = subparsers.add_parser(
        "overlaps", help="places, partner pairs or nearby sites where partners overlap (CSV)",
        description="Places with 2+ partners (--level), partner pairs sharing districts (--pairs), "
                    "introductions with both partners' contacts (--introductions), "
                    "or sites of different partners within a distance (--nearby-mi). "
                    + _OPERATOR_NOTE)
    p.add_argument("--level", choices=("district", "county", "state"))
    p.add_argument("--pairs", action="store_true")
    p.add_argument("--introductions", action="store_true")
    p.add_argument("--pairs-level", choices=("district", "county", "state"), default="district",
                   help="places compared for --pairs and --introductions (default: district)")
    p.add_argument("--nearby-mi", type=_positive, metavar="MILES")
    p.add_argument("--as-of", type=_date, metavar="DATE",
                   help="only activities under way on this date")
    p.add_argument("-o", "--output", required=True, metavar="OUT.csv")
    p.set_defaults(func=cmd_overlaps)

    p = subparsers.add_parser(
        "coverage", help="partners, activities and sites for every state, county or district (CSV)",
        description="Every place of the level, zero where nobody works; districts with their need "
                    "figures (Urban Institute, SAIPE/ACS 2014-2018). " + _OPERATOR_NOTE)
    p.add_argument("--level", required=True, choices=("state", "county", "district"))
    p.add_argument("--metric", default="partners",
                   choices=("partners", "activities", "sites", "community_schools"),
                   help="which count fills the 'value' column and sets the order "
                        "(default: partners)")
    p.add_argument("--as-of", type=_date, metavar="DATE",
                   help="only activities under way on this date")
    p.add_argument("-o", "--output", required=True, metavar="OUT.csv")
    p.set_defaults(func=cmd_coverage)
