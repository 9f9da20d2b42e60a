"""Area layers: boundaries (districts, states, counties, any polygons) encoded once for
the browser and drawn by ``L.partnerAreas`` (geo/js/areas.js).

Areas travel as delta-encoded integer coordinates rounded to 4 decimals with only the
properties ``geoid``, ``name`` and ``value`` (about a third of the bytes of GeoJSON at
the same precision); the browser styles them from a bins/colors table. Encoding is the
slow part, so the bundled layers are encoded once per process and reused by every map.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.maps.base import check_color, renderer_option
from geo.maps.elements import AreaLayer, script_json

if TYPE_CHECKING:
    from geo.boundaries import Detail

COORD_DECIMALS_AREAS = 4


def _ring_deltas(
    geoms: np.ndarray, scale: int
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Explode geometries into rings of delta-encoded integer coordinates.

    Returns, per ring, the index of its geometry and of its part (polygon) and the flat
    ``[x0, y0, dx1, dy1, ...]`` array. Rounding makes neighbouring vertices coincide;
    those repeats and each ring's closing vertex are dropped (a ring that would keep
    fewer than three vertices keeps them all, so no district vanishes).
    """
    parts, part_geom = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    ints = np.round(coords * scale).astype(np.int64)
    n_rings = len(rings)
    first = np.r_[True, coord_ring[1:] != coord_ring[:-1]]
    last = np.r_[coord_ring[1:] != coord_ring[:-1], True]
    step = np.zeros_like(ints)
    step[1:] = ints[1:] - ints[:-1]
    keep = (first | (step != 0).any(axis=1)) & ~last
    kept_per_ring = np.bincount(coord_ring[keep], minlength=n_rings)
    keep |= (kept_per_ring < 3)[coord_ring] & ~last
    kept = ints[keep]
    kept_ring = coord_ring[keep]
    # No geometries (a view with no district in it): np.r_[True, ...] would still hold one.
    starts = np.r_[True, kept_ring[1:] != kept_ring[:-1]][: len(kept_ring)]
    deltas = kept.copy()
    deltas[1:] -= kept[:-1]
    deltas[starts] = kept[starts]
    bounds = np.searchsorted(kept_ring, np.arange(n_rings + 1))
    flat = deltas.ravel()
    per_ring = [flat[2 * bounds[i]: 2 * bounds[i + 1]] for i in range(n_rings)]
    return part_geom[ring_part], ring_part, per_ring


@dataclass(frozen=True)
class EncodedAreas:
    """Area geometries encoded once for the browser (see :func:`encode_areas`)."""

    ids: list[str]
    names: list[str] | None
    geoms_json: str
    scale: int


def encode_areas(
    gdf: gpd.GeoDataFrame,
    *,
    id_column: str,
    name_column: str | None = None,
    decimals: int = COORD_DECIMALS_AREAS,
) -> EncodedAreas:
    """Encode ``gdf``'s polygons compactly: coordinates rounded to ``decimals`` and
    delta-encoded as integers (about a third of the bytes of GeoJSON at the same
    precision). Empty geometries are skipped. This is the slow part of an area layer;
    :func:`district_areas` caches it for the bundled district layers.
    """
    for col in (id_column, name_column):
        if col is not None and col not in gdf.columns:
            raise ValueError(
                f"column {col!r} is not in the boundary frame (columns: {list(gdf.columns)})"
            )
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    geoms = geoms[keep]
    scale = 10**decimals
    ring_geom, ring_part, per_ring = _ring_deltas(geoms, scale)
    nested: list[list[list[list[int]]]] = [[] for _ in range(len(geoms))]
    previous_part = -1
    for geom_i, part_i, ring in zip(ring_geom.tolist(), ring_part.tolist(), per_ring, strict=True):
        if part_i != previous_part:
            nested[geom_i].append([])
            previous_part = part_i
        nested[geom_i][-1].append(ring.tolist())
    names = gdf[name_column].astype(str).to_numpy()[keep].tolist() if name_column else None
    return EncodedAreas(
        ids=gdf[id_column].astype(str).to_numpy()[keep].tolist(),
        names=names,
        geoms_json=json.dumps(nested, separators=(",", ":")),
        scale=scale,
    )


