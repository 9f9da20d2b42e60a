"""Building the Partner Map's folium maps, fit for national scale.

Every function here *returns* a :class:`folium.Map` (or adds to one) and never displays
it: pages hand the map to ``st_folium``, downloads pass it to
:func:`geo.assets.standalone_html`, tests render it to HTML.

Why not plain folium layers: one ``folium.Marker`` per site and raw ``folium.GeoJson``
polygons are far too heavy for 100,000 sites and 13,000 districts (see
``/bench``). Instead:

* sites travel as compact arrays (delta-encoded integer coordinates at 5 decimals plus
  dictionary-encoded popup fields) and are drawn by our canvas layer ``geo/js/sites.js``,
  which clusters them in the browser for each zoom;
* areas travel as GeoJSON with coordinates rounded to 4 decimals and only the properties
  ``geoid``, ``name`` and ``value``, styled in the browser from a bins/colors table by
  ``geo/js/areas.js``.

Untrusted text (partner and site names) is embedded with :func:`_script_json` (no
``</script>`` can end the element) and put on the page with ``textContent`` only.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, JavascriptLink, MacroElement
from jinja2 import Template

from geo import schema
from geo.assets import DEFAULT_BASE_URL, SAMPLE_LABEL, MapHeader, export_js_links, use_local_assets

if TYPE_CHECKING:
    from geo.boundaries import Detail

JS_DIR = Path(__file__).resolve().parent / "js"

# The contiguous United States, (south, west), (north, east).
LOWER_48_BOUNDS: tuple[tuple[float, float], tuple[float, float]] = ((24.4, -125.0), (49.5, -66.9))
# The default national view: every state and territory with districts or partners in the
# Americas and the Pacific near them: the lower 48, Alaska (the Aleutians west to about
# 172 W; the few islands past the 180th meridian are left out), Hawaii, Puerto Rico and the
# US Virgin Islands.
US_BOUNDS: tuple[tuple[float, float], tuple[float, float]] = ((17.6, -172.5), (71.5, -64.5))
MAX_ZOOM = 18
COORD_DECIMALS_SITES = 5
COORD_DECIMALS_AREAS = 4

# label -> column of the sites frame shown in a site's popup.
DEFAULT_POPUP_FIELDS: dict[str, str] = {
    "Site": "name",
    "Partner": "partner_name",
    "Kind": "site_kind_label",
}
# The same and what the site's activities say (see :func:`label_sites` with activities);
# empty values are left out of the popup.
DETAILED_POPUP_FIELDS: dict[str, str] = {
    **DEFAULT_POPUP_FIELDS,
    "District": "district_label",
    "County": "county_label",
    "ZIP": "zip",
    "Work": "work_label",
    "Status": "status_label",
    "Dates": "dates_label",
    "Contact": "contact_label",
}

# Sequential blues, light to dark (ColorBrewer "Blues", 3 to 7 classes).
_BLUES: dict[int, tuple[str, ...]] = {
    3: ("#deebf7", "#9ecae1", "#3182bd"),
    4: ("#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"),
    5: ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"),
    6: ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"),
    7: ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"),
}
NO_DATA_COLOR = "#f2f2f2"
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

_SCRIPT_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def _script_json(obj: object) -> str:
    """Compact JSON that is safe inside ``<script>`` (same escapes as geo.safe)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).translate(_SCRIPT_ESCAPES)


@cache
def _js(name: str) -> str:
    return (JS_DIR / name).read_text(encoding="utf-8")


# --- folium elements -----------------------------------------------------------------


class _RenderedScript(Element):
    """Script text that is already rendered: branca would compile it as a Jinja
    template (about 0.7 s for a 4 MB district layer); this returns it as it is."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: object) -> str:
        return self._text


class _ScriptElement(MacroElement):
    """A MacroElement with only a ``script`` macro, rendered without re-templating."""

    # branca's MacroElement.render returns None although Element.render says str
    def render(self, **kwargs: object) -> None:  # type: ignore[override]
        figure = self.get_root()
        assert isinstance(figure, Figure), "render the map, not this element alone"  # as branca
        script = self._template.module.__dict__["script"]
        figure.script.add_child(_RenderedScript(script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)



class _MapSetup(_ScriptElement):
    """Sets Leaflet's icon folder (the CSS loads after the script under st_folium, so
    Leaflet would guess it wrong), the background where there are no tiles, the
    initial view (without animation: layers added during a zoom animation would first
    draw at the old zoom), and a focus on mousedown that does not scroll the page."""

    _template = Template(
        """{% macro script(this, kwargs) %}
