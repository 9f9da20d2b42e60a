"""The placement driver: :func:`place_frame` runs the steps of :mod:`geo.locate` over a
frame, and :func:`place_point` places one site from a form."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo import codes, placement
from geo.locate.chain import Chain
from geo.locate.degrees import check_coordinates, detect_crs, parse_coordinates
from geo.locate.site_checks import check_boundaries, check_duplicate_ids, check_stated_state
from geo.locate.site_columns import (
    BOUNDARY_COLUMNS,
    MATCH_COLUMNS,
    REVIEW_COLUMNS,
    free_name,
    rename_collisions,
    resolve_columns,
    row_numbers,
)
from geo.problems import Report
from geo.read import ReadError
from geo.schema import LOCATION_SOURCES
from geo.text import is_blank

if TYPE_CHECKING:
    from geo.schools import SchoolDirectory


@dataclass
class Placement:
    """What :func:`place_frame` found: the placed frame and how the file was read.

    ``crs``: the CRS the coordinates were converted from (``""`` for degrees);
    ``crs_detected``: True when it was chosen by :func:`place_frame`, not given;
    ``review``: rows whose school name matched closely several schools (or none
    clearly), one line per candidate: ``row``, ``name``, ``candidate_id``,
    ``candidate_name``, ``candidate_city``, ``score``.
    """

    frame: pd.DataFrame
    crs: str = ""
    crs_detected: bool = False
    review: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REVIEW_COLUMNS))

    def counts(self) -> dict[str, int]:
        """Rows per ``location_source``, in :data:`geo.schema.LOCATION_SOURCES` order."""
        found = self.frame["location_source"].value_counts()
        return {s: int(found.get(s, 0)) for s in LOCATION_SOURCES
                if int(found.get(s, 0))}


def locate_frame(df: pd.DataFrame, *, report: Report, **options: Any) -> pd.DataFrame:
    """:func:`place_frame`'s frame (same arguments)."""
    return place_frame(df, report=report, **options).frame


def place_frame(
    df: pd.DataFrame,
    *,
    report: Report,
    lat_col: str | None = None,
    lon_col: str | None = None,
    zip_col: str | None = None,
    state_col: str | None = None,
    id_col: str | None = None,
    crs: str | None = None,
    schools: SchoolDirectory | None = None,
    school_choices: Mapping[int, str] | None = None,
    place_cols: Mapping[str, str | None] | None = None,
) -> Placement:
    """Place every row of ``df`` (see the module docstring); never drops a row.

    An input column whose name is one of :data:`ADDED_COLUMNS` (say ``latitude`` or
    ``state``) is kept as ``<name>_input``. Columns not given are detected
    (:func:`detect_columns`, :func:`detect_place_columns`); ``place_cols`` names the
    further roles explicitly (``{"text": "Location 1"}``, a ``None`` value turns a role
    off). ``crs``: the CRS of projected coordinates (``"EPSG:2236"``). ``schools``: a
    :class:`~geo.schools.SchoolDirectory` to match rows without coordinates against;
    ``school_choices``: ``{row: school_id}`` decided by a person for rows in review
    (``""`` leaves the row at its ZIP). Row numbers come from the index when it is named
    ``row`` (as :func:`geo.read.read_sites` returns it), otherwise from the position
    (first row = row 2). Raises :class:`~geo.read.ReadError` when nothing in the frame
    can place a row, when a named column does not exist or ``crs`` is unknown.
    """
    roles = resolve_columns(
        df.columns,
        {"latitude": lat_col, "longitude": lon_col, "zip": zip_col, "state": state_col,
         "id": id_col},
        place_cols or {}, schools=schools is not None,
    )
    if crs:
        try:
            crs = placement.check_crs(crs)
        except ValueError as exc:
            raise ReadError(str(exc)) from None
    n = len(df)
    rows = row_numbers(df)
    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    source = np.full(n, "none", dtype=object)
    result = Placement(frame=df)

    need = np.ones(n, dtype=bool)
    if "latitude" in roles:
        lat_in, lat_bad, lat_blank = parse_coordinates(df[roles["latitude"]])
        lon_in, lon_bad, lon_blank = parse_coordinates(df[roles["longitude"]])
        need = lat_blank & lon_blank
        projected = False
        if crs:
            lon_in, lat_in = placement.to_degrees(lon_in, lat_in, crs)
            result.crs = crs
        elif placement.looks_projected(lon_in, lat_in):
            chosen = detect_crs(df, roles, x=lon_in, y=lat_in, report=report)
            if chosen:
                lon_in, lat_in = placement.to_degrees(lon_in, lat_in, chosen)
                result.crs, result.crs_detected = chosen, True
            else:
                projected = True
        usable = check_coordinates(
            lat_in, lon_in, lat_bad, lon_bad, lat_blank, lon_blank,
            rows=rows, roles=roles, raw_lat=df[roles["latitude"]], raw_lon=df[roles["longitude"]],
            report=report, projected=projected,
        )
        lat[usable] = lat_in[usable]
        lon[usable] = lon_in[usable]
        source[usable] = "coordinates"

    match = {c: np.full(n, "", dtype=object) for c in MATCH_COLUMNS}
    chain = Chain(df, roles=roles, rows=rows, lat=lat, lon=lon, source=source, report=report,
                  crs=crs, match=match)
    chain.run(need, schools=schools, choices=school_choices or {})
    result.review = chain.review_frame()
    if "id" in roles:
        check_duplicate_ids(df[roles["id"]], rows=rows, column=roles["id"], report=report)

    from geo.join import assign_boundaries  # the boundary layers load on first use

    bounds = assign_boundaries(lon, lat)
    located = source != "none"
    check_boundaries(bounds, located=located, rows=rows, report=report)
    if "state" in roles:
        check_stated_state(df[roles["state"]], bounds["state"].to_numpy(dtype=object),
                           located=located, rows=rows, column=roles["state"], report=report)

    out = rename_collisions(df, roles=roles, report=report)
    out["latitude"] = lat
    out["longitude"] = lon
    out["location_source"] = pd.array(source.astype(str), dtype="str")
    for col in BOUNDARY_COLUMNS:
        values = bounds[col].to_numpy(dtype=object)
        out[col] = pd.array(["" if is_blank(v) else str(v) for v in values], dtype="str")
    for col in MATCH_COLUMNS:
        out[col] = pd.array(match[col].astype(str), dtype="str")
    result.frame = out
    return result


