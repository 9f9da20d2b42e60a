"""Names and shapes of the places analyses talk about, read once from the bundled
boundary layers (:mod:`geo.boundaries`) and kept in memory.

``place_table(level)`` is the geometry-free list of every state, county or district
(``place_id, name, state_fips, state, label``) that coverage uses to report places with
no activity at all; ``boundary(level)`` adds the geometry for the scan; ``need_table()``
holds the district need figures.
"""
from __future__ import annotations

from functools import cache

import geopandas as gpd
import pandas as pd

NEED_SOURCE = "Urban Institute, SAIPE/ACS 2014-2018"
NEED_COLUMNS = ("children_5_17", "pct_poverty", "children_in_poverty")


def _boundaries():
    from geo import boundaries  # imported late: the layers load only when asked for

    return boundaries


@cache
def _postal() -> dict[str, str]:
    states = _boundaries().states()
    return dict(zip(states["state_fips"].astype("str"), states["postal"].astype("str")))


def postal_codes() -> dict[str, str]:
    """2-digit state FIPS -> two-letter postal code, for every state in the layer."""
    return dict(_postal())


def state_postal(state_fips: str) -> str:
    """Two-letter postal code for a 2-digit state FIPS ("" when unknown)."""
    return _postal().get(str(state_fips)[:2], "")


@cache
def boundary(level: str) -> gpd.GeoDataFrame:
    """Boundaries of ``level`` with columns ``place_id, name, state_fips, state, label, geometry``."""
    b = _boundaries()
    if level == "state":
        g = b.states()
        g = g.assign(place_id=g["state_fips"].astype("str"), label=g["name"].astype("str"))
    elif level == "county":
        g = b.counties()
        g = g.assign(place_id=g["county_fips"].astype("str"))
    elif level == "district":
        g = b.districts(detail="join")
        g = g.assign(place_id=g["geoid"].astype("str"))
    else:
        raise ValueError(f"level must be state, county or district (got {level!r})")
    g = g.assign(state_fips=g["state_fips"].astype("str"), name=g["name"].astype("str"))
    postal = _postal()
    g["state"] = g["state_fips"].map(postal).fillna("").astype("str")
    if level != "state":
        g["label"] = g["name"] + ", " + g["state"]
    cols = ["place_id", "name", "state_fips", "state", "label", "geometry"]
    if level == "district" and "district_type" in g.columns:
        cols.insert(4, "district_type")
    return g[cols].reset_index(drop=True)


@cache
def place_table(level: str) -> pd.DataFrame:
    """Every place of ``level`` without geometry, sorted by ``place_id``."""
    return pd.DataFrame(boundary(level).drop(columns="geometry")).sort_values("place_id").reset_index(drop=True)


@cache
def need_table() -> pd.DataFrame:
    """District need figures: ``geoid, children_5_17, pct_poverty, children_in_poverty``."""
    need = _boundaries().need().copy()
    need["geoid"] = need["geoid"].astype("str")
    return need[["geoid", *NEED_COLUMNS]]


def clear_cache() -> None:
    """Forget the loaded layers (after the data folder changed)."""
    for fn in (_postal, boundary, place_table, need_table):
        fn.cache_clear()
