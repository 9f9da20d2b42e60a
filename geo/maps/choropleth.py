"""Choropleth layers of states, counties and school districts with "no activity" kept apart,
for the Coverage and Overlaps maps (:mod:`geo.maps.coverage_view`, :mod:`geo.maps.counts`).

The same layer for every level, classes chosen by the user (:func:`geo.analysis.classify`:
quantiles, natural breaks, equal intervals), a distinct swatch for places where nobody
works, state lines, an outline around the selected place, place names, and the box
around places to fit a map to.

Geometry is encoded with :func:`geo.maps.areas.encode_areas` (once per level and
process) and drawn in the browser by ``geo/js/areas.js``; every function here returns or
adds to a :class:`folium.Map` and never displays it.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import cache
from itertools import pairwise

import folium
import numpy as np
import pandas as pd

from geo.analysis.classify import Classes
from geo.maps.areas import EncodedAreas, area_payload, district_areas, encode_areas
from geo.maps.base import NO_DATA_COLOR, renderer_option
from geo.maps.bounds import Bounds
from geo.maps.elements import AreaLayer, Legend, PlaceLabels

# The map layer of each level and the id column that layer is keyed on.
LEVELS: tuple[str, ...] = ("state", "county", "district")

# The data behind every choropleth, as a downloaded map names them (geo.assets.MapHeader).
RECORDS_SOURCE = "Community Schools Partner Map (partner records)"
BOUNDARY_SOURCE = ("US Census Bureau boundaries (school districts 2015-16, 1:500k; "
                   "states and counties 2023, 1:10m)")

NO_ACTIVITY_LABEL = "No activity"
NO_DATA_LABEL = "No data"
# Warm grey: reads as "nothing here", never as the lightest blue/orange/purple class.
NO_ACTIVITY_COLOR = "#e4e0d8"
SELECTED_COLOR = "#d62728"
# ColorBrewer sequential schemes, 7 classes, light to dark.
PALETTES: dict[str, tuple[str, ...]] = {
    "blues": ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"),
    "oranges": ("#feedde", "#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801", "#8c2d04"),
    "purples": ("#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#4a1486"),
}


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)} (got {level!r})")
    return level


def palette(name: str, k: int) -> list[str]:
    """``k`` colors (1-7) of the scheme ``name``, light to dark.

    Below 7 classes the near-white first color is skipped, so the lightest class still
    stands apart from the background and from :data:`NO_ACTIVITY_COLOR`.
    """
    if name not in PALETTES:
        raise ValueError(f"palette must be one of {', '.join(PALETTES)} (got {name!r})")
    if not 1 <= k <= 7:
        raise ValueError(f"a palette has 1 to 7 colors (got k={k})")
    colors = PALETTES[name]
    first = 0 if k == 7 else 1
    picks = np.round(np.linspace(first, 6, k)).astype(int) if k > 1 else [4]
    return [colors[i] for i in picks]


def _boundary(level: str):
    from geo import boundaries
    from geo.analysis import gazetteer

    if level == "district":
        return boundaries.districts("national"), "geoid", "name"
    # The gazetteer's labels name the state too ("Cook County, IL"); states keep their name.
    g = gazetteer.boundary(level)
    return g, "place_id", "label"


@cache
def area_layer(level: str) -> EncodedAreas:
    """The encoded boundaries of ``level``, once per process: states and counties from
    the bundled 1:10m layers, districts from the national layer (the 5.7 MB
    ``districts_national`` file; about 1.9 MB in the page)."""
    check_level(level)
    if level == "district":
        return district_areas("national")
    gdf, id_col, name_col = _boundary(level)
    return encode_areas(gdf, id_column=id_col, name_column=name_col)


def subset_areas(level: str, ids: Collection[str]) -> EncodedAreas:
    """Only the places ``ids`` of ``level``, encoded (for overlays and outlines)."""
    gdf, id_col, name_col = _boundary(check_level(level))
    wanted = {str(i) for i in ids}
    part = gdf[gdf[id_col].astype("str").isin(wanted)]
    return encode_areas(part, id_column=id_col, name_column=name_col)


def level_of(place_id: str) -> str | None:
    """The level a place id belongs to by its length (2: state FIPS, 5: county FIPS,
    7: district GEOID), or None."""
    return ({2: "state", 5: "county", 7: "district"}.get(len(str(place_id)))
            if str(place_id).isdigit() else None)


def add_area_choropleth(
    m: folium.Map,
    areas: EncodedAreas,
    values: pd.Series,
    *,
    upper: Sequence[float],
    labels: Sequence[str],
    legend: str,
    value_label: str | None = None,
    zero_label: str | None = NO_ACTIVITY_LABEL,
    colors: Sequence[str] | None = None,
    scheme: str = "blues",
    position: str = "bottomright",
    renderer: str = "map",
) -> folium.Map:
    """Shade ``areas`` by ``values`` (a Series indexed by place id) in given classes.

    ``upper`` are the classes' upper bounds (ascending) and ``labels`` their legend text,
    e.g. from :func:`geo.analysis.classify` (``classes.upper``, ``classes.labels[1:]``).
    With ``zero_label`` (default "No activity"), values of 0 or less get a class and a
    legend swatch of their own (:data:`NO_ACTIVITY_COLOR`); areas without any value
    are drawn in the map's no-data grey and listed as "No data" only when there are
    some. Values above the last bound fall in the last class.
    """
    if not isinstance(values, pd.Series):
        raise TypeError("values must be a pandas Series indexed by place id "
                        f"(got {type(values).__name__})")
    upper = [float(u) for u in upper]
    if len(labels) != len(upper):
        raise ValueError(f"labels has {len(labels)} entries for {len(upper)} classes; "
                         "give one per class")
    if any(b <= a for a, b in pairwise(upper)):
        raise ValueError(f"upper must be ascending class bounds (got {upper})")
    shades = list(colors) if colors is not None else (palette(scheme, len(upper)) if upper else [])
    if len(shades) != len(upper):
        raise ValueError(f"colors has {len(shades)} entries for {len(upper)} classes; "
                         "give one per class")
    bins, swatches, texts = list(upper), list(shades), list(labels)
    if zero_label is not None:
        if upper and upper[0] <= 0:
            raise ValueError("with a zero class, the first upper bound must be above 0 "
                             f"(got {upper[0]})")
        bins, swatches, texts = [0.0, *bins], [NO_ACTIVITY_COLOR, *swatches], [zero_label, *texts]
    if not bins:
        raise ValueError("no classes to draw: give upper bounds, or a zero_label")
    numeric = pd.to_numeric(values, errors="coerce")
    numeric.index = numeric.index.astype("str")
    numeric = numeric[~numeric.index.duplicated()]
    present = numeric.reindex(areas.ids)
    no_data = bool(present.isna().any())
    layer = AreaLayer(
        area_payload(areas, values=numeric),
        {"bins": bins, "colors": swatches, "noDataColor": NO_DATA_COLOR,
         "valueLabel": value_label or legend, "decimals": 2,
         "weight": 0.3, "color": "#ffffff", "fillOpacity": 0.85,
         **renderer_option(renderer)},
    )
    layer.add_to(m)
    Legend(
        {"title": legend, "colors": swatches, "labels": texts, "position": position,
         "noDataLabel": NO_DATA_LABEL if no_data else None, "noDataColor": NO_DATA_COLOR}
    ).add_to(m)
    return m


def whole_number_classes(classes: Classes, values: pd.Series) -> tuple[list[float], list[str]]:
    """``classes``' upper bounds and labels, with the bounds rounded down when every value
    is a whole number (counts): quantiles and equal intervals cut counts at fractions
    ("3 - 8.60"), but for whole numbers "at most 8.6" is "at most 8", so nobody's class
    changes and the legend reads "3 - 8". Other values keep the labels as they are."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    positive = v[np.isfinite(v) & (v > 0)]
    if positive.size == 0 or not np.all(np.mod(positive, 1) == 0):
        return list(classes.upper), list(classes.labels[1:])
    upper: list[float] = []
    for u in classes.upper:
        hi = float(np.floor(u))
        if not upper or hi > upper[-1]:
            upper.append(hi)
    labels, lo = [], float(positive.min())
    for hi in upper:
        labels.append(f"{lo:,.0f}" if lo == hi else f"{lo:,.0f} - {hi:,.0f}")
        lo = hi + 1
    return upper, labels


