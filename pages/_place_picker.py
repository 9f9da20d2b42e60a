"""The Scan page's place picker: a search box (with a list to pick from when several
places match), a point, a radius, and the place they name, read back from the URL.

Thin UI over :mod:`geo.analysis.lookup` and :mod:`geo.analysis.place_params`: each
callback writes the chosen place into the URL and the run reads it back.
"""
from __future__ import annotations

import streamlit as st

from geo.analysis import (
    Place,
    PlaceNotFound,
    best_match,
    find_places,
    partners_by_place,
    place_params as P,
)
from geo.analysis.lookup import parse_point
from pages import _filters, _query

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


def read_place() -> tuple[dict[str, str | None], Place | None]:
    """The place parameters of the URL and the place they name (None, with a problem
    to show, when they name none), after a pending search or a map click."""
    if ss.pop("_scan_clicked", False):  # a map click chose the place: the search box is stale
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
    return params, place


def place_inputs(radius_max: float) -> dict[str, str]:
    """The search box (and the list of matches), the point and the radius; returns the
    places the last search matched (token -> label)."""
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
    c3.number_input("Radius (miles)", key="scan_radius", min_value=0.0, max_value=radius_max,
                    step=1.0, format="%g",
                    help="Also list partners with sites this far from the place "
                         "(0: the place only).")
    return matches
