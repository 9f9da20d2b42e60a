"""Data: import partners' spreadsheets, edit records, export them.

For signed-in staff and partner users only; everyone else gets one sentence and no
controls (the role comes from the server-side session, :func:`pages._ui.current_viewer`).
A partner user works on its own organization's records: its imports are forced to its
partner and its edits are checked with :func:`geo.auth.can_edit` at every write.

Import: template -> upload (a workbook's sheet, the CRS of projected coordinates) ->
preview (every problem, per row, with its fix; how each row will be placed, counts per
kind) -> map columns / choose partners / pick the school for names in review ->
confirm -> :func:`geo.importer.commit_import` writes it in one transaction (all or
nothing; or, when asked, only the valid rows). The preview is
kept in the session, keyed on the file's content and every choice, so reruns do not
read the file again.

Export: the viewer's visible frames (:func:`pages._ui.frames_for_viewer`) through
:mod:`geo.db.export`; files are built only when a button is clicked (deferred
downloads). Staff also get a full GeoPackage backup (:mod:`geo.db.backup`).
"""
from __future__ import annotations

import functools
import hashlib
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from geo import auth, visibility
from geo.auth import Viewer
from geo.db import Store
from geo.db.backup import backup
from geo.db.export import export_bytes
from geo.importer import (
    IMPORT_KINDS,
    TEMPLATE_COLUMNS,
    ImportPreview,
    ImportRefused,
    commit_import,
    prepare_import,
    required_targets,
    template_csv,
    template_xlsx,
)
from geo.schema import Frames
from pages import _data_forms as forms, _ui
from pages._data_forms import md

SECTIONS = {"import": "Import", "edit": "Edit", "export": "Export"}
UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "geojson", "json", "gpkg", "zip", "parquet"]
EXPORT_FORMATS: dict[str, tuple[str, str]] = {  # label -> (format, mime type)
    "CSV": ("csv", "text/csv"),
    "Excel": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "GeoJSON": ("geojson", "application/geo+json"),
    "GeoPackage": ("gpkg", "application/geopackage+sqlite3"),
}
REFUSAL = ("Sign in as staff or a partner to manage data. The data page imports, edits "
           "and exports the coalition's records; use the sign-in box in the sidebar.")
_KIND_LABELS = {"sites": "Sites (places: schools, offices, affiliates)",
                "activities": "Activities (work at a place or across an area)"}
_NOT_USED = ""
_PREVIEW_CACHE = "import_previews"
_ROUND = "import_round"
_PARTNER_OPTIONS = "import_partner_options"
_FIXES = "import_fixes"  # file token -> {(column, value): replacement} accepted
_FIXES_SHOWN = 20  # one-click fixes offered one by one
_REVIEW_SHOWN = 50  # school names in review offered one by one
_NEW_PARTNER = -1  # the "New partner…" choice of the file's partner


def may_manage_data(viewer: Viewer) -> bool:
    """Staff, and partner users tied to an organization; nobody else."""
    if viewer.role == "staff":
        return True
    return viewer.role == "partner" and auth.can_edit(viewer, partner_id=viewer.partner_id)


# --- import ---------------------------------------------------------------------------
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


@st.cache_resource(max_entries=2, show_spinner=False)
def _school_directory(database_url: str, version: int):  # noqa: ANN202
    """The database's school directory ready for matching (None when none is loaded)."""
    from geo.schools import store_directory

    return store_directory(_ui.store())


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
                schools=_school_directory(_ui.settings().database_url, version),
                school_choices=place.get("school_choices") or None,
                corrections=corrections or None)
        for old in list(cache)[:-3]:  # keep the last few (mapping back and forth)
            del cache[old]
    return cache[key]


