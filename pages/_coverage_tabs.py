"""The Coverage page's tabs under the map: the places of the level chosen, the gaps against
need (districts with many children in poverty and few partners) and the charts, each with
its CSV download. UI only, over :mod:`geo.analysis.coverage`.
"""
from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from geo.analysis import activities_by_start_year, activities_per_state, for_display, gaps
from geo.analysis.columns import display_csv
from geo.analysis.gazetteer import NEED_SOURCE
from pages import _filters, _ui

GAP_PARTNERS = {"0": "No partner", "1": "At most 1 partner", "2": "At most 2 partners"}
GAP_BY = {"children_in_poverty": "Children in poverty (count)",
          "pct_poverty": "Children in poverty (share)"}
GAP_TOP = {"25": "Top 25", "50": "Top 50", "100": "Top 100", "250": "Top 250"}
PLACE_COLUMNS = ["place", "state", "partners", "activities", "sites", "community_schools"]
NEED_COLUMNS = ["children_5_17", "pct_poverty", "children_in_poverty"]
GAP_COLUMNS = ["rank", "place", "state", "partners", *NEED_COLUMNS, "place_id"]


def bar_chart(data: pd.DataFrame, *, x: str, y: str, x_label: str, y_label: str,
              by_value: bool = False) -> None:
    """Bars of ``y`` per ``x`` (in ``x``'s order, or tallest first with ``by_value``), as
    ``st.bar_chart`` draws them (the same Vega-Lite: tooltips, zoom and pan by drag and
    wheel), written as a plain specification: ``st.bar_chart`` builds an Altair chart
    and validates it against the Vega-Lite schema on every run, ~20 ms of server CPU per
    chart per page view at national scale (bench/README.md)."""
    sort = {"field": y, "order": "descending"} if by_value else None
    st.vega_lite_chart(data[[x, y]], {
        "mark": {"type": "bar"},
        "encoding": {
            "tooltip": [{"field": x, "type": "nominal"}, {"field": y, "type": "quantitative"}],
            "x": {"field": x, "type": "ordinal", "title": x_label, "axis": {"grid": False},
                  **({"sort": sort} if sort else {})},
            "y": {"field": y, "type": "quantitative", "title": y_label,
                  "axis": {"grid": True, "tickMinStep": 1}},
        },
        "params": [{"name": "zoom", "select": {"type": "interval", "encodings": ["x", "y"]},
                    "bind": "scales"}],
    }, width="stretch")


def _csv(df: pd.DataFrame):
    """The table as a CSV download, built only when the button is clicked (at national
    scale, building every CSV on every run took most of the page's server time)."""
    return partial(display_csv, df)


def places_table(table: pd.DataFrame, *, level: str, levels: str, noun: str, measure: str,
                 with_filters: str) -> None:
    """The places of ``level`` with some of the measure (all of them in the CSV)."""
    active = table[table["value"] > 0]
    none = len(table) - len(active)
    if active.empty:
        st.info(f"No {noun} has {measure.lower()}{with_filters}.")
    else:
        cols = PLACE_COLUMNS + (NEED_COLUMNS if level == "district" else [])
        _ui.table(for_display(active[cols]))
    st.caption(f"{len(active):,} {levels.lower()} with {measure.lower()}; "
               f"{none:,} with none (listed in the CSV too).")
    st.download_button(f"Download {levels.lower()} (CSV)",
                       _csv(table.drop(columns=["value"])),
                       file_name=f"coverage_{level}.csv", mime="text/csv", key="cv_dl_places",
                       on_click="ignore")


def gaps_table(filters: _filters.Filters, *,
               with_filters: str) -> tuple[pd.DataFrame, int, str, int]:
    """Districts ranked by need with few partners; returns them and the choices made
    (at most this many partners, ranked by, how many on the map)."""
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
    return gap_table, gap_max, gap_by, gap_top


def charts(filters: _filters.Filters, *, with_filters: str) -> None:
    """Activities per state and by start year, with their CSVs."""
    per_state = _filters.cached(activities_per_state, filters)
    by_year = _filters.cached(activities_by_start_year, filters)
    a1, a2 = st.columns(2)
    with a1:
        st.markdown("**Activities per state**")
        busy = per_state[per_state["activities"] > 0]
        if busy.empty:
            st.info(f"No activity in any state{with_filters}.")
        else:
            bar_chart(busy, x="state", y="activities", x_label="State", y_label="Activities",
                      by_value=True)
        st.download_button("Download per state (CSV)", _csv(per_state),
                           file_name="activities_per_state.csv",
                           mime="text/csv", key="cv_dl_states", on_click="ignore")
    with a2:
        st.markdown("**Activities by start year**")
        if by_year.empty:
            st.info(f"No activity{with_filters}.")
        else:
            bar_chart(by_year, x="start_year", y="activities", x_label="Start year",
                      y_label="Activities")
        st.download_button("Download by year (CSV)", _csv(by_year),
                           file_name="activities_by_start_year.csv",
                           mime="text/csv", key="cv_dl_years", on_click="ignore")
