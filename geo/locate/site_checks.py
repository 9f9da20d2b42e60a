"""File-wide checks of placed sites: repeated site IDs, points in no state or no
school district, and a state column that disagrees with where the point lies."""
from __future__ import annotations

import numpy as np
import pandas as pd

from geo import codes
from geo.locate.site_columns import id_text
from geo.problems import Report
from geo.text import is_blank

_NOT_DEFINED = "99997"  # Census pseudo-district GEOID suffix: "School District Not Defined"


def check_duplicate_ids(series: pd.Series, *, rows: np.ndarray, column: str,
                        report: Report) -> None:
    values = series.to_numpy(dtype=object)
    keys = np.array(["" if is_blank(v) else id_text(v) for v in values], dtype=object)
    filled = [key for key in keys if key]
    if len(filled) > 2 and len(set(filled)) == 1:
        # e.g. the "Id" field GIS programs add to a new Shapefile, 0 everywhere.
        report.warning(
            f"The column {column!r} holds {filled[0]!r} in every row, so it was not "
            "treated as a site ID.",
            column=column, fix="Give every site its own ID, or leave the column out.",
        )
        return
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        if key:
            groups.setdefault(key, []).append(i)
    for key, members in groups.items():
        if len(members) < 2:
            continue
        for i in members:
            others = ", ".join(str(int(rows[j])) for j in members if j != i)
            report.error(
                f"The ID {key!r} is used more than once (also in row {others}).",
                row=int(rows[i]), column=column,
                fix="Give every site its own ID, or remove the repeated row.",
            )


def check_boundaries(bounds: pd.DataFrame, *, located: np.ndarray, rows: np.ndarray,
                     report: Report) -> None:
    state = bounds["state_fips"].to_numpy(dtype=object)
    in_district = bounds["in_district"].to_numpy(dtype=bool)
    district = bounds["district_geoid"].to_numpy(dtype=object).astype(str)
    for i in np.flatnonzero(located):
        row = int(rows[i])
        if is_blank(state[i]):
            report.warning(
                "The location is not inside any state on the map (it may be just off the "
                "coast or on a border).",
                row=row, fix="Check the coordinates and move the point onto land if needed.",
            )
        if district[i].endswith(_NOT_DEFINED):
            report.warning(
                "The location is in an area the Census marks 'School District Not Defined'.",
                row=row, fix="Check the coordinates. If they are right, the site has no district.",
            )
        elif not in_district[i]:
            report.warning(
                "The location is not inside any school district, so it has no district.",
                row=row, fix="Check the coordinates. A point on water or just off the coast "
                "falls outside every district.",
            )


def check_stated_state(series: pd.Series, located_state: np.ndarray, *, located: np.ndarray,
                       rows: np.ndarray, column: str, report: Report) -> None:
    """Warn where the file's state column disagrees with the state the point lies in."""
    values = series.to_numpy(dtype=object)
    names = {s.postal: s.name for s in codes.state_index().values()}
    for i in range(len(values)):
        if is_blank(values[i]):
            continue
        text = id_text(values[i])
        stated = codes.find_state(values[i])
        row = int(rows[i])
        if stated is None:
            report.warning(
                f"The state {text!r} is not a US state name, postal code or FIPS code.",
                row=row, column=column,
                fix="Write the state as a postal code (e.g. FL) or its name.",
            )
            continue
        found = located_state[i]
        if located[i] and not is_blank(found) and found != stated.postal:
            report.warning(
                f"The state column says {text!r} but the location is in "
                f"{names.get(found, found)} ({found}).",
                row=row, column=column,
                fix="Check the coordinates (or ZIP code) and the state: one of them is wrong.",
            )
