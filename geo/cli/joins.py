"""``python -m geo join INPUT -o OUTPUT``: locate a file of sites on the boundaries.

Reads any supported sites file (see :mod:`geo.read`; ``--sheet`` picks a workbook's
sheet), checks every row, places each row by the best thing it holds (see
:mod:`geo.locate`: coordinates in any usual form or CRS (``--crs``), the school
directory (``--schools FILE``, else the database's), an NCES ID, the ZIP of an address,
a ZIP code) and writes one output row per input row: the input columns, then
``latitude``, ``longitude``, ``location_source``, ``state``, ``state_fips``,
``county_fips``, ``county``, ``district_geoid``, ``district_name``,
``secondary_district_geoid``, ``secondary_district_name``, ``school_match`` (``id`` |
``name`` | ``review`` | empty), ``school_match_id``, ``school_match_name`` (for a
review: the candidates, separated by `` | ``) and ``issues`` (the row's problems
separated by ``;``, empty when the row is clean).

The output format follows the extension: ``.csv``, ``.geojson``, ``.gpkg`` or
``.parquet`` (GeoParquet). The file is written to a temporary name in the same folder
and renamed at the end, so an interrupted run never leaves half a file.

Exit status 0 when the file was read (row problems are in ``issues``, a summary goes to
stderr); 2 with a plain ``error: ...`` message when it cannot be read at all.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from geo.cli import CliError
from geo.problems import ROW_CONVENTION, Report
from geo.spreadsheet import neutralise_frame
from geo.text import is_missing

OUTPUT_FORMATS: dict[str, str] = {
    ".csv": "CSV (UTF-8)",
    ".geojson": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".parquet": "GeoParquet",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``join`` command."""
    parser = subparsers.add_parser(
        "join",
        help="locate a file of sites on states, counties and school districts",
        description=(
            "Read a sites file (CSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile, Parquet), "
            "check every row, place it by the best thing it holds (coordinates in any "
            "usual form or CRS, the school directory, an NCES ID, the ZIP of an address, a "
            "ZIP code; the location_source column says which) and add state, county and "
            "school district(s). "
            f"Problems go into the 'issues' column ({ROW_CONVENTION})."
        ),
    )
    parser.add_argument("input", metavar="INPUT", help="the sites file to read")
    parser.add_argument(
        "-o", "--output", required=True, metavar="OUTPUT",
        help=f"where to write the result; format by extension: {', '.join(OUTPUT_FORMATS)}",
    )
    for role, flag in (("latitude", "--lat-col"), ("longitude", "--lon-col"),
                       ("ZIP code", "--zip-col"), ("state", "--state-col"),
                       ("site ID", "--id-col")):
        parser.add_argument(flag, metavar="NAME", default=None,
                            help=f"column holding the {role} (default: detected from its name)")
    add_placement_options(parser)
    parser.set_defaults(func=run)


def add_placement_options(parser: argparse.ArgumentParser) -> None:
    """``--crs``, ``--sheet`` and ``--schools``: shared by ``join`` and ``import``."""
    parser.add_argument("--crs", metavar="EPSG:NNNN", default=None,
                        help="the coordinate system of projected X/Y coordinates, e.g. "
                        "EPSG:2236 (default: degrees; projected numbers are recognised and "
                        "the State Plane/UTM system of the stated states tried)")
    parser.add_argument("--sheet", metavar="NAME", default=None,
                        help="the worksheet of an Excel workbook to read (default: the first)")
    parser.add_argument("--schools", metavar="FILE", default=None,
                        help="match rows without coordinates against this school file "
                        "(NCES, HIFLD, ...) instead of the database's school directory, "
                        "without loading it")


def school_directory(args: argparse.Namespace, store=None):  # noqa: ANN001, ANN201
    """The directory ``--schools`` names, else the database's (``None`` when empty)."""
    from geo.schools import SchoolDirectory, store_directory

    if args.schools:
        from geo.cli.school_directory import read_school_file

        return SchoolDirectory(read_school_file(args.schools))
    if store is not None:
        return store_directory(store)
    from geo.config import load_settings

    url = load_settings().database_url
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file():
        return None  # join never creates a database
    try:
        from geo.db import open_store

        with open_store(url, cache_dir=False) as opened:
            return store_directory(opened)
    except Exception:  # no database reachable: join works on files alone  # noqa: BLE001
        return None


