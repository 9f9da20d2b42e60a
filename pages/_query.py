"""A view's selection and filters in the URL query string, so a copied link reopens it.

Values are parsed strictly: each parameter has a type, an allowed set or a pattern, and
anything else is ignored (never evaluated, never unpickled). A value that fails to parse
is dropped and reported once with :func:`bad_params`, so a mangled link still opens
the page with defaults instead of failing. The role never comes from here.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

import streamlit as st

_LIST_SEP = ","
_MAX_LEN = 200
_BAD_KEY = "_query_bad_params"


def _raw(key: str) -> str | None:
    value = st.query_params.get(key)
    if value is None:
        return None
    value = str(value)
    if len(value) > _MAX_LEN:
        _note_bad(key)
        return None
    return value


def _note_bad(key: str) -> None:
    bad = st.session_state.setdefault(_BAD_KEY, set())
    bad.add(key)


def bad_params() -> list[str]:
    """Query parameters that were present but not understood (ignored)."""
    return sorted(st.session_state.get(_BAD_KEY, set()))


def parse_choice(value: str | None, allowed: Iterable[str]) -> str | None:
    """``value`` if it is one of ``allowed`` (exact match), else None."""
    allowed = list(allowed)
    return value if value in allowed else None


def parse_list(value: str | None, allowed: Iterable[str]) -> list[str] | None:
    """Comma-separated items, each one of ``allowed``; None if any item is unknown."""
    if value is None or value == "":
        return None
    allowed_set = set(allowed)
    items = [v for v in value.split(_LIST_SEP) if v != ""]
    if not items or any(v not in allowed_set for v in items):
        return None
    return items


def parse_pattern(value: str | None, pattern: str) -> str | None:
    """``value`` if it fully matches the regular expression ``pattern``."""
    if value is None or not re.fullmatch(pattern, value):
        return None
    return value


def parse_float(value: str | None, *, lo: float, hi: float) -> float | None:
    """A finite number within [lo, hi], else None."""
    if value is None or not re.fullmatch(r"-?\d{1,4}(\.\d{1,8})?", value):
        return None
    number = float(value)
    return number if lo <= number <= hi else None


def parse_date(value: str | None) -> dt.date | None:
    """An ISO date ``YYYY-MM-DD``, else None."""
    if value is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def read(key: str, parser, *args, **kwargs):
    """Read query parameter ``key`` through ``parser``; remember it if it was bad."""
    raw = _raw(key)
    value = parser(raw, *args, **kwargs)
    if raw not in (None, "") and value is None:
        _note_bad(key)
    return value


def write(values: Mapping[str, object]) -> None:
    """Put the view's current values into the URL (None / empty removes a key).

    Only keys whose value changed are touched, so this does not trigger extra reruns.
    """
    for key, value in values.items():
        if value is None or value == "" or value == [] or value == ():
            if key in st.query_params:
                del st.query_params[key]
            continue
        if isinstance(value, (list, tuple)):
            text = _LIST_SEP.join(str(v) for v in value)
        elif isinstance(value, dt.date):
            text = value.isoformat()
        else:
            text = str(value)
        if st.query_params.get(key) != text:
            st.query_params[key] = text
