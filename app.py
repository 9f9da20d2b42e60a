"""Community Schools Partner Map: the Streamlit entry point (``streamlit run app.py``).

A thin router: each page is a module in ``pages/`` (UI only, over ``geo/``); shared UI
helpers start at ``pages/_ui.py``, which names the small modules beside it. To add a
page, append it to ``PAGES``.

Every page runs through :func:`pages._ui.run_page`, which shows one plain message
instead of the page while the database cannot be reached (and the page again, with no
restart, once it is back).
"""
from __future__ import annotations

import streamlit as st

from pages import _ui

st.set_page_config(layout="wide", page_title="Community Schools Partner Map")

PAGES = [
    st.Page("pages/home.py", title="Map", default=True),
    # Planned, in menu order (add each as its page lands):
    st.Page("pages/scan.py", title="Scan a place"),
    st.Page("pages/overlaps.py", title="Overlaps"),
    st.Page("pages/coverage.py", title="Coverage"),
    st.Page("pages/partners.py", title="Partners"),
    st.Page("pages/data.py", title="Data"),
    st.Page("pages/admin.py", title="Admin"),
]
# No icons: Streamlit fetches ":material/...:" icons from fonts.gstatic.com (blank
# offline; tests/browser blocks and reports it), and emoji need an emoji font.

_ui.run_page(st.navigation(PAGES))