L.Icon.Default.imagePath = {{ this.image_path }};
{{ this._parent.get_name() }}.getContainer().style.background = "#eef1f4";
{{ this._parent.get_name() }}.fitBounds({{ this.bounds }}, {animate: false, padding: [8, 8]});
(function (map) {
  // Leaflet focuses the map on mousedown so the arrow keys pan it. Inside an iframe that
  // is partly below the fold, that focus scrolls the *page* to show the whole frame, the
  // map moves under the pointer and the click is lost. Focus without scrolling instead.
  var kb = map.keyboard;
  if (!kb || !kb.enabled()) { return; }
  kb.disable();
  kb._onMouseDown = function () {
    if (this._focused) { return; }
    this._map.getContainer().focus({preventScroll: true});
  };
  kb.enable();
})({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, image_path: str, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "MapSetup"
        self.image_path = _script_json(image_path)
        self.bounds = _script_json(bounds)


class AreaLayer(_ScriptElement):
    """A GeoJSON area layer drawn by ``L.partnerAreas`` (geo/js/areas.js)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this.library }}
var {{ this.get_name() }} = L.partnerAreas({{ this.data }}, {{ this.options }})\
.addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, geojson: str, options: dict[str, object]) -> None:
        super().__init__()
        self._name = "PartnerAreas"
        self.library = _js("areas.js")
        self.data = geojson
        self.options = _script_json(options)


class Legend(_ScriptElement):
    """A legend control drawn by ``L.partnerLegend`` (geo/js/areas.js) from a spec:
    title, colors, labels, optional noDataColor/noDataLabel, position."""

    _template = Template(
        """{% macro script(this, kwargs) %}
L.partnerLegend({{ this.spec }}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, spec: dict[str, object]) -> None:
        super().__init__()
        self._name = "PartnerLegend"
        self.spec = _script_json(spec)


class _ImageExport(_ScriptElement):
    """The "Save as image (PNG)" button drawn by ``L.partnerImageExport``
    (geo/js/export.js), with the html-to-image script it needs."""

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this.library }}
L.partnerImageExport({{ this.spec }}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, spec: Mapping[str, object], asset_base_url: str) -> None:
        super().__init__()
        self._name = "PartnerImageExport"
        self.library = _js("export.js")
        self.spec = _script_json(spec)
        # Read by folium's page render (below) and by pages._ui.map_spec (st_folium's js_links).
        self.default_js = export_js_links(asset_base_url)

    def render(self, **kwargs: object) -> None:  # type: ignore[override]  # as _ScriptElement
        figure = self.get_root()
        if isinstance(figure, Figure):
            for name, url in self.default_js:
                figure.header.add_child(JavascriptLink(url), name=name)
        super().render(**kwargs)


class PlaceLabels(_ScriptElement):
    """Place names drawn by ``L.partnerLabels`` (geo/js/labels.js) from a payload of
    names and label points (see :func:`geo.choropleth.add_place_labels`)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this.library }}
L.partnerLabels({{ this.data }}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, payload: dict[str, object]) -> None:
        super().__init__()
        self._name = "PartnerLabels"
        self.library = _js("labels.js")
        self.data = _script_json(payload)


class _SitesLayer(_ScriptElement):
    """Sites drawn and clustered on a canvas by ``L.partnerSites`` (geo/js/sites.js)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this.library }}
var {{ this.get_name() }} = L.partnerSites({{ this.data }}, {{ this.options }})\
.addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, payload: str, options: dict[str, object]) -> None:
        super().__init__()
        self._name = "PartnerSites"
        self.library = _js("sites.js")
        self.data = payload
        self.options = _script_json(options)


