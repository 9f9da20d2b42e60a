"""Filter widgets shared by the overlaps and coverage pages, every value mirrored in the URL.

A view's filters live in the query string (see :mod:`pages._query`), so a copied link
reopens the same view: each widget is seeded from the URL the first time it is drawn in
a session, and writes its value back when it changes. Defaults are left out of the URL
so links stay short. Parameter names are shared by both pages (``kind``, ``status``...),
so a filter means the same wherever it appears.

:class:`Filters` is a frozen, hashable value: the narrowed frames and the analyses built
on them are cached on ``(database URL, data version, viewer role, filters)``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from geo import schema, visibility
from geo.analysis import activity_places, filter_activities, gazetteer
from pages import _query, _ui

# URL-friendly codes for the six principles (the labels have spaces).
PRINCIPLE_CODES: dict[str, str] = {
    "equity": "Equity",
    "learning": "Learning and Development",
    "community": "Community Engagement",
    "family": "Family Engagement",
    "youth": "Youth Leadership and Engagement",
    "results": "Results-Driven Partnership",
}
STATUS_LABELS: dict[str, str] = {s: s.capitalize() for s in schema.STATUSES}
DATE_MODES: dict[str, str] = {"any": "Any time", "asof": "As of a date", "range": "Date range"}
FIELDS: tuple[str, ...] = ("partner", "partner_type", "kind", "principle", "status", "state",
                           "date")


@dataclass(frozen=True)
class Filters:
    """What a view is narrowed to; empty tuples and None mean "no filter"."""

    partners: tuple[int, ...] = ()
    partner_types: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    principles: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    state_fips: str = ""
    as_of: dt.date | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def active(self) -> bool:
        return self != Filters()

    def apply(self, frames: schema.Frames) -> schema.Frames:
        """``frames`` narrowed by :func:`geo.analysis.filter_activities` and, with a
        state, to the sites in it and the activities that touch it."""
        out = frames
        if self.active:
            date_range = ((self.date_from, self.date_to) if (self.date_from or self.date_to)
                          else None)
            out = filter_activities(
                frames,
                partners=list(self.partners) or None,
                partner_types=list(self.partner_types) or None,
                kinds=list(self.kinds) or None,
                principles=[PRINCIPLE_CODES[p] for p in self.principles] or None,
                statuses=list(self.statuses) or None,
                as_of=self.as_of,
                date_range=date_range,
            )
        if self.state_fips:
            out = _in_state(out, self.state_fips)
        return out


def _in_state(frames: schema.Frames, state_fips: str) -> schema.Frames:
    """Activities touching the state (by the rules of geo.analysis.places) and the sites
    in it; partners are kept whole so contacts can still be looked up."""
    touched = activity_places(frames, levels=("state",))
    ids = touched.loc[touched["place_id"] == state_fips, "activity_id"]
    acts = frames.activities[frames.activities["activity_id"].isin(ids)].reset_index(drop=True)
    sites = (frames.sites[frames.sites["state_fips"].astype("str") == state_fips]
             .reset_index(drop=True))
    return schema.Frames(frames.partners, sites, acts)


@st.cache_resource(max_entries=32, show_spinner=False)
def _filtered(database_url: str, version: int, role: str, filters: Filters) -> schema.Frames:
    return filters.apply(_ui.frames_for_viewer())


def filtered_frames(filters: Filters) -> schema.Frames:
    """The viewer's frames narrowed by ``filters``, cached (read-only, shared)."""
    return _filtered(_ui.settings().database_url, _ui.data_version(), _ui.viewer_role(), filters)


