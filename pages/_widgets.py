"""Widgets whose value is mirrored in the URL, so a copied link reopens the same view.

Each widget is seeded from the URL (:mod:`pages._query`) the first time it is drawn in
a session, and writes its value back when it changes. Defaults are left out of the URL
so links stay short.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import streamlit as st

from pages import _query


def seed(key: str, value: Any) -> None:
    """Give widget ``key`` its value from the URL the first time it is drawn."""
    if key not in st.session_state and value is not None:
        st.session_state[key] = value


def radio(label: str, options: Mapping[str, str], *, param: str, key: str, default: str,
          horizontal: bool = True, container: Any = st, help: str | None = None) -> str:
    """A radio over ``options`` (code -> label) mirrored in ``?param=code``."""
    seed(key, _query.read(param, _query.parse_choice, list(options)) or default)
    value = container.radio(label, list(options), format_func=options.__getitem__, key=key,
                            horizontal=horizontal, help=help)
    _query.write({param: None if value == default else value})
    return value


def selectbox(label: str, options: Mapping[str, str], *, param: str, key: str, default: str,
              container: Any = st, help: str | None = None) -> str:
    """A selectbox over ``options`` (code -> label) mirrored in ``?param=code``."""
    seed(key, _query.read(param, _query.parse_choice, list(options)) or default)
    value = container.selectbox(label, list(options), format_func=options.__getitem__, key=key,
                                help=help)
    _query.write({param: None if value == default else value})
    return value


def number(label: str, *, param: str, key: str, default: float, lo: float, hi: float,
           step: float, container: Any = st, help: str | None = None) -> float:
    """A number input within [lo, hi] mirrored in ``?param=n``."""
    seed(key, _query.read(param, _query.parse_float, lo=lo, hi=hi) or float(default))
    value = float(container.number_input(label, min_value=float(lo), max_value=float(hi),
                                         step=float(step), key=key, help=help))
    _query.write({param: None if value == default else f"{value:g}"})
    return value


def checkbox(label: str, *, param: str, key: str, container: Any = st,
             help: str | None = None) -> bool:
    """A checkbox mirrored in ``?param=1``."""
    seed(key, _query.read(param, _query.parse_choice, ["1"]) == "1")
    value = bool(container.checkbox(label, key=key, help=help))
    _query.write({param: "1" if value else None})
    return value


def multiselect(label: str, options: Mapping[str, str], *, param: str, key: str,
                placeholder: str, container: Any) -> list[str]:
    """A multiselect over ``options`` (code -> label) mirrored in ``?param=a,b``."""
    seed(key, _query.read(param, _query.parse_list, list(options)))
    value = container.multiselect(label, list(options), format_func=options.__getitem__, key=key,
                                  placeholder=placeholder)
    _query.write({param: value})
    return list(value)


def url_date(param: str, bounds: tuple[dt.date, dt.date]) -> dt.date | None:
    """A date from the URL, dropped (and reported) when outside ``bounds``."""
    value = _query.read(param, _query.parse_date)
    if value is not None and not bounds[0] <= value <= bounds[1]:
        _query._note_bad(param)
        return None
    return value


def date(label: str, *, param: str, key: str, container: Any,
         bounds: tuple[dt.date, dt.date]) -> dt.date | None:
    """A date input within ``bounds`` seeded from ``?param=YYYY-MM-DD`` (else today)."""
    seed(key, url_date(param, bounds))
    if key not in st.session_state:
        st.session_state[key] = dt.date.today()
    value = container.date_input(label, key=key, format="YYYY-MM-DD", min_value=bounds[0],
                                 max_value=bounds[1])
    return value if isinstance(value, dt.date) else None