@lru_cache(maxsize=8)
def district_areas(detail: Detail = "national", data_dir: str | None = None) -> EncodedAreas:
    """The bundled school districts at ``detail`` ("national", "draw", "join"), encoded
    once per process (about 0.4 s for the national layer) and reused by every map."""
    from geo import boundaries

    gdf = boundaries.districts(detail, data_dir=data_dir)
    return encode_areas(gdf, id_column="geoid", name_column="name")


def area_payload(areas: EncodedAreas, *, values: pd.Series | None = None) -> str:
    """The script-safe JSON that ``L.partnerAreas`` decodes into GeoJSON Features with
    only ``geoid``, ``name`` and ``value`` (looked up in ``values`` by id; null when a
    district has none)."""
    head: dict[str, object] = {"scale": areas.scale, "ids": areas.ids}
    if areas.names is not None:
        head["names"] = areas.names
    if values is not None:
        lookup = values.copy()
        lookup.index = lookup.index.astype(str)
        head["values"] = [_json_number(v) for v in lookup.reindex(areas.ids).to_numpy(dtype=object)]
    # geoms_json holds only integers and brackets, so it needs no script escaping.
    return script_json(head)[:-1] + ',"geoms":' + areas.geoms_json + "}"


def _json_number(value: Any) -> float | int | None:  # any cell value
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    return int(number) if number.is_integer() else round(number, 4)


def add_outline(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    *,
    color: str = "#37474f",
    weight: float = 1.2,
    id_column: str | None = None,
) -> folium.Map:
    """Draw the borders of ``gdf`` (e.g. states) as thin, non-clickable lines."""
    check_color(color, "color")
    id_col = id_column or _first_column(gdf, ("state_fips", "geoid", "GEOID", "fips"))
    data = area_payload(encode_areas(gdf, id_column=id_col))
    AreaLayer(
        data, {"interactive": False, "fill": False, "color": color, "weight": weight,
               "opacity": 0.9}
    ).add_to(m)
    return m


def _areas(
    districts: gpd.GeoDataFrame | EncodedAreas | None, id_column: str, name_column: str
) -> EncodedAreas:
    if districts is None:
        return district_areas("national")
    if isinstance(districts, EncodedAreas):
        return districts
    return encode_areas(districts, id_column=id_column, name_column=name_column)


def add_districts(
    m: folium.Map,
    districts: gpd.GeoDataFrame | EncodedAreas | None = None,
    *,
    id_column: str = "geoid",
    name_column: str = "name",
    renderer: str = "svg",
) -> folium.Map:
    """Draw school districts as thin outlines with a name tooltip, clickable.

    ``districts``: a frame, an :class:`EncodedAreas`, or None for the cached national
    layer. A click comes back from ``st_folium`` as ``last_active_drawing`` (a Feature
    whose ``properties`` hold ``geoid`` and ``name``).
    """
    data = area_payload(_areas(districts, id_column, name_column))
    AreaLayer(data, {"weight": 0.4, "color": "#7b8a99", "fillOpacity": 0.04,
                      **renderer_option(renderer)}).add_to(m)
    return m


def _first_column(gdf: gpd.GeoDataFrame, candidates: Sequence[str]) -> str:
    for c in candidates:
        if c in gdf.columns:
            return c
    raise ValueError(f"none of the id columns {list(candidates)} is in the frame; pass id_column=")


@lru_cache(maxsize=2)
def state_outlines(data_dir: str | None = None) -> EncodedAreas:
    """The bundled state layer, encoded once per process (every home-map rerun uses it)."""
    from geo import boundaries

    return encode_areas(boundaries.states(data_dir=data_dir), id_column="state_fips")
