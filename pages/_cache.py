"""Everything the pages cache, keyed on cheap values, shared by every session.

* the store is a ``cache_resource`` per database URL (one engine per process); on first
  open of an empty database it is filled with the fictional sample dataset when
  ``PARTNERMAP_SAMPLE_DATA`` is on;
* frames are a ``cache_resource`` keyed on ``(database URL, store.data_version())``, so
  every write invalidates them and reruns cost one tiny query. They are shared between
  sessions: treat them as read-only (pandas copy-on-write makes accidental writes
  local anyway);
* the school directory an import matches names against is cached per ``(URL, data
  version)``; the redacted view of the frames, the frames narrowed by a view's filters
  and the analyses over them per ``(URL, data version, viewer role, ...)``; so are the
  rendered maps (:mod:`pages._mapview`).

Who is looking is not decided here: callers pass the role (:func:`pages._session.viewer_role`).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from geo import schema
from geo.analysis.filters import Filters
from geo.config import Settings, load_settings
from geo.db import Store, open_store
from geo.sample import contains_sample, make_sample
from geo.schools import load_sample_directory
from geo.visibility import visible_frames
from pages import _run

SAMPLE_ACTOR = "sample-data"


def settings() -> Settings:
    """The app settings, read from the environment (cheap; not cached so tests and
    restarts with another DATABASE_URL are honoured)."""
    return load_settings()


@st.cache_resource(show_spinner="Opening the database…", max_entries=4)
def _store(database_url: str, sample_data: bool) -> Store:
    store = open_store(database_url)
    if sample_data and store.is_empty():
        store.load_frames(make_sample(), actor=SAMPLE_ACTOR)
        load_sample_directory(store, actor=SAMPLE_ACTOR)  # Florida's schools (HIFLD)
    return store


def store() -> Store:
    """The store for the configured database, created (and seeded) on first use."""
    def find() -> Store:
        s = settings()
        return _store(s.database_url, s.sample_data)

    return _run.once("store", find)


@st.cache_resource(max_entries=2, show_spinner=False)
def _frames(database_url: str, version: int) -> schema.Frames:
    return _store(database_url, settings().sample_data).frames()


@st.cache_resource(max_entries=8, show_spinner=False)
def _visible(database_url: str, version: int, role: str) -> schema.Frames:
    return visible_frames(_frames(database_url, version), role)


@st.cache_resource(max_entries=2, show_spinner=False)
def _has_sample(database_url: str, version: int) -> bool:
    return contains_sample(_frames(database_url, version).partners)


def data_version() -> int:
    """The database's data version, queried once per run, and again after a write in
    this process (the store's commit count is part of the key)."""
    s = store()
    return _run.once(("data_version", s.db.commits), s.data_version)


def all_frames() -> schema.Frames:
    """Every live record, unredacted. Only for staff-facing code and counts."""
    return _frames(settings().database_url, data_version())


def frames_for_role(role: str) -> schema.Frames:
    """The frames as a viewer of ``role`` may see them (names withheld for the public)."""
    return _visible(settings().database_url, data_version(), role)


def has_sample_data() -> bool:
    return _has_sample(settings().database_url, data_version())


@st.cache_resource(max_entries=2, show_spinner=False)
def _school_directory(database_url: str, version: int):  # noqa: ANN202
    from geo.schools import store_directory

    return store_directory(_store(database_url, settings().sample_data))


def school_directory(version: int):  # noqa: ANN201
    """The database's school directory at data ``version``, ready for matching names
    (:func:`geo.schools.store_directory`; None when none is loaded)."""
    return _school_directory(settings().database_url, version)


@st.cache_resource(max_entries=32, show_spinner=False)
def _filtered(database_url: str, version: int, role: str, filters: Filters) -> schema.Frames:
    return filters.apply(_visible(database_url, version, role))


def filtered_for_role(filters: Filters, role: str) -> schema.Frames:
    """The frames of ``role`` narrowed by ``filters`` (read-only, shared)."""
    return _filtered(settings().database_url, data_version(), role, filters)


def analysis_for_role(fn: Callable[..., Any], filters: Filters, role: str, args: tuple,
                      kwargs: dict[str, Any]) -> Any:
    """``fn(filtered frames, *args, **kwargs)``, cached on the data version, ``role``,
    ``filters``, ``fn``'s qualified name and the (cheap, hashable) arguments."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    if "<lambda>" in name or "<locals>" in name:
        raise ValueError(f"cached() needs a module-level function, not {name}")
    return _analysis(settings().database_url, data_version(), role, filters, name, fn, args,
                     tuple(sorted(kwargs.items())))


@st.cache_resource(max_entries=64, show_spinner=False)
def _analysis(database_url: str, version: int, role: str, filters: Filters, name: str,
              _fn: Callable[..., Any], args: tuple, kwargs: tuple) -> Any:
    return _fn(_filtered(database_url, version, role, filters), *args, **dict(kwargs))


def home_sites(role: str) -> pd.DataFrame:
    """Every site as ``role`` sees it, with its popup text (the home map's sites), once
    per data version and role (:func:`geo.maps.labelled_sites`)."""
    from geo.maps import labelled_sites

    return analysis_for_role(labelled_sites, Filters(), role, (), {})


def home_figures(role: str) -> dict[str, int]:
    """The home page's headline figures for ``role`` (:func:`geo.analysis.summary`)."""
    from geo.analysis import summary

    return analysis_for_role(summary, Filters(), role, (), {})


def warm_home(role: str = "public") -> None:
    """Compute what the home page (pages/home.py) caches for ``role`` before anyone
    asks: the store (filled with the sample data when that is on), the frames as the
    role sees them, every site's popup text and the headline figures. scripts/serve.py
    calls it while the server starts; the page then finds them (or waits for them) in
    the same caches."""
    frames_for_role(role)
    home_sites(role)
    home_figures(role)
