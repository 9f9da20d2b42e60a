"""Find where each site is: the placement service behind ``geo join``, ``geo import`` and
the Data page.

:func:`place_frame` (and its shorthand :func:`locate_frame`) takes the frame
:func:`geo.read.read_sites` returns and adds ``latitude``, ``longitude``,
``location_source``, the boundary columns (state, county, school districts) and the
school-directory match (``school_match``: ``id`` | ``name`` | ``review`` | empty,
``school_match_id``, ``school_match_name``). Each row is placed by the best thing it
holds, and ``location_source`` says which:

``coordinates``
    latitude/longitude under any usual name (``X``/``Y`` included), a WKT column
    (``POINT (lon lat)``), or a ``(lat, lon)`` pair inside a text cell such as a
    multi-line location field. Numbers that cannot be degrees are projected
    coordinates: converted from the CRS given (``crs=``), else from the State Plane or
    UTM system of the stated states that puts nearly every row in its stated state and
    ZIP (named in a warning; when none or several do, an error says how to name it);
``school_directory``
    the row's school found in the school directory (:mod:`geo.schools`) by ID or name;
``nces_id``
    a 12-digit NCES school ID or a 7-digit LEAID names the district exactly; the point
    is the ZIP centroid moved inside that district (approximate);
``address_zip``
    the ZIP code read from an address text (approximate);
``zip_centroid``
    a ZIP code column; a 4-digit ZIP gets its leading zero back, with a warning;
``none``
    an error says what is missing and how to fix it.

Every problem goes into the :class:`~geo.problems.Report`, with the spreadsheet row
number (header = row 1, first data row = row 2) and the column, so the user can fix the
file: errors (the row is not placed) and warnings (placed, but check it: approximate
places, a stated state that disagrees, a site in no school district). The shared rules
(ZIP codes, states, coordinates in text, CRSs) live in :mod:`geo.placement`.

Invariant of the result: ``latitude``/``longitude`` are filled exactly when
``location_source`` is not ``"none"``; the raw input values are always kept in their
own columns.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo import codes, placement
from geo.join import JOIN_COLUMNS
from geo.problems import Report, row_number
from geo.read import ReadError
from geo.schema import LOCATION_SOURCES
from geo.text import is_blank

if TYPE_CHECKING:
    from geo.schools import SchoolDirectory

# The join's columns, bar its in_district flag (the "issues" column says that instead).
BOUNDARY_COLUMNS: tuple[str, ...] = tuple(c for c in JOIN_COLUMNS if c != "in_district")
MATCH_COLUMNS: tuple[str, ...] = ("school_match", "school_match_id", "school_match_name")
ADDED_COLUMNS: tuple[str, ...] = ("latitude", "longitude", "location_source", *BOUNDARY_COLUMNS,
                                  *MATCH_COLUMNS)

# Recognised column names per role, most specific first. Names are compared after
# lower-casing and removing everything but letters and digits ("Zip Code" = "zipcode").
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "latitude": (
        "geometrylatitude", "latitude", "lat", "y", "latdd", "latitudedd", "ycoord",
        "ycoordinate", "pointy", "sitelatitude", "schoollatitude",
    ),
    "longitude": (
        "geometrylongitude", "longitude", "lon", "lng", "long", "x", "londd",
        "longitudedd", "xcoord", "xcoordinate", "pointx", "sitelongitude", "schoollongitude",
    ),
    "zip": (
        "zip", "zipcode", "zip5", "postalcode", "postcode", "zcta", "zippostalcode",
        "sitezip", "schoolzip", "mailingzip", "lzip", "mzip",
    ),
    "state": (
        "state", "stateabbr", "stateabbreviation", "stateabbrev", "statecode", "statepostal",
        "stusps", "stabbr", "st", "statename", "stname", "statefips", "statefp", "lstate",
    ),
    "id": (
        "siteid", "id", "ncesid", "ncessch", "ncesschoolid", "schoolid", "schoolncesid",
        "recordid",
    ),
}
# Further roles the placement uses; a column may serve one of these and a role above.
_PLACE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "wkt": ("wkt", "thegeom", "geometrywkt", "geomwkt", "geometry", "geom", "shape",
            "locationwkt"),
    "text": ("location1", "location", "fulladdress", "address", "streetaddress",
             "siteaddress", "schooladdress", "locationaddress", "physicaladdress",
             "mailingaddress", "addr", "geolocation", "coordinates", "latlon", "latlong",
             "point"),
    "nces": ("ncesschoolid", "ncesid", "ncessch", "schoolncesid", "ncesschid", "ncesschool",
             "schoolid"),
    "leaid": ("ncesdistrictid", "leaid", "ncesleaid", "districtid", "districtleaid",
              "districtgeoid", "districtncesid", "agencyid", "ncesagencyid"),
    "name": ("schoolname", "schname", "sitename", "school", "name", "site", "campus",
             "locationname"),
    "city": ("city", "lcity", "cityname", "town", "sitecity", "schoolcity", "municipality"),
}
_ROLE_LABELS = {"latitude": "latitude", "longitude": "longitude", "zip": "ZIP code",
                "state": "state", "id": "site ID"}

_COORD = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)\s*°?\s*([NSEWnsew]?)$")
_APPROXIMATE = "approximate location (ZIP centroid)"
_NOT_DEFINED = "99997"  # Census pseudo-district GEOID suffix: "School District Not Defined"
_EXAMPLE = "e.g. 28.5384 and -81.3789"
# Projected-CRS detection: a CRS is accepted when this share of the checkable rows lands
# in its stated state (and within _ZIP_KM of its stated ZIP's centroid).
_CRS_ACCEPT = 0.95
_ZIP_KM = 25.0
_CRS_SAMPLE = 400


def _key(name: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def detect_columns(columns: Iterable[object]) -> dict[str, str]:
    """Map each role found (latitude, longitude, zip, state, id) to its column name.

    Matching ignores case, spaces and punctuation and knows the usual synonyms
    (lat/latitude/y, lon/lng/long/longitude/x, zip/zipcode/postal code, ...). When
    several columns fit a role, the most specific name wins (``latitude`` before
    ``lat`` before ``y``). Roles without a column are left out of the result.
    """
    keyed: dict[str, str] = {}
    for col in columns:
        keyed.setdefault(_key(col), str(col))
    found: dict[str, str] = {}
    for role, names in _SYNONYMS.items():
        for name in names:
            if name in keyed and keyed[name] not in found.values():
                found[role] = keyed[name]
                break
    return found


def detect_place_columns(columns: Iterable[object], *, taken: Iterable[str] = ()
                         ) -> dict[str, str]:
    """The further placement roles (wkt, text, nces, leaid, name, city) -> column name.

    ``taken``: columns already given a role of :func:`detect_columns` (an ``id`` column
    may still serve as ``nces``).
    """
    keyed: dict[str, str] = {}
    for col in columns:
        keyed.setdefault(_key(col), str(col))
    busy = set(taken)
    found: dict[str, str] = {}
    for role, names in _PLACE_SYNONYMS.items():
        for name in names:
            col = keyed.get(name)
            if col is None or col in found.values():
                continue
            if col in busy and role != "nces":
                continue
            found[role] = col
            break
    return found


def recognised_names_text() -> str:
    """The recognised column names, for messages: ``latitude: lat, latitude, y; ...``."""
    shown = {
        "latitude": "latitude, lat, y",
        "longitude": "longitude, lon, lng, long, x",
        "zip": "zip, zipcode, zip_code, postal_code, postcode",
        "state": "state, st, state_abbr, stusps, state_name, state_fips",
        "id": "site_id, id, nces_id, ncessch, school_id",
    }
    text = "; ".join(f"{_ROLE_LABELS[r]}: {names}" for r, names in shown.items())
    return (text + "; WKT point: wkt, the_geom, geometry; address or location text: "
            "address, location, location_1; NCES IDs: ncessch, nces_id, leaid, district_id; "
            "school name (matched in the school directory): school_name, name")


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


REVIEW_COLUMNS: list[str] = ["row", "name", "candidate_id", "candidate_name", "candidate_city",
                              "score"]


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
    roles = _resolve_columns(
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
    rows = _row_numbers(df)
    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    source = np.full(n, "none", dtype=object)
    result = Placement(frame=df)

    need = np.ones(n, dtype=bool)
    if "latitude" in roles:
        lat_in, lat_bad, lat_blank = _parse_coordinates(df[roles["latitude"]])
        lon_in, lon_bad, lon_blank = _parse_coordinates(df[roles["longitude"]])
        need = lat_blank & lon_blank
        projected = False
        if crs:
            lon_in, lat_in = placement.to_degrees(lon_in, lat_in, crs)
            result.crs = crs
        elif placement.looks_projected(lon_in, lat_in):
            chosen = _detect_crs(df, roles, x=lon_in, y=lat_in, report=report)
            if chosen:
                lon_in, lat_in = placement.to_degrees(lon_in, lat_in, chosen)
                result.crs, result.crs_detected = chosen, True
            else:
                projected = True
        usable = _check_coordinates(
            lat_in, lon_in, lat_bad, lon_bad, lat_blank, lon_blank,
            rows=rows, roles=roles, raw_lat=df[roles["latitude"]], raw_lon=df[roles["longitude"]],
            report=report, projected=projected,
        )
        lat[usable] = lat_in[usable]
        lon[usable] = lon_in[usable]
        source[usable] = "coordinates"

    match = {c: np.full(n, "", dtype=object) for c in MATCH_COLUMNS}
    chain = _Chain(df, roles=roles, rows=rows, lat=lat, lon=lon, source=source, report=report,
                   crs=crs, match=match)
    chain.run(need, schools=schools, choices=school_choices or {})
    result.review = chain.review_frame()
    if "id" in roles:
        _check_duplicate_ids(df[roles["id"]], rows=rows, column=roles["id"], report=report)

    from geo.join import assign_boundaries  # the boundary layers load on first use

    bounds = assign_boundaries(lon, lat)
    located = source != "none"
    _check_boundaries(bounds, located=located, rows=rows, report=report)
    if "state" in roles:
        _check_stated_state(df[roles["state"]], bounds["state"].to_numpy(dtype=object),
                            located=located, rows=rows, column=roles["state"], report=report)

    out = _rename_collisions(df, roles=roles, report=report)
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
    rows = _row_numbers(frame)
    texts = report.issues_by_row()
    out = frame.copy()
    name = "issues" if "issues" not in out.columns else _free_name(out.columns, "issues")
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


# --- columns -----------------------------------------------------------------------
def _resolve_columns(columns: pd.Index, given: dict[str, str | None],
                     place_given: Mapping[str, str | None], *, schools: bool
                     ) -> dict[str, str]:
    names = [str(c) for c in columns]
    wrong = [f"{role} column {col!r}" for role, col in given.items() if col and col not in names]
    wrong += [f"{role} column {col!r}" for role, col in place_given.items()
              if col and col not in names]
    if wrong:
        raise ReadError(
            f"The file has no {' and no '.join(wrong)}. Its columns are: "
            f"{', '.join(names[:40])}{' ...' if len(names) > 40 else ''}."
        )
    detected = detect_columns(c for c in names if c not in given.values())
    roles = {role: col for role, col in given.items() if col}
    for role, col in detected.items():
        roles.setdefault(role, col)
    has_lat, has_lon = "latitude" in roles, "longitude" in roles
    if has_lat != has_lon:
        found, lacking = ("latitude", "longitude") if has_lat else ("longitude", "latitude")
        raise ReadError(
            f"The file has a {found} column ({roles[found]!r}) but no {lacking} column. "
            f"Add a {lacking} column or rename it to a recognised name ({recognised_names_text()})."
        )
    taken = {roles[r] for r in roles}
    free = [c for c in names if c not in {v for v in place_given.values() if v}]
    for role, col in detect_place_columns(free, taken=taken).items():
        if role not in place_given:
            roles[role] = col
    for role, chosen in place_given.items():
        if chosen:
            roles[role] = chosen
    placeable = has_lat or any(r in roles for r in ("zip", "wkt", "text", "nces", "leaid")) \
        or (schools and "name" in roles)
    if not placeable:
        raise ReadError(
            "The file has no coordinate columns and no ZIP code column, so the sites cannot "
            f"be placed. Its columns are: {', '.join(names[:40])}. Recognised column names "
            f"(any case): {recognised_names_text()}."
        )
    return roles


def _rename_collisions(df: pd.DataFrame, *, roles: dict[str, str], report: Report) -> pd.DataFrame:
    """Copy of ``df`` where input columns that share a name with an added column are renamed.

    ``latitude`` becomes ``latitude_input`` and so on, so the raw input values are never
    overwritten. Renaming the coordinate columns is expected and silent; any other
    rename (``state``, ``county``, ...) is reported as a file-level warning.
    """
    out = df.copy()
    renames: dict[str, str] = {}
    for name in ADDED_COLUMNS:
        if name not in out.columns:
            continue
        new = _free_name(list(out.columns) + list(renames.values()), f"{name}_input")
        renames[name] = new
        if name in ("latitude", "longitude") and roles.get(name) == name:
            continue
        report.warning(
            f"The input column {name!r} is called {new!r} in the output, because "
            f"{name!r} holds the located value.",
            column=name,
            fix=f"Rename the column {name!r} in the input to keep its name.",
        )
    return out.rename(columns=renames)


def _free_name(columns: Iterable[object], name: str) -> str:
    taken = {str(c) for c in columns}
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{name}_{n}"
        n += 1
    return candidate


def _row_numbers(df: pd.DataFrame) -> np.ndarray:
    if df.index.name == "row" and pd.api.types.is_integer_dtype(df.index.dtype):
        return df.index.to_numpy(dtype=np.int64)
    return np.array([row_number(i) for i in range(len(df))], dtype=np.int64)


# --- coordinates -------------------------------------------------------------------
def _parse_one(value: object) -> float | None:
    """A number of decimal degrees from a cell; ``None`` when it is not one.

    Accepts plain numbers, a decimal comma (``28,53``), a degree sign and a hemisphere
    letter (``81.37 W`` = -81.37).
    """
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value)
        return number if np.isfinite(number) else None
    text = str(value).strip().replace("\u2212", "-")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    match = _COORD.match(text)
    if not match:
        return None
    sign, digits, hemisphere = match.groups()
    number = float(digits)
    if sign == "-":
        number = -number
    if hemisphere.upper() in ("S", "W"):
        number = -abs(number)
    return number


def _parse_coordinates(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers (NaN where unusable), a mask of unreadable cells and a mask of blank cells."""
    values = series.to_numpy(dtype=object)
    blank = np.fromiter((is_blank(v) for v in values), dtype=bool, count=len(values))
    numbers = np.full(len(values), np.nan)
    bad = np.zeros(len(values), dtype=bool)
    for i in np.flatnonzero(~blank):
        parsed = _parse_one(values[i])
        if parsed is None:
            bad[i] = True
        else:
            numbers[i] = parsed
    return numbers, bad, blank


