"""The filter panel shared by the map pages, every value mirrored in the URL, and the
analyses cached on what it selects.

A view's filters live in the query string (see :mod:`pages._query` and
:mod:`pages._widgets`), so a copied link reopens the same view. Parameter names are
shared by every page (``kind``, ``status``...), so a filter means the same wherever it
appears.

:class:`geo.analysis.filters.Filters` is a frozen, hashable value: the narrowed frames
and the analyses built on them are cached on ``(database URL, data version, viewer
role, filters)`` (:mod:`pages._cache`). The names of the URL widgets, the filters and
the map clicks are offered here too (``_filters.selectbox``, ``_filters.Filters``,
``_filters.new_click``...), where the map pages call them.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from geo import codes, schema, visibility
from geo.analysis.filters import (
    PRINCIPLE_CODES,
    STATUS_LABELS,
    Filters as Filters,
    date_bounds,
    describe as describe,
    partner_options,
    state_options,
    summary_lines as summary_lines,
)
from pages import _cache, _query, _widgets
from pages._mapview import new_click as new_click
from pages._session import viewer_role
from pages._widgets import (
    checkbox as checkbox,
    number as number,
    radio as radio,
    selectbox as selectbox,
)

DATE_MODES: dict[str, str] = {"any": "Any time", "asof": "As of a date", "range": "Date range"}
FIELDS: tuple[str, ...] = ("partner", "partner_type", "kind", "principle", "status", "state",
                           "date")


def filtered_frames(filters: Filters) -> schema.Frames:
    """The viewer's frames narrowed by ``filters``, cached (read-only, shared)."""
    return _cache.filtered_for_role(filters, viewer_role())


def cached(fn: Callable[..., Any], filters: Filters, *args: Any, **kwargs: Any) -> Any:
    """``fn(filtered_frames(filters), *args, **kwargs)`` cached on the data version, the
    viewer's role, ``filters`` and the arguments (cheap, hashable values). ``fn`` must be
    a module-level function (its qualified name is part of the key)."""
    return _cache.analysis_for_role(fn, filters, viewer_role(), args, kwargs)


def filter_panel(frames: schema.Frames, *, prefix: str,
                 fields: Sequence[str] = FIELDS) -> Filters:
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
        pickable = visibility.pickable_partners(frames.partners, viewer_role())
        options = partner_options(pickable)
        asked = [p for p in str(st.query_params.get("partner") or "").split(_query._LIST_SEP)
                 if p]
        if any(p not in options and p in set(frames.partners["partner_id"].astype("str"))
               for p in asked):
            box.info("Partners that have not approved public listing cannot be chosen one by one "
                     "(the partner in the link was left out); their work is counted in every "
                     "total and map.")
        chosen = _widgets.multiselect("Partner", options, param="partner",
                                      key=f"{prefix}_partner", placeholder="All partners",
                                      container=box)
        picked["partners"] = tuple(int(p) for p in chosen)
    for field, name, label, options, param, placeholder in (
            ("partner_type", "partner_types", "Partner type", schema.PARTNER_TYPES, "ptype",
             "All types"),
            ("kind", "kinds", "Kind of work", schema.KINDS_OF_WORK, "kind", "All kinds of work"),
            ("principle", "principles", "Principle", PRINCIPLE_CODES, "principle",
             "All principles"),
            ("status", "statuses", "Status", STATUS_LABELS, "status", "Any status")):
        if field in fields:
            picked[name] = tuple(_widgets.multiselect(
                label, options, param=param, key=f"{prefix}_{param}", placeholder=placeholder,
                container=box))
    if "state" in fields:
        code = selectbox("State", {"": "All states", **state_options()}, param="state",
                         key=f"{prefix}_state", default="", container=box)
        picked["state_fips"] = {v: k for k, v in codes.postal_codes().items()}.get(code, "")
    if "date" in fields:
        picked.update(_date_filter(prefix, box, date_bounds(frames)))
    return Filters(**picked)


def _date_filter(prefix: str, box: Any,
                 bounds: tuple[dt.date, dt.date]) -> dict[str, dt.date | None]:
    url_asof = _widgets.url_date("asof", bounds)
    url_from = _widgets.url_date("from", bounds)
    url_to = _widgets.url_date("to", bounds)
    url_mode = "asof" if url_asof else ("range" if (url_from or url_to) else "any")
    key = f"{prefix}_when"
    _widgets.seed(key, url_mode)  # the mode is not in the URL: the dates there imply it
    mode = box.radio("When", list(DATE_MODES), format_func=DATE_MODES.__getitem__, key=key,
                     help="As of a date: activities under way that day. Date range: activities "
                          "under way at any time in the range. Planned activities count from "
                          "their start date.")
    out: dict[str, dt.date | None] = {"as_of": None, "date_from": None, "date_to": None}
    if mode == "asof":
        out["as_of"] = _widgets.date("As of", param="asof", key=f"{prefix}_asof", container=box,
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
