"""The Data page's import check: what the upload will become, and the choices that
change it (which column holds what, which stored partner a name means, which school a
name in review is, one-click fixes), each kept under a widget key tied to the file.

Shown by :mod:`pages._data_import`; nothing here writes to the database.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.importer import TEMPLATE_COLUMNS, ImportPreview, required_targets
from pages._messages import md, problems_frame, show_problem_table, show_refusal

FIXES = "import_fixes"  # file token -> {(column, value): replacement} accepted
_NOT_USED = ""
_PARTNER_OPTIONS = "import_partner_options"
_FIXES_SHOWN = 20  # one-click fixes offered one by one
_REVIEW_SHOWN = 50  # school names in review offered one by one


def mapping_widgets(preview: ImportPreview, *, token: str, kind: str,
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


def partner_choice_widgets(preview: ImportPreview, *, token: str) -> None:
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


def chosen_partners(token: str) -> dict[str, int | str]:
    remembered: dict = st.session_state.get(_PARTNER_OPTIONS, {})
    out: dict[str, int | str] = {}
    for key, (name, _) in remembered.items():
        if key.startswith(f"import_partner_{token}_"):
            value = st.session_state.get(key)
            if value is not None:
                out[name] = value
    return out


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


def school_review_widgets(preview: ImportPreview, *, token: str) -> None:
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


def chosen_schools(token: str) -> dict[int, str]:
    prefix = f"import_school_{token}_"
    return {int(k[len(prefix):]): str(v) for k, v in st.session_state.items()
            if isinstance(k, str) and k.startswith(prefix) and v}


def _accept_fixes(token: str, fixes: list[tuple[tuple[str, str], str]]) -> None:
    """Keep the fixes as corrections of this file (the next check applies them)."""
    accepted = st.session_state.setdefault(FIXES, {}).setdefault(token, {})
    accepted.update(dict(fixes))


def _drop_fixes(token: str) -> None:
    st.session_state.setdefault(FIXES, {}).pop(token, None)


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
        accepted = st.session_state.get(FIXES, {}).get(token, {})
        lines = [f"{column}: \u201c{value}\u201d \u2192 "
                 f"\u201c{accepted.get((column, value), '')}\u201d "
                 f"({n:,} cell{'s' if n != 1 else ''})"
                 for (column, value), n in applied.items()]
        st.caption(md("Fixed in the file as it will be imported: " + "; ".join(lines)))
        st.button("Undo these fixes", key=f"import_fix_undo_{token}", on_click=_drop_fixes,
                  args=(token,))


def show_preview(preview: ImportPreview, *, token: str = "") -> None:
    st.markdown("**3. Check**")
    counts = preview.counts
    report = preview.report
    if preview.file_errors:
        show_refusal(
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
        show_problem_table(problems_frame(list(report)))
    _fix_widgets(preview, token=token)
    with st.expander("The rows as they will be imported"):
        st.dataframe(preview.rows, hide_index=True, width="stretch")
    if counts["rows_rejected"]:
        st.download_button(
            f"Download the {counts['rows_rejected']:,} rejected rows with their reasons (CSV)",
            data=preview.rejected_csv(), file_name=f"rejected_{Path(preview.filename).stem}.csv",
            mime="text/csv", on_click="ignore", key="import_rejected")