def _in_range(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (np.abs(lat) <= 90) & (np.abs(lon) <= 180)


def _check_coordinates(
    lat: np.ndarray,
    lon: np.ndarray,
    lat_bad: np.ndarray,
    lon_bad: np.ndarray,
    lat_blank: np.ndarray,
    lon_blank: np.ndarray,
    *,
    rows: np.ndarray,
    roles: dict[str, str],
    raw_lat: pd.Series,
    raw_lon: pd.Series,
    report: Report,
    projected: bool = False,
) -> np.ndarray:
    """Report coordinate problems row by row; return the mask of usable coordinates.

    Rows with both cells empty are left to the placement chain (ZIP, address, ...).
    ``projected``: the numbers were found to be projected and no CRS could be used.
    """
    from geo.join import in_us

    lat_c, lon_c = roles["latitude"], roles["longitude"]
    numeric = ~(lat_bad | lon_bad | lat_blank | lon_blank)
    in_range = numeric & _in_range(lat, lon)
    inside = np.zeros(len(lat), dtype=bool)
    if in_range.any():
        inside[in_range] = in_us(lon[in_range], lat[in_range])
    # Swapped: the pair read the other way round is a point in the US.
    swapped = np.zeros(len(lat), dtype=bool)
    cand = numeric & ~inside & _in_range(lon, lat)
    if cand.any():
        swapped[cand] = in_us(lat[cand], lon[cand])
    # Dropped minus sign: positive longitude whose negation lies in the US.
    unsigned = np.zeros(len(lat), dtype=bool)
    cand = in_range & ~inside & ~swapped & (lon > 0)
    if cand.any():
        unsigned[cand] = in_us(-lon[cand], lat[cand])

    raw_lat_v = raw_lat.to_numpy(dtype=object)
    raw_lon_v = raw_lon.to_numpy(dtype=object)
    for i in range(len(lat)):
        row = int(rows[i])
        if lat_blank[i] and lon_blank[i]:
            continue  # the placement chain places the row or says what is missing
        if inside[i]:
            continue
        if lat_blank[i] or lon_blank[i]:
            col, label = (lat_c, "latitude") if lat_blank[i] else (lon_c, "longitude")
            report.error(f"The {label} is empty.", row=row, column=col,
                         fix=f"Fill in the {label} in decimal degrees ({_EXAMPLE}).")
        if lat_bad[i]:
            report.error(f"The latitude {str(raw_lat_v[i]).strip()!r} is not a number.", row=row,
                         column=lat_c, fix=f"Write it in decimal degrees ({_EXAMPLE}).")
        if lon_bad[i]:
            report.error(f"The longitude {str(raw_lon_v[i]).strip()!r} is not a number.", row=row,
                         column=lon_c, fix=f"Write it in decimal degrees ({_EXAMPLE}).")
        if not numeric[i]:
            continue
        a, b = _fmt(lat[i]), _fmt(lon[i])
        if swapped[i]:
            report.error(
                f"Latitude and longitude look swapped: ({a}, {b}) is not in the US, but "
                f"latitude {b}, longitude {a} is.",
                row=row, column=lat_c,
                fix=f"Swap the two values (latitude {b}, longitude {a}), or swap the column "
                "names if the whole columns are swapped.",
            )
        elif projected and not inside[i]:
            report.error(
                f"The coordinates {a}, {b} are not degrees: the file's coordinates look "
                "projected (see the message about the whole file).",
                row=row, column=lat_c,
                fix="Say which CRS the file uses (--crs EPSG:NNNN, or the CRS choice on the "
                "Data page).")
        elif not in_range[i]:
            if abs(lat[i]) > 90:
                report.error(f"The latitude {a} is out of range: it must be between -90 and 90.",
                             row=row, column=lat_c,
                             fix=f"Correct the latitude (decimal degrees, {_EXAMPLE}).")
            if abs(lon[i]) > 180:
                report.error(f"The longitude {b} is out of range: it must be between -180 and 180.",
                             row=row, column=lon_c,
                             fix=f"Correct the longitude (decimal degrees, {_EXAMPLE}).")
        elif unsigned[i]:
            report.error(
                f"The longitude {b} is positive, which puts the point east of Greenwich, outside "
                "the US. Longitudes in the US are negative.",
                row=row, column=lon_c, fix=f"Write the longitude as -{b}.",
            )
        else:
            report.error(
                f"The point ({a}, {b}) is outside the United States (or off its coast).",
                row=row, column=lat_c,
                fix="Check the coordinates. The map only covers the US.",
            )
    n_numeric = int(numeric.sum())
    if n_numeric >= 3 and int(swapped.sum()) == n_numeric:
        report.error(
            f"Every row's latitude and longitude look swapped: the column {lat_c!r} holds "
            f"longitudes and {lon_c!r} holds latitudes.",
            column=lat_c,
            fix=f"Swap the names of the columns {lat_c!r} and {lon_c!r} in the header.",
        )
    return inside


def _fmt(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")




# --- the placement chain for rows without usable coordinate columns -------------------
class _Chain:
    """Places the rows that have no coordinates in the coordinate columns, best first."""

    def __init__(self, df: pd.DataFrame, *, roles: dict[str, str], rows: np.ndarray,
                 lat: np.ndarray, lon: np.ndarray, source: np.ndarray, report: Report,
                 crs: str | None, match: dict[str, np.ndarray]) -> None:
        self.df, self.roles, self.rows = df, roles, rows
        self.lat, self.lon, self.source = lat, lon, source
        self.report, self.crs, self.match = report, crs, match
        self.errored: set[int] = set()  # positions with an error reported by a step
        self.review: list[dict[str, object]] = []
        self._values: dict[str, np.ndarray | None] = {}
        self.schools_used = False

    def values(self, role: str) -> np.ndarray | None:
        if role not in self._values:
            column = self.roles.get(role)
            self._values[role] = None if column is None else \
                self.df[column].to_numpy(dtype=object)
        return self._values[role]

    def open(self, need: np.ndarray) -> np.ndarray:
        return np.flatnonzero(need & (self.source == "none")
                              & ~np.isin(np.arange(len(need)), list(self.errored)))

    def set(self, idx: np.ndarray, lat: np.ndarray, lon: np.ndarray, how: str) -> np.ndarray:
        """Place ``idx`` at the points that lie in the US; return the mask of those placed."""
        from geo.join import in_us

        ok = np.isfinite(lat) & np.isfinite(lon)
        inside = np.zeros(len(idx), dtype=bool)
        if ok.any():
            inside[ok] = in_us(lon[ok], lat[ok])
        chosen = idx[inside]
        self.lat[chosen], self.lon[chosen], self.source[chosen] = lat[inside], lon[inside], how
        return inside

    def error(self, i: int, message: str, role: str, fix: str) -> None:
        self.report.error(message, row=int(self.rows[i]), column=self.roles.get(role), fix=fix)
        self.errored.add(int(i))

    def run(self, need: np.ndarray, *, schools: SchoolDirectory | None,
            choices: Mapping[int, str]) -> None:
        self._wkt(need)
        self._text_coordinates(need)
        if schools is not None:
            self.schools_used = True
            self._schools(need, schools, choices)
        self._nces(need)
        self._zip(need, "text", "address_zip")
        self._zip(need, "zip", "zip_centroid")
        self._nothing(need)

    # --- coordinates written as WKT or inside a text ------------------------------------
    def _wkt(self, need: np.ndarray) -> None:
        values = self.values("wkt")
        if values is None:
            return
        idx = np.array([i for i in self.open(need) if not is_blank(values[i])], dtype=np.int64)
        if not len(idx):
            return
        found = [placement.point_from_wkt(values[i]) for i in idx]
        x = np.array([p[0] if p else np.nan for p in found])
        y = np.array([p[1] if p else np.nan for p in found])
        if self.crs:
            x, y = placement.to_degrees(x, y, self.crs)
        placed = self.set(idx, y, x, "coordinates")
        for k in np.flatnonzero(~placed):
            i = int(idx[k])
            text = str(values[i]).strip()[:60]
            point = found[k]
            if point is None:
                self.error(i, f"{text!r} is not a WKT point such as 'POINT (-81.37 28.53)'.",
                           "wkt", "Write the point as POINT (longitude latitude), or give "
                           "latitude and longitude columns.")
            elif abs(point[0]) > 180 or abs(point[1]) > 90:
                self.error(i, f"The point {text!r} is not in degrees: it looks like projected "
                           "coordinates.", "wkt", "Say which CRS the file uses: --crs "
                           "EPSG:NNNN on the command line, or the CRS choice on the Data page.")
            else:
                self.error(i, f"The point {text!r} is outside the United States.", "wkt",
                           "Check the point: WKT gives longitude first, then latitude.")

    def _text_coordinates(self, need: np.ndarray) -> None:
        values = self.values("text")
        if values is None:
            return
        idx, lats, lons = [], [], []
        for i in self.open(need):
            if is_blank(values[i]):
                continue
            pair = placement.coords_in_text(str(values[i]))
            if pair is not None:
                idx.append(i)
                lats.append(pair[0])
                lons.append(pair[1])
        if idx:
            self.set(np.array(idx, dtype=np.int64), np.array(lats), np.array(lons),
                     "coordinates")

    # --- the school directory ------------------------------------------------------------
    def _schools(self, need: np.ndarray, schools: SchoolDirectory,
                 choices: Mapping[int, str]) -> None:
        ids, names = self.values("nces"), self.values("name")
        cities, states, zips = self.values("city"), self.values("state"), self.values("zip")
        idx: list[int] = []
        points: list[tuple[float, float]] = []
        for i in self.open(need):
            row = int(self.rows[i])
            position, how = None, ""
            if row in choices:
                if not choices[row]:
                    continue
                position, how = schools.position(str(choices[row])), "name"
            if position is None and ids is not None and not is_blank(ids[i]):
                position, how = schools.by_id(ids[i]), "id"
            if position is None and names is not None and not is_blank(names[i]) \
                    and row not in choices:
                state = codes.find_state(states[i]) if states is not None else None
                zip_read = codes.read_zip(zips[i]) if zips is not None else None
                found = schools.by_name(
                    names[i], city="" if cities is None or is_blank(cities[i]) else cities[i],
                    state=state.postal if state else "",
                    zip_code=zip_read.code if zip_read else "")
                if found.status == "name" and found.best is not None:
                    position, how = schools.position(found.best.school_id), "name"
                elif found.status == "review":
                    self._to_review(i, str(names[i]), found.candidates)
                    continue
            if position is None:
                continue
            school = schools.row(position)
            self.match["school_match"][i] = how
            self.match["school_match_id"][i] = str(school["school_id"])
            self.match["school_match_name"][i] = str(school["name"])
            idx.append(i)
            points.append((float(school["latitude"]), float(school["longitude"])))
        if idx:
            arr = np.array(points, dtype=float)
            placed = self.set(np.array(idx, dtype=np.int64), arr[:, 0], arr[:, 1],
                              "school_directory")
            for k in np.flatnonzero(~placed):  # a directory row without a usable point
                for col in MATCH_COLUMNS:
                    self.match[col][idx[k]] = ""

    def _to_review(self, i: int, name: str, candidates: tuple) -> None:
        row = int(self.rows[i])
        self.match["school_match"][i] = "review"
        self.match["school_match_id"][i] = " | ".join(c.school_id for c in candidates)
        self.match["school_match_name"][i] = " | ".join(f"{c.name} ({c.city})"
                                                        for c in candidates)
        for c in candidates:
            self.review.append({"row": row, "name": name, "candidate_id": c.school_id,
                                "candidate_name": c.name, "candidate_city": c.city,
                                "score": c.score})
        shown = "; ".join(f"{c.name}, {c.city} ({c.school_id})" for c in candidates[:TOP_SHOWN])
        self.report.warning(
            f"The school name {name!r} is close to more than one school in the directory, "
            f"or to none clearly ({shown}); it was not guessed.",
            row=row, column=self.roles.get("name"),
            fix="Pick the school in the review table on the Data page, or add the school's "
            "NCES ID or coordinates. Until then the row is placed by its ZIP code, if any.")

    def review_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.review, columns=REVIEW_COLUMNS)

    # --- NCES IDs: the district exactly ------------------------------------------------
    def _nces(self, need: np.ndarray) -> None:
        from geo.join import assign_boundaries, district_point, district_states

        ids, leaids = self.values("nces"), self.values("leaid")
        if ids is None and leaids is None:
            return
        known = district_states()
        rows: list[tuple[int, str, str, str]] = []  # (position, LEAID, role, ZIP)
        for i in self.open(need):
            code, role = "", ""
            if ids is not None and not is_blank(ids[i]):
                text = _id_text(ids[i])
                if re.fullmatch(r"\d{11,12}", text):
                    code, role = text.zfill(12)[:7], "nces"
            if not code and leaids is not None and not is_blank(leaids[i]):
                text = _id_text(leaids[i])
                if re.fullmatch(r"\d{6,7}", text):
                    code, role = text.zfill(7), "leaid"
            if code in known:
                rows.append((int(i), code, role, self._row_zip(i)))
        if not rows:
            return
        near = np.full((len(rows), 2), np.nan)  # lon, lat of each row's ZIP centroid
        for j, (_, _, _, zip_code) in enumerate(rows):
            centre = placement.zip_centroid(zip_code) if zip_code else None
            if centre is not None:
                near[j] = (centre[1], centre[0])
        # One pass for the ZIP centroids already inside their district; the rest are
        # moved inside it one by one.
        found = assign_boundaries(near[:, 0], near[:, 1])
        inside = (found["district_geoid"].to_numpy(dtype=object) == [r[1] for r in rows]) | (
            found["secondary_district_geoid"].to_numpy(dtype=object) == [r[1] for r in rows])
        points = near.copy()
        for k in np.flatnonzero(~inside):
            centre = None if np.isnan(near[k, 0]) else (float(near[k, 0]), float(near[k, 1]))
            point = district_point(rows[k][1], centre)
            points[k] = point if point is not None else (np.nan, np.nan)
        idx = np.array([r[0] for r in rows], dtype=np.int64)
        placed = self.set(idx, points[:, 1], points[:, 0], "nces_id")
        for k in np.flatnonzero(placed):
            i, code, role, zip_code = rows[k]
            if inside[k]:
                at = f"at the centre of ZIP code {zip_code}"
            elif not np.isnan(near[k, 0]):
                at = f"inside the district, nearest the centre of ZIP code {zip_code}"
            else:
                at = "inside the district"
            self.report.warning(
                f"approximate location (NCES ID): no coordinates were given; the NCES ID "
                f"names school district {code}, so the site was placed {at}.",
                row=int(self.rows[i]), column=self.roles.get(role),
                fix=f"Add latitude and longitude ({_EXAMPLE}) for an exact location.")

    def _row_zip(self, i: int) -> str:
        """The row's ZIP: from its ZIP column, else from its address text ("" if none)."""
        zips = self.values("zip")
        if zips is not None and not is_blank(zips[i]):
            read = codes.read_zip(zips[i])
            if read is not None:
                return read.code
        texts = self.values("text")
        if texts is not None and not is_blank(texts[i]):
            return placement.zip_in_address(str(texts[i])) or ""
        return ""

    # --- ZIP codes --------------------------------------------------------------------
    def _zip(self, need: np.ndarray, role: str, how: str) -> None:
        values = self.values(role)
        if values is None:
            return
        column = self.roles[role]
        idx, lats, lons, notes = [], [], [], []
        states = self.values("state")
        for i in self.open(need):
            if is_blank(values[i]):
                continue
            row = int(self.rows[i])
            if role == "text":
                code = placement.zip_in_address(str(values[i]))
                if code is None:
                    continue  # the ZIP column, or the last step, says what is missing
                restored = False
            else:
                read = codes.read_zip(values[i])
                if read is None:
                    self.error(i, f"{str(values[i]).strip()!r} is not a ZIP code, so the site "
                               "could not be placed.", role, "Write a 5-digit ZIP code (e.g. "
                               f"32801), or fill in latitude and longitude ({_EXAMPLE}).")
                    continue
                code, restored = read.code, read.restored
            centre = placement.zip_centroid(code)
            if centre is None:
                self.error(i, f"The ZIP code {code} is not a known ZIP code area (PO Box, "
                           "company and military ZIP codes have no area), so the site could "
                           "not be placed.", role, f"Fill in latitude and longitude ({_EXAMPLE}).")
                continue
            if restored:
                stated = codes.find_state(states[i]) if states is not None else None
                where = f" ({stated.postal}'s ZIP codes start with 0)" if stated and \
                    stated.postal in codes.ZERO_ZIP_STATES else ""
                self.report.warning(
                    f"The ZIP code {_id_text(values[i])!r} has {len(_id_text(values[i]))} "
                    f"digits: read as {code}, with the leading zero a spreadsheet drops put "
                    f"back{where}.", row=row, column=column,
                    fix=f"Check it is {code}; store ZIP codes as text so the zero stays.")
            idx.append(i)
            lats.append(centre[0])
            lons.append(centre[1])
            notes.append(code)
        if not idx:
            return
        placed = self.set(np.array(idx, dtype=np.int64), np.array(lats), np.array(lons), how)
        for k, i in enumerate(idx):
            row, code = int(self.rows[i]), notes[k]
            if not placed[k]:
                self.error(i, f"The ZIP code {code} lies outside the United States.", role,
                           "Check the ZIP code. The map only covers the US.")
                continue
            where = "in the address" if role == "text" else ""
            self.report.warning(
                f"{_APPROXIMATE}: no coordinates were given, so the site was placed at the "
                f"centre of ZIP code {code}{' (' + where + ')' if where else ''}.",
                row=row, column=column,
                fix=f"Add latitude and longitude ({_EXAMPLE}) for an exact location.")

    # --- nothing placed the row --------------------------------------------------------
    def _nothing(self, need: np.ndarray) -> None:
        roles = self.roles
        for i in self.open(need):
            if "latitude" in roles:
                if set(roles) & {"zip"} and not set(roles) & {"wkt", "text", "nces", "leaid"}:
                    message, column = "Latitude, longitude and ZIP code are empty.", "latitude"
                elif not set(roles) & {"zip", "wkt", "text", "nces", "leaid"}:
                    message, column = "Latitude and longitude are empty.", "latitude"
                else:
                    message, column = self._what_is_empty(i), "latitude"
            elif set(roles) & {"zip"} and not set(roles) & {"wkt", "text", "nces", "leaid"}:
                message, column = "The ZIP code is empty.", "zip"
            else:
                message = self._what_is_empty(i)
                column = next(r for r in ("wkt", "text", "zip", "nces", "leaid", "name")
                              if r in roles)
            self.error(i, message, column, self._fix())

    def _what_is_empty(self, i: int) -> str:
        labels = {"latitude": "latitude and longitude", "wkt": "the WKT point",
                  "text": f"the {self.roles.get('text')!r} text",
                  "nces": "the NCES school ID", "leaid": "the district ID (LEAID)",
                  "zip": "the ZIP code"}
        said = []
        for role, label in labels.items():
            if role not in self.roles:
                continue
            values = self.values(role)
            value = None if values is None else values[i]  # never None: the role is there
            said.append(f"{label} {'is empty' if is_blank(value) else 'gives no place'}")
        if self.match["school_match"][i] == "review":
            said.insert(0, "its school name matches no one school clearly (see the review)")
        elif "name" in self.roles:
            said.append("the school name is not in the school directory" if
                        self.schools_used else "no school directory is loaded to find the "
                        "school by its name")
        return "The row has no location: " + (", ".join(said) or "nothing gives a place") + "."

    def _fix(self) -> str:
        ways = [f"latitude and longitude ({_EXAMPLE})"]
        if "name" in self.roles and self.schools_used:
            ways.append("pick the school in the review table (Data page)")
        if "zip" in self.roles:
            ways.append("a 5-digit ZIP code")
        if "text" in self.roles:
            ways.append("an address ending in its ZIP code")
        if "nces" in self.roles or "leaid" in self.roles:
            ways.append("the school's 12-digit NCES ID")
        return "Fill in " + (", or ".join(ways) if len(ways) > 1 else ways[0]) + "."


TOP_SHOWN = 3


# --- projected coordinates --------------------------------------------------------------
def _detect_crs(df: pd.DataFrame, roles: dict[str, str], *, x: np.ndarray, y: np.ndarray,
                report: Report) -> str | None:
    """The CRS that puts nearly every row in its stated state/ZIP; report what was done."""
    from geo.join import assign_boundaries

    n = len(df)
    stated = np.full(n, "", dtype=object)
    if "state" in roles:
        for i, v in enumerate(df[roles["state"]].to_numpy(dtype=object)):
            state = None if is_blank(v) else codes.find_state(v)
            stated[i] = state.postal if state else ""
    zips = np.full((n, 2), np.nan)
    if "zip" in roles:
        for i, v in enumerate(df[roles["zip"]].to_numpy(dtype=object)):
            read = None if is_blank(v) else codes.read_zip(v)
            centre = placement.zip_centroid(read.code) if read else None
            if centre is not None:
                zips[i] = centre
    has_zip = np.isfinite(zips[:, 0])
    if "state" not in roles and has_zip.any():  # the states of the ZIP codes
        found = assign_boundaries(zips[has_zip, 1], zips[has_zip, 0])["state"].to_numpy()
        stated[np.flatnonzero(has_zip)] = found
    numeric = np.isfinite(x) & np.isfinite(y)
    check = np.flatnonzero(numeric & ((stated != "") | has_zip))
    example = _projected_example(x, y)
    told = ("Say which coordinate system the file uses: --crs EPSG:NNNN on the command "
            "line (e.g. EPSG:2236 for NAD83 / Florida East in US feet), or the CRS choice on "
            "the Data page; or give latitude and longitude in decimal degrees.")
    if not len(check):
        report.error(
            f"The coordinates are not degrees ({example}): they look like projected "
            "coordinates (State Plane or UTM, in metres or feet), and the file has no state "
            "or ZIP code to tell which system.", column=roles["latitude"], fix=told)
        return None
    if len(check) > _CRS_SAMPLE:
        check = check[np.linspace(0, len(check) - 1, _CRS_SAMPLE).astype(int)]
    postals = pd.Series(stated[check]).value_counts()
    candidates: dict[str, str] = {}
    for postal in [p for p in postals.index if p][:3]:
        candidates.update(dict(placement.crs_candidates(str(postal))))
    scores: list[tuple[float, str]] = []
    for code in candidates:
        lon, lat = placement.to_degrees(x[check], y[check], code)
        found = assign_boundaries(lon, lat)["state"].to_numpy(dtype=object)
        good = np.asarray(found == stated[check], dtype=bool)
        near_zip = has_zip[check]
        if near_zip.any():
            km = _km(lat, lon, zips[check, 0], zips[check, 1])
            good = np.where(near_zip, good & (km <= _ZIP_KM), good)
        scores.append((float(good.mean()), code))
    scores.sort(reverse=True)
    best = scores[0] if scores else (0.0, "")
    passing = [s for s in scores if s[0] >= _CRS_ACCEPT]
    against = "stated state and ZIP code" if has_zip.any() else "stated state"
    if len(passing) == 1:
        share, code = best
        report.warning(
            f"The coordinates are not degrees ({example}): they were read as {code} "
            f"({candidates[code]}), the only system tried that puts nearly every row in its "
            f"{against} ({share:.0%} of {len(check):,} rows checked).",
            column=roles["latitude"],
            fix="If that is not the file's system, give it: --crs EPSG:NNNN on the command "
            "line, or the CRS choice on the Data page.")
        return code
    if len(passing) > 1:
        shown = ", ".join(f"{c} ({candidates[c]})" for _, c in passing[:4])
        report.error(
            f"The coordinates are not degrees ({example}): they look projected, and several "
            f"systems put nearly every row in its {against} ({shown}), so none was guessed.",
            column=roles["latitude"], fix=told)
        return None
    tried = ", ".join(sorted(candidates)) or "none for the file's states"
    report.error(
        f"The coordinates are not degrees ({example}): they look like projected coordinates "
        f"(State Plane or UTM, in metres or feet). None of the systems tried ({tried}) puts "
        f"nearly every row in its {against} (best {best[0]:.0%}).",
        column=roles["latitude"], fix=told)
    return None


def _projected_example(x: np.ndarray, y: np.ndarray) -> str:
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    if not len(ok):
        return "no numbers"
    i = ok[0]
    return f"e.g. X {_fmt(float(x[i]))}, Y {_fmt(float(y[i]))}"


def _km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    with np.errstate(invalid="ignore"):
        return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


# --- IDs, boundaries, stated state --------------------------------------------------
def _check_duplicate_ids(series: pd.Series, *, rows: np.ndarray, column: str,
                         report: Report) -> None:
    values = series.to_numpy(dtype=object)
    keys = np.array(["" if is_blank(v) else _id_text(v) for v in values], dtype=object)
    filled = [key for key in keys if key]
    if len(filled) > 2 and len(set(filled)) == 1:
        # e.g. the "Id" field GIS programs add to a new Shapefile, 0 everywhere.
        report.warning(
            f"The column {column!r} holds {filled[0]!r} in every row, so it was not "
            "treated as a site ID.",
            column=column, fix="Give every site its own ID, or leave the column out.",
        )
        return
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        if key:
            groups.setdefault(key, []).append(i)
    for key, members in groups.items():
        if len(members) < 2:
            continue
        for i in members:
            others = ", ".join(str(int(rows[j])) for j in members if j != i)
            report.error(
                f"The ID {key!r} is used more than once (also in row {others}).",
                row=int(rows[i]), column=column,
                fix="Give every site its own ID, or remove the repeated row.",
            )


def _id_text(value: object) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _check_boundaries(bounds: pd.DataFrame, *, located: np.ndarray, rows: np.ndarray,
                      report: Report) -> None:
    state = bounds["state_fips"].to_numpy(dtype=object)
    in_district = bounds["in_district"].to_numpy(dtype=bool)
    district = bounds["district_geoid"].to_numpy(dtype=object).astype(str)
    for i in np.flatnonzero(located):
        row = int(rows[i])
        if is_blank(state[i]):
            report.warning(
                "The location is not inside any state on the map (it may be just off the "
                "coast or on a border).",
                row=row, fix="Check the coordinates and move the point onto land if needed.",
            )
        if district[i].endswith(_NOT_DEFINED):
            report.warning(
                "The location is in an area the Census marks 'School District Not Defined'.",
                row=row, fix="Check the coordinates. If they are right, the site has no district.",
            )
        elif not in_district[i]:
            report.warning(
                "The location is not inside any school district, so it has no district.",
                row=row, fix="Check the coordinates. A point on water or just off the coast "
                "falls outside every district.",
            )




def _check_stated_state(series: pd.Series, located_state: np.ndarray, *, located: np.ndarray,
                        rows: np.ndarray, column: str, report: Report) -> None:
    """Warn where the file's state column disagrees with the state the point lies in."""
    values = series.to_numpy(dtype=object)
    names = {s.postal: s.name for s in codes.state_index().values()}
    for i in range(len(values)):
        if is_blank(values[i]):
            continue
        text = _id_text(values[i])
        stated = codes.find_state(values[i])
        row = int(rows[i])
        if stated is None:
            report.warning(
                f"The state {text!r} is not a US state name, postal code or FIPS code.",
                row=row, column=column,
                fix="Write the state as a postal code (e.g. FL) or its name.",
            )
            continue
        found = located_state[i]
        if located[i] and not is_blank(found) and found != stated.postal:
            report.warning(
                f"The state column says {text!r} but the location is in "
                f"{names.get(found, found)} ({found}).",
                row=row, column=column,
                fix="Check the coordinates (or ZIP code) and the state: one of them is wrong.",
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
