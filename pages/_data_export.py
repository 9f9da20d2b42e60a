"""The Data page's Export section: the viewer's records in every format, and for staff
a full GeoPackage backup.

Files are built only when a button is clicked (deferred downloads), from the viewer's
visible frames (:func:`pages._ui.frames_for_viewer`) with others' private fields kept
only where public (:func:`geo.visibility.export_frames`), through :mod:`geo.db.export`.
"""
from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import streamlit as st

from geo import visibility
from geo.auth import Viewer
from geo.db import Store
from geo.db.backup import backup
from geo.db.export import export_bytes
from geo.schema import Frames

EXPORT_FORMATS: dict[str, tuple[str, str]] = {  # label -> (format, mime type)
    "CSV": ("csv", "text/csv"),
    "Excel": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "GeoJSON": ("geojson", "application/geo+json"),
    "GeoPackage": ("gpkg", "application/geopackage+sqlite3"),
}


def _backup_bytes(store: Store) -> bytes:
    """A full backup (no password hashes) as GeoPackage bytes, via a private temp dir."""
    with tempfile.TemporaryDirectory(prefix="partnermap-backup-") as tmp:
        path = Path(tmp) / "partnermap_backup.gpkg"
        backup(store, path)
        return path.read_bytes()


def render_export(*, viewer: Viewer, store: Store, frames: Frames) -> None:
    """Download buttons for every table and format (built on click), and the backup."""
    st.caption("Each table carries its boundary assignments (state, county and school "
               "district codes). Spreadsheet cells that would run as formulas are "
               "neutralised. Files are built when you click.")
    frames = visibility.export_frames(frames, viewer)  # others' private fields: only where public
    for what, frame in (("partners", frames.partners), ("sites", frames.sites),
                        ("activities", frames.activities)):
        cols = st.columns([2, 1, 1, 1, 1])
        cols[0].markdown(f"**{what.capitalize()}** ({len(frame):,})")
        for col, (label, (fmt, mime)) in zip(cols[1:], EXPORT_FORMATS.items(), strict=True):
            col.download_button(
                label, data=functools.partial(export_bytes, frames, what=what, fmt=fmt),
                file_name=f"partnermap_{what}.{fmt}", mime=mime, on_click="ignore",
                key=f"export_{what}_{fmt}")
    if viewer.role == "staff":
        st.markdown("**Full backup**")
        st.caption("Every table, deleted records, accounts (without passwords) and the "
                   "audit trail in one GeoPackage; `python -m geo restore` loads it into "
                   "an empty database.")
        st.download_button("Full backup (GeoPackage)",
                           data=functools.partial(_backup_bytes, store),
                           file_name="partnermap_backup.gpkg",
                           mime=EXPORT_FORMATS["GeoPackage"][1], on_click="ignore",
                           key="export_backup")
