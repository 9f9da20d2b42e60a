"""Data: import partners' spreadsheets, edit records, export them.

For signed-in staff and partner users only (:func:`geo.auth.can_manage_data`); everyone
else gets one sentence and no controls (the role comes from the server-side session,
:func:`pages._ui.current_viewer`). A partner user works on its own organization's
records: its imports are forced to its partner and its edits are checked with
:func:`geo.auth.can_edit` at every write.

The sections: :mod:`pages._data_import` (template, upload, check, confirm),
:mod:`pages._data_edit` (forms to add, edit, end, delete and undo) and
:mod:`pages._data_export` (downloads and the staff backup).
"""
from __future__ import annotations

import streamlit as st

from geo import auth
from pages import _ui
from pages._data_edit import render_edit
from pages._data_export import render_export
from pages._data_import import render_import
from pages._messages import show_flash

SECTIONS = {"import": "Import", "edit": "Edit", "export": "Export"}
REFUSAL = ("Sign in as staff or a partner to manage data. The data page imports, edits "
           "and exports the coalition's records; use the sign-in box in the sidebar.")

_ui.sidebar()
viewer = _ui.current_viewer()
st.title("Data")
if not auth.can_manage_data(viewer):
    _ui.refuse(REFUSAL)

store = _ui.store()
frames = _ui.frames_for_viewer()
show_flash()
section = st.radio("Section", list(SECTIONS), format_func=SECTIONS.get, horizontal=True,
                   key="data_section", label_visibility="collapsed")
if section == "import":
    render_import(viewer=viewer, store=store, frames=frames)
elif section == "edit":
    render_edit(viewer=viewer, store=store, frames=frames)
else:
    render_export(viewer=viewer, store=store, frames=frames)
