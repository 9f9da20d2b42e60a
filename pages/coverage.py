"""Coverage ("where we are and are not"): partners, activities and community-school
sites by state, county and district, set against need, for the steering committee.

Thin UI over :mod:`geo.analysis.coverage` and :mod:`geo.maps`; filters, map
settings and the selected place live in the URL (:mod:`pages._filters`).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pandas as pd
import streamlit as st

from geo.analysis import (
    activities_by_start_year,
    activities_per_state,
    classify,
    coverage,
    for_display,
    gaps,
    summary,
)
from geo.analysis.gazetteer import NEED_SOURCE
from geo.assets import MapHeader, standalone_html
from geo.maps import (
    BOUNDARY_SOURCE,
    RECORDS_SOURCE,
    add_image_export,
    bounds_of,
    coverage_map,
    level_of,
)
from geo.spreadsheet import neutralise_frame
from pages import _filters, _query, _ui

LEVELS = {"state": "States", "county": "Counties", "district": "School districts"}
LEVEL_NOUNS = {"state": "state", "county": "county", "district": "district"}
METRICS = {"partners": "Partners", "activities": "Activities", "sites": "Partner sites",
           "community_schools": "Community-school sites"}
METHODS = {"quantiles": "Quantiles", "natural_breaks": "Natural breaks",
           "equal_interval": "Equal intervals"}
CLASS_COUNTS = {str(k): str(k) for k in range(3, 8)}
GAP_PARTNERS = {"0": "No partner", "1": "At most 1 partner", "2": "At most 2 partners"}
GAP_BY = {"children_in_poverty": "Children in poverty (count)",
          "pct_poverty": "Children in poverty (share)"}
GAP_TOP = {"25": "Top 25", "50": "Top 50", "100": "Top 100", "250": "Top 250"}
PLACE_COLUMNS = ["place", "state", "partners", "activities", "sites", "community_schools"]
NEED_COLUMNS = ["children_5_17", "pct_poverty", "children_in_poverty"]
GAP_COLUMNS = ["rank", "place", "state", "partners", *NEED_COLUMNS, "place_id"]


def _classes(frames, level: str, metric: str, method: str, k: int):
    """Colour classes of the map, cached per filters (mapclassify's natural breaks start
    from random seeds: recomputed on every rerun the legend would change under the user)."""
    return classify(coverage(frames, level, metric=metric)["value"], method=method, k=k)


def _csv(df: pd.DataFrame) -> Callable[[], bytes]:
    """The table as shown, safe to open in a spreadsheet program; built only when the
    download button is clicked (at national scale, building every CSV on every run
    took most of the page's server time)."""
    return partial(_csv_bytes, df)


def _csv_bytes(df: pd.DataFrame) -> bytes:
    return neutralise_frame(for_display(df)).to_csv(index=False).encode("utf-8-sig")


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
classes = _filters.cached(_classes, filters, level, metric, method, k)
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
    active = table[table["value"] > 0]
    none = len(table) - len(active)
    if active.empty:
        st.info(f"No {noun} has {METRICS[metric].lower()}{with_filters}.")
    else:
        cols = PLACE_COLUMNS + (NEED_COLUMNS if level == "district" else [])
        _ui.table(for_display(active[cols]))
    st.caption(f"{len(active):,} {LEVELS[level].lower()} with {METRICS[metric].lower()}; "
               f"{none:,} with none (listed in the CSV too).")
    st.download_button(f"Download {LEVELS[level].lower()} (CSV)",
                       _csv(table.drop(columns=["value"])),
                       file_name=f"coverage_{level}.csv", mime="text/csv", key="cv_dl_places",
                       on_click="ignore")

with gaps_tab:
    g1, g2, g3 = st.columns(3)
    with g1:
        gap_max = int(_filters.selectbox("Districts with", GAP_PARTNERS, param="gapmax",
                                         key="cv_gapmax", default="0"))
    with g2:
        gap_by = _filters.selectbox("Rank by", GAP_BY, param="gapby", key="cv_gapby",
                                    default="children_in_poverty")
    with g3:
        gap_top = int(_filters.selectbox("On the map", GAP_TOP, param="gapn", key="cv_gapn",
                                         default="50"))
    gap_table = _filters.cached(gaps, filters, max_partners=gap_max, by=gap_by)
    st.caption(f"School districts ranked by need. Need figures: {NEED_SOURCE}.")
    if gap_table.empty:
        st.info("No district with need figures has "
                f"{GAP_PARTNERS[str(gap_max)].lower()}{with_filters}.")
    else:
        _ui.table(for_display(gap_table[GAP_COLUMNS].head(500)))
        shown = ("the first 500 are shown, all are in the CSV" if len(gap_table) > 500
                 else "all are in the CSV")
        st.caption(f"{len(gap_table):,} districts; {shown}.")
        st.download_button("Download gaps (CSV)", _csv(gap_table), file_name="coverage_gaps.csv",
                           mime="text/csv", key="cv_dl_gaps", on_click="ignore")

with charts_tab:
    per_state = _filters.cached(activities_per_state, filters)
    by_year = _filters.cached(activities_by_start_year, filters)
    a1, a2 = st.columns(2)
    with a1:
        st.markdown("**Activities per state**")
        busy = per_state[per_state["activities"] > 0]
        if busy.empty:
            st.info(f"No activity in any state{with_filters}.")
        else:
            st.bar_chart(busy, x="state", y="activities", x_label="State", y_label="Activities",
                         sort="-activities")
        st.download_button("Download per state (CSV)", _csv(per_state),
                           file_name="activities_per_state.csv",
                           mime="text/csv", key="cv_dl_states", on_click="ignore")
    with a2:
        st.markdown("**Activities by start year**")
        if by_year.empty:
            st.info(f"No activity{with_filters}.")
        else:
            st.bar_chart(by_year, x="start_year", y="activities", x_label="Start year",
                         y_label="Activities")
        st.download_button("Download by year (CSV)", _csv(by_year),
                           file_name="activities_by_start_year.csv",
                           mime="text/csv", key="cv_dl_years", on_click="ignore")


# --- the map and the selected place (drawn into their place above the tables) -------------
gap_values = None
if show_gaps and not gap_table.empty:
    top = gap_table.head(gap_top)
    gap_values = pd.Series(top[gap_by].to_numpy(), index=top["place_id"].astype("str").to_numpy())
gap_legend = (f"Gaps: {GAP_BY[gap_by].lower()}, {GAP_TOP[str(gap_top)].lower()} districts with "
              f"{GAP_PARTNERS[str(gap_max)].lower()}")
settings = _ui.settings()
# A click redraws the map (a new map for streamlit-folium): keep the selected place in
# view with its neighbours rather than jumping back to the whole country.
bounds = (bounds_of(level_of(selected), [selected], pad=0.75, min_span=1.0)
          if level_of(selected or "") else None)
map_args = dict(level=level, legend=legend, value_label=METRICS[metric], gaps=gap_values,
                gap_legend=gap_legend, bounds=bounds, tiles=settings.tiles, labels=show_names)
# What a downloaded map (HTML or PNG) says about itself: view, filters, date, sources.
details = [f"{legend}, {METHODS[method].lower()} classes",
           *_filters.summary_lines(filters, frames.partners)]
if gap_values is not None:
    details.append(gap_legend)
sources = [RECORDS_SOURCE, BOUNDARY_SOURCE]
if gap_values is not None or level == "district":
    sources.append(f"Need: children 5-17 in poverty, {NEED_SOURCE}")
header = MapHeader(title=f"Coverage: {legend}", details=tuple(details), sources=tuple(sources),
                   sample=_ui.has_sample_data())
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
            r = hit.iloc[0]
            text = (f"Selected: {r['place']} — {int(r['partners'])} partners, "
                    f"{int(r['activities'])} activities, "
                    f"{int(r['sites'])} partner sites "
                    f"({int(r['community_schools'])} community schools){with_filters}.")
            if sel_level == "district" and pd.notna(r.get("children_in_poverty")):
                text += (f" Children 5-17: {int(r['children_5_17']):,}; in poverty: "
                         f"{int(r['children_in_poverty']):,} ({r['pct_poverty']:.1f}%).")
            st.text(text)  # names come from data: plain text, never markdown
        st.button("Clear selection", key="cv_clear", on_click=_clear_selection)
    else:
        st.caption("Click a place on the map to see its figures.")

bad = _query.bad_params()
if bad:
    link_notice.caption("Ignored unreadable link settings: " + ", ".join(bad))
