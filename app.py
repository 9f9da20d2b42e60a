"""Community Schools Partner Map: the Streamlit entry point (``streamlit run app.py``).

A thin router: each page is a module in ``pages/`` (UI only, over ``geo/``); shared UI
helpers live in ``pages/_ui.py``. To add a page, append it to ``PAGES``.
"""
from __future__ import annotations

import streamlit as st

st.set_page_config(layout="wide", page_title="Community Schools Partner Map")

PAGES = [
    st.Page("pages/home.py", title="Map", icon=":material/map:", default=True),
    # Planned, in menu order (add each as its page lands):
    #   st.Page("pages/scan.py", title="Scan a place", icon=":material/travel_explore:"),
    #   st.Page("pages/overlaps.py", title="Overlaps", icon=":material/join_inner:"),
    #   st.Page("pages/coverage.py", title="Coverage", icon=":material/layers:"),
    #   st.Page("pages/partners.py", title="Partners", icon=":material/groups:"),
    #   st.Page("pages/data.py", title="Data", icon=":material/table_view:"),
    #   st.Page("pages/admin.py", title="Admin", icon=":material/admin_panel_settings:"),
]

st.navigation(PAGES).run()
