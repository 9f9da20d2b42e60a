"""Every map the app shows, built as a :class:`folium.Map` and never displayed here: pages
hand it to ``st_folium``, downloads pass it to :func:`geo.assets.standalone_html`, tests
render it to HTML.

- :mod:`.bounds`: :class:`Bounds`, the one bounding-box type (south, west, north, east)
- :mod:`.elements`: the folium elements (one script each) drawn by ``geo/js``
- :mod:`.base`: the empty base map, the "Save as image (PNG)" button
- :mod:`.areas`: boundaries encoded for the browser, district and outline layers
- :mod:`.site_layer`: sites clustered on a canvas, and their popups
- :mod:`.choropleth`: shaded places with "no activity" apart, state lines, place names
- maps of the pages: :mod:`.national` (home, publish), :mod:`.coverage_view` (Coverage),
  :mod:`.counts` and :mod:`.pairs` (Overlaps), :mod:`.scan_view` and :mod:`.overview`
  (Scan a place), :mod:`.partner_view` (Partners)

Why not plain folium layers: one ``folium.Marker`` per site and raw ``folium.GeoJson``
polygons are far too heavy for 100,000 sites and 13,000 districts (see ``/bench``).
"""
from geo.maps.areas import (
    EncodedAreas,
    add_districts,
    add_outline,
    area_payload,
    district_areas,
    encode_areas,
)
from geo.maps.base import (
    MAX_ZOOM,
    NO_DATA_COLOR,
    add_image_export,
    base_map,
    renderer_option,
)
from geo.maps.bounds import LOWER_48_BOUNDS, US_BOUNDS, Bounds
from geo.maps.choropleth import (
    BOUNDARY_SOURCE,
    RECORDS_SOURCE,
    area_layer,
    bounds_of,
)
from geo.maps.counts import partner_count_map
from geo.maps.coverage_view import coverage_map
from geo.maps.elements import AreaLayer, Legend, PlaceLabels, fetch_large_data
from geo.maps.national import national_layers, national_map
from geo.maps.overview import overview_map, state_areas
from geo.maps.pairs import add_site_pairs, pair_bounds
from geo.maps.partner_view import partner_map
from geo.maps.scan_view import neighbour_shapes, neighbourhood, scan_map, view_bounds
from geo.maps.site_layer import (
    DEFAULT_POPUP_FIELDS,
    DETAILED_POPUP_FIELDS,
    add_sites_layer,
    label_sites,
    labelled_sites,
    sites_payload,
)

__all__ = [
    "fetch_large_data",
    "BOUNDARY_SOURCE", "Bounds", "DEFAULT_POPUP_FIELDS", "DETAILED_POPUP_FIELDS", "AreaLayer",
    "EncodedAreas", "LOWER_48_BOUNDS", "Legend", "MAX_ZOOM", "NO_DATA_COLOR", "PlaceLabels",
    "RECORDS_SOURCE", "US_BOUNDS",
    "add_districts", "add_image_export", "add_outline", "add_site_pairs", "add_sites_layer",
    "area_layer", "area_payload", "base_map", "bounds_of", "coverage_map", "district_areas",
    "encode_areas", "label_sites", "labelled_sites", "national_layers", "national_map",
    "neighbour_shapes", "neighbourhood", "overview_map", "pair_bounds", "partner_count_map",
    "partner_map", "renderer_option", "scan_map", "sites_payload", "state_areas", "view_bounds",
]
