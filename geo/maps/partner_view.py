"""The Partners page's map of one partner: its sites and the districts where it works,
over the state lines, fitted to them."""
from __future__ import annotations

from collections.abc import Iterable

import folium
import geopandas as gpd
import pandas as pd

from geo import boundaries
from geo.maps.areas import add_districts, add_outline
from geo.maps.base import base_map
from geo.maps.bounds import Bounds
from geo.maps.site_layer import add_sites_layer, label_sites


def district_shapes(geoids: Iterable[str]) -> gpd.GeoDataFrame:
    """The districts (drawing detail) with these GEOIDs."""
    layer = boundaries.districts("draw")
    return layer[layer["geoid"].isin(set(geoids))]


def points_bounds(sites: pd.DataFrame, shapes: gpd.GeoDataFrame) -> Bounds | None:
    """The box around the sites with coordinates and the shapes, or None when there is
    neither."""
    lat = sites["latitude"].dropna()
    lon = sites["longitude"].dropna()
    xs = [float(lon.min()), float(lon.max())] if len(lon) else []
    ys = [float(lat.min()), float(lat.max())] if len(lat) else []
    if len(shapes):
        minx, miny, maxx, maxy = (float(v) for v in shapes.total_bounds)
        xs += [minx, maxx]
        ys += [miny, maxy]
    if not xs or not ys:
        return None
    return Bounds.from_xy(min(xs), min(ys), max(xs), max(ys))


def partner_map(sites: pd.DataFrame, partners: pd.DataFrame, district_ids: Iterable[str], *,
                tiles: str | None = "none") -> folium.Map | None:
    """One partner's map: its ``sites`` (labelled from ``partners``, already redacted for
    the viewer) and the districts ``district_ids`` where it works, over the state lines;
    None when there is nothing to draw (no located site and no district)."""
    shapes = district_shapes(district_ids)
    box = points_bounds(sites, shapes)
    if box is None:
        return None
    pad = max(0.05, 0.05 * max(box.north - box.south, box.east - box.west))
    m = base_map(box.padded(pad), tiles=tiles)
    add_outline(m, boundaries.states(), id_column="state_fips", color="#8c959f", weight=0.8)
    if len(shapes):
        add_districts(m, shapes)
    if len(sites):
        add_sites_layer(m, label_sites(sites, partners), single_zoom=10)
    return m
