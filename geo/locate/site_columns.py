"""Which column of a sites file holds what: the roles :mod:`geo.locate` places by
(latitude, longitude, ZIP, state, ID; WKT, address text, NCES IDs, school name, city),
detected from the usual names, checked when given, and the columns placing adds."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from geo.join import JOIN_COLUMNS
from geo.problems import Report, row_number
from geo.read import ReadError
from geo.text import column_key

# The join's columns, bar its in_district flag (the "issues" column says that instead).
BOUNDARY_COLUMNS: tuple[str, ...] = tuple(c for c in JOIN_COLUMNS if c != "in_district")
MATCH_COLUMNS: tuple[str, ...] = ("school_match", "school_match_id", "school_match_name")
ADDED_COLUMNS: tuple[str, ...] = ("latitude", "longitude", "location_source", *BOUNDARY_COLUMNS,
                                  *MATCH_COLUMNS)

REVIEW_COLUMNS: list[str] = ["row", "name", "candidate_id", "candidate_name", "candidate_city",
                              "score"]
COORD_EXAMPLE = "e.g. 28.5384 and -81.3789"

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


def detect_columns(columns: Iterable[object]) -> dict[str, str]:
    """Map each role found (latitude, longitude, zip, state, id) to its column name.

    Matching ignores case, spaces and punctuation and knows the usual synonyms
    (lat/latitude/y, lon/lng/long/longitude/x, zip/zipcode/postal code, ...). When
    several columns fit a role, the most specific name wins (``latitude`` before
    ``lat`` before ``y``). Roles without a column are left out of the result.
    """
    keyed: dict[str, str] = {}
    for col in columns:
        keyed.setdefault(column_key(col), str(col))
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
        keyed.setdefault(column_key(col), str(col))
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


def resolve_columns(columns: pd.Index, given: dict[str, str | None],
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


def rename_collisions(df: pd.DataFrame, *, roles: dict[str, str], report: Report) -> pd.DataFrame:
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
        new = free_name(list(out.columns) + list(renames.values()), f"{name}_input")
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


def free_name(columns: Iterable[object], name: str) -> str:
    taken = {str(c) for c in columns}
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{name}_{n}"
        n += 1
    return candidate


def row_numbers(df: pd.DataFrame) -> np.ndarray:
    if df.index.name == "row" and pd.api.types.is_integer_dtype(df.index.dtype):
        return df.index.to_numpy(dtype=np.int64)
    return np.array([row_number(i) for i in range(len(df))], dtype=np.int64)


def id_text(value: object) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()