class _PairsLayer(_ScriptElement):
    """Pairs of sites joined by a line, drawn by ``L.partnerPairs`` (geo/js/pairs.js)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this.library }}
var {{ this.get_name() }} = L.partnerPairs({{ this.data }}, {})\
.addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, payload: str) -> None:
        super().__init__()
        self._name = "PartnerPairs"
        self.library = _js("pairs.js")
        self.data = payload


# --- base map ------------------------------------------------------------------------


def base_map(
    bounds: Sequence[Sequence[float]] | None = None,
    tiles: str | None = "none",
    *,
    prefer_canvas: bool = True,
    asset_base_url: str = DEFAULT_BASE_URL,
) -> folium.Map:
    """An empty map fitted to ``bounds`` ((south, west), (north, east); default:
    :data:`US_BOUNDS`, every state with Alaska, Hawaii and Puerto Rico), with Leaflet
    loaded from the app's own static files.

    ``tiles``: ``"none"``/``None`` (no basemap; works offline) or ``"osm"``
    (OpenStreetMap tiles, needs internet). Vector layers prefer canvas rendering.
    """
    if tiles not in (None, "none", "osm"):
        raise ValueError(f"tiles must be 'none' or 'osm' (got {tiles!r})")
    use_local_assets(asset_base_url)
    (south, west), (north, east) = bounds if bounds is not None else US_BOUNDS
    # With tiles=None folium drops max_zoom; the camelCase option survives.
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=4,
        tiles=None,
        maxZoom=MAX_ZOOM,
        minZoom=2,
        zoomSnap=0.25,
        zoomDelta=0.5,
        prefer_canvas=prefer_canvas,
        control_scale=True,
    )
    _MapSetup(
        asset_base_url.rstrip("/") + "/leaflet/images/",
        [[float(south), float(west)], [float(north), float(east)]],
    ).add_to(m)
    if tiles == "osm":
        folium.TileLayer("OpenStreetMap", max_zoom=MAX_ZOOM).add_to(m)
    return m


_FILE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def add_image_export(
    m: folium.Map, header: MapHeader, *, file_name: str, asset_base_url: str = DEFAULT_BASE_URL
) -> folium.Map:
    """Add a "Save as image (PNG)" button to ``m``: it downloads the map as shown, with
    ``header`` (title, sample-data label, filters, date, sources) drawn above it, as
    ``file_name`` (``.png`` added when missing). Made in the browser, offline; see
    geo/js/export.js. The header's texts are embedded as script-safe JSON and drawn as
    text only."""
    name = _FILE_NAME.sub("_", file_name).strip("._") or "map"
    if not name.lower().endswith(".png"):
        name += ".png"
    spec = {"title": header.title, "sample": SAMPLE_LABEL if header.sample else None,
            "lines": header.lines(), "sources": header.source_lines(), "fileName": name}
    _ImageExport(spec, asset_base_url).add_to(m)
    return m


# --- areas ---------------------------------------------------------------------------


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
    return _script_json(head)[:-1] + ',"geoms":' + areas.geoms_json + "}"


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
    _check_color(color, "color")
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


def add_district_choropleth(
    m: folium.Map,
    values: pd.Series,
    *,
    legend: str,
    bins: int | Sequence[float] = 5,
    districts: gpd.GeoDataFrame | EncodedAreas | None = None,
    id_column: str = "geoid",
    name_column: str = "name",
    value_label: str | None = None,
    decimals: int = 0,
    no_data_label: str | None = "No data",
    colors: Sequence[str] | None = None,
    renderer: str = "svg",
) -> folium.Map:
    """Shade districts by ``values`` (a Series indexed by district GEOID).

    ``bins``: a number of quantile classes (3-7) or the upper edges of the classes in
    ascending order. Districts without a value are drawn in :data:`NO_DATA_COLOR`.
    ``districts`` defaults to the cached national layer (:func:`district_areas`).
    """
    if not isinstance(values, pd.Series):
        raise TypeError("values must be a pandas Series indexed by GEOID "
                        f"(got {type(values).__name__})")
    numeric = pd.to_numeric(values, errors="coerce")
    edges = _class_edges(numeric, bins)
    palette = (tuple(colors) if colors is not None
               else _BLUES[min(max(len(edges), 3), 7)][-len(edges):])
    if len(palette) != len(edges):
        raise ValueError(f"colors has {len(palette)} entries for {len(edges)} classes; "
                         "give one per class")
    for c in palette:
        _check_color(c, "colors")
    data = area_payload(_areas(districts, id_column, name_column), values=numeric)
    AreaLayer(
        data,
        {"bins": edges, "colors": list(palette), "noDataColor": NO_DATA_COLOR,
         "valueLabel": value_label or legend, "decimals": decimals,
         "weight": 0.3, "color": "#ffffff", "fillOpacity": 0.8,
         **renderer_option(renderer)},
    ).add_to(m)
    Legend(
        {"title": legend, "colors": list(palette),
         "labels": _class_labels(numeric, edges, decimals),
         "noDataLabel": no_data_label, "noDataColor": NO_DATA_COLOR}
    ).add_to(m)
    return m


def _class_edges(values: pd.Series, bins: int | Sequence[float]) -> list[float]:
    finite = values.dropna()
    if isinstance(bins, int):
        if not 3 <= bins <= 7:
            raise ValueError(f"bins must be between 3 and 7 classes (got {bins})")
        if finite.empty:
            return [0.0] * bins
        qs = np.unique(np.quantile(finite.to_numpy(dtype=float), np.linspace(0, 1, bins + 1)[1:]))
        return [float(q) for q in qs]
    edges = [float(b) for b in bins]
    if not edges or any(b2 <= b1 for b1, b2 in pairwise(edges)):
        raise ValueError(f"bins must be class upper edges in ascending order (got {list(bins)})")
    return edges


def _class_labels(values: pd.Series, edges: list[float], decimals: int) -> list[str]:
    low = values.min() if values.notna().any() else 0.0
    labels = []
    for i, hi in enumerate(edges):
        lo = low if i == 0 else edges[i - 1]
        fmt = f"{{:,.{decimals}f}}"
        labels.append(f"{fmt.format(lo)} – {fmt.format(hi)}" if i == 0
                      else f"> {fmt.format(lo)} – {fmt.format(hi)}")
    return labels


def _check_color(color: str, name: str) -> None:
    if not _HEX_COLOR.match(str(color)):
        raise ValueError(f"{name} must be a color like '#1f6feb' (got {color!r})")


# "map": the map's own canvas (base_map prefers canvas), shared by every area layer
# that uses it (choropleths, state lines, selection outlines), so one canvas hit-tests
# every click; drawing 13,000 districts on canvas is also faster than 13,000 SVG paths.
# "svg"/"canvas": a renderer of the layer's own. A second canvas on top takes the clicks
# meant for the one below; "svg" draws above every canvas and stays clickable (the
# coverage page's gap overlay).
RENDERERS: tuple[str, ...] = ("map", "svg", "canvas")


def renderer_option(renderer: str) -> dict[str, str]:
    """The area layer's ``renderer`` option for ``renderer`` (nothing for ``"map"``)."""
    if renderer not in RENDERERS:
        raise ValueError(f"renderer must be one of {', '.join(RENDERERS)} (got {renderer!r})")
    return {} if renderer == "map" else {"renderer": renderer}


