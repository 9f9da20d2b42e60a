"""Find where each site is: validate its coordinates, fall back to its ZIP, join boundaries.

:func:`locate_frame` takes the frame :func:`geo.read.read_sites` returns (or any frame
with coordinate and/or ZIP columns) and adds ``latitude``, ``longitude``,
``location_source`` and the boundary columns (state, county, school districts). Every
problem goes into the :class:`~geo.problems.Report`, with the spreadsheet row number
(header = row 1, first data row = row 2) and the column, so the user can fix the file:

* errors (the row is not placed on the map): empty or unreadable coordinates, values out
  of range, latitude and longitude swapped, a point outside the US, a ZIP code that is
  not a known ZIP code area, a repeated site ID;
* warnings (the row is placed, but check it): location approximated by the ZIP centroid,
  a stated state that disagrees with the located one, a site in no school district.

Invariant of the result: ``latitude``/``longitude`` are filled exactly when
``location_source`` is not ``"none"``; the raw input values are always kept in their
own columns.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from geo.join import JOIN_COLUMNS
from geo.problems import Report, row_number
from geo.read import ReadError

# The join's columns, bar its in_district flag (the "issues" column says that instead).
BOUNDARY_COLUMNS: tuple[str, ...] = tuple(c for c in JOIN_COLUMNS if c != "in_district")
ADDED_COLUMNS: tuple[str, ...] = ("latitude", "longitude", "location_source", *BOUNDARY_COLUMNS)

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
_ROLE_LABELS = {"latitude": "latitude", "longitude": "longitude", "zip": "ZIP code",
                "state": "state", "id": "site ID"}

_COORD = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)\s*°?\s*([NSEWnsew]?)$")
_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")
_APPROXIMATE = "approximate location (ZIP centroid)"
_NOT_DEFINED = "99997"  # Census pseudo-district GEOID suffix: "School District Not Defined"
_EXAMPLE = "e.g. 28.5384 and -81.3789"


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


def recognised_names_text() -> str:
    """The recognised column names, for messages: ``latitude: lat, latitude, y; ...``."""
    shown = {
        "latitude": "latitude, lat, y",
        "longitude": "longitude, lon, lng, long, x",
        "zip": "zip, zipcode, zip_code, postal_code, postcode",
        "state": "state, st, state_abbr, stusps, state_name, state_fips",
        "id": "site_id, id, nces_id, ncessch, school_id",
    }
    return "; ".join(f"{_ROLE_LABELS[r]}: {names}" for r, names in shown.items())


def locate_frame(
    df: pd.DataFrame,
    *,
    report: Report,
    lat_col: str | None = None,
    lon_col: str | None = None,
    zip_col: str | None = None,
    state_col: str | None = None,
    id_col: str | None = None,
) -> pd.DataFrame:
    """Return ``df`` with ``latitude``, ``longitude``, ``location_source`` and boundaries.

    An input column whose name is one of :data:`ADDED_COLUMNS` (say ``latitude`` or
    ``state``) is kept as ``<name>_input``. Columns not given are detected with
    :func:`detect_columns`. Row numbers in the
    report come from the index when it is named ``row`` (as :func:`geo.read.read_sites`
    returns it), otherwise from the position (first row = row 2). Raises
    :class:`~geo.read.ReadError` when the frame has neither a usable pair of coordinate
    columns nor a ZIP column, or when a named column does not exist.
    """
    roles = _resolve_columns(
        df.columns,
        {"latitude": lat_col, "longitude": lon_col, "zip": zip_col, "state": state_col, "id": id_col},
    )
    n = len(df)
    rows = _row_numbers(df)
    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    source = np.full(n, "none", dtype=object)

    coords_blank = np.ones(n, dtype=bool)
    if "latitude" in roles:
        lat_in, lat_bad, lat_blank = _parse_coordinates(df[roles["latitude"]])
        lon_in, lon_bad, lon_blank = _parse_coordinates(df[roles["longitude"]])
        coords_blank = lat_blank & lon_blank
        usable = _check_coordinates(
            lat_in, lon_in, lat_bad, lon_bad, lat_blank, lon_blank,
            rows=rows, roles=roles, raw_lat=df[roles["latitude"]], raw_lon=df[roles["longitude"]],
            report=report,
        )
        lat[usable] = lat_in[usable]
        lon[usable] = lon_in[usable]
        source[usable] = "coordinates"

    _geocode_zip(df, roles=roles, rows=rows, need=coords_blank, lat=lat, lon=lon,
                 source=source, report=report)
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
        out[col] = pd.array(["" if _blank(v) else str(v) for v in values], dtype="str")
    return out


def with_issues(frame: pd.DataFrame, *, report: Report) -> pd.DataFrame:
    """``frame`` plus an ``issues`` column: each row's problems joined by ``"; "``."""
    rows = _row_numbers(frame)
    texts = report.issues_by_row()
    out = frame.copy()
    name = "issues" if "issues" not in out.columns else _free_name(out.columns, "issues")
    out[name] = pd.array([texts.get(int(r), "") for r in rows], dtype="str")
    return out


