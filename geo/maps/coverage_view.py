"""The Coverage page's map: every place of a level shaded by a measure, the gaps against
need on top, the selected place outlined, and optionally the place names."""
from __future__ import annotations

from collections.abc import Sequence

import folium
import pandas as pd

from geo.analysis.classify import Classes, classify
from geo.assets import DEFAULT_BASE_URL, MapHeader
from geo.maps.base import base_map
from geo.maps.bounds import Bounds
from geo.maps.choropleth import (
    BOUNDARY_SOURCE,
    RECORDS_SOURCE,
    add_classes,
    add_place_labels,
    add_selection,
    add_state_lines,
    area_layer,
    bounds_of,
    check_level,
    level_of,
    subset_areas,
)


def coverage_map(
    values: pd.Series,
    classes: Classes,
    *,
    level: str,
    legend: str,
    value_label: str,
    gaps: pd.Series | None = None,
    gap_legend: str = "Gaps: children in poverty",
    selected: str | None = None,
    bounds: Bounds | None = None,
    tiles: str | None = "none",
    labels: bool = False,
    asset_base_url: str = DEFAULT_BASE_URL,
) -> folium.Map:
    """The coverage map: every place of ``level`` shaded by ``values`` in ``classes``
    (places with none in "No activity"), state outlines, optionally the ``gaps``
    districts (a Series GEOID -> children in poverty) in oranges on top, and the
    ``selected`` place outlined; ``bounds`` fits the view (default: every state and territory,
    see :data:`geo.maps.bounds.US_BOUNDS`). With ``labels``, the names of the states (and,
    zoomed in, counties) are drawn on top (:func:`add_place_labels`)."""
    check_level(level)
    m = base_map(bounds, tiles=tiles, asset_base_url=asset_base_url)
    add_classes(m, area_layer(level), values, classes, legend=legend, value_label=value_label)
    if level != "state":
        add_state_lines(m)
    if gaps is not None and len(gaps):
        gap_classes = classify(gaps, method="quantiles", k=min(5, max(1, gaps.nunique())))
        add_classes(m, subset_areas("district", gaps.index), gaps, gap_classes, legend=gap_legend,
                    value_label="Children in poverty", zero_label=None, scheme="oranges",
                    position="bottomleft", renderer="svg")
    add_selection(m, selected)
    if labels:
        add_place_labels(m)
    return m


def coverage_bounds(selected: str | None) -> Bounds | None:
    """The Coverage map's view: the ``selected`` place (any level) with its neighbours,
    so a click does not jump back to the whole country; None without a selection."""
    level = level_of(selected or "")
    return bounds_of(level, [selected or ""], pad=0.75, min_span=1.0) if level else None


def gap_values(gap_table: pd.DataFrame, by: str, top: int) -> pd.Series:
    """The first ``top`` districts of a :func:`geo.analysis.gaps` table as the gaps
    overlay draws them (GEOID -> the ``by`` column)."""
    head = gap_table.head(top)
    return pd.Series(head[by].to_numpy(), index=head["place_id"].astype("str").to_numpy())


def coverage_header(legend: str, method_label: str, filter_lines: Sequence[str], *,
                    gap_legend: str | None, level: str, need_source: str,
                    sample: bool) -> MapHeader:
    """What a downloaded Coverage map (HTML or PNG) says about itself: the view, the
    filters, the gaps drawn, date and sources (need figures when they are shown)."""
    details = [f"{legend}, {method_label.lower()} classes", *filter_lines]
    if gap_legend is not None:
        details.append(gap_legend)
    sources = [RECORDS_SOURCE, BOUNDARY_SOURCE]
    if gap_legend is not None or level == "district":
        sources.append(f"Need: children 5-17 in poverty, {need_source}")
    return MapHeader(title=f"Coverage: {legend}", details=tuple(details), sources=tuple(sources),
                     sample=sample)
