"""Coordinate columns: numbers read as degrees and checked row by row (empty,
unreadable, swapped, unsigned, out of range, outside the US), and projected coordinates
(State Plane, UTM) whose system is found from the stated states and ZIP codes."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from geo import codes, placement
from geo.locate.site_columns import COORD_EXAMPLE
from geo.problems import Report
from geo.text import is_blank

_COORD = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)\s*°?\s*([NSEWnsew]?)$")
# Projected-CRS detection: a CRS is accepted when this share of the checkable rows lands
# in its stated state (and within _ZIP_KM of its stated ZIP's centroid).
_CRS_ACCEPT = 0.95
_ZIP_KM = 25.0
_CRS_SAMPLE = 400


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


def parse_coordinates(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def check_coordinates(
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
                         fix=f"Fill in the {label} in decimal degrees ({COORD_EXAMPLE}).")
        if lat_bad[i]:
            report.error(f"The latitude {str(raw_lat_v[i]).strip()!r} is not a number.", row=row,
                         column=lat_c, fix=f"Write it in decimal degrees ({COORD_EXAMPLE}).")
        if lon_bad[i]:
            report.error(f"The longitude {str(raw_lon_v[i]).strip()!r} is not a number.", row=row,
                         column=lon_c, fix=f"Write it in decimal degrees ({COORD_EXAMPLE}).")
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
                             fix=f"Correct the latitude (decimal degrees, {COORD_EXAMPLE}).")
            if abs(lon[i]) > 180:
                report.error(f"The longitude {b} is out of range: it must be between -180 and 180.",
                             row=row, column=lon_c,
                             fix=f"Correct the longitude (decimal degrees, {COORD_EXAMPLE}).")
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


# --- projected coordinates --------------------------------------------------------------
def detect_crs(df: pd.DataFrame, roles: dict[str, str], *, x: np.ndarray, y: np.ndarray,
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
