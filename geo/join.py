"""Locate points on the bundled boundaries: state, county and school district(s).

One vectorised pass per layer: the points are built as a shapely array and matched with
an STRtree ``query(..., predicate="intersects")`` against each layer, so 100,000 points
take a fraction of a second (see ``bench/bench_join.py``).

District rule (checked on the data, see ``tests/test_join.py``): unified districts do not
overlap each other or the other types, while an elementary and a secondary district may
cover the same ground. So a point lies in one unified district, or in one elementary plus
one secondary district. ``district_*`` holds the unified or elementary one and
``secondary_district_*`` the secondary one; a point only in a secondary district gets it
as ``district_*``. A point exactly on a border between two districts of the same role
takes the one with the lowest GEOID, so results are deterministic.

State comes from the containing district's ``state_fips`` (1:500k) when there is one and
from the coarse 1:10m state layer otherwise. County comes from the 1:10m county layer: a
point within a few hundred metres of a county line can land on the wrong side.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo import boundaries

JOIN_COLUMNS: tuple[str, ...] = (
    "state_fips",
    "state",
    "county_fips",
    "county",
    "district_geoid",
    "district_name",
    "secondary_district_geoid",
    "secondary_district_name",
    "in_district",
)


@dataclass(frozen=True)
class _Layer:
    """One polygon layer ready for point queries: its tree and the attributes by position."""

    tree: shapely.STRtree
    codes: np.ndarray  # object array of str
    names: np.ndarray  # object array of str
    extra: np.ndarray  # state_fips (districts), postal (states) or state_fips (counties)
    is_secondary: np.ndarray  # bool; only meaningful for districts


def _layer(frame: pd.DataFrame, code: str, extra: str) -> _Layer:
    geoms = frame.geometry.to_numpy()
    secondary = (
        frame["district_type"].to_numpy(dtype=object) == "secondary"
        if "district_type" in frame.columns
        else np.zeros(len(frame), dtype=bool)
    )
    return _Layer(
        tree=shapely.STRtree(geoms),
        codes=frame[code].to_numpy(dtype=object),
        names=frame["name"].to_numpy(dtype=object),
        extra=frame[extra].to_numpy(dtype=object),
        is_secondary=np.asarray(secondary, dtype=bool),
    )


@dataclass(frozen=True)
class _Index:
    districts: _Layer
    states: _Layer
    counties: _Layer
    postal_by_fips: dict[str, str]


@lru_cache(maxsize=4)
def _index(data_dir: Path) -> _Index:
    states = boundaries.states(data_dir=data_dir)
    return _Index(
        districts=_layer(boundaries.districts("join", data_dir=data_dir), "geoid", "state_fips"),
        states=_layer(states, "state_fips", "postal"),
        counties=_layer(boundaries.counties(data_dir=data_dir), "county_fips", "state_fips"),
        postal_by_fips=dict(zip(states["state_fips"], states["postal"], strict=True)),
    )


def _coordinates(values: Any, name: str) -> np.ndarray:
    """A float array; missing values become NaN; text that is not a number is an error."""
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    numbers = pd.to_numeric(series, errors="coerce")
    bad = numbers.isna() & series.notna() & series.astype(str).str.strip().ne("")
    if bad.any():
        where = [str(i) for i in series.index[bad.to_numpy()][:10]]
        raise ValueError(
            f"{name}: {int(bad.sum())} value(s) are not numbers (positions {', '.join(where)}); "
            "give decimal degrees such as -87.63 or leave the value empty"
        )
    return numbers.to_numpy(dtype=float, na_value=np.nan)


def _points(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    x = _coordinates(lon, "lon")
    y = _coordinates(lat, "lat")
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(
            f"lon and lat must be one-dimensional and the same length (got {x.shape} and {y.shape})"
        )
    index = lon.index if isinstance(lon, pd.Series) else pd.RangeIndex(len(x))
    ok = np.isfinite(x) & np.isfinite(y) & (np.abs(y) <= 90) & (np.abs(x) <= 180)
    points = np.full(len(x), None, dtype=object)
    points[ok] = shapely.points(x[ok], y[ok])
    return points, ok, index


def _first_hit(layer: _Layer, points: np.ndarray, *, role: np.ndarray | None = None) -> np.ndarray:
    """Position in ``layer`` of the first (lowest-position) polygon holding each point, or -1.

    ``role``: optional bool mask over the layer; only polygons where it is True count.
    """
    hit = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0:
        return hit
    point_idx, poly_idx = layer.tree.query(points, predicate="intersects")
    if role is not None:
        keep = role[poly_idx]
        point_idx, poly_idx = point_idx[keep], poly_idx[keep]
    order = np.lexsort((poly_idx, point_idx))
    point_idx, poly_idx = point_idx[order], poly_idx[order]
    first = np.unique(point_idx, return_index=True)[1]
    hit[point_idx[first]] = poly_idx[first]
    return hit


def _take(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
    out = np.full(len(positions), "", dtype=object)
    found = positions >= 0
    out[found] = values[positions[found]]
    return out


def assign_boundaries(
    lon: Any, lat: Any, *, data_dir: Path | str | None = None
) -> pd.DataFrame:
    """State, county and school district(s) of each point (lon/lat in EPSG:4326 degrees).

    ``lon`` and ``lat``: array-likes of equal length (NaN / None / empty allowed). Returns
    a DataFrame aligned with the inputs (same index for a pandas Series, else 0..n-1)
    with :data:`JOIN_COLUMNS`; codes and names are strings, ``""`` where nothing was
    found, and ``in_district`` is True when the point lies in any school district. No
    point is ever dropped.
    """
    idx = _index(boundaries.resolve_data_dir(data_dir))
    points, ok, index = _points(lon, lat)
    valid = points[ok]
    d = idx.districts
    primary = _first_hit(d, valid, role=~d.is_secondary)
    secondary = _first_hit(d, valid, role=d.is_secondary)
    only_secondary = (primary < 0) & (secondary >= 0)
    primary[only_secondary] = secondary[only_secondary]
    secondary[only_secondary] = -1
    state_fips = _take(d.extra, primary)
    no_district = primary < 0
    if no_district.any():
        state_pos = _first_hit(idx.states, valid[no_district])
        state_fips[no_district] = _take(idx.states.codes, state_pos)
    county = _first_hit(idx.counties, valid)

    columns: dict[str, np.ndarray] = {
        "state_fips": state_fips,
        "state": np.array([idx.postal_by_fips.get(f, "") for f in state_fips], dtype=object),
        "county_fips": _take(idx.counties.codes, county),
        "county": _take(idx.counties.names, county),
        "district_geoid": _take(d.codes, primary),
        "district_name": _take(d.names, primary),
        "secondary_district_geoid": _take(d.codes, secondary),
        "secondary_district_name": _take(d.names, secondary),
    }
    n = len(points)
    out: dict[str, Any] = {}
    for name, values in columns.items():
        full = np.full(n, "", dtype=object)
        full[ok] = values
        out[name] = pd.array(full, dtype="str")
    in_district = np.zeros(n, dtype=bool)
    in_district[ok] = ~no_district
    out["in_district"] = in_district
    return pd.DataFrame(out, index=index, columns=list(JOIN_COLUMNS))


def in_us(lon: Any, lat: Any, *, data_dir: Path | str | None = None) -> np.ndarray:
    """True where a point lies in a state, DC or territory polygon, or in a school district.

    For validating coordinates (a swapped lat/lon or a missing minus sign lands outside).
    NaN coordinates give False.
    """
    idx = _index(boundaries.resolve_data_dir(data_dir))
    points, ok, _ = _points(lon, lat)
    valid = points[ok]
    inside = _first_hit(idx.states, valid) >= 0
    rest = ~inside
    if rest.any():
        inside[rest] = _first_hit(idx.districts, valid[rest]) >= 0
    result = np.zeros(len(points), dtype=bool)
    result[ok] = inside
    return result


def clear_cache() -> None:
    """Forget the spatial indexes (after the data folder changed)."""
    _index.cache_clear()
