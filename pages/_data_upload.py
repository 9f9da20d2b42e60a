"""The Data page's import, steps 1 and 2: the template, and the upload with the choices
made before any check (what the file holds, the partner of its rows, a workbook's sheet,
the CRS of projected coordinates). The check and the import: :mod:`pages._data_import`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from geo.auth import Viewer
from geo.db import Store
from geo.importer import IMPORT_KINDS, TEMPLATE_COLUMNS, template_csv, template_xlsx
from geo.records import by_name, partner_names
from geo.schema import Frames
from pages import _cache
from pages._data_export import EXPORT_FORMATS
from pages._messages import md

UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "geojson", "json", "gpkg", "zip", "parquet"]
ROUND = "import_round"  # moved on by each import: the next upload starts empty
_KIND_LABELS = {"sites": "Sites (places: schools, offices, affiliates)",
                "activities": "Activities (work at a place or across an area)"}
_NEW_PARTNER = -1  # the "New partner…" choice of the file's partner


@dataclass(frozen=True)
class Upload:
    """An uploaded file and the choices made before checking it."""

    kind: str
    forced: str | None  # a partner user's organization: every row is for it
    fill: str | None  # the partner of rows without one
    name: str
    data: bytes
    token: str  # the file's digest: the widget keys of its choices
    place: dict[str, object] = field(default_factory=dict)  # sheet, CRS


def template_section() -> None:
    st.markdown("**1. Start from the template**")
    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button("Template (CSV)", data=template_csv, file_name="partnermap_import.csv",
                       mime="text/csv", on_click="ignore", key="template_csv")
    c2.download_button("Template (Excel)", data=template_xlsx,
                       file_name="partnermap_import.xlsx", on_click="ignore",
                       mime=EXPORT_FORMATS["Excel"][1], key="template_xlsx")
    with st.expander("The import format"):
        st.markdown(
            "One row per site, or per piece of work (activities). Give the place as "
            "`latitude` + `longitude`, or a `zip` code; for work across an area, a "
            "`district_geoid`, `county_fips` or `state`. Columns named differently are "
            "mapped after the upload. Row numbers in messages count the header as row 1, "
            "as spreadsheets do.")
        st.dataframe(pd.DataFrame({"column": list(TEMPLATE_COLUMNS),
                                   "what it holds": list(TEMPLATE_COLUMNS.values())}),
                     hide_index=True, width="stretch")


def _place_options(data: bytes, *, name: str, token: str) -> dict[str, object]:
    """The workbook sheet and the CRS of projected coordinates, chosen before checking."""
    from geo.read import sheet_names

    place: dict[str, object] = {}
    sheets = sheet_names(data) if name.lower().endswith(".xlsx") else []
    c1, c2 = st.columns(2)
    if len(sheets) > 1:
        place["sheet"] = c1.selectbox(
            "Sheet holding the sites", sheets, key=f"import_sheet_{token}",
            help="The workbook has several sheets; the first is read unless you choose.")
    crs = c2.text_input(
        "Coordinate system of X/Y columns (EPSG code)", key=f"import_crs_{token}",
        placeholder="e.g. EPSG:2236; leave empty for degrees",
        help="Only for projected coordinates (State Plane, UTM). Left empty, numbers that "
        "cannot be degrees are recognised and the State Plane / UTM systems of the file's "
        "states are tried; the preview says which was chosen.")
    if crs.strip():
        place["crs"] = crs.strip()
    return place


def upload_step(*, viewer: Viewer, store: Store, frames: Frames) -> Upload | None:
    """Steps 1 and 2: the template, then what the file holds, the partner of its rows and
    the file; None until there is a file to check."""
    template_section()
    st.markdown("**2. Upload**")
    c1, c2 = st.columns(2)
    kind = c1.radio("The file holds", list(IMPORT_KINDS), index=1, key="import_kind",
                    format_func=_KIND_LABELS.get)
    forced: str | None = None
    if viewer.role == "partner":
        own = int(viewer.partner_id)  # type: ignore[arg-type]
        forced = str(store.get_partner(own).get("name"))
        c2.markdown(md(f"Every row is imported for your organization, {forced}."))
        fill = forced
    else:
        names = partner_names(frames.partners)
        ids = by_name(names)
        chosen = c2.selectbox("Partner for rows without one", [None, _NEW_PARTNER, *ids],
                              key="import_fill",
                              format_func=lambda p: "(from the file's partner column)"
                              if p is None else "New partner…" if p == _NEW_PARTNER else names[p],
                              help="For a file without a partner column, e.g. one "
                              "organization's list of schools. A partner not stored yet: "
                              "choose “New partner…” and type its name.")
        if chosen == _NEW_PARTNER:
            typed = c2.text_input("New partner's name", key="import_new_partner", max_chars=300,
                                  placeholder="e.g. Eastside Family Center")
            fill = typed.strip() or None
            if fill:
                c2.caption("The import creates this partner, not listed publicly until its "
                           "consent is recorded (Admin page). A name close to a stored partner "
                           "is offered for confirmation below.")
            else:
                c2.caption("Type the new partner's name to check the file.")
                return None
        else:
            fill = names.get(chosen) if chosen is not None else None
    limit = _cache.settings().max_upload_mb
    upload = st.file_uploader(
        f"CSV, Excel (XLSX), GeoJSON, GeoPackage or zipped Shapefile, up to {limit} MB",
        type=UPLOAD_TYPES, key=f"import_file_{st.session_state.get(ROUND, 0)}",
        max_upload_size=limit)
    if upload is None:
        return None
    data = upload.getvalue()
    token = hashlib.sha256(data).hexdigest()[:16]
    place = _place_options(data, name=upload.name, token=token)
    return Upload(kind=kind, forced=forced, fill=fill, name=upload.name, data=data,
                  token=token, place=place)
