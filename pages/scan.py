"""Scan a place before starting work there: who is active in and around it, the
community-school sites, the need figures, the partners that fit its needs best, and a
one-page brief to print.

The place, radius and needs live in the URL (``?district=1201110&radius=10&needs=...``),
so a copied link reopens the same scan. The place comes from the URL on every run;
picking one (search, point, map click; :mod:`pages._place_picker`) writes the URL and the
run reads it back. Thin UI over :mod:`geo.analysis.scan` and :mod:`geo.maps`.
"""
from __future__ import annotations

import datetime as dt

import streamlit as st

from geo import schema
from geo.analysis import for_display, place_params as P
from geo.analysis.scan import (
    SITE_TABLE_COLUMNS,
    partner_card,
    partners_table,
    sites_by_partner,
)
from geo.brief import brief_html
from geo.maps import neighbour_shapes, overview_map, scan_map
from geo.safe import markdown_text as md, safe_url
from geo.visibility import viewer_note
from pages import _filters, _place_picker, _query, _ui

MAP_HEIGHT = 480
MAX_PARTNER_GROUPS = 25
MAX_SITES_LISTED = 30
RADIUS_MAX_MI = 250.0
NEED_CHOICES = (*schema.PRINCIPLES, *schema.KINDS_OF_WORK)

ss = st.session_state
params, place = _place_picker.read_place()

if "scan_radius" not in ss:
    ss["scan_radius"] = _query.read("radius", _query.parse_float, lo=0.1, hi=RADIUS_MAX_MI) or 0.0
if "scan_principles" not in ss or "scan_kinds" not in ss:
    needs = _query.read("needs", _query.parse_list, NEED_CHOICES) or []
    ss["scan_principles"] = [n for n in needs if n in schema.PRINCIPLES]
    ss["scan_kinds"] = [n for n in needs if n in schema.KINDS_OF_WORK]

# --- the page -----------------------------------------------------------------------------------

_ui.sidebar()
frames = _ui.frames_for_viewer()
role = _ui.viewer_role()

st.title("Scan a place")
st.caption("Before starting work somewhere new: who already works there and nearby, on what, "
           "since when and how to reach them; the community schools; the need; "
           "and which partners fit best.")
if _ui.has_sample_data():
    st.info(_ui.SAMPLE_NOTICE)
bad = [k for k in _query.bad_params() if k in (*P.PLACE_PATTERNS, "radius", "needs")]
if bad:
    st.warning("Some values in the link were not understood and were ignored: "
               + ", ".join(bad) + ".")

matches = _place_picker.place_inputs(RADIUS_MAX_MI)
n1, n2 = st.columns(2)
n1.multiselect("Needs: principles", options=list(schema.PRINCIPLES), key="scan_principles",
               help="Tick what the place needs; partners are ranked by how well they fit "
                    "(see Best fit).")
n2.multiselect("Needs: kinds of work", options=list(schema.KINDS_OF_WORK), key="scan_kinds",
               format_func=lambda k: schema.KINDS_OF_WORK.get(k, k))

if ss.get("_scan_problem"):
    st.error(ss["_scan_problem"])

radius = float(ss["scan_radius"]) or None
needs = [*ss["scan_principles"], *ss["scan_kinds"]]
_query.write({"radius": f"{radius:g}" if radius else None, "needs": needs})

settings = _ui.settings()
if place is None:
    if ss.get("_scan_ask") and len(matches) > 1:
        st.markdown(f"**{len(matches)} places are called “{md(ss['_scan_ask'])}”**: "
                    "pick one in the list above "
                    "(those where partners work and the larger ones come first).")
    st.markdown("Type a place above, give a point, or **click a state** on the map to start.")
    result_map = _ui.cached_map(lambda: overview_map(tiles=settings.tiles), view=settings.tiles,
                                key="scan_map_overview", height=MAP_HEIGHT)
    chosen = P.clicked_place(_ui.clicked_properties(result_map))
    if chosen:
        _query.write(chosen)
        ss["_scan_clicked"] = True
        st.rerun()
    st.stop()

with st.spinner(f"Scanning {place.label}… "
                "(the first scan loads the school-district boundaries: a few seconds)"):
    result = _filters.cached(P.scan_params, _filters.Filters(), tuple(sorted(params.items())),
                             radius, tuple(needs))

st.subheader(md(place.label))
st.markdown(md(result.summary))
for message in result.messages:
    st.info(message)

