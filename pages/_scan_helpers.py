"""Helpers of the Scan and Partners pages: the place in the URL, the scan's map and its
neighbourhood, and plain text inside Streamlit labels.

Kept out of ``pages/_ui.py`` (shared by every page, owned elsewhere) and out of the page
scripts so they can be unit-tested. Nothing here renders anything.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from geo import boundaries, maps
from geo.analysis import Place, PlaceNotFound, ScanResult, gazetteer, resolve_place, scan
from geo.safe import markdown_text

# One URL parameter per kind of place, as ``resolve_place`` and ``python -m geo scan``
# name them; a link carries exactly one.
PLACE_PATTERNS: dict[str, str] = {
    "state": r"\d{2}",
    "county": r"\d{5}",
    "district": r"\d{7}",
    "zip": r"\d{5}",
    "point": r"-?\d{1,2}(\.\d{1,6})?,-?\d{1,3}(\.\d{1,6})?",
}
MAX_NEIGHBOURS = 1500
SCAN_SITE_FIELDS = {"Site": "site", "Partner": "partner", "Kind": "site_kind"}


def place_param(place: Place) -> dict[str, str | None]:
    """The query parameters naming ``place`` (the other place keys set to None)."""
    values: dict[str, str | None] = {k: None for k in PLACE_PATTERNS}
    if place.level == "point":
        values["point"] = f"{place.center[0]:.5f},{place.center[1]:.5f}"
    else:
        values[place.level] = place.id
    return values


def place_from_params(params: dict[str, str | None]) -> Place | None:
    """The place named by already-validated parameters (first of PLACE_PATTERNS order).

    Raises :class:`PlaceNotFound` when the id has the right shape but names no place.
    """
    for level in PLACE_PATTERNS:
        value = params.get(level)
        if value:
            return resolve_place(**{level: value})
    return None


def scan_params(frames, params: tuple[tuple[str, str | None], ...], radius_mi: float | None,
                needs: tuple[str, ...]) -> ScanResult:
    """:func:`geo.analysis.scan` of the place the URL ``params`` name: a module-level
    function of hashable values, for ``pages._filters.cached`` (one scan per data
    version, viewer role, place, radius and needs, shared by every session)."""
    return scan(frames, place_from_params(dict(params)), radius_mi=radius_mi, needs=list(needs))


def place_token(place: Place | None) -> str:
    """A short stable id for a place ("district-1201110"), for widget and map keys."""
    if place is None:
        return "none"
    return f"{place.level}-{re.sub(r'[^0-9a-z]', '_', place.id.lower())}"


def md_text(text: object) -> str:
    """``text`` made literal inside Streamlit markdown (:func:`geo.safe.markdown_text`)."""
    return markdown_text(text)


# --- the scan map -----------------------------------------------------------------------


@lru_cache(maxsize=64)
def _neighbourhood_cached(bounds: tuple[float, float, float, float],
                          state_fips: str) -> maps.EncodedAreas:
    layer = boundaries.districts("draw")
    idx = layer.sindex.query(box(*bounds), predicate="intersects")
    near = layer.iloc[np.sort(idx)]
    if len(near) > MAX_NEIGHBOURS and state_fips:
        near = near[near["state_fips"] == state_fips]
    return maps.encode_areas(near, id_column="geoid", name_column="name")


def view_bounds(place: Place, radius_mi: float | None) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) around the place and its radius, padded a little."""
    minx, miny, maxx, maxy = place.geometry.bounds
    if maxx - minx > 180:  # Alaska across the antimeridian: keep the western part
        maxx = -129.0
        minx = max(minx, -180.0)
    reach = radius_mi if radius_mi else (5.0 if place.is_point else 0.0)
    dlat = reach / 69.0
    dlon = dlat / max(0.1, float(np.cos(np.radians(place.center[0]))))
    span = max(maxx - minx, maxy - miny)
    pad = max(0.15 * span, 0.02)
    return (round(minx - dlon - pad, 2), round(miny - dlat - pad, 2),
            round(maxx + dlon + pad, 2), round(maxy + dlat + pad, 2))


def neighbourhood(place: Place, radius_mi: float | None) -> maps.EncodedAreas:
    """The school districts (drawing detail) around the place: the only ones the scan
    map draws, never the whole nation. Cached per view box."""
    return _neighbourhood_cached(view_bounds(place, radius_mi), place.state_fips)


def neighbour_shapes(place: Place, radius_mi: float | None) -> list:
    """Shapes of the neighbouring districts, for the brief's static map."""
    layer = boundaries.districts("draw")
    bounds = view_bounds(place, radius_mi)
    idx = layer.sindex.query(box(*bounds), predicate="intersects")
    if len(idx) > MAX_NEIGHBOURS:
        return []
    return list(layer.geometry.iloc[np.sort(idx)])


