"""Locate points on the bundled boundaries: state, county and school district(s).

One vectorised pass per layer: the points are built as a shapely array and matched with
an STRtree ``query(..., predicate="intersects")`` against each layer, so 100,000 points
take a fraction of a second (see ``bench/run.py``).

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
    geoms: np.ndarray  # the prepared polygons, by position
    # String columns with "" prepended: position p is at p + 1, "not found" (-1) at 0.
    codes: pd.api.extensions.ExtensionArray
    names: pd.api.extensions.ExtensionArray
    extra: pd.api.extensions.ExtensionArray  # districts/counties: state_fips; states: postal
    is_secondary: np.ndarray  # bool; only meaningful for districts


def _with_blank(column: pd.Series) -> pd.api.extensions.ExtensionArray:
    return pd.array(np.r_[[""], column.to_numpy(dtype=object)], dtype="str")


def _layer(frame: pd.DataFrame, code: str, extra: str) -> _Layer:
    geoms = np.array(frame.geometry.to_numpy(), dtype=object)
    # Prepared polygons answer point-in-polygon from an edge index instead of walking
    # every ring; they are built once per polygon, on first use.
    shapely.prepare(geoms)
    secondary = (
        frame["district_type"].to_numpy(dtype=object) == "secondary"
        if "district_type" in frame.columns
        else np.zeros(len(frame), dtype=bool)
    )
    return _Layer(
        tree=shapely.STRtree(geoms),
        geoms=geoms,
        codes=_with_blank(frame[code]),
        names=_with_blank(frame["name"]),
        extra=_with_blank(frame[extra]),
        is_secondary=np.asarray(secondary, dtype=bool),
    )


@dataclass(frozen=True)
class _Index:
    districts: _Layer
    states: _Layer
    counties: _Layer
    state_of_district: np.ndarray  # position in the state layer of each district's state


@lru_cache(maxsize=4)
def _index(data_dir: Path) -> _Index:
    states = boundaries.states(data_dir=data_dir)
    districts = boundaries.districts("join", data_dir=data_dir)
    state_pos = pd.Index(states["state_fips"]).get_indexer(districts["state_fips"])
    if (state_pos < 0).any():
        unknown = sorted(set(districts.loc[state_pos < 0, "state_fips"]))
        raise ValueError(f"districts name states missing from the state layer: {unknown}")
    return _Index(
        districts=_layer(districts, "geoid", "state_fips"),
        states=_layer(states, "state_fips", "postal"),
        counties=_layer(boundaries.counties(data_dir=data_dir), "county_fips", "state_fips"),
        state_of_district=np.asarray(state_pos, dtype=np.int64),
    )


def _coordinates(values: Any, name: str) -> np.ndarray:
    """A float array; missing values become NaN; text that is not a number is an error."""
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=float, na_value=np.nan)
    numbers = pd.to_numeric(series, errors="coerce")
    unparsed = numbers.isna() & series.notna()
    bad = unparsed.copy()
    bad[unparsed] = series[unparsed].astype(str).str.strip().ne("")
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


def _hits(layer: _Layer, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(point position, polygon position) for every polygon that holds a point.

    The tree gives bounding-box candidates; the prepared polygons then test the exact
    point (boundary included, so a point on a border is never left out).
    """
    if len(points) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    point_idx, poly_idx = layer.tree.query(points)
    xy = shapely.get_coordinates(points)
    inside = shapely.intersects_xy(layer.geoms[poly_idx], xy[point_idx, 0], xy[point_idx, 1])
    return point_idx[inside], poly_idx[inside]


def _first(
    hits: tuple[np.ndarray, np.ndarray], n: int, *, among: np.ndarray | None = None
) -> np.ndarray:
    """Per point, the lowest polygon position among its hits (-1 when none).

    ``among``: optional bool mask over the layer; only polygons where it is True count.
    """
    point_idx, poly_idx = hits
    if among is not None:
        keep = among[poly_idx]
        point_idx, poly_idx = point_idx[keep], poly_idx[keep]
    first = np.full(n, -1, dtype=np.int64)
    order = np.lexsort((poly_idx, point_idx))  # by point, then by polygon position
    point_idx, poly_idx = point_idx[order], poly_idx[order]
    head = np.unique(point_idx, return_index=True)[1]
    first[point_idx[head]] = poly_idx[head]
    return first