def add_classes(
    m: folium.Map,
    areas: EncodedAreas,
    values: pd.Series,
    classes: Classes,
    *,
    legend: str,
    value_label: str | None = None,
    zero_label: str | None = NO_ACTIVITY_LABEL,
    scheme: str = "blues",
    position: str = "bottomright",
    renderer: str = "map",
) -> folium.Map:
    """:func:`add_area_choropleth` with the classes :func:`geo.analysis.classify` made
    (whole-number bounds for counts, see :func:`whole_number_classes`)."""
    upper, labels = whole_number_classes(classes, values)
    return add_area_choropleth(
        m, areas, values, upper=upper, labels=labels, legend=legend,
        value_label=value_label, zero_label=zero_label, scheme=scheme, position=position,
        renderer=renderer)


def add_state_lines(m: folium.Map) -> folium.Map:
    """State borders as thin, non-clickable lines (the state layer is encoded once)."""
    AreaLayer(
        area_payload(area_layer("state")),
        {"interactive": False, "fill": False, "color": "#37474f", "weight": 0.8, "opacity": 0.9},
    ).add_to(m)
    return m


def add_selection(m: folium.Map, place_id: str | None) -> folium.Map:
    """Outline the selected place (any level, told by the id's length) in red."""
    level = level_of(place_id) if place_id else None
    if level is None or place_id is None:
        return m
    areas = subset_areas(level, [place_id])
    if not areas.ids:
        return m
    layer = AreaLayer(
        area_payload(areas),
        {"interactive": False, "fill": False, "color": SELECTED_COLOR, "weight": 3, "opacity": 1.0},
    )
    layer.add_to(m)
    return m


