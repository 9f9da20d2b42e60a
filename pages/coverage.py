"""Coverage ("where we are and are not"): partners, activities and community-school
sites by state, county and district, set against need, for the steering committee.

Thin UI over :mod:`geo.analysis.coverage` and :mod:`geo.maps`; filters, map
settings and the selected place live in the URL (:mod:`pages._filters`).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.analysis import coverage, summary
from geo.analysis.coverage import coverage_classes, place_line
from geo.analysis.gazetteer import NEED_SOURCE
from geo.assets import standalone_html
from geo.maps import add_image_export, coverage_map, level_of
from geo.maps.coverage_view import coverage_bounds, coverage_header, gap_values
from pages import _coverage_tabs as C, _filters, _query, _ui

LEVELS = {"state": "States", "county": "Counties", "district": "School districts"}
LEVEL_NOUNS = {"state": "state", "county": "county", "district": "district"}
METRICS = {"partners": "Partners", "activities": "Activities", "sites": "Partner sites",
           "community_schools": "Community-school sites"}
METHODS = {"quantiles": "Quantiles", "natural_breaks": "Natural breaks",
           "equal_interval": "Equal intervals"}
CLASS_COUNTS = {str(k): str(k) for k in range(3, 8)}


def _clear_selection() -> None:
    st.session_state["cv_place"] = ""
    _query.write({"place": None})


_ui.sidebar()
frames = _ui.frames_for_viewer()
filters = _filters.filter_panel(frames, prefix="cv",
                                fields=("partner", "partner_type", "kind", "principle", "status",
                                        "date"))
with_filters = _filters.describe(filters)

st.title("Coverage")
st.caption(
    "Where coalition partners are and are not active, by state, county and school district, "
    "and where children in poverty have few or no partners nearby."
)
link_notice = st.empty()  # filled at the end, once every URL value has been read

# --- headline figures ---------------------------------------------------------------------
figures = _filters.cached(summary, filters)
row = st.columns(6)
row[0].metric("Partners active", f"{figures['active_partners']:,}")
row[1].metric("Activities", f"{figures['activities']:,}")
row[2].metric("Community-school sites", f"{figures['community_schools']:,}")
row[3].metric("States with activity", f"{figures['states_with_activity']:,}")
row[4].metric("Counties with activity", f"{figures['counties_with_activity']:,}")
row[5].metric("Districts with activity", f"{figures['districts_with_activity']:,}")
if figures["activities"] == 0:
    st.info(f"No activity matches{with_filters or ' yet'}: every place is shown as “No activity”.")

# --- map ------------------------------------------------------------------------------------
c1, c2, c3, c4 = st.columns([1.2, 1.4, 1.3, 0.8])
with c1:
    level = _filters.selectbox("Level", LEVELS, param="level", key="cv_level", default="state")
with c2:
    metric = _filters.selectbox("Measure", METRICS, param="metric", key="cv_metric",
                                default="partners")
with c3:
    method = _filters.selectbox("Classification", METHODS, param="classes", key="cv_classes",
                                default="quantiles",
                                help="How the places with activity are split into colour classes. "
                                     "Places with none are always a class of their own.")
with c4:
    k = int(_filters.selectbox("Classes", CLASS_COUNTS, param="k", key="cv_k", default="5"))
o1, o2 = st.columns(2)
show_gaps = _filters.checkbox(
    "Show gaps against need on the map", param="gaps", key="cv_gaps", container=o1,
    help="Shade in orange the school districts with the most children in poverty "
         "and few or no partners (set under “Gaps against need”).")
show_names = _filters.checkbox(
    "Show place names", param="names", key="cv_names", container=o2,
    help="Write the names of the states on the map, and of the counties once you zoom in "
         "to about one state. They come with the app and need no internet. A background "
         "street map is a server setting: PARTNERMAP_TILES=osm adds OpenStreetMap "
         "underneath when there is internet (see the README's Configuration); without it "
         "the map has a plain background.")

noun = LEVEL_NOUNS[level]
table = _filters.cached(coverage, filters, level, metric=metric)
classes = _filters.cached(coverage_classes, filters, level, metric, method, k)
values = pd.Series(table["value"].to_numpy(), index=table["place_id"].astype("str").to_numpy())
legend = f"{METRICS[metric]} per {noun}"

selected = _query.read("place", _query.parse_pattern, r"\d{2}|\d{5}|\d{7}")
if "cv_place" in st.session_state:
    selected = st.session_state["cv_place"] or None
clicked = _filters.new_click("coverage_map")
if clicked and level_of(clicked):
    selected = st.session_state["cv_place"] = clicked
_query.write({"place": selected})
# The map sits above the tables but shows the gaps chosen in their tab: keep its place.
map_box = st.container()
selection_box = st.container()

# --- tables and charts ----------------------------------------------------------------------
places_tab, gaps_tab, charts_tab = st.tabs([f"{LEVELS[level]}", "Gaps against need", "Charts"])

with places_tab:
    C.places_table(table, level=level, levels=LEVELS[level], noun=noun, measure=METRICS[metric],
                   with_filters=with_filters)
with gaps_tab:
    gap_table, gap_max, gap_by, gap_top = C.gaps_table(filters, with_filters=with_filters)
with charts_tab:
    C.charts(filters, with_filters=with_filters)


# --- the map and the selected place (drawn into their place above the tables) -------------
gaps_drawn = (gap_values(gap_table, gap_by, gap_top) if show_gaps and not gap_table.empty
              else None)
gap_legend = (f"Gaps: {C.GAP_BY[gap_by].lower()}, {C.GAP_TOP[str(gap_top)].lower()} districts with "
              f"{C.GAP_PARTNERS[str(gap_max)].lower()}")
settings = _ui.settings()
map_args = dict(level=level, legend=legend, value_label=METRICS[metric], gaps=gaps_drawn,
                gap_legend=gap_legend, bounds=coverage_bounds(selected), tiles=settings.tiles,
                labels=show_names)
header = coverage_header(legend, METHODS[method], _filters.summary_lines(filters, frames.partners),
                         gap_legend=gap_legend if gaps_drawn is not None else None, level=level,
                         need_source=NEED_SOURCE, sample=_ui.has_sample_data())
file_stem = f"coverage_{level}_{metric}"


def _map():
    m = coverage_map(values, classes, selected=selected, **map_args)
    return add_image_export(m, header, file_name=file_stem)


# Built once per data version, viewer role and everything the map shows; shared by every session.
view = (filters, level, metric, method, k, selected, show_gaps, gap_max, gap_by, gap_top,
        settings.tiles, show_names, header)
with map_box:
    _ui.cached_map(_map, view=view, key="coverage_map", height=560)


def _map_html() -> str:
    """The map as one HTML file (runs only when the download button is clicked), with the
    header above it."""
    return standalone_html(_map(), header=header)


map_box.download_button("Download the map (HTML)", _map_html, file_name=f"{file_stem}.html",
                        mime="text/html", key="cv_dl_map", on_click="ignore",
                        help="A standalone page that opens in any browser, with no internet "
                             "needed. To get a picture of the map (PNG) for a slide or a "
                             "handout, use “Save as image (PNG)” on the map itself.")

with selection_box:
    if selected:
        sel_level = level_of(selected)
        sel_table = (table if sel_level == level
                     else _filters.cached(coverage, filters, sel_level, metric=metric))
        hit = sel_table[sel_table["place_id"] == selected]
        if hit.empty:
            st.warning(f"No place with id {selected} in the boundary data.")
        else:
            text = place_line(hit.iloc[0], sel_level, with_filters)
            st.text(text)  # names come from data: plain text, never markdown
        st.button("Clear selection", key="cv_clear", on_click=_clear_selection)
    else:
        st.caption("Click a place on the map to see its figures.")

bad = _query.bad_params()
if bad:
    link_notice.caption("Ignored unreadable link settings: " + ", ".join(bad))
