"""What every page calls first: the sidebar, the viewer, the frames it may see, and the
way a page is run, refused, or replaced while the database is down.

Pages stay thin: they call these helpers and functions of ``geo`` (which never imports
streamlit). The rest of the UI side lives in small modules, one job each, whose common
names this module also offers (``_ui.table``, ``_ui.cached_map``...):

* :mod:`pages._cache`: settings, the store and everything cached (frames, filtered
  frames, analyses), keyed on cheap values and shared by every session;
* :mod:`pages._session`: who is looking (sign-in, session cookie, single sign-on);
  :mod:`pages._signin`: the sidebar's sign-in and sign-out;
* :mod:`pages._mapview`: showing a folium map (rendered once, shared) and its clicks;
* :mod:`pages._tables`: display tables; :mod:`pages._messages`: messages, problem
  tables and the one-run confirmation (``flash``);
* :mod:`pages._widgets` and :mod:`pages._filters`: widgets mirrored in the URL and
  the filter panel (:mod:`pages._query` reads and writes the URL).
"""
from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# A fresh server whose first request is a deep link (``/scan?...``) runs the page
# script straight from ``pages/`` in Streamlit's legacy multipage mode, without
# ``app.py``: no router, no wide layout, every module of ``pages/`` in the menu. Leave
# that mode (``st.navigation`` in app.py clears the same flag) and run again through
# app.py, which keeps the page and its query string. Checked on Streamlit 1.67.
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()

from geo import schema  # noqa: E402
from geo.db import UnavailableError  # noqa: E402
from pages import _cache, _run, _signin  # noqa: E402
from pages._cache import (  # noqa: E402
    all_frames as all_frames,
    data_version as data_version,
    has_sample_data as has_sample_data,
    settings as settings,
    store as store,
)
from pages._mapview import (  # noqa: E402
    cached_map as cached_map,
    clicked_properties as clicked_properties,
    map_spec as map_spec,
    render_map as render_map,
)
from pages._session import (  # noqa: E402
    current_viewer as current_viewer,
    viewer_role as viewer_role,
)
from pages._tables import first_rows as first_rows, table as table  # noqa: E402

APP_TITLE = "Community Schools Partner Map"
SAMPLE_NOTICE = (
    "Sample data — fictional partners. Every organization shown here is invented; "
    "the places are real."
)
PUBLIC_NOTE = (
    f"Partners that have not approved public listing are shown as "
    f"“{schema.ANONYMOUS_PARTNER}”, without name, website or contact. Counts, maps "
    "and totals include their work."
)


def frames_for_viewer() -> schema.Frames:
    """The frames as the current viewer may see them (names withheld for the public)."""
    return _cache.frames_for_role(viewer_role())


_DB_RETRIED = "_db_unreachable_retried"


def run_page(page: Any) -> None:
    """Run the page chosen by ``st.navigation``, or, while the database cannot be
    reached, show only :func:`show_unreachable` (no traceback, no half-drawn page).

    One tiny query first (the data version, which every page asks for anyway) catches a
    database that is down before anything is drawn. If it goes away while the page runs,
    the page is run once more, so the next run draws the message alone (Streamlit clears
    what the failed run had drawn); a second failure in a row shows the message where
    the page stopped. Writes are transactions: one interrupted this way is rolled back
    by the database, never half-applied.

    The viewer and the data version are worked out once for the run (:mod:`pages._run`).
    """
    with _run.scope():
        _run_page(page)


def _run_page(page: Any) -> None:
    try:
        data_version()
    except UnavailableError as exc:
        show_unreachable(exc)
        return
    try:
        page.run()
    except UnavailableError as exc:
        if not st.session_state.get(_DB_RETRIED):
            st.session_state[_DB_RETRIED] = True
            st.rerun()
        show_unreachable(exc)
        return
    st.session_state.pop(_DB_RETRIED, None)


def show_unreachable(exc: UnavailableError) -> None:
    """The page shown while the database cannot be reached (the details go to the log)."""
    import logging

    logging.getLogger("partnermap").warning("database not reachable: %s", exc.detail)
    st.title("The database is not reachable")
    st.error(str(exc))
    st.button("Try again", key="db_unreachable_retry")


def refuse(message: str) -> None:
    """Show ``message`` as the whole page and stop (for pages a role may not open)."""
    st.warning(message)
    st.stop()


def sidebar() -> None:
    """The sidebar every page shows: what the data is, who is looking, sign-in/out."""
    with st.sidebar:
        st.markdown(f"**{APP_TITLE}**")
        if has_sample_data():
            st.warning("Sample data — fictional partners")
        viewer = current_viewer()
        st.caption(f"Viewing as: {viewer.role}."
                   + (f" {PUBLIC_NOTE}" if viewer.role == "public" else ""))
        _signin.sign_in_or_out(viewer)
