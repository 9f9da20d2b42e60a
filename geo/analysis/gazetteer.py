"""Names and shapes of the places analyses talk about, read once from the bundled
boundary layers (:mod:`geo.boundaries`) and kept in memory.

``place_table(level)`` is the geometry-free list of every state, county or district
(``place_id, name, state_fips, state, label``) that coverage uses to report places with
no activity at all; ``boundary(level)`` adds the geometry for the scan; ``need_table()``
holds the district need figures.

Puerto Rico is one school district (LEA) for the whole island, absent from the Census
school-district files that the district layer is built from. :func:`lookup_boundary`
(what a place search and a scan know) adds it, outlined by the territory's shape, so a
scan of Puerto Rico, of a ZIP code or a point there, finds its district and its need
figures. The district layer itself (maps, coverage) is left as the Census drew it.
"""
from __future__ import annotations

from functools import cache
from typing import TypeVar

import geopandas as gpd
import pandas as pd

from geo.codes import clear_state_index, level_of_id, postal_codes

_Frame = TypeVar("_Frame", bound=pd.DataFrame)  # a GeoDataFrame comes back as one

NEED_SOURCE = "Urban Institute, SAIPE/ACS 2014-2018"
NEED_COLUMNS = ("children_5_17", "pct_poverty", "children_in_poverty")

# Districts that are a whole state or territory and are missing from the Census school
# district layer: NCES LEAID -> name (the need data has figures for them).
STATEWIDE_DISTRICTS: dict[str, str] = {"7200030": "Puerto Rico Department of Education"}


def _boundaries():
    from geo import boundaries  # imported late: the layers load only when asked for

    return boundaries


@cache
def boundary(level: str) -> gpd.GeoDataFrame:
    """Boundaries of ``level`` with columns
    ``place_id, name, state_fips, state, label, geometry``."""
    b = _boundaries()
    layer = {"state": b.states, "county": b.counties,
             "district": lambda: b.districts(detail="join")}
    if level not in layer:
        raise ValueError(f"level must be state, county or district (got {level!r})")
    return _named(level, layer[level]())


# level -> its layer in geo.boundaries (districts at the resolution joins use)
LAYER_OF_LEVEL = {"state": "states", "county": "counties", "district": "districts_join"}


@cache
def place_table(level: str) -> pd.DataFrame:
    """Every place of ``level`` without geometry, sorted by ``place_id`` (read without
    the shapes)."""
    if level not in LAYER_OF_LEVEL:
        raise ValueError(f"level must be state, county or district (got {level!r})")
    places = _named(level, _boundaries().attributes(LAYER_OF_LEVEL[level]))
    return places.sort_values("place_id").reset_index(drop=True)


def _named(level: str, g: _Frame) -> _Frame:
    """``g`` (a boundary layer, with or without its shapes) as the places of ``level``:
    ``place_id, name, state_fips, state, label[, district_type][, geometry]``."""
    if level == "state":
        g = g.assign(place_id=g["state_fips"].astype("str"), label=g["name"].astype("str"))
    elif level == "county":
        g = g.assign(place_id=g["county_fips"].astype("str"))
    else:
        g = g.assign(place_id=g["geoid"].astype("str"))
    g = g.assign(state_fips=g["state_fips"].astype("str"), name=g["name"].astype("str"))
    postal = postal_codes()
    g["state"] = g["state_fips"].map(postal).fillna("").astype("str")
    if level != "state":
        g["label"] = g["name"] + ", " + g["state"]
    cols = ["place_id", "name", "state_fips", "state", "label"]
    if level == "district" and "district_type" in g.columns:
        cols.insert(4, "district_type")
    if "geometry" in g.columns:
        cols.append("geometry")
    return g[cols].reset_index(drop=True)


