"""Placing the point rows of an import (coordinates, school name, NCES ID, address, ZIP).

The rows that name a point are put in one frame under the file's own column names and
placed by :func:`geo.locate.place_frame`, the same placement ``geo join`` uses, so an
import checks coordinates, ZIP codes and the stated state exactly as a join does. Its
problems are reported with the import's row numbers and column names.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TypedDict

import pandas as pd

from geo.importer.rowchecks import Row, RowChecker
from geo.problems import Problem, Report

if TYPE_CHECKING:
    from geo.locate import Placement
    from geo.schools import SchoolDirectory

_STATE_COLUMN = "__stated_state__"
_NCES_COLUMN = "__row_school_code__"  # no synonym of a site-ID column


class PlaceOptions(TypedDict, total=False):
    """The options of :func:`geo.locate.place_frame` that the caller gave."""

    crs: str | None
    schools: SchoolDirectory | None
    school_choices: Mapping[int, str] | None


def place_points(checker: RowChecker, records: list[Row],
                 options: PlaceOptions) -> Placement | None:
    """Place the point rows of ``records`` with :func:`geo.locate.place_frame`
    (coordinates, school directory, NCES ID, address, ZIP) and return the placement
    (``None`` when no row is a point, or the CRS given was refused).

    Sets each placed record's ``location`` and ``place_label`` (and its ``zip`` when an
    address's ZIP placed it); the problems of :mod:`geo.locate` are added to the
    checker's report under the file's column names."""
    from geo.locate import place_frame
    from geo.placement import SOURCE_LABELS
    from geo.read import ReadError

    points = [k for k, r in enumerate(records) if r.point]
    if not points:
        return None
    frame = pd.DataFrame(index=pd.Index([records[k].row for k in points], name="row",
                                        dtype="int64"))
    roles: dict[str, str | None] = {"lat_col": None, "lon_col": None, "zip_col": None,
                                    "state_col": None}
    for target, role in (("latitude", "lat_col"), ("longitude", "lon_col"),
                         ("zip", "zip_col"), ("state", "state_col")):
        if target in checker.cells:
            column = _STATE_COLUMN if target == "state" else checker.src(target)
            frame[column] = pd.Series([checker.cells[target][k] for k in points],
                                      index=frame.index, dtype=object)
            roles[role] = column
    place_cols: dict[str, str | None] = {"wkt": None, "leaid": None}
    for target, role in (("address", "text"), ("nces_id", "nces"), ("site_name", "name"),
                         ("city", "city")):
        if target in checker.cells:
            # The NCES ID goes in under a private name: it is no site ID to check here
            # (the import's own duplicate checks cover it).
            column = _NCES_COLUMN if target == "nces_id" else checker.src(target)
            if column not in frame.columns:
                frame[column] = pd.Series([checker.cells[target][k] for k in points],
                                          index=frame.index, dtype=object)
            place_cols[role] = column
        else:
            place_cols[role] = None
    found = Report()
    try:
        placement = place_frame(frame, report=found, place_cols=place_cols,
                                lat_col=roles["lat_col"], lon_col=roles["lon_col"],
                                zip_col=roles["zip_col"], state_col=roles["state_col"],
                                **options)
    except ReadError as exc:
        checker.report.error(str(exc), fix="Check the CRS given, or leave it out.")
        return None
    located = placement.frame
    state_source = checker.src("state")
    renamed = {_STATE_COLUMN: state_source, _NCES_COLUMN: checker.src("nces_id")}
    for p in found:
        shown = None if p.column is None else renamed.get(p.column, p.column)
        checker.report.add(Problem(p.row, shown, p.severity, p.message, p.fix,
                                   table=checker.kind))
    cols = {c: located[c].tolist() for c in (
        "latitude", "longitude", "location_source", "state_fips", "county_fips",
        "district_geoid", "secondary_district_geoid")}
    flagged = found.rows_with_errors()
    for j, k in enumerate(points):
        source = cols["location_source"][j]
        if source == "none":
            if records[k].row not in flagged:  # never expected: locate explains each
                checker.error(records[k].row, "latitude" if "latitude" in checker.cells
                              else "zip", "The site could not be placed.",
                              "Check latitude and longitude, or the ZIP code.")
            continue
        rec = records[k]
        rec.location = {c: values[j] for c, values in cols.items()}
        if source == "address_zip" and not rec.values.get("zip"):
            from geo.placement import zip_in_address  # the ZIP that placed the row

            rec.values["zip"] = zip_in_address(checker.text("address", k)) or ""
        rec.place_label = "site: " + SOURCE_LABELS.get(source, source)
    return placement