def _mapping_widgets(preview: ImportPreview, *, token: str, kind: str,
                     partner_given: bool, forced_partner: bool) -> dict[str, str]:
    """A selectbox per target column, pre-filled with the suggestion; the chosen mapping."""
    columns = preview.columns
    targets = [t for t in TEMPLATE_COLUMNS if not (forced_partner and t == "partner")]
    required = set(required_targets(kind, partner_given=partner_given))
    # Open when the columns themselves are the problem (nothing could be checked).
    trouble = bool(preview.missing) or (bool(preview.file_errors)
                                        and preview.counts["rows_read"] == 0)
    mapping: dict[str, str] = {}
    with st.expander("Columns: which column of the file holds what", expanded=trouble):
        st.caption("Pre-filled from the file's column names. Change a choice if a column "
                   "was not recognised or was matched wrongly; '(not used)' leaves it out.")
        grid = st.columns(3)
        for i, target in enumerate(targets):
            suggested = preview.suggested.get(target, _NOT_USED)
            options = [_NOT_USED, *columns]
            label = target + (" (required)" if target in required else "")
            chosen = grid[i % 3].selectbox(
                label, options, index=options.index(suggested) if suggested in options else 0,
                key=f"import_map_{token}_{target}", help=TEMPLATE_COLUMNS[target],
                format_func=lambda c: "(not used)" if c == _NOT_USED else c)
            if chosen:
                mapping[target] = chosen
    return mapping


def _partner_choice_widgets(preview: ImportPreview, *, token: str) -> None:
    """For each name close to a stored partner: use the existing one, or confirm new."""
    remembered: dict = st.session_state.setdefault(_PARTNER_OPTIONS, {})
    shown = 0
    for name, match in preview.partners.items():
        key = f"import_partner_{token}_{hashlib.sha1(name.encode()).hexdigest()[:10]}"
        if match.suggestions:
            remembered[key] = (name, list(match.suggestions))
        if key not in remembered or match.how == "exact":
            continue
        _, suggestions = remembered[key]
        if shown == 0:
            st.markdown("**Partner names close to ones already stored**")
        shown += 1
        # Radio options are rendered as markdown: names escaped.
        labels = {pid: f"Use the existing partner “{md(stored)}” (partner {pid})"
                  for pid, stored in suggestions}
        labels["new"] = f"No: create a new partner “{md(name)}”"
        rows = len(match.rows)
        where = (f"row {match.rows[0]}" if rows == 1 else
                 f"{rows:,} rows, first row {match.rows[0]}" if rows else "")
        st.radio(md(f"The file says “{name}” ({where}). Did you mean…"),
                 list(labels), index=None, key=key, format_func=labels.__getitem__)


def _chosen_partners(token: str) -> dict[str, int | str]:
    remembered: dict = st.session_state.get(_PARTNER_OPTIONS, {})
    out: dict[str, int | str] = {}
    for key, (name, _) in remembered.items():
        if key.startswith(f"import_partner_{token}_"):
            value = st.session_state.get(key)
            if value is not None:
                out[name] = value
    return out


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


def _show_placement(preview: ImportPreview) -> None:
    """How the rows will be placed: rows per kind, the CRS, the sheet read."""
    from geo.placement import SOURCE_LABELS

    if not preview.placed:
        return
    table = pd.DataFrame({"placed by": [SOURCE_LABELS.get(k, k) for k in preview.placed],
                          "rows": list(preview.placed.values())})
    st.markdown("**How the rows will be placed**")
    st.dataframe(table, hide_index=True, width="content")
    notes = []
    if preview.sheet:
        notes.append(f"sheet read: “{preview.sheet}”")
    if preview.crs:
        notes.append(f"coordinates read as {preview.crs}"
                     + (" (detected from the file's states and ZIP codes; give the EPSG "
                        "code above if that is wrong)" if preview.crs_detected else ""))
    if notes:
        st.caption(md("; ".join(notes)))


