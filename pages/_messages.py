"""Messages the data pages show: user text escaped for markdown, a confirmation that
survives one rerun (:func:`flash`), and problems as one table with their fixes."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.problems import Problem, Report
from geo.safe import markdown_text

FLASH_KEY = "data_flash"
_PROBLEM_COLUMNS = {"message": "problem", "fix": "how to fix"}


def md(text: object) -> str:
    """``text`` for Streamlit markdown, shown exactly as typed (:func:`geo.safe.markdown_text`
    line by line, so a message keeps its line breaks)."""
    return "\n".join(markdown_text(line) for line in str(text).split("\n"))


def flash(message: str, *, kind: str = "success", key: str = FLASH_KEY) -> None:
    """Keep ``message`` for the next run (shown by :func:`show_flash` with the same
    ``key``, e.g. one per tab) and rerun."""
    st.session_state[key] = (kind, message)
    st.rerun()


def show_flash(key: str = FLASH_KEY, *, markdown: bool = False) -> None:
    """Show, once, what the previous run left with :func:`flash`: as plain text, or with
    ``markdown`` as the markdown it is (user text in it escaped by the caller)."""
    item = st.session_state.pop(key, None)
    if item:
        kind, message = item
        {"success": st.success, "info": st.info, "warning": st.warning}.get(
            kind, st.info)(message if markdown else md(message))


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as the one table the page shows: row, column, severity, problem, how to
    fix (:meth:`geo.problems.Report.to_frame` with the page's column names)."""
    frame = Report(problems).to_frame().rename(columns=_PROBLEM_COLUMNS)
    frame["column"] = frame["column"].fillna("").astype("str")
    return frame


def show_problem_table(table: pd.DataFrame) -> None:
    """The problems table, with room for the message and the fix."""
    config = {"row": st.column_config.NumberColumn(width="small"),
              "column": st.column_config.TextColumn(width="medium"),
              "severity": st.column_config.TextColumn(width="small"),
              "problem": st.column_config.TextColumn(width="large"),
              "how to fix": st.column_config.TextColumn(width="large")}
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={k: v for k, v in config.items() if k in table.columns})


def show_refusal(message: str, problems: list[Problem]) -> None:
    """An error box with ``message`` and, below it, every problem with its fix."""
    st.error(md(message))
    if problems:
        table = problems_frame(problems)
        if table["row"].isna().all():
            table = table.drop(columns="row")
        show_problem_table(table)
