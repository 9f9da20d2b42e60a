"""The Data page's Import section: template and upload (:mod:`pages._data_upload`) ->
check (:mod:`pages._data_review`: every problem, per row, with its fix; how each row
will be placed; columns, partners and schools to choose) -> confirm ->
:func:`geo.importer.commit_import` writes it in one transaction (all or nothing; or,
when asked, only the valid rows).

The check is kept in the session, keyed on the file's content and every choice, so
reruns do not read the file again. A partner user's rows all go to its own
organization, and the import is refused unless :func:`geo.auth.can_write_all` allows
every record it would write.
"""
from __future__ import annotations

import streamlit as st

from geo import auth
from geo.auth import Viewer
from geo.db import Store
from geo.importer import ImportPreview, ImportRefused, commit_import, prepare_import
from geo.schema import Frames
from pages import _cache, _data_review as review
from pages._data_upload import ROUND, Upload, upload_step
from pages._data_write import NOT_YOURS
from pages._messages import flash, md, show_refusal

_PREVIEW_CACHE = "import_previews"


def _prepare(store: Store, up: Upload, *, mapping: dict[str, str] | None,
             choices: dict[str, int | str], corrections: dict[tuple[str, str], str],
             schools: dict[int, str] | None = None) -> ImportPreview:
    """prepare_import of the upload, remembered in the session for the same file,
    choices and data.

    ``schools``: the school picks of the review (``school_choices``); ``corrections``:
    the one-click fixes accepted (:mod:`geo.importer.fixes`).
    """
    version = store.data_version()
    key = (up.token, up.name, up.kind, up.fill,
           None if mapping is None else tuple(sorted(mapping.items())),
           tuple(sorted((k, str(v)) for k, v in choices.items())), version,
           up.place.get("sheet"), up.place.get("crs"), tuple(sorted((schools or {}).items())),
           tuple(sorted(corrections.items())))
    cache: dict = st.session_state.setdefault(_PREVIEW_CACHE, {})
    if key not in cache:
        with st.spinner(f"Checking {up.name}…"):
            cache[key] = prepare_import(
                up.data, kind=up.kind, filename=up.name, store=store, partner=up.fill,
                mapping=mapping, partner_choices=choices or None,
                sheet=up.place.get("sheet"), crs=up.place.get("crs") or None,
                schools=_cache.school_directory(version),
                school_choices=schools or None, corrections=corrections or None)
        for old in list(cache)[:-3]:  # keep the last few (mapping back and forth)
            del cache[old]
    return cache[key]


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
        st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1
        st.session_state.pop(_PREVIEW_CACHE, None)
        st.session_state.pop(review.FIXES, None)
        what = ", ".join(f"{v:,} {k}" for k, v in written.items() if v)
        flash(f"Imported {preview.filename}: {what or 'nothing new'}.")


def render_import(*, viewer: Viewer, store: Store, frames: Frames) -> None:
    """Template, upload, mapping, partner matches, preview and confirm."""
    up = upload_step(viewer=viewer, store=store, frames=frames)
    if up is None:
        return
    token, forced = up.token, up.forced
    fixes = dict(st.session_state.get(review.FIXES, {}).get(token, {}))
    base = _prepare(store, up, mapping=None, choices={}, corrections=fixes)
    if not base.columns:  # unreadable: nothing to map
        review.show_preview(base, token=token)
        return
    mapping = review.mapping_widgets(base, token=token, kind=up.kind,
                                     partner_given=up.fill is not None,
                                     forced_partner=forced is not None)
    if forced is not None and "partner" in base.suggested:
        st.info(md(f"The file's column “{base.suggested['partner']}” is not used: every "
                   f"row is imported for {forced}."))
    choices = {} if forced is not None else review.chosen_partners(token)
    schools = review.chosen_schools(token)
    if mapping == base.mapping and not choices and not schools:
        preview = base
    else:
        preview = _prepare(store, up, mapping=mapping, choices=choices, schools=schools,
                           corrections=fixes)
    # The names in review come from the check without the picks, so a picked row keeps
    # its choice box.
    unpicked = preview if not schools else _prepare(
        store, up, mapping=mapping, choices=choices, corrections=fixes)
    review.partner_choice_widgets(preview, token=token)
    review.school_review_widgets(unpicked, token=token)
    review.show_preview(preview, token=token)
    if not preview.file_errors:
        _confirm(store, preview, viewer)