def location_summary(frame: pd.DataFrame, *, report: Report) -> str:
    """``"4,337 rows read; 4,300 located by coordinates, 20 by ZIP centroid, ..."``."""
    counts = frame["location_source"].value_counts()
    by_coords = int(counts.get("coordinates", 0))
    by_zip = int(counts.get("zip_centroid", 0))
    none = int(counts.get("none", 0))
    n_warn = len(report.warnings())
    n_err_rows = len(report.rows_with_errors())
    return (
        f"{len(frame):,} rows read; {by_coords:,} located by coordinates, {by_zip:,} by ZIP "
        f"centroid, {none:,} not located; {n_warn:,} warning{'s' if n_warn != 1 else ''}, "
        f"{n_err_rows:,} row{'s' if n_err_rows != 1 else ''} with errors (see the issues column)"
    )


# --- columns -----------------------------------------------------------------------
def _resolve_columns(columns: pd.Index, given: dict[str, str | None]) -> dict[str, str]:
    names = [str(c) for c in columns]
    wrong = [f"{role} column {col!r}" for role, col in given.items() if col and col not in names]
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
    if not has_lat and "zip" not in roles:
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
def _blank(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


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
    blank = np.fromiter((_blank(v) for v in values), dtype=bool, count=len(values))
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
) -> np.ndarray:
    """Report coordinate problems row by row; return the mask of usable coordinates."""
    from geo.join import in_us

    lat_c, lon_c = roles["latitude"], roles["longitude"]
    has_zip = "zip" in roles
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
    both_fix = f"Fill in latitude and longitude in decimal degrees ({_EXAMPLE})" + (
        ", or a ZIP code." if has_zip else "."
    )
    for i in range(len(lat)):
        row = int(rows[i])
        if lat_blank[i] and lon_blank[i]:
            if not has_zip:
                report.error("Latitude and longitude are empty.", row=row, column=lat_c, fix=both_fix)
            continue  # with a ZIP column, _geocode_zip reports what it finds
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