def run(args: argparse.Namespace) -> int:
    """Read, locate and write; see the module docstring for the contract."""
    from geo.boundaries import BoundaryDataMissing
    from geo.locate import location_summary, place_frame, with_issues
    from geo.read import ReadError, read_sites

    source, target = Path(args.input), Path(args.output)
    _check_output(source, target)
    report = Report()
    try:
        frame = read_sites(source, report=report, sheet=args.sheet)
        located = place_frame(
            frame, report=report, lat_col=args.lat_col, lon_col=args.lon_col,
            zip_col=args.zip_col, state_col=args.state_col, id_col=args.id_col,
            crs=args.crs, schools=school_directory(args),
        ).frame
    except ReadError as exc:
        raise CliError(str(exc)) from None
    except BoundaryDataMissing as exc:
        raise CliError(str(exc)) from None
    result = with_issues(located, report=report)
    write_output(result, target)
    for problem in report.file_problems():
        print(f"{problem.severity}: {problem.message} {problem.fix}".rstrip(), file=sys.stderr)
    print(location_summary(result, report=report), file=sys.stderr)
    print(f"wrote {target}", file=sys.stderr)
    return 0


def _check_output(source: Path, target: Path) -> None:
    ext = target.suffix.lower()
    if ext not in OUTPUT_FORMATS:
        raise CliError(
            f"cannot write {target.name}: unknown output type {ext or '(no extension)'!r}. "
            f"Use one of: {', '.join(OUTPUT_FORMATS)}."
        )
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise CliError(f"the output folder {folder} does not exist. Create it first.")
    if target.is_dir():
        raise CliError(f"{target} is a folder. Give a file name such as {target / 'sites.csv'}.")
    if source.exists() and target.exists() and source.resolve() == target.resolve():
        raise CliError("the output would overwrite the input file. Choose another output name.")


def write_output(frame: pd.DataFrame, target: Path) -> None:
    """Write ``frame`` to ``target`` (format by extension) via a temporary file and rename."""
    ext = target.suffix.lower()
    folder = target.parent if str(target.parent) else Path(".")
    data = frame.reset_index(drop=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=f".{target.name}.") as tmp:
        partial = Path(tmp) / f"partial{ext}"
        if ext == ".csv":
            # raw coordinates kept as text ("-81.49") stay numbers in a spreadsheet
            safe = neutralise_frame(data, keep_number_text=True)
            safe.to_csv(partial, index=False, encoding="utf-8")
        else:
            gdf = _geoframe(data, case_insensitive=ext == ".gpkg")
            if ext == ".parquet":
                gdf.to_parquet(partial, index=False)
            elif ext == ".geojson":
                gdf.to_file(partial, driver="GeoJSON", engine="pyogrio")
            else:
                gdf.to_file(partial, driver="GPKG", layer="sites", engine="pyogrio")
        os.replace(partial, target)


def _geoframe(frame: pd.DataFrame, *, case_insensitive: bool):
    """A point GeoDataFrame (EPSG:4326) of ``frame``; unlocated rows get no geometry.

    Columns of mixed Python objects (from spreadsheets) become text so every format can
    store them. GeoPackage column names are case-insensitive, so there an input column
    such as ``STATE`` next to the added ``state`` is renamed ``STATE_input``.
    """
    import geopandas as gpd

    data = frame.copy()
    for col in data.columns:
        if data[col].dtype == object:
            data[col] = pd.array(["" if is_missing(v) else str(v) for v in data[col]], dtype="str")
    if case_insensitive:
        data = data.rename(columns=_case_unique(list(data.columns)))
    located = data["latitude"].notna().to_numpy() & data["longitude"].notna().to_numpy()
    geometry = np.full(len(data), None, dtype=object)
    if located.any():
        geometry[located] = gpd.points_from_xy(
            data.loc[located, "longitude"], data.loc[located, "latitude"]
        )
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometry, crs="EPSG:4326"),
                            crs="EPSG:4326")


def _case_unique(columns: list[str]) -> dict[str, str]:
    """Renames so no two names differ only by case; added (lower-case) columns keep theirs."""
    from geo.locate import ADDED_COLUMNS

    protected = set(ADDED_COLUMNS) | {"issues"}
    taken = {c.lower() for c in columns if c in protected}
    renames: dict[str, str] = {}
    for col in columns:
        if col in protected:
            continue
        new = col
        n = 1
        while new.lower() in taken:
            new = f"{col}_input" if n == 1 else f"{col}_input_{n}"
            n += 1
        taken.add(new.lower())
        if new != col:
            renames[col] = new
    return renames