def _first_hit(layer: _Layer, points: np.ndarray) -> np.ndarray:
    return _first(_hits(layer, points), len(points))


def _full(positions: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Positions for all input points: -1 (nothing) where the coordinates were unusable."""
    out = np.full(len(ok), -1, dtype=np.int64)
    out[ok] = positions
    return out


def _column(values: pd.api.extensions.ExtensionArray, positions: np.ndarray) -> Any:
    return values.take(positions + 1)  # -1 -> the blank at 0


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
    hits = _hits(d, valid)
    primary = _first(hits, len(valid), among=~d.is_secondary)
    secondary = _first(hits, len(valid), among=d.is_secondary)
    only_secondary = (primary < 0) & (secondary >= 0)
    primary[only_secondary] = secondary[only_secondary]
    secondary[only_secondary] = -1
    in_district = primary >= 0
    state = np.where(in_district, idx.state_of_district[primary], -1)
    if not in_district.all():
        state[~in_district] = _first_hit(idx.states, valid[~in_district])
    county = _first_hit(idx.counties, valid)

    primary, secondary = _full(primary, ok), _full(secondary, ok)
    state, county = _full(state, ok), _full(county, ok)
    out = {
        "state_fips": _column(idx.states.codes, state),
        "state": _column(idx.states.extra, state),
        "county_fips": _column(idx.counties.codes, county),
        "county": _column(idx.counties.names, county),
        "district_geoid": _column(d.codes, primary),
        "district_name": _column(d.names, primary),
        "secondary_district_geoid": _column(d.codes, secondary),
        "secondary_district_name": _column(d.names, secondary),
        "in_district": primary >= 0,
    }
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


@lru_cache(maxsize=4)
def _district_positions(data_dir: Path) -> dict[str, int]:
    codes = _index(data_dir).districts.codes
    return {str(codes[p + 1]): p for p in range(len(codes) - 1)}


def district_point(
    geoid: str, near: tuple[float, float] | None = None, *, data_dir: Path | str | None = None
) -> tuple[float, float] | None:
    """``(lon, lat)`` of a point inside the school district ``geoid``; ``None`` if unknown.

    ``near`` (lon, lat), e.g. a ZIP centroid, is kept when it lies in the district;
    otherwise the point of the district closest to it, moved a little inside, is given
    (the district's own representative point when there is no ``near``). So a row whose
    NCES ID names its district lands in that district even when its ZIP area straddles
    two districts.
    """
    folder = boundaries.resolve_data_dir(data_dir)
    pos = _district_positions(folder).get(str(geoid))
    if pos is None:
        return None
    poly = _index(folder).districts.geoms[pos]
    inner = shapely.point_on_surface(poly)
    if near is None or not all(np.isfinite(near)):
        return float(inner.x), float(inner.y)
    point = shapely.Point(near)
    if pos in _owners(point, folder):
        return float(point.x), float(point.y)
    from shapely.ops import nearest_points

    edge = nearest_points(poly, point)[0]
    for share in (0.02, 0.1, 0.3, 0.6):
        candidate = shapely.Point(edge.x + (inner.x - edge.x) * share,
                                  edge.y + (inner.y - edge.y) * share)
        if pos in _owners(candidate, folder):
            return float(candidate.x), float(candidate.y)
    return float(inner.x), float(inner.y)


def _owners(point: shapely.Point, folder: Path) -> set[int]:
    """Positions of the districts :func:`assign_boundaries` gives ``point`` (both roles)."""
    d = _index(folder).districts
    hits = _hits(d, np.array([point], dtype=object))
    primary = int(_first(hits, 1, among=~d.is_secondary)[0])
    secondary = int(_first(hits, 1, among=d.is_secondary)[0])
    return {p for p in (primary, secondary) if p >= 0}


def district_states(*, data_dir: Path | str | None = None) -> dict[str, str]:
    """Every known school district GEOID (NCES LEAID) -> its state FIPS code."""
    return _district_states(boundaries.resolve_data_dir(data_dir))


@lru_cache(maxsize=4)
def _district_states(folder: Path) -> dict[str, str]:
    extra = _index(folder).districts.extra
    return {code: str(extra[p + 1]) for code, p in _district_positions(folder).items()}