def _first_column(gdf: gpd.GeoDataFrame, candidates: Sequence[str]) -> str:
    for c in candidates:
        if c in gdf.columns:
            return c
    raise ValueError(f"none of the id columns {list(candidates)} is in the frame; pass id_column=")


# --- sites ---------------------------------------------------------------------------


def label_sites(sites: pd.DataFrame, partners: pd.DataFrame,
                activities: pd.DataFrame | None = None) -> pd.DataFrame:
    """``sites`` plus ``partner_name`` and ``site_kind_label`` for popups, and with
    ``activities`` the columns of :data:`DETAILED_POPUP_FIELDS`: district and county
    names, the kinds of work, status(es), dates (earliest start to latest end) and
    contacts: the site's own (``contact``) and those of its activities.

    Pass partners and activities already redacted for the viewer with
    :func:`geo.visibility.visible_frames`: the names and contacts given here are the ones
    the browser receives.
    """
    names = partners.set_index("partner_id")["name"]
    out = sites.copy()
    out["partner_name"] = out["partner_id"].map(names).fillna(schema.ANONYMOUS_PARTNER)
    out["site_kind_label"] = out["site_kind"].map(schema.SITE_KINDS).fillna(out["site_kind"])
    if activities is None:
        return out
    from geo.analysis import gazetteer

    for level, column in (("district", "district_geoid"), ("county", "county_fips")):
        labels = gazetteer.place_table(level).set_index("place_id")["label"]
        out[f"{level}_label"] = out[column].astype("string").map(labels).fillna("")
    if "zip" not in out.columns:
        out["zip"] = ""
    a = activities[activities["area_level"] == "site"].dropna(subset=["site_id"])
    a = a.astype({"site_id": "int64"}).sort_values(["site_id", "activity_id"])
    details = _activity_details(a)
    site_ids = out["site_id"].astype("int64")
    for column in ("work_label", "status_label", "dates_label", "contact_label"):
        out[column] = site_ids.map(details[column]).fillna("").to_numpy() if len(details) else ""
    if "contact" in out.columns:  # the site's own contact first, then its activities'
        own = out["contact"].fillna("").astype("str").str.strip().tolist()
        work = out["contact_label"].astype("str").tolist()
        out["contact_label"] = [_own_contact_first(c, w) for c, w in zip(own, work, strict=True)]
    return out


