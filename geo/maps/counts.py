"""The Overlaps page's map: places of a level shaded by how many partners work there
("No partner" where none does), the selected place outlined, pairs of nearby sites."""
from __future__ import annotations

from collections.abc import Sequence

import folium
import pandas as pd

from geo.assets import DEFAULT_BASE_URL, MapHeader
from geo.maps.base import add_image_export, base_map
from geo.maps.bounds import Bounds
from geo.maps.choropleth import (
    BOUNDARY_SOURCE,
    RECORDS_SOURCE,
    add_area_choropleth,
    add_selection,
    add_state_lines,
    area_layer,
    bounds_of,
    check_level,
)
from geo.maps.pairs import add_site_pairs

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


def overlaps_bounds(level: str, selected: str | None, state_fips: str | None) -> Bounds | None:
    """The Overlaps map's view: the ``selected`` place of ``level`` with its neighbours,
    else the state filtered on, else None (the whole country)."""
    if selected:
        pad, span = {"district": (1.0, 1.0), "county": (1.0, 1.0), "state": (0.1, 0.0)}[level]
        return bounds_of(level, [selected], pad=pad, min_span=span)
    if state_fips:
        return bounds_of("state", [state_fips])
    return None


def overlaps_map(counts: pd.Series, *, level: str, selected: str | None, bounds: Bounds | None,
                 tiles: str | None, pairs: pd.DataFrame, sites: pd.DataFrame,
                 picked: int | None, header: MapHeader, file_name: str) -> folium.Map:
    """The Overlaps page's map: :func:`partner_count_map`, the site ``pairs`` drawn
    (``picked``, a row of ``pairs``, in red) and the "Save as image (PNG)" button with
    ``header`` above the image."""
    m = partner_count_map(counts, level=level, selected=selected, bounds=bounds, tiles=tiles)
    if not pairs.empty:
        add_site_pairs(m, pairs, sites, selected=picked)
    return add_image_export(m, header, file_name=file_name)


def pairs_note(drawn: int, total: int, miles: float) -> str:
    """The line under the Overlaps map (and on its image) saying what the orange lines are."""
    if not drawn:
        return ""
    more = f" (the nearest {drawn:,} of {total:,})" if total > drawn else ""
    return f"Orange lines: sites of different partners within {miles:g} mi of each other{more}."


def overlaps_header(noun: str, filter_lines: Sequence[str], *, outlined: str | None,
                    note: str, sample: bool) -> MapHeader:
    """What the Overlaps map's "Save as image (PNG)" writes above it: view, filters, the
    place outlined, the pairs drawn, date and sources."""
    details = [f"Partners per {noun}", *filter_lines]
    if outlined is not None:
        details.append(f"Outlined in red: {outlined}")
    if note:
        details.append(note)
    return MapHeader(title=f"Overlaps: partners per {noun}", details=tuple(details),
                     sources=(RECORDS_SOURCE, BOUNDARY_SOURCE), sample=sample)