def _school_review_widgets(preview: ImportPreview, *, token: str) -> None:
    """For each school name close to several schools: pick one, or leave it at its ZIP."""
    review = preview.review
    if review is None or review.empty:
        return
    rows = list(dict.fromkeys(int(r) for r in review["row"]))
    st.markdown(f"**School names to review** ({len(rows):,}): these names are close to "
                "more than one school in the school directory, so none was guessed.")
    for row in rows[:_REVIEW_SHOWN]:
        part = review[review["row"] == row]
        options = ["", *[str(c) for c in part["candidate_id"]]]
        labels = {"": "Leave it at its ZIP code (or unplaced)"}
        for cid, cname, city, score in zip(part["candidate_id"], part["candidate_name"],
                                           part["candidate_city"], part["score"], strict=True):
            labels[str(cid)] = f"{cname}, {city} (NCES {cid}; score {score:.0f})"
        st.selectbox(md(f"Row {row}: “{part['name'].iloc[0]}”"), options,
                     key=f"import_school_{token}_{row}", format_func=labels.get)
    if len(rows) > _REVIEW_SHOWN:
        st.caption(f"The first {_REVIEW_SHOWN} are shown; add NCES IDs or coordinates to "
                   "the file for the others.")


def _chosen_schools(token: str) -> dict[int, str]:
    prefix = f"import_school_{token}_"
    return {int(k[len(prefix):]): str(v) for k, v in st.session_state.items()
            if isinstance(k, str) and k.startswith(prefix) and v}


def _accept_fixes(token: str, fixes: list[tuple[tuple[str, str], str]]) -> None:
    """Keep the fixes as corrections of this file (the next check applies them)."""
    accepted = st.session_state.setdefault(_FIXES, {}).setdefault(token, {})
    accepted.update(dict(fixes))


def _drop_fixes(token: str) -> None:
    st.session_state.setdefault(_FIXES, {}).pop(token, None)


def _fix_widgets(preview: ImportPreview, *, token: str) -> None:
    """A button per suggested replacement (every cell of the column with that value),
    one for all of them, and what was replaced so far (with a way back)."""
    fixes = preview.fixes()
    if fixes:
        st.markdown(f"**One-click fixes** ({len(fixes):,})")
        st.caption("Each button writes the suggested value in every cell of that column "
                   "that holds the same value, then checks the file again. Nothing is "
                   "imported until you click Import below.")
        for fix in fixes[:_FIXES_SHOWN]:
            c1, c2 = st.columns([5, 1])
            c1.markdown(md(fix.describe()))
            c2.button("Apply", key=f"import_fix_{token}_{fix.key!r}",
                      on_click=_accept_fixes, args=(token, [(fix.key, fix.suggestion)]))
        if len(fixes) > 1:
            st.button(f"Apply all {len(fixes):,} fixes", key=f"import_fix_all_{token}",
                      on_click=_accept_fixes,
                      args=(token, [(f.key, f.suggestion) for f in fixes]))
    applied = {k: n for k, n in preview.corrected.items() if n}
    if applied:
        accepted = st.session_state.get(_FIXES, {}).get(token, {})
        lines = [f"{column}: \u201c{value}\u201d \u2192 "
                 f"\u201c{accepted.get((column, value), '')}\u201d "
                 f"({n:,} cell{'s' if n != 1 else ''})"
                 for (column, value), n in applied.items()]
        st.caption(md("Fixed in the file as it will be imported: " + "; ".join(lines)))
        st.button("Undo these fixes", key=f"import_fix_undo_{token}", on_click=_drop_fixes,
                  args=(token,))


def _show_preview(preview: ImportPreview, *, token: str = "") -> None:
    st.markdown("**3. Check**")
    counts = preview.counts
    report = preview.report
    if preview.file_errors:
        forms.show_refusal(
            f"{preview.filename} cannot be imported yet. Fix what is listed below: choose "
            "the partner where asked above, map the columns above, or correct the file "
            "and upload it again.", preview.file_errors)
        return
    c = st.columns(4)
    c[0].metric("Rows read", f"{counts['rows_read']:,}")
    c[1].metric("Ready to import", f"{counts['rows_valid']:,}")
    c[2].metric("Rejected", f"{counts['rows_rejected']:,}")
    c[3].metric("Warnings", f"{len(report.warnings()):,}")
    (st.warning if report.has_errors() else st.success)(md(preview.summary()))
    _show_placement(preview)
    if report:
        st.caption(f"Every problem, by row ({report.summary()}); row 1 is the header.")
        forms.show_problem_table(forms.problems_frame(list(report)))
    _fix_widgets(preview, token=token)
    with st.expander("The rows as they will be imported"):
        st.dataframe(preview.rows, hide_index=True, width="stretch")
    if counts["rows_rejected"]:
        st.download_button(
            f"Download the {counts['rows_rejected']:,} rejected rows with their reasons (CSV)",
            data=preview.rejected_csv(), file_name=f"rejected_{Path(preview.filename).stem}.csv",
            mime="text/csv", on_click="ignore", key="import_rejected")