def _own_contact_first(own: str, work: str) -> str:
    """A site's contact followed by its activities' (``work``, ``"; "``-joined)."""
    if not own:
        return work
    return "; ".join([own, *(c for c in work.split("; ") if c and c != own)])


def _activity_details(a: pd.DataFrame) -> pd.DataFrame:
    """Per site id: kinds of work, statuses, date span and contacts of its activities
    (plain Python over lists: a groupby with Python functions is ten times slower)."""
    columns = ["work_label", "status_label", "dates_label", "contact_label"]
    if a.empty:
        return pd.DataFrame(columns=columns)
    ids = a["site_id"].tolist()
    kinds = (a["kind_of_work"].map(schema.KINDS_OF_WORK).fillna(a["kind_of_work"]).astype("str")
             .tolist())
    status = a["status"].fillna("").astype("str").tolist()
    contact = (a["contact"].fillna("").astype("str").tolist() if "contact" in a.columns
               else [""] * len(ids))
    start = pd.to_datetime(a["start_date"], errors="coerce")
    end = pd.to_datetime(a["end_date"], errors="coerce")
    by_site = pd.DataFrame({"site_id": ids, "start": start.to_numpy(), "end": end.to_numpy(),
                            "open": end.isna().to_numpy()}).groupby("site_id")
    first, last, ongoing = by_site["start"].min(), by_site["end"].max(), by_site["open"].any()
    lo = first.dt.strftime("%Y-%m-%d").fillna("")
    hi = last.dt.strftime("%Y-%m-%d").fillna("")
    dates = np.where(ongoing | (hi == ""), np.where(lo != "", "since " + lo, ""),
                     np.where(lo != "", lo + " to " + hi, "until " + hi))
    sets: dict[str, dict] = {c: {} for c in ("kind", "status", "contact")}
    for sid, k, st_, c in zip(ids, kinds, status, contact, strict=True):
        sets["kind"].setdefault(sid, {})[k] = None
        if st_:
            sets["status"].setdefault(sid, {})[st_] = None
        if c:
            sets["contact"].setdefault(sid, {})[c] = None
    order = {s_: i for i, s_ in enumerate(schema.STATUSES)}

    def joined(items, limit: int) -> str:
        items = list(items)
        return "; ".join(items[:limit]) + (f"; and {len(items) - limit} more"
                                           if len(items) > limit else "")

    index = first.index
    return pd.DataFrame({
        "work_label": [joined(sets["kind"].get(i, {}), 3) for i in index],
        "status_label": [joined(sorted(sets["status"].get(i, {}),
                                       key=lambda v: (order.get(v, 9), v)), 3)
                         for i in index],
        "dates_label": dates,
        "contact_label": [joined(sets["contact"].get(i, {}), 2) for i in index],
    }, index=index)