@cache
def lookup_boundary(level: str) -> gpd.GeoDataFrame:
    """:func:`boundary` plus, for districts, the state-wide districts the Census layer
    lacks (:data:`STATEWIDE_DISTRICTS`, outlined by their state's shape)."""
    layer = boundary(level)
    if level != "district":
        return layer
    states = boundary("state").set_index("place_id")
    extra = []
    for geoid, name in STATEWIDE_DISTRICTS.items():
        fips = geoid[:2]
        if fips in states.index and geoid not in set(layer["place_id"]):
            st = states.loc[fips]
            extra.append({"place_id": geoid, "name": name, "state_fips": fips, "state": st["state"],
                          "district_type": "unified", "label": f"{name}, {st['state']}",
                          "geometry": st.geometry})
    if not extra:
        return layer
    more = gpd.GeoDataFrame(extra, geometry="geometry", crs=layer.crs)[list(layer.columns)]
    return pd.concat([layer, more], ignore_index=True)


@cache
def lookup_table(level: str) -> pd.DataFrame:
    """:func:`lookup_boundary` without geometry, sorted by ``place_id``."""
    return (pd.DataFrame(lookup_boundary(level).drop(columns="geometry"))
            .sort_values("place_id").reset_index(drop=True))


def statewide_district(state_fips: str) -> str:
    """The GEOID of the district covering the whole state ``state_fips`` ("" if none)."""
    return next((g for g in STATEWIDE_DISTRICTS if g[:2] == str(state_fips)), "")


def place_level(place_id: object) -> str | None:
    """"state", "county" or "district" when ``place_id`` names a known place of that
    level (2, 5 or 7 digits), else None: checks ids that come back from the browser."""
    text = str(place_id)
    level = level_of_id(text)
    if level is None:
        return None
    ids = lookup_table(level)["place_id"]
    return level if (ids == text).any() else None


@cache
def need_table() -> pd.DataFrame:
    """District need figures: ``geoid, children_5_17, pct_poverty, children_in_poverty``."""
    need = _boundaries().need().copy()
    need["geoid"] = need["geoid"].astype("str")
    return need[["geoid", *NEED_COLUMNS]]


@cache
def place_size() -> pd.Series:
    """Children aged 5-17 (the need data's count) in every state, county and district,
    indexed by place id: a measure of size to rank search results. A county holds the
    districts whose inside point lies in it."""
    need = need_table().set_index("geoid")["children_5_17"].astype("float64")
    districts = lookup_boundary("district")
    children = districts["place_id"].map(need).fillna(0.0).to_numpy()
    states = pd.Series(children).groupby(districts["state_fips"].to_numpy()).sum()
    counties = boundary("county")
    inside = districts.geometry.representative_point()
    hits = counties.sindex.query(inside.values, predicate="within")  # (point index, county index)
    by_county = pd.Series(children[hits[0]]).groupby(counties["place_id"].to_numpy()[hits[1]]).sum()
    out = pd.concat([states, by_county,
                     pd.Series(children, index=districts["place_id"].to_numpy())])
    return out[~out.index.duplicated()]


@cache
def _zip_tree():
    import numpy as np
    import shapely

    from geo.analysis.distance import project

    z = _boundaries().zip_centroids()
    x, y = project(z["longitude"].to_numpy(), z["latitude"].to_numpy())
    centroids = shapely.points(x, y)
    assert isinstance(centroids, np.ndarray)  # arrays of coordinates give an array of points
    return shapely.STRtree(centroids), z["zip"].astype("str").to_numpy(dtype=object)


def nearest_zip(lon, lat):
    """The ZIP code whose centroid is nearest each point (in EPSG:5070): the ZIP code
    area a site without a ZIP code most likely lies in ("" where a coordinate is missing)."""
    import numpy as np
    import shapely

    from geo.analysis.distance import project

    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    out = np.full(len(lon), "", dtype=object)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if ok.any():
        tree, codes = _zip_tree()
        x, y = project(lon[ok], lat[ok])
        hits = tree.query_nearest(shapely.points(x, y), all_matches=False)
        found = np.full(int(ok.sum()), "", dtype=object)
        found[hits[0]] = codes[hits[1]]
        out[ok] = found
    return out


def clear_cache() -> None:
    """Forget the loaded layers (after the data folder changed)."""
    clear_state_index()
    for fn in (boundary, place_table, lookup_boundary, lookup_table, need_table,
               place_size, _zip_tree):
        fn.cache_clear()