def _own_partners_only(preview: ImportPreview, viewer: Viewer) -> bool:
    """Every record the import would write belongs to partners the viewer may edit."""
    frames = preview.frames
    if not frames.partners.empty and not auth.can_edit(viewer, partner_id=None):
        return False
    ids = {int(p) for p in pd.concat([frames.sites["partner_id"],
                                      frames.activities["partner_id"]]) if int(p) > 0}
    return all(auth.can_edit(viewer, partner_id=p) for p in ids)


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
        if not _own_partners_only(preview, viewer):
            st.error(forms.NOT_YOURS)
            return
        try:
            written = commit_import(store, preview, actor=viewer.email,
                                    valid_rows_only=valid_only)
        except ImportRefused as exc:
            forms.show_refusal(str(exc), exc.problems)
            return
        st.session_state[_ROUND] = st.session_state.get(_ROUND, 0) + 1
        st.session_state.pop(_PREVIEW_CACHE, None)
        st.session_state.pop(_FIXES, None)
        what = ", ".join(f"{v:,} {k}" for k, v in written.items() if v)
        forms.flash(f"Imported {preview.filename}: {what or 'nothing new'}.")


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
        names = {int(p): str(n) for p, n in zip(frames.partners["partner_id"],
                                                  frames.partners["name"], strict=True)}
        ids = sorted(names, key=lambda p: names[p].casefold())
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
    limit = _ui.settings().max_upload_mb
    upload = st.file_uploader(
        f"CSV, Excel (XLSX), GeoJSON, GeoPackage or zipped Shapefile, up to {limit} MB",
        type=UPLOAD_TYPES, key=f"import_file_{st.session_state.get(_ROUND, 0)}",
        max_upload_size=limit)
    if upload is None:
        return
    data = upload.getvalue()
    token = _digest(data)
    place = _place_options(data, name=upload.name, token=token)
    fixes = dict(st.session_state.get(_FIXES, {}).get(token, {}))
    base = _prepare(store, data, name=upload.name, kind=kind, partner=fill, mapping=None,
                    choices={}, place=place, corrections=fixes)
    if not base.columns:  # unreadable: nothing to map
        _show_preview(base, token=token)
        return
    mapping = _mapping_widgets(base, token=token, kind=kind, partner_given=fill is not None,
                               forced_partner=forced is not None)
    if forced is not None and "partner" in base.suggested:
        st.info(md(f"The file's column “{base.suggested['partner']}” is not used: every "
                   f"row is imported for {forced}."))
    choices = {} if forced is not None else _chosen_partners(token)
    schools = _chosen_schools(token)
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
    _partner_choice_widgets(preview, token=token)
    _school_review_widgets(unpicked, token=token)
    _show_preview(preview, token=token)
    if not preview.file_errors:
        _confirm(store, preview, viewer)


# --- export ---------------------------------------------------------------------------
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


# --- the page -------------------------------------------------------------------------
_ui.sidebar()
viewer = _ui.current_viewer()
st.title("Data")
if not may_manage_data(viewer):
    _ui.refuse(REFUSAL)

store = _ui.store()
frames = _ui.frames_for_viewer()
forms.show_flash()
section = st.radio("Section", list(SECTIONS), format_func=SECTIONS.get, horizontal=True,
                   key="data_section", label_visibility="collapsed")
if section == "import":
    render_import(viewer=viewer, store=store, frames=frames)
elif section == "edit":
    forms.render_edit(viewer=viewer, store=store, frames=frames)
else:
    render_export(viewer=viewer, store=store, frames=frames)
