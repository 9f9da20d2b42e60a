"""The Scan page's map of a place: the neighbouring school districts (never the whole
nation), the place outlined, the radius drawn, and the sites the scan found."""
from __future__ import annotations

from functools import lru_cache

import folium
import geopandas as gpd
import numpy as np
import shapely

from geo import boundaries
from geo.analysis import Place, ScanResult
from geo.analysis.distance import METRES_PER_MILE
from geo.maps.areas import EncodedAreas, add_districts, add_outline, encode_areas
from geo.maps.base import base_map
from geo.maps.bounds import Bounds, reach_degrees
from geo.maps.site_layer import add_sites_layer

# More districts than this in view (a state-wide radius): only the place's state is drawn.
MAX_NEIGHBOURS = 1500
SCAN_SITE_FIELDS = {"Site": "site", "Partner": "partner", "Kind": "site_kind"}
PLACE_COLOR = "#0b57d0"


@lru_cache(maxsize=64)
def _neighbourhood_cached(bounds: Bounds, state_fips: str) -> EncodedAreas:
    layer = boundaries.districts("draw")
    idx = layer.sindex.query(bounds.to_box(), predicate="intersects")
    near = layer.iloc[np.sort(idx)]
    if len(near) > MAX_NEIGHBOURS and state_fips:
        near = near[near["state_fips"] == state_fips]
    return encode_areas(near, id_column="geoid", name_column="name")


def view_bounds(place: Place, radius_mi: float | None) -> Bounds:
    """The box around the place and its radius, padded a little (rounded to 0.01 degree,
    so nearby views share their cached neighbourhood)."""
    minx, miny, maxx, maxy = place.geometry.bounds
    if maxx - minx > 180:  # Alaska across the antimeridian: keep the western part
        maxx = -129.0
        minx = max(minx, -180.0)
    reach = radius_mi if radius_mi else (5.0 if place.is_point else 0.0)
    dlat, dlon = reach_degrees(reach, place.center[0])
    span = max(maxx - minx, maxy - miny)
    pad = max(0.15 * span, 0.02)
    return Bounds.from_xy(round(minx - dlon - pad, 2), round(miny - dlat - pad, 2),
                          round(maxx + dlon + pad, 2), round(maxy + dlat + pad, 2))


def neighbourhood(place: Place, radius_mi: float | None) -> EncodedAreas:
    """The school districts (drawing detail) around the place: the only ones the scan
    map draws, never the whole nation. Cached per view box."""
    return _neighbourhood_cached(view_bounds(place, radius_mi), place.state_fips)


def neighbour_shapes(place: Place, radius_mi: float | None) -> list:
    """Shapes of the neighbouring districts, for the brief's static map."""
    layer = boundaries.districts("draw")
    idx = layer.sindex.query(view_bounds(place, radius_mi).to_box(), predicate="intersects")
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
    m = base_map(view_bounds(place, result.radius_mi), tiles=tiles)
    add_districts(m, neighbourhood(place, result.radius_mi))
    if not place.is_point:
        add_outline(m, _place_outline(place), color=PLACE_COLOR, weight=3, id_column="geoid")
    if result.radius_mi and place.is_point:
        folium.Circle(location=list(place.center), radius=result.radius_mi * METRES_PER_MILE,
                      color=PLACE_COLOR, weight=2, dash_array="6 5", fill=False,
                      interactive=False).add_to(m)
    if place.is_point:
        folium.CircleMarker(location=list(place.center), radius=6, color="#b3261e", weight=3,
                            fill=True, fill_opacity=1, interactive=False).add_to(m)
    sites = result.sites
    if len(sites):
        add_sites_layer(m, sites, popup_fields=SCAN_SITE_FIELDS, single_zoom=11)
    return m
