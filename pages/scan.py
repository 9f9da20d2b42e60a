"""Scan a place before starting work there: who is active in and around it, the
community-school sites, the need figures, the partners that fit its needs best, and a
one-page brief to print.

The place, radius and needs live in the URL (``?district=1201110&radius=10&needs=...``),
so a copied link reopens the same scan. The place comes from the URL on every run;
picking one (search, point, map click) writes the URL and the run reads it back.
"""
from __future__ import annotations

import datetime as dt

import streamlit as st

from geo import schema
from geo.analysis import (
    PlaceNotFound,
    best_match,
    find_places,
    for_display,
    partners_by_place,
    place_params as P,
)
from geo.analysis.lookup import parse_point
from geo.analysis.scan import sites_by_partner
from geo.brief import brief_html
from geo.maps import neighbour_shapes, overview_map, scan_map
from geo.safe import markdown_text as md, safe_url
from pages import _filters, _query, _ui

MAP_HEIGHT = 480
MAX_PARTNER_GROUPS = 25
MAX_SITES_LISTED = 30
RADIUS_MAX_MI = 250.0
NEED_CHOICES = (*schema.PRINCIPLES, *schema.KINDS_OF_WORK)

ss = st.session_state


# --- callbacks: each one writes the chosen place into the URL ----------------------------


def _set_place(values: dict[str, str | None]) -> None:
    _query.write(values)
    ss.pop("_scan_problem", None)


def _on_search() -> None:
    ss["_scan_pending"] = ss.get("scan_search", "").strip()  # looked up below, with a spinner


def _search(text: str) -> None:
    """Look ``text`` up: open the place when it is clearly the one meant, else list the
    matches (best first: whole-name matches, places with partners, larger places) and
    let the user pick."""
    ss.pop("scan_pick", None)
    ss.pop("_scan_ask", None)
    if not text:
        ss.pop("_scan_matches", None)
        return
    matches = find_places(text, partners=_partners_by_place())
    ss["_scan_matches"] = {f"{s.level}:{s.id}": s.label for s in matches}
    if not matches:
        ss["_scan_problem"] = (f"No place matches “{text}”. Try a state (Florida, FL), "
                               "a district with its state (Leon, FL), a county name, "
                               "or a 5-digit ZIP code.")
        return
    chosen = best_match(matches)
    if chosen is None:  # several places of that name in different states: ask
        ss["_scan_ask"] = text
        _set_place({k: None for k in P.PLACE_PATTERNS})
        return
    ss["scan_pick"] = f"{chosen.level}:{chosen.id}"
    _set_place({**{k: None for k in P.PLACE_PATTERNS}, chosen.level: chosen.id})


def _partners_by_place() -> dict[str, int]:
    return _filters.cached(partners_by_place, _filters.Filters()).to_dict()


def _on_pick() -> None:
    token = ss.get("scan_pick")
    ss.pop("_scan_ask", None)
    if token:
        level, _, place_id = token.partition(":")
        _set_place({**{k: None for k in P.PLACE_PATTERNS}, level: place_id})


def _on_point() -> None:
    text = ss.get("scan_point", "").strip()
    if not text:
        return
    try:
        lat, lon = parse_point(text)
    except PlaceNotFound as exc:
        ss["_scan_problem"] = str(exc)
        return
    ss.pop("_scan_matches", None)
    ss.pop("scan_pick", None)
    ss["scan_search"] = ""
    if not ss.get("scan_radius"):
        ss["scan_radius"] = 5.0  # a point alone says little; look 5 miles around it
    _set_place({**{k: None for k in P.PLACE_PATTERNS}, "point": f"{lat:.5f},{lon:.5f}"})


# --- state from the URL ---------------------------------------------------------------------

if ss.pop("_scan_clicked", False):  # a map click chose the place: the search box no longer applies
    ss["scan_search"] = ""
    ss["scan_point"] = ""
    ss.pop("_scan_matches", None)
    ss.pop("scan_pick", None)

if "_scan_pending" in ss:
    with st.spinner(f"Looking up “{ss['_scan_pending']}”…"):
        _search(ss.pop("_scan_pending"))

params = {k: _query.read(k, _query.parse_pattern, pattern)
          for k, pattern in P.PLACE_PATTERNS.items()}
place = None
try:
    with st.spinner("Finding the place… (the first time loads the boundaries: a few seconds)"):
        place = P.place_from_params(params)