result_map = _ui.cached_map(lambda: scan_map(result, tiles=settings.tiles),
                            view=(tuple(sorted(params.items())), radius, tuple(needs),
                                  settings.tiles),
                            key=f"scan_map_{P.place_token(place)}", height=MAP_HEIGHT)
st.caption("Click a district on the map to scan it instead; click a site for its name.")
chosen = P.clicked_place(_ui.clicked_properties(result_map))
if chosen and chosen != P.place_param(place):
    _query.write(chosen)
    ss["_scan_clicked"] = True
    st.rerun()

sample_data = _ui.has_sample_data()


def _brief() -> bytes:
    """Built only when the button is clicked (not on every rerun)."""
    return brief_html(result, generated=dt.date.today(), sample_data=sample_data,
                      context=neighbour_shapes(place, radius),
                      viewer_note=viewer_note(role)).encode("utf-8")


st.download_button("Download a one-page brief (HTML, printable)", data=_brief,
                   file_name=f"partner-scan-{P.place_token(place)}.html", mime="text/html",
                   key="scan_brief", on_click="ignore")

tab_partners, tab_fit, tab_sites, tab_need = st.tabs(["Partners", "Best fit", "Sites", "Need"])

with tab_partners:
    if result.partners.empty:
        st.markdown(md(f"No partner works in {place.label} yet"
                       + (f" or has a site within {radius:g} mi." if radius else ".")))
    else:
        _ui.table(for_display(partners_table(result, with_fit=bool(needs))))
        st.markdown("**By partner**")
        listed = result.partners.head(MAX_PARTNER_GROUPS)
        by_partner = sites_by_partner(result, frames.sites, listed["partner_id"])
        for _, row in listed.iterrows():
            with st.expander(md(f"{row['partner']} · {row['presence']}")):
                st.markdown("  \n".join(f"**{label}:** {md(value)}"
                                        for label, value in partner_card(row)))
                url = safe_url(row["website"])
                if url:
                    st.link_button("Website", url)
                mine = by_partner.get(int(row["partner_id"]))
                if mine is not None and len(mine):
                    first = mine.head(MAX_SITES_LISTED)
                    items = [f"{md(site)} ({md(kind.lower())}"
                             + (f", {miles:g} mi away)" if miles else ")")
                             for site, kind, miles in zip(first["site"], first["site_kind"],
                                                          first["distance_mi"], strict=True)]
                    extra = len(mine) - MAX_SITES_LISTED
                    st.markdown(f"**Sites here ({len(mine)}):**  \n" + " · ".join(items)
                                + (f" · and {extra} more (see Sites)" if extra > 0 else ""))
                else:
                    st.caption("No sites of this partner here: "
                               "its work covers the place as an area.")
        more = len(result.partners) - MAX_PARTNER_GROUPS
        if more > 0:
            st.caption(f"{more} more partners are in the table above.")

with tab_fit:
    if not needs:
        st.caption("Tick needs above to rank partners by expertise too; for now they are ranked "
                   "by presence only (in the place, the county, the state).")
    else:
        st.caption("Needs ticked: " + md(", ".join(result.needs.labels())))
    fit = result.best_fit()
    if fit.empty:
        st.markdown("No partners to rank yet.")
    else:
        _ui.table(for_display(fit[["name", "score", "presence", "reasons"]].rename(
            columns={"name": "partner", "presence": "Presence here"})),
                  hide_index=False,
                  column_config={"Fit score": st.column_config.ProgressColumn(
                      "Fit score", min_value=0, max_value=100, format="%.0f")})
        st.caption("Score out of 100: up to 60 for the share of ticked needs a partner covers, "
                   "up to 40 for presence (40 in the place, 25 in its county, 10 in its state).")

with tab_sites:
    if result.sites.empty:
        st.markdown(md(f"No partner sites in {place.label}"
                       + (f" or within {radius:g} mi." if radius else ".")))
    else:
        n_schools = int(result.sites["community_school"].sum())
        st.markdown(f"{len(result.sites):,} partner sites, **{n_schools:,} community schools**.")
        _ui.table(for_display(result.sites[SITE_TABLE_COLUMNS]).rename(columns={"zip": "ZIP"}))

with tab_need:
    if result.need.empty or result.need["children_5_17"].isna().all():
        st.markdown("No need figures for this place in the Urban Institute data.")
    else:
        _ui.table(for_display(result.need.drop(columns="geoid")))
        st.caption(f"Source: {result.need_source} (children 5-17 in poverty, by school district).")
