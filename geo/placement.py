"""The placement rules every way into the map shares: ZIP centroids, coordinates in text,
addresses and projected coordinates.

:func:`geo.locate.locate_frame` (used by ``geo join``, ``geo import`` and the Data page)
and the Data page's record forms all place sites through the functions here, so one
rule never exists twice. ZIP codes and states are read by :mod:`geo.codes`
(:func:`~geo.codes.read_zip`, :func:`~geo.codes.find_state`).

* :func:`zip_centroid` — the Census ZCTA internal point of a ZIP code;
* :func:`coords_in_text` / :func:`point_from_wkt` — a ``(lat, lon)`` pair written inside
  a text cell (a multi-line "Location 1" field) and a WKT ``POINT (lon lat)``;
* :func:`zip_in_address` — the ZIP of a free-text US address, read with ``usaddress``;
* :func:`looks_projected`, :func:`crs_candidates`, :func:`to_degrees` — coordinates that
  are not degrees, the State Plane and UTM systems worth trying for a state, and the
  conversion.

Order of placement (best first) and the ``location_source`` each gives are described in
:mod:`geo.locate`.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from geo.codes import find_state, read_zip

SOURCE_LABELS: dict[str, str] = {
    "coordinates": "coordinates",
    "school_directory": "school directory",
    "nces_id": "NCES ID (district exact, point approximate)",
    "address_zip": "ZIP in the address (approximate)",
    "zip_centroid": "ZIP centroid (approximate)",
    "none": "not placed",
}

_NUM = r"[-+\u2212]?\d{1,3}\.\d+"
_PAIR_PAREN = re.compile(rf"\(\s*({_NUM})\s*,\s*({_NUM})\s*\)")
_PAIR_BARE = re.compile(rf"^\s*({_NUM})\s*,\s*({_NUM})\s*$")
_WKT_POINT = re.compile(
    r"^\s*(?:SRID=\d+;\s*)?POINT\s*(?:Z|M|ZM)?\s*\(\s*([-+]?[\d.eE+-]+)\s+([-+]?[\d.eE+-]+)",
    re.IGNORECASE)


# --- ZIP codes --------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _zip_table() -> dict[str, tuple[float, float]]:
    from geo.boundaries import zip_centroids

    table = zip_centroids()
    return {str(z): (float(y), float(x)) for z, y, x in
            zip(table["zip"], table["latitude"], table["longitude"], strict=True)}


def zip_centroid(code: str) -> tuple[float, float] | None:
    """``(latitude, longitude)`` of a ZIP code area's internal point, or ``None``."""
    return _zip_table().get(code)


def zip_in_address(text: str) -> str | None:
    """The ZIP code of a free-text US address (``"600 East 6 Street, NY, 10009"``).

    Parsed with ``usaddress`` (a trained tagger: it tells a ZIP from a house number or
    a suite); a coordinate pair in the text is removed first. The last ZIP it tags wins.
    """
    cleaned = _PAIR_PAREN.sub(" ", str(text)).strip()
    if not cleaned:
        return None
    import usaddress

    found = None
    for token, label in usaddress.parse(cleaned):
        if label == "ZipCode":
            read = read_zip(token.strip(" ,;\n"))
            if read is not None and not read.restored:
                found = read.code
    return found


# --- coordinates in text ----------------------------------------------------------------
def _num(text: str) -> float:
    return float(text.replace("\u2212", "-"))


def coords_in_text(text: str, *, bare: bool = True) -> tuple[float, float] | None:
    """``(latitude, longitude)`` written inside a text cell, or ``None``.

    Finds ``"(40.839, -73.926)"`` anywhere in the text (the last such pair) and, with
    ``bare``, a cell that is only ``"40.839, -73.926"``. Only pairs within degree ranges.
    """
    value = str(text)
    found = _PAIR_PAREN.findall(value)
    if not found and bare:
        found = _PAIR_BARE.findall(value)
    if not found:
        return None
    lat, lon = (_num(v) for v in found[-1])
    if abs(lat) > 90 or abs(lon) > 180:
        return None
    return lat, lon


def point_from_wkt(text: str) -> tuple[float, float] | None:
    """``(longitude, latitude)`` of a WKT / EWKT ``POINT (x y)``, or ``None``."""
    match = _WKT_POINT.match(str(text))
    if not match:
        return None
    try:
        return float(match.group(1)), float(match.group(2))
    except ValueError:
        return None


# --- projected coordinates --------------------------------------------------------------
def looks_projected(x: np.ndarray, y: np.ndarray) -> bool:
    """True when most number pairs cannot be degrees (|x| > 180 or |y| > 90)."""
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return False
    outside = (np.abs(x[ok]) > 180) | (np.abs(y[ok]) > 90)
    return bool(outside.mean() >= 0.8)


def to_degrees(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """``(longitude, latitude)`` of projected ``x``/``y`` in ``crs`` (NaN stays NaN)."""
    from pyproj import Transformer

    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    lon[bad], lat[bad] = np.nan, np.nan
    return lon, lat


def check_crs(text: str) -> str:
    """``"EPSG:2236"`` from ``"EPSG:2236"``/``"epsg:2236"``/``"2236"``; ValueError if unknown."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    code = str(text).strip()
    if code.isdigit():
        code = f"EPSG:{code}"
    try:
        crs = CRS.from_user_input(code)
    except CRSError:
        raise ValueError(f"{text!r} is not a coordinate reference system this app knows. "
                         "Give its EPSG code, e.g. EPSG:2236 (NAD83 / Florida East, US "
                         "feet).") from None
    if not crs.is_projected and not crs.is_geographic:
        raise ValueError(f"{text!r} is not a projected or geographic CRS.")
    return code.upper()


@lru_cache(maxsize=64)
def crs_candidates(postal: str) -> tuple[tuple[str, str], ...]:
    """``(EPSG code, name)`` of the systems a state's files are usually in.

    Its State Plane zones on NAD83 (metres and feet) and the NAD83 UTM zones that
    cross it; from the EPSG database that ships with pyproj (offline).
    """
    from pyproj.database import query_crs_info
    from pyproj.enums import PJType

    state = find_state(postal)
    if state is None:
        return ()
    bounds = _state_bounds().get(state.fips)
    out: list[tuple[str, str]] = []
    for info in query_crs_info(auth_name="EPSG", pj_types=PJType.PROJECTED_CRS):
        if info.deprecated:
            continue
        name = info.name
        if name.startswith(f"NAD83 / {state.name}") and not name.startswith(
                f"NAD83 / {state.name} Centric"):
            out.append((f"EPSG:{info.code}", name))
        elif re.fullmatch(r"NAD83 / UTM zone \d+N", name) and bounds is not None:
            aou = info.area_of_use
            if aou is not None and aou.west < bounds[2] and aou.east > bounds[0]:
                out.append((f"EPSG:{info.code}", name))
    return tuple(out)


@lru_cache(maxsize=1)
def _state_bounds() -> dict[str, tuple[float, float, float, float]]:
    from geo.boundaries import states

    table = states()
    out: dict[str, tuple[float, float, float, float]] = {}
    for f, geom in zip(table["state_fips"], table.geometry, strict=True):
        if geom is not None and not geom.is_empty:
            west, south, east, north = (float(v) for v in geom.bounds)
            out[str(f)] = (west, south, east, north)
    return out
