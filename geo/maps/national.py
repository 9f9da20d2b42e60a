"""The national map of the home page (and of ``python -m geo publish``): every school
district (thin, named, clickable), the state outlines and every site, clustered."""
from __future__ import annotations

from collections.abc import Mapping

import folium
import pandas as pd

from geo.assets import DEFAULT_BASE_URL
from geo.maps.areas import add_districts, area_payload, district_areas, state_outlines
from geo.maps.base import base_map
from geo.maps.elements import AreaLayer
from geo.maps.site_layer import (
    DEFAULT_POPUP_FIELDS,
    DETAILED_POPUP_FIELDS,
    add_sites_layer,
    label_sites,
)


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
            area_payload(state_outlines()),
            {"interactive": False, "fill": False, "color": "#37474f", "weight": 1.2,
             "opacity": 0.9},
        ).add_to(m)
    add_sites_layer(m, sites, popup_fields=popup_fields)
    return m


def national_layers() -> None:
    """Load and encode the layers of the home map now (cached per process), so the first
    visitor does not wait for them (see scripts/serve.py)."""
    district_areas("national")
    state_outlines()