def _place_outline(place: Place) -> gpd.GeoDataFrame:
    geom = place.geometry
    minx, miny, maxx, maxy = geom.bounds
    tolerance = max(maxx - minx, maxy - miny) / 1500
    return gpd.GeoDataFrame({"geoid": [place.id]}, geometry=[shapely.simplify(geom, tolerance)],
                            crs="EPSG:4326")


def scan_map(result: ScanResult, *, tiles: str | None = "none") -> folium.Map:
    """The scan's map: neighbouring districts (thin, named, clickable), the place outlined,
    the radius as a circle and the sites found (clustered, with popups)."""
    place = result.place
    minx, miny, maxx, maxy = view_bounds(place, result.radius_mi)
    m = maps.base_map(bounds=((miny, minx), (maxy, maxx)), tiles=tiles)
    maps.add_districts(m, neighbourhood(place, result.radius_mi))
    if not place.is_point:
        maps.add_outline(m, _place_outline(place), color="#0b57d0", weight=3, id_column="geoid")
    if result.radius_mi:
        if place.is_point:
            folium.Circle(location=list(place.center), radius=result.radius_mi * 1609.344,
                          color="#0b57d0", weight=2, dash_array="6 5", fill=False,
                          interactive=False).add_to(m)
    if place.is_point:
        folium.CircleMarker(location=list(place.center), radius=6, color="#b3261e", weight=3,
                            fill=True, fill_opacity=1, interactive=False).add_to(m)
    sites = result.sites
    if len(sites):
        maps.add_sites_layer(m, sites, popup_fields=SCAN_SITE_FIELDS, single_zoom=11)
    return m


def clicked_place(properties: dict | None) -> dict[str, str | None] | None:
    """The place parameters of a clicked area (from ``_ui.clicked_properties``): a
    7-digit GEOID is a district, a 2-digit one a state. The value comes from the browser,
    so it is checked like a link's: anything else (a site, an id that names no known
    district or state) is None."""
    if not properties or "site_id" in properties:
        return None
    geoid = str(properties.get("geoid", ""))[:7]
    level = gazetteer.place_level(geoid)
    if level not in ("district", "state"):
        return None
    values: dict[str, str | None] = {k: None for k in PLACE_PATTERNS}
    values[level] = geoid
    return values


def sites_by_partner(result: ScanResult, all_sites: pd.DataFrame,
                     partner_ids: Iterable[int] | None = None) -> dict[int, pd.DataFrame]:
    """The scan's sites grouped by partner id (names may repeat: several partners can
    show as "A coalition partner" to the public); only those of ``partner_ids`` if
    given (the page lists the first partners' sites)."""
    if result.sites.empty:
        return {}
    ids = result.sites["site_id"].astype("int64")
    # Only the scan's sites are looked up (not a dictionary of every site in the nation).
    mine = all_sites.loc[all_sites["site_id"].isin(ids.to_numpy()), ["site_id", "partner_id"]]
    owner = pd.Series(mine["partner_id"].astype("int64").to_numpy(),
                      index=mine["site_id"].astype("int64").to_numpy())
    pid = ids.map(owner[~owner.index.duplicated()]).to_numpy()
    # One reordering by partner (stable: each partner's sites keep their order), then a
    # slice per partner: cheap, where a take per partner copies every column each time.
    codes, uniques = pd.factorize(pid, sort=False)
    order = np.argsort(codes, kind="stable")
    grouped = result.sites.take(order)
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    wanted = None if partner_ids is None else {int(i) for i in partner_ids}
    return {int(k): grouped.iloc[bounds[i]:bounds[i + 1]] for i, k in enumerate(uniques)
            if wanted is None or int(k) in wanted}


@lru_cache(maxsize=1)
def state_areas() -> maps.EncodedAreas:
    """States as clickable areas (id: 2-digit FIPS), for the map before a place is chosen."""
    states = boundaries.states()
    states = states[~states["is_territory"].astype(bool)]
    simple = states.assign(geometry=shapely.simplify(states.geometry.values, 0.02))
    return maps.encode_areas(simple, id_column="state_fips", name_column="name")


def overview_map(*, tiles: str | None = "none") -> folium.Map:
    """The map shown before a place is chosen: states to click on."""
    m = maps.base_map(tiles=tiles)
    maps.add_districts(m, state_areas())
    return m


__all__ = ["PLACE_PATTERNS", "PlaceNotFound", "clicked_place", "md_text", "neighbour_shapes",
           "neighbourhood", "overview_map", "place_from_params", "place_param", "place_token",
           "scan_map", "sites_by_partner", "state_areas", "view_bounds"]