# Zoom from which county names are drawn (about one state filling the map).
COUNTY_LABEL_ZOOM = 6.5


@cache
def place_labels(level: str) -> dict[str, list]:
    """Names and label points of every state or county (``level``), largest place first:
    ``names``, ``lat``, ``lon`` (and ``short``, the postal code, for states). A place's
    label point is the pole of inaccessibility of its largest part (inside it, away from
    its edges: Michigan's name stays on the Lower Peninsula). Computed once per process
    (about a second for the 3,233 counties)."""
    from shapely.ops import polylabel

    if level not in ("state", "county"):
        raise ValueError(f"place names are drawn for states and counties (got {level!r})")
    gdf, _, _ = _boundary(level)
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    parts = [max(getattr(g, "geoms", [g]), key=lambda part: part.area) for g in gdf.geometry]
    order = np.argsort([-part.area for part in parts], kind="stable")
    points = [polylabel(parts[i], tolerance=0.02) for i in order]
    out: dict[str, list] = {
        "names": gdf["name"].astype("str").to_numpy()[order].tolist(),
        "lat": [round(pt.y, 3) for pt in points],
        "lon": [round(pt.x, 3) for pt in points],
    }
    if level == "state":
        out["short"] = gdf["state"].astype("str").to_numpy()[order].tolist()
    return out


def add_place_labels(m: folium.Map, *, county_zoom: float = COUNTY_LABEL_ZOOM) -> folium.Map:
    """Draw the names of the states, and from ``county_zoom`` on of the counties, over
    the map (geo/js/labels.js), from the bundled boundary layers: no tiles, offline.
    Overlapping names are left out, smaller places first."""
    PlaceLabels({"states": place_labels("state"), "counties": place_labels("county"),
                      "countyZoom": county_zoom}).add_to(m)
    return m


def bounds_of(level: str, ids: Collection[str], *, pad: float = 0.0,
              min_span: float = 0.0) -> Bounds | None:
    """The box around the places ``ids`` of ``level``, or None
    when none of them is in the boundary layer. ``pad`` widens the box by that fraction
    of its size on every side and ``min_span`` (degrees) keeps a small place in its
    surroundings: a map fitted to a selected district still shows its neighbours."""
    gdf, id_col, _ = _boundary(check_level(level))
    part = gdf[gdf[id_col].astype("str").isin({str(i) for i in ids})]
    part = part[~part.geometry.is_empty]
    if part.empty:
        return None
    west, south, east, north = (float(v) for v in part.total_bounds)
    half_w = max((east - west) * (0.5 + pad), min_span / 2)
    half_h = max((north - south) * (0.5 + pad), min_span / 2)
    cx, cy = (west + east) / 2, (south + north) / 2
    return Bounds.around(cy, cx, half_height=half_h, half_width=half_w)