def cached(fn: Callable[..., Any], filters: Filters, *args: Any, **kwargs: Any) -> Any:
    """``fn(filtered_frames(filters), *args, **kwargs)`` cached on the data version, the
    viewer's role, ``filters`` and the arguments (cheap, hashable values). ``fn`` must be
    a module-level function (its qualified name is part of the key)."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    if "<lambda>" in name or "<locals>" in name:
        raise ValueError(f"cached() needs a module-level function, not {name}")
    return _analysis(_ui.settings().database_url, _ui.data_version(), _ui.viewer_role(), filters,
                     name, fn, args, tuple(sorted(kwargs.items())))


@st.cache_resource(max_entries=64, show_spinner=False)
def _analysis(database_url: str, version: int, role: str, filters: Filters, name: str,
              _fn: Callable[..., Any], args: tuple, kwargs: tuple) -> Any:
    return _fn(_filtered(database_url, version, role, filters), *args, **dict(kwargs))


# --- map clicks -------------------------------------------------------------------------

def new_click(map_key: str) -> str | None:
    """The id (``geoid`` property) of the area clicked on map ``map_key`` since the last
    run, or None.

    streamlit-folium's change callback stores the map's return value under
    ``st.session_state[map_key]`` before the rerun starts, so a page can read the click
    *before* drawing the map and show the selection in this very run (no second rerun,
    no second map). The value stays there on later runs: a click counts once, told
    apart by its position, so clicking the same district again still counts.
    """
    result = st.session_state.get(map_key)
    props = _ui.clicked_properties(result if isinstance(result, dict) else None)
    if not props or "geoid" not in props:
        return None
    # from the browser: checked like a link
    if gazetteer.place_level(str(props["geoid"])[:7]) is None:
        return None
    click = (str(props["geoid"]), str(result.get("last_object_clicked")))
    seen = f"_{map_key}_seen_click"
    if st.session_state.get(seen) == click:
        return None
    st.session_state[seen] = click
    return click[0]


# --- URL-mirrored widgets -------------------------------------------------------------

def _seed(key: str, value: Any) -> None:
    """Give widget ``key`` its value from the URL the first time it is drawn."""
    if key not in st.session_state and value is not None:
        st.session_state[key] = value


def radio(label: str, options: Mapping[str, str], *, param: str, key: str, default: str,
          horizontal: bool = True, container: Any = st, help: str | None = None) -> str:
    """A radio over ``options`` (code -> label) mirrored in ``?param=code``."""
    _seed(key, _query.read(param, _query.parse_choice, list(options)) or default)
    value = container.radio(label, list(options), format_func=options.__getitem__, key=key,
                            horizontal=horizontal, help=help)
    _query.write({param: None if value == default else value})
    return value


def selectbox(label: str, options: Mapping[str, str], *, param: str, key: str, default: str,
              container: Any = st, help: str | None = None) -> str:
    """A selectbox over ``options`` (code -> label) mirrored in ``?param=code``."""
    _seed(key, _query.read(param, _query.parse_choice, list(options)) or default)
    value = container.selectbox(label, list(options), format_func=options.__getitem__, key=key,
                                help=help)
    _query.write({param: None if value == default else value})
    return value


def number(label: str, *, param: str, key: str, default: float, lo: float, hi: float, step: float,
           container: Any = st, help: str | None = None) -> float:
    """A number input within [lo, hi] mirrored in ``?param=n``."""
    _seed(key, _query.read(param, _query.parse_float, lo=lo, hi=hi) or float(default))
    value = float(container.number_input(label, min_value=float(lo), max_value=float(hi),
                                         step=float(step), key=key, help=help))
    _query.write({param: None if value == default else f"{value:g}"})
    return value


def checkbox(label: str, *, param: str, key: str, container: Any = st,
             help: str | None = None) -> bool:
    """A checkbox mirrored in ``?param=1``."""
    _seed(key, _query.read(param, _query.parse_choice, ["1"]) == "1")
    value = bool(container.checkbox(label, key=key, help=help))
    _query.write({param: "1" if value else None})
    return value


def _multiselect(label: str, options: Mapping[str, str], *, param: str, key: str, placeholder: str,
                 container: Any) -> list[str]:
    _seed(key, _query.read(param, _query.parse_list, list(options)))
    value = container.multiselect(label, list(options), format_func=options.__getitem__, key=key,
                                  placeholder=placeholder)
    _query.write({param: value})
    return list(value)


def date_bounds(frames: schema.Frames) -> tuple[dt.date, dt.date]:
    """The first and last date a date filter offers: the dates forms accept
    (:data:`geo.schema.EARLIEST_DATE` to :data:`~geo.schema.LATEST_DATE`), widened to
    every start and end date in the data, so any date the data covers can be picked."""
    lo, hi = schema.EARLIEST_DATE, schema.LATEST_DATE
    a = frames.activities
    for col in ("start_date", "end_date"):
        if col in a.columns:
            days = pd.to_datetime(a[col], errors="coerce").dropna()
            if len(days):
                lo, hi = min(lo, days.min().date()), max(hi, days.max().date())
    return lo, hi


def _url_date(param: str, bounds: tuple[dt.date, dt.date]) -> dt.date | None:
    """A date from the URL, dropped (and reported) when outside ``bounds``."""
    value = _query.read(param, _query.parse_date)
    if value is not None and not bounds[0] <= value <= bounds[1]:
        _query._note_bad(param)
        return None
    return value


def _date(label: str, *, param: str, key: str, container: Any,
          bounds: tuple[dt.date, dt.date]) -> dt.date | None:
    _seed(key, _url_date(param, bounds))
    if key not in st.session_state:
        st.session_state[key] = dt.date.today()
    value = container.date_input(label, key=key, format="YYYY-MM-DD", min_value=bounds[0],
                                 max_value=bounds[1])
    return value if isinstance(value, dt.date) else None


# --- the filter panel -----------------------------------------------------------------

def _partner_options(partners) -> dict[str, str]:
    """Partner id -> name in name order; repeated names (e.g. every withheld partner is
    "A coalition partner" for the public) get their id so each choice is distinct."""
    rows = sorted(zip(partners["partner_id"].astype("int64").tolist(),
                      partners["name"].astype("str").tolist(), strict=True),
                  key=lambda r: (r[1].lower(), r[0]))
    counts: dict[str, int] = {}
    for _, name in rows:
        counts[name] = counts.get(name, 0) + 1
    return {str(pid): (f"{name} (#{pid})" if counts[name] > 1 else name) for pid, name in rows}


def _state_options() -> dict[str, str]:
    postal = gazetteer.postal_codes()
    names = dict(zip(gazetteer.place_table("state")["place_id"],
                     gazetteer.place_table("state")["name"], strict=True))
    return {code: f"{names.get(fips, code)} ({code})"
            for fips, code in sorted(postal.items(), key=lambda kv: names.get(kv[0], kv[1]))}


def filter_panel(frames: schema.Frames, *, prefix: str, fields: Sequence[str] = FIELDS) -> Filters:
    """Draw the chosen filter ``fields`` in the sidebar and return what they select.

    ``frames`` are the viewer's (redacted) frames: the partner list shows only what the
    viewer may see. ``prefix`` keeps each page's widget keys apart.
    """
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise ValueError(f"unknown filter fields {unknown}; choose from {', '.join(FIELDS)}")
    box = st.sidebar
    box.markdown("**Filters**")
    picked: dict[str, Any] = {}
    if "partner" in fields:
        # The public picks only approved partners: a withheld one cannot be singled out.
        pickable = visibility.pickable_partners(frames.partners, _ui.viewer_role())
        options = _partner_options(pickable)
        asked = [p for p in str(st.query_params.get("partner") or "").split(_query._LIST_SEP) if p]
        if any(p not in options and p in set(frames.partners["partner_id"].astype("str"))
               for p in asked):
            box.info("Partners that have not approved public listing cannot be chosen one by one "
                     "(the partner in the link was left out); their work is counted in every "
                     "total and map.")
        chosen = _multiselect("Partner", options, param="partner",
                              key=f"{prefix}_partner", placeholder="All partners", container=box)
        picked["partners"] = tuple(int(p) for p in chosen)
    if "partner_type" in fields:
        picked["partner_types"] = tuple(_multiselect(
            "Partner type", schema.PARTNER_TYPES, param="ptype", key=f"{prefix}_ptype",
            placeholder="All types", container=box))
    if "kind" in fields:
        picked["kinds"] = tuple(_multiselect(
            "Kind of work", schema.KINDS_OF_WORK, param="kind", key=f"{prefix}_kind",
            placeholder="All kinds of work", container=box))
    if "principle" in fields:
        picked["principles"] = tuple(_multiselect(
            "Principle", PRINCIPLE_CODES, param="principle", key=f"{prefix}_principle",
            placeholder="All principles", container=box))
    if "status" in fields:
        picked["statuses"] = tuple(_multiselect(
            "Status", STATUS_LABELS, param="status", key=f"{prefix}_status",
            placeholder="Any status", container=box))
    if "state" in fields:
        options = {"": "All states", **_state_options()}
        code = selectbox("State", options, param="state", key=f"{prefix}_state", default="",
                         container=box)
        fips = {v: k for k, v in gazetteer.postal_codes().items()}.get(code, "")
        picked["state_fips"] = fips
    if "date" in fields:
        picked.update(_date_filter(prefix, box, date_bounds(frames)))
    return Filters(**picked)


def _date_filter(prefix: str, box: Any,
                 bounds: tuple[dt.date, dt.date]) -> dict[str, dt.date | None]:
    url_asof = _url_date("asof", bounds)
    url_from = _url_date("from", bounds)
    url_to = _url_date("to", bounds)
    url_mode = "asof" if url_asof else ("range" if (url_from or url_to) else "any")
    key = f"{prefix}_when"
    _seed(key, url_mode)  # the mode is not in the URL: the dates there imply it
    mode = box.radio("When", list(DATE_MODES), format_func=DATE_MODES.__getitem__, key=key,
                     help="As of a date: activities under way that day. Date range: activities "
                          "under way at any time in the range. Planned activities count from "
                          "their start date.")
    out: dict[str, dt.date | None] = {"as_of": None, "date_from": None, "date_to": None}
    if mode == "asof":
        out["as_of"] = _date("As of", param="asof", key=f"{prefix}_asof", container=box,
                             bounds=bounds)
    elif mode == "range":
        key = f"{prefix}_range"
        if key not in st.session_state:
            today = dt.date.today()
            st.session_state[key] = (url_from or dt.date(today.year, 1, 1), url_to or today)
        value = box.date_input("From – to", key=key, format="YYYY-MM-DD", min_value=bounds[0],
                               max_value=bounds[1])
        if isinstance(value, (tuple, list)) and len(value) == 2:
            out["date_from"], out["date_to"] = value[0], value[1]
        else:
            box.caption("Pick the end date of the range.")
    # Say which dates the figures are for: a value the browser refused (outside the
    # dates offered) never reaches the page, so the figures stay those named here.
    if out["as_of"]:
        box.caption(f"Figures: activities under way on {out['as_of']:%Y-%m-%d}.")
    elif out["date_from"] and out["date_to"]:
        box.caption(f"Figures: activities under way between {out['date_from']:%Y-%m-%d} and "
                    f"{out['date_to']:%Y-%m-%d}.")
    elif mode != "any":
        box.caption("Figures: activities at any time (no date picked yet).")
    _query.write({"asof": out["as_of"], "from": out["date_from"], "to": out["date_to"]})
    return out


def describe(filters: Filters) -> str:
    """" with these filters" when any filter is on, else "" (for empty-result sentences)."""
    return " with these filters" if filters.active else ""


def summary_lines(filters: Filters, partners) -> list[str]:
    """The filters in words, one line each ("Kind of work: Funding, Policy"), for what
    leaves the page (a downloaded map); ``partners`` are the viewer's (redacted), so a
    partner filter names partners as the viewer sees them. "No filters" when none is on."""
    names = dict(zip(partners["partner_id"].astype("int64"), partners["name"].astype("str"),
                     strict=True))
    lines = []
    if filters.partners:
        lines.append("Partner: " + ", ".join(names.get(p, f"#{p}") for p in filters.partners))
    if filters.partner_types:
        lines.append("Partner type: " + ", ".join(schema.PARTNER_TYPES.get(t, t)
                                                  for t in filters.partner_types))
    if filters.kinds:
        lines.append("Kind of work: " + ", ".join(schema.KINDS_OF_WORK.get(k, k)
                                                  for k in filters.kinds))
    if filters.principles:
        lines.append("Principle: " + ", ".join(filters.principles))
    if filters.statuses:
        lines.append("Status: " + ", ".join(STATUS_LABELS.get(s, s) for s in filters.statuses))
    if filters.state_fips:
        lines.append("State: " + gazetteer.postal_codes().get(filters.state_fips,
                                                              filters.state_fips))
    if filters.as_of:
        lines.append(f"As of {filters.as_of.isoformat()}")
    if filters.date_from or filters.date_to:
        lines.append(f"Under way between {filters.date_from or '…'} and {filters.date_to or '…'}")
    return lines or ["No filters"]
