"""The partner directory: every partner the viewer may see, its type, website,
expertise and principles, where it works (a small map and a list) and how many sites
and activities it has.

For the public, partners that have not approved public listing are never named: they
are summed up in one line, and the counts include them. Search, filters and the chosen
partner live in the URL (``?q=...&type=...&principle=...&partner=7``).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import schema
from geo.analysis import directory as D, for_display
from geo.analysis.place_params import clicked_place
from geo.codes import state_choices
from geo.maps import partner_map
from geo.safe import markdown_text as md, safe_url
from pages import _filters, _query, _ui

ss = st.session_state
MAP_HEIGHT = 380

_ui.sidebar()
frames = _ui.frames_for_viewer()
role = _ui.viewer_role()

if "dir_q" not in ss:
    ss["dir_q"] = _query.read("q", _query.parse_pattern, r"[^\x00-\x1f<>]{1,80}") or ""
if "dir_types" not in ss:
    ss["dir_types"] = _query.read("type", _query.parse_list, schema.PARTNER_TYPES) or []
if "dir_principles" not in ss:
    ss["dir_principles"] = _query.read("principle", _query.parse_list, schema.PRINCIPLES) or []
STATES = state_choices()
if "dir_states" not in ss:
    ss["dir_states"] = _query.read("state", _query.parse_list, STATES) or []

st.title("Partners")
st.caption("Who is in the coalition, what they know and where they work. Reach out to collaborate.")
if _ui.has_sample_data():
    st.info(_ui.SAMPLE_NOTICE)

c1, c2, c3, c4 = st.columns([3, 2, 2, 3])
c1.text_input("Search names, expertise and places", key="dir_q",
              placeholder="e.g. family, coaching, Denver, CO",
              help="Every word must match the start of a word in a partner's name, expertise, "
                   "principles or the places it works in (states, counties, districts). "
                   "Two-letter words match whole words only (a state code).")
c2.multiselect("Works in (state)", options=list(STATES), key="dir_states",
               format_func=lambda c: STATES.get(c, c), placeholder="All states")
c3.multiselect("Type", options=list(schema.PARTNER_TYPES), key="dir_types",
               format_func=lambda t: schema.PARTNER_TYPES.get(t, t))
c4.multiselect("Works on (all of)", options=list(schema.PRINCIPLES), key="dir_principles")
_query.write({"q": ss["dir_q"].strip() or None, "type": ss["dir_types"],
              "principle": ss["dir_principles"], "state": ss["dir_states"]})

# Once per data version and viewer role, shared by every session (0.5-1 s at national scale).
table = _filters.cached(D.directory, _filters.Filters())
found = D.filter_directory(table, text=ss["dir_q"], types=ss["dir_types"],
                           principles=ss["dir_principles"], states=ss["dir_states"])
if role == "public":
    named, unlisted = D.public_view(found)
    shown = (named if unlisted.empty
             else pd.concat([named, D.unlisted_line(unlisted)], ignore_index=True))
else:
    named, unlisted = found, found.iloc[0:0]
    shown = found

filtered = bool(ss["dir_q"].strip() or ss["dir_types"] or ss["dir_principles"] or ss["dir_states"])
st.markdown(f"**{len(found):,} of {len(table):,} partners**"
            + (" match the filters." if filtered else "."))
if found.empty:
    st.info("No partner matches these filters. Clear the search box or remove a filter.")
else:
    columns = ["name", "type", "website", "principles", "expertise", "sites", "community_schools",
               "activities", "states"]
    if role != "public":
        columns.append("listed")
    display = for_display(shown[columns]).rename(columns={"Name": "Partner",
                                                          "listed": "Listed publicly",
                                                          "states": "States"})
    _ui.table(display)
    if role == "public" and not unlisted.empty:
        st.caption(f"{len(unlisted):,} of these partners have not approved public listing: "
                   f"they are shown together as “{schema.ANONYMOUS_PARTNER}”, "
                   "and every count on this page includes them.")

# --- one partner -------------------------------------------------------------------------------

choices = [int(x) for x in named["partner_id"]]
names = dict(zip(named["partner_id"].astype(int), named["name"], strict=True))
wanted = _query.read("partner", _query.parse_pattern, r"\d{1,9}")
if "dir_partner" not in ss or (ss["dir_partner"] not in choices and ss["dir_partner"] is not None):
    ss["dir_partner"] = int(wanted) if wanted and int(wanted) in choices else None
if not choices:
    st.stop()
st.selectbox("Show a partner", options=choices, key="dir_partner", index=None,
             format_func=lambda i: names.get(i, str(i)),
             placeholder="Choose a partner to see where it works")
selected = ss.get("dir_partner")
_query.write({"partner": selected})
if selected is None:
    st.stop()

row = table[table["partner_id"] == selected].iloc[0]
st.subheader(md(row["name"]))
st.markdown(f"**Type:** {md(row['type'])}  \n"
            f"**Principles:** {md(row['principles'] or 'none listed')}"
            f"  \n**Expertise:** {md(row['expertise'] or 'not described')}")
url = safe_url(row["website"])
if url:
    st.link_button("Website", url)
m1, m2, m3, m4 = st.columns(4)
m1.metric("Sites", f"{row['sites']:,}")
m2.metric("Community schools", f"{row['community_schools']:,}")
m3.metric("Activities", f"{row['activities']:,}")
places = _filters.cached(D.activity_places, _filters.Filters(), levels=D.WHERE_LEVELS)  # shared
where = D.where_it_works(frames, selected, places)
districts = where[where["level"] == "district"]
m4.metric("Districts", f"{len(districts):,}")

left, right = st.columns([3, 2])
with left:
    mine = frames.sites[frames.sites["partner_id"].astype(int) == selected]
    m = partner_map(mine, frames.partners, districts["place_id"], tiles=_ui.settings().tiles)
    if m is not None:
        result = _ui.render_map(m, key=f"dir_map_{selected}", height=MAP_HEIGHT)
        st.caption("Districts where it works are outlined; click one to scan it.")
        chosen = clicked_place(_ui.clicked_properties(result))
        if chosen and chosen.get("district"):
            geoid = chosen["district"]
            label = districts.set_index("place_id")["place"].get(geoid, geoid)
            st.page_link("pages/scan.py", label=f"Scan {md(label)}",
                         query_params={"district": geoid})
    else:
        st.markdown("This partner has no sites or local work recorded yet.")
with right:
    states = where[where["level"] == "state"]
    if where.empty:
        st.markdown("No activities recorded yet.")
    else:
        st.markdown("**Where it works**")
        _ui.table(for_display(where[["level", "place", "activities", "via"]]).rename(
            columns={"via": "How"}), height=min(35 * (len(where) + 1) + 3, MAP_HEIGHT))
        st.caption(f"{len(states):,} state{'s' if len(states) != 1 else ''}, {len(districts):,} "
                   f"district{'s' if len(districts) != 1 else ''}.")
