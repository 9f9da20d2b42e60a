"""The Coverage page's map: every place of a level shaded by a measure, the gaps against
need on top, the selected place outlined, and optionally the place names."""
from __future__ import annotations

import folium
import pandas as pd

from geo.analysis.classify import Classes, classify
from geo.assets import DEFAULT_BASE_URL
from geo.maps.base import base_map
from geo.maps.bounds import Bounds
from geo.maps.choropleth import (
    add_classes,
    add_place_labels,
    add_selection,
    add_state_lines,
    area_layer,
    check_level,
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