def with_issues(frame: pd.DataFrame, *, report: Report) -> pd.DataFrame:
    """``frame`` plus an ``issues`` column: each row's problems joined by ``"; "``."""
    rows = row_numbers(frame)
    texts = report.issues_by_row()
    out = frame.copy()
    name = "issues" if "issues" not in out.columns else free_name(out.columns, "issues")
    out[name] = pd.array([texts.get(int(r), "") for r in rows], dtype="str")
    return out


def location_summary(frame: pd.DataFrame, *, report: Report) -> str:
    """``"4,337 rows read; 4,300 located by coordinates, 20 by NCES ID, 10 by ZIP
    centroid, 7 not located; ..."``: rows per ``location_source`` (the kinds other than
    coordinates and ZIP centroid only when they placed a row), warnings, rows with errors
    and school names left for review."""
    counts = frame["location_source"].value_counts()
    words = {"coordinates": "located by coordinates", "school_directory": "by school directory",
             "nces_id": "by NCES ID", "address_zip": "by ZIP in the address",
             "zip_centroid": "by ZIP centroid", "none": "not located"}
    parts = [f"{int(counts.get(s, 0)):,} {w}" for s, w in words.items()
             if s in ("coordinates", "zip_centroid", "none") or int(counts.get(s, 0))]
    n_warn = len(report.warnings())
    n_err_rows = len(report.rows_with_errors())
    review = ""
    if "school_match" in frame.columns:
        n_review = int((frame["school_match"] == "review").sum())
        review = f"; {n_review:,} school name(s) to review" if n_review else ""
    return (
        f"{len(frame):,} rows read; {', '.join(parts)}{review}; "
        f"{n_warn:,} warning{'s' if n_warn != 1 else ''}, "
        f"{n_err_rows:,} row{'s' if n_err_rows != 1 else ''} with errors (see the issues column)"
    )


# --- one site from a form ----------------------------------------------------------------
def place_point(how: str, *, latitude: float | None, longitude: float | None,
                zip_code: str) -> tuple[dict[str, object], list]:
    """The stored location of one site set by coordinates, a click (``how`` other than
    ``"zip"``) or a ZIP code (``how="zip"``), with the rules of :func:`place_frame`.

    Returns the fields to save (latitude, longitude, zip, location_source and the
    boundary codes) and ``[]``, or ``{}`` and the problems.
    """
    from geo.join import assign_boundaries, in_us
    from geo.problems import Problem

    code = str(zip_code or "").strip()
    read = codes.read_zip(code) if code else None
    if code and (read is None or read.restored):
        return {}, [Problem(None, "zip", "error", f"{code!r} is not a ZIP code.",
                            "Write the 5 digits, e.g. 32301 (or leave it empty).")]
    code = read.code if read else ""
    source = "coordinates"
    if how == "zip":
        if not code:
            return {}, [Problem(None, "zip", "error", "No ZIP code given.",
                                "Write the site's 5-digit ZIP code, e.g. 32301.")]
        centre = placement.zip_centroid(code)
        if centre is None:
            return {}, [Problem(
                None, "zip", "error", f"ZIP {code} is not a ZIP code area of the Census "
                "(PO box and single-building ZIP codes have no area).",
                "Give the coordinates instead, or click the site on the map.")]
        latitude, longitude = centre
        source = "zip_centroid"
    if latitude is None or longitude is None:
        return {}, [Problem(None, "latitude", "error", "The site has no coordinates.",
                            "Enter latitude and longitude, give a ZIP code, or click the map.")]
    if not in_us([longitude], [latitude])[0]:
        return {}, [Problem(
            None, "latitude", "error",
            f"The point {latitude:.5f}, {longitude:.5f} is not in the United States.",
            "Check the numbers: latitude comes first, and US longitudes are negative.")]
    found = assign_boundaries([longitude], [latitude]).iloc[0]
    return {
        "latitude": float(latitude), "longitude": float(longitude), "zip": code,
        "location_source": source,
        "state_fips": str(found["state_fips"]), "county_fips": str(found["county_fips"]),
        "district_geoid": str(found["district_geoid"]),
        "secondary_district_geoid": str(found["secondary_district_geoid"]),
    }, []
