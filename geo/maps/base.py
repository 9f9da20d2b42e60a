"""What every map shares: the empty base map (Leaflet from the app's own files, the view
fitted to a :class:`~geo.maps.bounds.Bounds`), the "Save as image (PNG)" button, and the
checks on colors and renderers the layers use.

Every function here *returns* a :class:`folium.Map` (or adds to one) and never displays
it: pages hand the map to ``st_folium``, downloads pass it to
:func:`geo.assets.standalone_html`, tests render it to HTML.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import folium

from geo.assets import DEFAULT_BASE_URL, SAMPLE_LABEL, MapHeader, use_local_assets
from geo.maps.bounds import US_BOUNDS, Bounds
from geo.maps.elements import ImageExport, MapSetup

MAX_ZOOM = 18
NO_DATA_COLOR = "#f2f2f2"
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

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


def check_color(color: str, name: str) -> None:
    """Refuse anything but a ``#rrggbb`` color (it is written into the page's script)."""
    if not _HEX_COLOR.match(str(color)):
        raise ValueError(f"{name} must be a color like '#1f6feb' (got {color!r})")


def base_map(
    bounds: Bounds | Sequence[Sequence[float]] | None = None,
    tiles: str | None = "none",
    *,
    prefer_canvas: bool = True,
    asset_base_url: str = DEFAULT_BASE_URL,
) -> folium.Map:
    """An empty map fitted to ``bounds`` (a :class:`Bounds`, or ((south, west), (north,
    east)); default: :data:`~geo.maps.bounds.US_BOUNDS`, every state with Alaska, Hawaii
    and Puerto Rico), with Leaflet loaded from the app's own static files.

    ``tiles``: ``"none"``/``None`` (no basemap; works offline) or ``"osm"``
    (OpenStreetMap tiles, needs internet). Vector layers prefer canvas rendering.
    """
    if tiles not in (None, "none", "osm"):
        raise ValueError(f"tiles must be 'none' or 'osm' (got {tiles!r})")
    use_local_assets(asset_base_url)
    box = Bounds.coerce(bounds) if bounds is not None else US_BOUNDS
    lat, lon = box.center
    # With tiles=None folium drops max_zoom; the camelCase option survives.
    m = folium.Map(
        location=[lat, lon],
        zoom_start=4,
        tiles=None,
        maxZoom=MAX_ZOOM,
        minZoom=2,
        zoomSnap=0.25,
        zoomDelta=0.5,
        prefer_canvas=prefer_canvas,
        control_scale=True,
    )
    MapSetup(asset_base_url.rstrip("/") + "/leaflet/images/", box.to_folium()).add_to(m)
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
    ImageExport(spec, asset_base_url).add_to(m)
    return m