# --- ZIP codes ---------------------------------------------------------------------
def _zip5(value: object) -> str | None:
    """The 5-digit ZIP of a cell (``"2134"`` and ``2134`` become ``"02134"``), or None."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    text = str(value).strip()
    if re.fullmatch(r"\d{3,4}", text):
        return text.zfill(5)
    if re.fullmatch(r"\d{9}", text):
        return text[:5]
    match = _ZIP.match(text)
    return match.group(1) if match else None


def _geocode_zip(
    df: pd.DataFrame,
    *,
    roles: dict[str, str],
    rows: np.ndarray,
    need: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    source: np.ndarray,
    report: Report,
) -> None:
    """Place rows that have no coordinates at their ZIP code's centroid (in place)."""
    if not need.any():
        return
    has_coords = "latitude" in roles
    no_location_fix = (
        f"Fill in latitude and longitude ({_EXAMPLE})" + (" or a 5-digit ZIP code." if "zip" in roles else ".")
    )
    if "zip" not in roles:
        return  # _check_coordinates already reported the empty coordinates
    zip_c = roles["zip"]
    raw = df[zip_c].to_numpy(dtype=object)
    idx = np.flatnonzero(need)
    codes = {i: _zip5(raw[i]) for i in idx if not _blank(raw[i])}
    table = None
    if codes:
        from geo.boundaries import zip_centroids

        table = zip_centroids().set_index("zip")
    from geo.join import in_us

    for i in idx:
        row = int(rows[i])
        if _blank(raw[i]):
            what = "Latitude, longitude and ZIP code are empty." if has_coords else "The ZIP code is empty."
            report.error(what, row=row, column=roles.get("latitude", zip_c), fix=no_location_fix)
            continue
        code = codes[i]
        if code is None:
            report.error(
                f"{str(raw[i]).strip()!r} is not a ZIP code, so the site could not be placed.",
                row=row, column=zip_c, fix="Write a 5-digit ZIP code (e.g. 32801), or fill in "
                f"latitude and longitude ({_EXAMPLE}).",
            )
            continue
        if table is None or code not in table.index:
            report.error(
                f"The ZIP code {code} is not a known ZIP code area (PO Box, company and "
                "military ZIP codes have no area), so the site could not be placed.",
                row=row, column=zip_c, fix=f"Fill in latitude and longitude ({_EXAMPLE}).",
            )
            continue
        point = table.loc[code]
        y, x = float(point["latitude"]), float(point["longitude"])
        if not bool(in_us(np.array([x]), np.array([y]))[0]):
            report.error(
                f"The ZIP code {code} lies outside the United States.",
                row=row, column=zip_c, fix="Check the ZIP code. The map only covers the US.",
            )
            continue
        lat[i], lon[i], source[i] = y, x, "zip_centroid"
        report.warning(
            f"{_APPROXIMATE}: no coordinates were given, so the "
            f"site was placed at the centre of ZIP code {code}.",
            row=row, column=zip_c,
            fix=f"Add latitude and longitude ({_EXAMPLE}) for an exact location.",
        )


# --- IDs, boundaries, stated state --------------------------------------------------
def _check_duplicate_ids(series: pd.Series, *, rows: np.ndarray, column: str, report: Report) -> None:
    values = series.to_numpy(dtype=object)
    keys = np.array(["" if _blank(v) else _id_text(v) for v in values], dtype=object)
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
        if _blank(state[i]):
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


def _state_lookup() -> dict[str, tuple[str, str]]:
    """Postal code, name and FIPS code (lower-cased) -> (postal, name)."""
    from geo.boundaries import states

    table = states()
    lookup: dict[str, tuple[str, str]] = {}
    for fips, postal, name in zip(table["state_fips"], table["postal"], table["name"], strict=True):
        entry = (str(postal), str(name))
        lookup[str(postal).lower()] = entry
        lookup[str(name).lower()] = entry
        lookup[str(fips).zfill(2)] = entry
    return lookup


def _check_stated_state(series: pd.Series, located_state: np.ndarray, *, located: np.ndarray,
                        rows: np.ndarray, column: str, report: Report) -> None:
    """Warn where the file's state column disagrees with the state the point lies in."""
    values = series.to_numpy(dtype=object)
    lookup = _state_lookup()
    names = {postal: name for postal, name in lookup.values()}
    for i in range(len(values)):
        if _blank(values[i]):
            continue
        text = _id_text(values[i])
        key = text.zfill(2) if text.isdigit() else text.lower()
        stated = lookup.get(key)
        row = int(rows[i])
        if stated is None:
            report.warning(
                f"The state {text!r} is not a US state name, postal code or FIPS code.",
                row=row, column=column, fix="Write the state as a postal code (e.g. FL) or its name.",
            )
            continue
        found = located_state[i]
        if located[i] and not _blank(found) and found != stated[0]:
            report.warning(
                f"The state column says {text!r} but the location is in "
                f"{names.get(found, found)} ({found}).",
                row=row, column=column,
                fix="Check the coordinates (or ZIP code) and the state: one of them is wrong.",
            )
