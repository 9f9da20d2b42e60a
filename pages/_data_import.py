"""The Data page's Import section: template -> upload (a workbook's sheet, the CRS of
projected coordinates) -> check (:mod:`pages._data_review`: every problem, per row, with
its fix; how each row will be placed; columns, partners and schools to choose) ->
confirm -> :func:`geo.importer.commit_import` writes it in one transaction (all or
nothing; or, when asked, only the valid rows).

The check is kept in the session, keyed on the file's content and every choice, so
reruns do not read the file again. A partner user's rows all go to its own
organization, and the import is refused unless :func:`geo.auth.can_write_all` allows
every record it would write.
"""
from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from geo import auth
from geo.auth import Viewer
from geo.db import Store
from geo.importer import (
    IMPORT_KINDS,
    TEMPLATE_COLUMNS,
    ImportPreview,
    ImportRefused,
    commit_import,
    prepare_import,
    template_csv,
    template_xlsx,
)
from geo.records import by_name, partner_names
from geo.schema import Frames
from pages import _cache, _data_review as review
from pages._data_export import EXPORT_FORMATS
from pages._data_write import NOT_YOURS
from pages._messages import flash, md, show_refusal

UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "geojson", "json", "gpkg", "zip", "parquet"]
_KIND_LABELS = {"sites": "Sites (places: schools, offices, affiliates)",
                "activities": "Activities (work at a place or across an area)"}
_PREVIEW_CACHE = "import_previews"
_ROUND = "import_round"
_NEW_PARTNER = -1  # the "New partner…" choice of the file's partner


def _template_section() -> None:
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


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _prepare(store: Store, data: bytes, *, name: str, kind: str, partner: str | None,
             mapping: dict[str, str] | None, choices: dict[str, int | str],
             place: dict[str, object] | None = None,
             corrections: dict[tuple[str, str], str] | None = None) -> ImportPreview:
    """prepare_import, remembered in the session for the same file, choices and data.

    ``place``: the sheet, the CRS and the school picks of the review (``school_choices``).
    ``corrections``: the one-click fixes accepted (:mod:`geo.importer.fixes`).
    """
    place = dict(place or {})
    corrections = dict(corrections or {})
    version = store.data_version()
    key = (_digest(data), name, kind, partner,
           None if mapping is None else tuple(sorted(mapping.items())),
           tuple(sorted((k, str(v)) for k, v in choices.items())), version,
           place.get("sheet"), place.get("crs"),
           tuple(sorted(dict(place.get("school_choices") or {}).items())),
           tuple(sorted(corrections.items())))
    cache: dict = st.session_state.setdefault(_PREVIEW_CACHE, {})
    if key not in cache:
        with st.spinner(f"Checking {name}…"):
            cache[key] = prepare_import(
                data, kind=kind, filename=name, store=store, partner=partner,
                mapping=mapping, partner_choices=choices or None,
                sheet=place.get("sheet"), crs=place.get("crs") or None,
                schools=_cache.school_directory(version),
                school_choices=place.get("school_choices") or None,
                corrections=corrections or None)
        for old in list(cache)[:-3]:  # keep the last few (mapping back and forth)
            del cache[old]
    return cache[key]


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


def _confirm(store: Store, preview: ImportPreview, viewer: Viewer) -> None:
    counts = preview.counts
    st.markdown("**4. Import**")
    valid_only = False
    if preview.has_errors and counts["rows_valid"] and not preview.file_errors:
        valid_only = st.checkbox(
            f"Import only the {counts['rows_valid']:,} valid rows and leave out the "
            f"{counts['rows_rejected']:,} rejected ones (download them above to fix later)",
            key="import_valid_only")
    ready = preview.can_commit(valid_rows_only=valid_only)
    if not ready:
        st.caption("Nothing can be imported until the errors above are fixed"
                   + (" (or you choose to import only the valid rows)."
                      if preview.has_errors and counts["rows_valid"] else "."))
    n = counts["rows_valid"]
    if st.button(f"Import {n:,} row{'s' if n != 1 else ''}", type="primary",
                 disabled=not ready, key="import_confirm"):
        if not auth.can_write_all(viewer, preview.frames):
            st.error(NOT_YOURS)
            return
        try:
            written = commit_import(store, preview, actor=viewer.email,
                                    valid_rows_only=valid_only)
        except ImportRefused as exc:
            show_refusal(str(exc), exc.problems)
            return
        st.session_state[_ROUND] = st.session_state.get(_ROUND, 0) + 1
        st.session_state.pop(_PREVIEW_CACHE, None)
        st.session_state.pop(review.FIXES, None)
        what = ", ".join(f"{v:,} {k}" for k, v in written.items() if v)
        flash(f"Imported {preview.filename}: {what or 'nothing new'}.")


def render_import(*, viewer: Viewer, store: Store, frames: Frames) -> None:
    """Template, upload, mapping, partner matches, preview and confirm."""
    _template_section()
    st.markdown("**2. Upload**")
    c1, c2 = st.columns(2)
    kind = c1.radio("The file holds", list(IMPORT_KINDS), index=1, key="import_kind",
                    format_func=_KIND_LABELS.get)
    forced: str | None = None
    if viewer.role == "partner":
        forced = str(store.get_partner(int(viewer.partner_id)).get("name"))  # type: ignore[arg-type]
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
                return
        else:
            fill = names.get(chosen) if chosen is not None else None
    limit = _cache.settings().max_upload_mb
    upload = st.file_uploader(
        f"CSV, Excel (XLSX), GeoJSON, GeoPackage or zipped Shapefile, up to {limit} MB",
        type=UPLOAD_TYPES, key=f"import_file_{st.session_state.get(_ROUND, 0)}",
        max_upload_size=limit)
    if upload is None:
        return
    data = upload.getvalue()
    token = _digest(data)
    place = _place_options(data, name=upload.name, token=token)
    fixes = dict(st.session_state.get(review.FIXES, {}).get(token, {}))
    base = _prepare(store, data, name=upload.name, kind=kind, partner=fill, mapping=None,
                    choices={}, place=place, corrections=fixes)
    if not base.columns:  # unreadable: nothing to map
        review.show_preview(base, token=token)
        return
    mapping = review.mapping_widgets(base, token=token, kind=kind, partner_given=fill is not None,
                               forced_partner=forced is not None)
    if forced is not None and "partner" in base.suggested:
        st.info(md(f"The file's column “{base.suggested['partner']}” is not used: every "
                   f"row is imported for {forced}."))
    choices = {} if forced is not None else review.chosen_partners(token)
    schools = review.chosen_schools(token)
    if mapping == base.mapping and not choices and not schools:
        preview = base
    else:
        preview = _prepare(store, data, name=upload.name, kind=kind, partner=fill,
                           mapping=mapping, choices=choices,
                           place={**place, "school_choices": schools}, corrections=fixes)
    # The names in review come from the check without the picks, so a picked row keeps
    # its choice box.
    unpicked = preview if not schools else _prepare(
        store, data, name=upload.name, kind=kind, partner=fill, mapping=mapping,
        choices=choices, place=place, corrections=fixes)
    review.partner_choice_widgets(preview, token=token)
    review.school_review_widgets(unpicked, token=token)
    review.show_preview(preview, token=token)
    if not preview.file_errors:
        _confirm(store, preview, viewer)