except PlaceNotFound as exc:
    ss["_scan_problem"] = f"{exc}. Pick a place from the list or the map instead."

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

c1, c2, c3 = st.columns([3, 2, 1])
c1.text_input("Find a place", key="scan_search", on_change=_on_search,
              placeholder="A state, “district, ST”, a county, a ZIP code…",
              help="For example: Florida · Leon, FL · Cook, IL · 60614 · 1201110 "
                   "(a district's NCES ID)")
matches: dict[str, str] = ss.get("_scan_matches") or {}
if len(matches) > 1:
    asking = ss.get("_scan_ask")
    c1.selectbox(f"{len(matches)} places match “{asking}”: which one?" if asking
                 else f"{len(matches)} places match; showing", options=list(matches),
                 key="scan_pick", index=None, placeholder="Pick a place",
                 format_func=lambda t: matches.get(t, t), on_change=_on_pick)
c2.text_input("Or a point: latitude, longitude", key="scan_point", on_change=_on_point,
              placeholder="41.8781, -87.6298")
c3.number_input("Radius (miles)", key="scan_radius", min_value=0.0, max_value=RADIUS_MAX_MI,
                step=1.0, format="%g",
                help="Also list partners with sites this far from the place (0: the place only).")
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

viewer_note = ("Public view: partners that have not approved public listing appear as "
               f"“{schema.ANONYMOUS_PARTNER}”."
               if role == "public"
               else f"Prepared for a signed-in {role}: includes partners not listed publicly; "
               "do not share beyond the coalition.")
sample_data = _ui.has_sample_data()


def _brief() -> bytes:
    """Built only when the button is clicked (not on every rerun)."""
    return brief_html(result, generated=dt.date.today(), sample_data=sample_data,
                      context=neighbour_shapes(place, radius),
                      viewer_note=viewer_note).encode("utf-8")


st.download_button("Download a one-page brief (HTML, printable)", data=_brief,
                   file_name=f"partner-scan-{P.place_token(place)}.html", mime="text/html",
                   key="scan_brief", on_click="ignore")

tab_partners, tab_fit, tab_sites, tab_need = st.tabs(["Partners", "Best fit", "Sites", "Need"])

with tab_partners:
    if result.partners.empty:
        st.markdown(md(f"No partner works in {place.label} yet"
                              + (f" or has a site within {radius:g} mi." if radius else ".")))
    else:
        table = result.partners.assign(website=result.partners["website"].map(safe_url),
                                       type=result.partners["type"].map(
                                           lambda t: schema.PARTNER_TYPES.get(t, t)))
        shown = ["partner", "type", "presence", "kinds_of_work", "principles", "status", "since",
                 "sites_here", "sites_nearby", "nearest_mi", "website", "email", "contact"]
        if needs:
            shown += ["fit_score", "fit_reasons"]
        _ui.table(for_display(table[shown]))
        st.markdown("**By partner**")
        listed = result.partners.head(MAX_PARTNER_GROUPS)
        by_partner = sites_by_partner(result, frames.sites, listed["partner_id"])
        for _, row in listed.iterrows():
            with st.expander(md(f"{row['partner']} · {row['presence']}")):
                since = (row["since"].strftime("%B %Y") if hasattr(row["since"], "strftime")
                         else "date not recorded")
                lines = [
                    ("Type", schema.PARTNER_TYPES.get(row["type"], row["type"])),
                    ("Kinds of work", row["kinds_of_work"] or "none recorded here"),
                    ("Principles", row["principles"] or "none listed"),
                    ("Status", row["status"] or "—"),
                    ("Since", since),
                    ("Contact", "; ".join(v for v in (row["email"], row["contact"]) if v)
                     or "not shown"),
                ]
                st.markdown("  \n".join(f"**{label}:** {md(value)}"
                                        for label, value in lines))
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
        _ui.table(for_display(result.sites[["site", "partner", "site_kind", "community_school",
                                            "distance_mi", "district", "zip", "nces_id"]])
                  .rename(columns={"zip": "ZIP"}))

with tab_need:
    if result.need.empty or result.need["children_5_17"].isna().all():
        st.markdown("No need figures for this place in the Urban Institute data.")
    else:
        _ui.table(for_display(result.need.drop(columns="geoid")))
        st.caption(f"Source: {result.need_source} (children 5-17 in poverty, by school district).")
