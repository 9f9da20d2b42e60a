"""Display tables, shown the one way every page does (:func:`table`)."""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

# How table columns are shown, by their display name (``geo.analysis.columns.LABELS``).
PERCENT_COLUMNS: frozenset[str] = frozenset({"Children in poverty (%)"})
ID_COLUMNS: frozenset[str] = frozenset({"Rank", "Start year"})  # whole numbers without separators
LINK_COLUMNS: frozenset[str] = frozenset({"Website", "A website", "B website"})
WIDE_COLUMNS: frozenset[str] = frozenset({
    "Partner", "Place", "District", "Site", "Name", "Why", "Where", "Partner A", "Partner B",
    "Site A", "Site B", "Why introduce them", "Partner names", "Kinds of work", "Principles",
    "Expertise",
})
MISSING = "—"


def column_formats(df: pd.DataFrame) -> dict[str, Any]:
    """``st.column_config`` for every column of a display table (human column names):
    percentages as "20.7%", counts with thousands separators ("1,234"), ids and years as
    plain whole numbers, miles and scores with fixed decimals, links as links, and
    names wide enough to read."""
    config: dict[str, Any] = {}
    for col in df.columns:
        name = str(col)
        values = df[col]
        numeric = (pd.api.types.is_numeric_dtype(values.dtype)
                   and not pd.api.types.is_bool_dtype(values.dtype))
        if name in LINK_COLUMNS:
            config[name] = st.column_config.LinkColumn(name)
        elif name in PERCENT_COLUMNS:
            config[name] = st.column_config.NumberColumn(name, format="%.1f%%")
        elif numeric and (name in ID_COLUMNS or name.endswith(" ID")):
            config[name] = st.column_config.NumberColumn(name, format="%d")
        elif numeric:
            finite = pd.to_numeric(values, errors="coerce").dropna()
            whole = (bool(len(finite)) and bool((finite == finite.round()).all())
                     and "(mi)" not in name)
            fmt = "localized" if whole else ("%.2f" if "(mi)" in name else "%.1f")
            config[name] = st.column_config.NumberColumn(name, format=fmt)
        elif name in WIDE_COLUMNS:
            config[name] = st.column_config.TextColumn(name, width="large")
    return config


def first_rows(df: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The first ``limit`` rows of a ranked table, for showing; when there are more, a
    caption under the table says how many are shown and that the download has them all
    (a national table of 100,000 rows is never sent to every browser)."""
    if len(df) <= limit:
        return df
    st.caption(f"Showing the first {limit:,} of {len(df):,} rows, in the order ranked; "
               "the download (CSV) has them all.")
    return df.head(limit)


def table(df: pd.DataFrame, *, column_config: dict[str, Any] | None = None,
          hide_index: bool = True, **kwargs: Any) -> Any:
    """Show a display table (``geo.analysis.for_display``) the one way every page does:
    :func:`column_formats`, missing values as "—", full width. ``column_config``
    entries override the defaults (e.g. a progress bar for a score)."""
    config = column_formats(df)
    config.update(column_config or {})
    return st.dataframe(df, hide_index=hide_index, width="stretch", placeholder=MISSING,
                        column_config=config, **kwargs)