def _deltas(values: np.ndarray) -> list[int]:
    return np.diff(values, prepend=np.int64(0)).tolist()


def sites_payload(sites: pd.DataFrame, *, popup_fields: Mapping[str, str]) -> tuple[str, int]:
    """The compact, script-safe JSON the sites layer reads, and the number of sites in it.

    Sites without coordinates are left out (count them before calling to tell users).
    Points are ordered in latitude bands so that delta-encoded coordinates stay short.
    """
    missing = [col for col in ("latitude", "longitude", *popup_fields.values())
               if col not in sites.columns]
    if missing:
        raise ValueError(
            f"the sites frame lacks column(s) {missing} needed by the map; "
            "use geo.maps.label_sites for partner_name and site_kind_label"
        )
    lat = pd.to_numeric(sites["latitude"], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(sites["longitude"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    scale = 10**COORD_DECIMALS_SITES
    ilat = np.round(lat[ok] * scale).astype(np.int64)
    ilon = np.round(lon[ok] * scale).astype(np.int64)
    order = np.lexsort((ilon, ilat // (scale // 4)))
    rows = sites.loc[ok].iloc[order]
    fields = []
    for label, column in popup_fields.items():
        text = rows[column].astype("string").fillna("").to_numpy(dtype=object)
        codes, uniques = pd.factorize(text)
        field: dict[str, object] = {"key": column, "label": label}
        if len(uniques) == len(text):
            field.update(values=text.tolist(), codes=None)
        else:
            field.update(values=[str(u) for u in uniques], codes=codes.tolist())
        fields.append(field)
    ids = rows["site_id"].astype("int64").tolist() if "site_id" in rows.columns else None
    payload = {
        "scale": scale,
        "lat": _deltas(ilat[order]),
        "lon": _deltas(ilon[order]),
        "ids": ids,
        "fields": fields,
    }
    return _script_json(payload), int(ok.sum())


def add_sites_layer(
    m: folium.Map,
    sites: pd.DataFrame,
    *,
    popup_fields: Mapping[str, str] = DEFAULT_POPUP_FIELDS,
    color: str = "#1f6feb",
    single_zoom: int = 12,
) -> folium.Map:
    """Add the clustered canvas layer of ``sites`` (columns latitude, longitude, site_id
    and those named in ``popup_fields``, label -> column).

    Clusters split as the user zooms, entirely in the browser; from ``single_zoom`` on
    every site is drawn on its own. Clicking a site opens its popup and comes back from
    ``st_folium`` as ``last_active_drawing`` (a Point Feature with ``site_id`` and the
    popup columns as properties).
    """
    _check_color(color, "color")
    payload, _ = sites_payload(sites, popup_fields=popup_fields)
    _SitesLayer(payload, {"color": color, "singleZoom": int(single_zoom)}).add_to(m)
    return m


# --- the national map ------------------------------------------------------------------


def national_map(
    sites: pd.DataFrame,
    *,
    districts: bool = True,
    states: bool = True,
    tiles: str | None = "none",
    partners: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    popup_fields: Mapping[str, str] | None = None,
    asset_base_url: str = DEFAULT_BASE_URL,
) -> folium.Map:
    """The home map: school districts (thin, named, clickable), state outlines and the
    sites clustered.

    Give ``partners`` (and ``activities``; both already redacted for the viewer, see
    :func:`geo.visibility.visible_frames`) to label the sites' popups, or pass sites
    that already carry the popup columns (see :func:`label_sites`). ``popup_fields``
    defaults to :data:`DETAILED_POPUP_FIELDS` with activities, else
    :data:`DEFAULT_POPUP_FIELDS`.
    """
    if partners is not None:
        sites = label_sites(sites, partners, activities)
    if popup_fields is None:
        popup_fields = DETAILED_POPUP_FIELDS if activities is not None else DEFAULT_POPUP_FIELDS
    m = base_map(tiles=tiles, asset_base_url=asset_base_url)
    if districts:
        # On the map's canvas: 13,345 SVG paths cost the browser about a second more.
        add_districts(m, district_areas("national"), renderer="map")
    if states:
        AreaLayer(
            area_payload(_state_outlines()),
            {"interactive": False, "fill": False, "color": "#37474f", "weight": 1.2,
             "opacity": 0.9},
        ).add_to(m)
    add_sites_layer(m, sites, popup_fields=popup_fields)
    return m


def national_layers() -> None:
    """Load and encode the layers of the home map now (cached per process), so the first
    visitor does not wait for them (see scripts/serve.py)."""
    district_areas("national")
    _state_outlines()


@lru_cache(maxsize=2)
def _state_outlines(data_dir: str | None = None) -> EncodedAreas:
    """The bundled state layer, encoded once per process (every home-map rerun uses it)."""
    from geo import boundaries

    return encode_areas(boundaries.states(data_dir=data_dir), id_column="state_fips")


# --- pairs of sites ------------------------------------------------------------------


def add_site_pairs(
    m: folium.Map,
    pairs: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    selected: int | None = None,
) -> folium.Map:
    """Draw each row of ``pairs`` (from :func:`geo.analysis.nearby_pairs`: ``site_a_id``,
    ``site_b_id``, ``site_a``, ``partner_a``, ``site_b``, ``partner_b``,
    ``distance_mi``) as its two sites joined by a line; coordinates are looked up in
    ``sites`` (``site_id``, ``latitude``, ``longitude``). ``selected`` (a row position)
    is drawn in red on top. Names are shown as text only (tooltips use textContent);
    pass pairs whose names are already redacted for the viewer."""
    xy = sites.astype({"site_id": "int64"}).set_index("site_id")[["latitude", "longitude"]]
    xy = xy[~xy.index.duplicated()]
    a = xy.reindex(pairs["site_a_id"].astype("int64").to_numpy()).to_numpy(
        dtype="float64", na_value=np.nan)
    b = xy.reindex(pairs["site_b_id"].astype("int64").to_numpy()).to_numpy(
        dtype="float64", na_value=np.nan)
    rows = []
    for i, r in enumerate(pairs[["site_a", "partner_a", "site_b", "partner_b", "distance_mi"]]
                          .astype("str").itertuples(index=False)):
        if not (np.isfinite(a[i]).all() and np.isfinite(b[i]).all()):
            continue
        rows.append([round(float(a[i][0]), 5), round(float(a[i][1]), 5), round(float(b[i][0]), 5),
                     round(float(b[i][1]), 5), f"{r.site_a}\n{r.partner_a}",
                     f"{r.site_b}\n{r.partner_b}",
                     f"{r.distance_mi} mi apart\n{r.site_a} ({r.partner_a})\n"
                     f"{r.site_b} ({r.partner_b})"])
    sel = -1 if selected is None else int(selected)
    _PairsLayer(_script_json({"pairs": rows, "selected": sel})).add_to(m)
    return m


def pair_bounds(pairs: pd.DataFrame, sites: pd.DataFrame, row: int, *,
                min_span: float = 0.05) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """((south, west), (north, east)) around the two sites of ``pairs``' row ``row``,
    at least ``min_span`` degrees wide, or None when a site has no coordinates."""
    xy = sites.astype({"site_id": "int64"}).set_index("site_id")[["latitude", "longitude"]]
    ids = [int(pairs["site_a_id"].iloc[row]), int(pairs["site_b_id"].iloc[row])]
    pts = xy[~xy.index.duplicated()].reindex(ids).to_numpy(dtype="float64", na_value=np.nan)
    if not np.isfinite(pts).all():
        return None
    (s, w), (n, e) = pts.min(axis=0), pts.max(axis=0)
    cy, cx = (s + n) / 2, (w + e) / 2
    hy, hx = max((n - s) * 0.75, min_span / 2), max((e - w) * 0.75, min_span / 2)
    return ((float(cy - hy), float(cx - hx)), (float(cy + hy), float(cx + hx)))
