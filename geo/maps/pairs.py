"""Pairs of nearby sites of different partners (the Overlaps page): both sites and a line
between them, drawn by ``L.partnerPairs`` (geo/js/pairs.js), and the box around a pair."""
from __future__ import annotations

import folium
import numpy as np
import pandas as pd

from geo.maps.bounds import Bounds
from geo.maps.elements import PairsLayer, script_json


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
    PairsLayer(script_json({"pairs": rows, "selected": sel})).add_to(m)
    return m


def pair_bounds(pairs: pd.DataFrame, sites: pd.DataFrame, row: int, *,
                min_span: float = 0.05) -> Bounds | None:
    """The box around the two sites of ``pairs``' row ``row``,
    at least ``min_span`` degrees wide, or None when a site has no coordinates."""
    xy = sites.astype({"site_id": "int64"}).set_index("site_id")[["latitude", "longitude"]]
    ids = [int(pairs["site_a_id"].iloc[row]), int(pairs["site_b_id"].iloc[row])]
    pts = xy[~xy.index.duplicated()].reindex(ids).to_numpy(dtype="float64", na_value=np.nan)
    if not np.isfinite(pts).all():
        return None
    (s, w), (n, e) = pts.min(axis=0), pts.max(axis=0)
    cy, cx = (s + n) / 2, (w + e) / 2
    hy, hx = max((n - s) * 0.75, min_span / 2), max((e - w) * 0.75, min_span / 2)
    return Bounds(float(cy - hy), float(cx - hx), float(cy + hy), float(cx + hx))


def pairs_to_draw(pairs: pd.DataFrame, *, show: bool, picked: int | None,
                  limit: int) -> tuple[pd.DataFrame, int | None]:
    """The rows of ``pairs`` (nearest first) to draw: the first ``limit`` when ``show``,
    and always the ``picked`` row; and the picked row's position among them."""
    drawn = pairs.head(limit) if show or picked is not None else pairs.head(0)
    if picked is not None and picked >= len(drawn):
        drawn = pd.concat([drawn, pairs.iloc[[picked]]])
    position = None if picked is None else (picked if picked < limit else len(drawn) - 1)
    return drawn, position

