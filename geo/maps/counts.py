"""The Overlaps page's map: places of a level shaded by how many partners work there
("No partner" where none does), with the selected place outlined."""
from __future__ import annotations

import folium
import pandas as pd

from geo.assets import DEFAULT_BASE_URL
from geo.maps.base import base_map
from geo.maps.bounds import Bounds
from geo.maps.choropleth import (
    add_area_choropleth,
    add_selection,
    add_state_lines,
    area_layer,
    check_level,
)

# Partner counts per place on the overlaps map: one partner is no overlap yet.
PARTNER_COUNT_UPPER: tuple[float, ...] = (1, 2, 3, 5, 6)
PARTNER_COUNT_LABELS: tuple[str, ...] = ("1 partner", "2 partners", "3 partners", "4 - 5 partners",
                                         "6 or more partners")
# Darker than the sequential scheme's first steps: the few districts with partners must
# stand out at national zoom against thousands with none.
PARTNER_COUNT_COLORS: tuple[str, ...] = ("#bcbddc", "#9e9ac8", "#756bb1", "#54278f", "#3f007d")
LEVEL_NOUNS: dict[str, str] = {"state": "state", "county": "county", "district": "district"}


def partner_count_map(
    counts: pd.Series,
    *,
    level: str = "district",
    selected: str | None = None,
    bounds: Bounds | None = None,
    tiles: str | None = "none",
    asset_base_url: str = DEFAULT_BASE_URL,
) -> folium.Map:
    """Places of ``level`` (state, county or district) shaded by the number of distinct
    partners (``counts``: place id -> n), "No partner" where there is none (also for
    places missing from ``counts``), the ``selected`` place outlined, the view fitted to
    ``bounds`` (default: every state and territory). Clicking a place reports its Feature
    (``geoid`` = the place id, ``name``, ``value``) to ``st_folium``."""
    areas = area_layer(check_level(level))
    counts = pd.to_numeric(counts, errors="coerce")
    counts.index = counts.index.astype("str")
    # A place missing from ``counts`` has no partner (0), not unknown data.
    counts = counts[~counts.index.duplicated()].reindex(areas.ids, fill_value=0)
    m = base_map(bounds, tiles=tiles, asset_base_url=asset_base_url)
    add_area_choropleth(m, areas, counts, upper=PARTNER_COUNT_UPPER,
                        labels=PARTNER_COUNT_LABELS, legend=f"Partners per {LEVEL_NOUNS[level]}",
                        value_label="Partners", zero_label="No partner",
                        colors=PARTNER_COUNT_COLORS)
    if level != "state":
        add_state_lines(m)
    add_selection(m, selected)
    return m
