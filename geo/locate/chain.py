"""The placement chain: rows without usable coordinate columns placed by the best
thing they hold (a WKT point, a pair in a text, the school directory, an NCES ID, the ZIP
of an address, a ZIP code), or told what is missing. See :mod:`geo.locate`."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo import codes, placement
from geo.locate.site_columns import COORD_EXAMPLE, MATCH_COLUMNS, REVIEW_COLUMNS, id_text
from geo.problems import Report
from geo.text import is_blank

if TYPE_CHECKING:
    from geo.schools import SchoolDirectory

_APPROXIMATE = "approximate location (ZIP centroid)"
TOP_SHOWN = 3  # review candidates named in a warning


class Chain:
    """Places the rows that have no coordinates in the coordinate columns, best first."""

    def __init__(self, df: pd.DataFrame, *, roles: dict[str, str], rows: np.ndarray,
                 lat: np.ndarray, lon: np.ndarray, source: np.ndarray, report: Report,
                 crs: str | None, match: dict[str, np.ndarray]) -> None:
        self.df, self.roles, self.rows = df, roles, rows
        self.lat, self.lon, self.source = lat, lon, source
        self.report, self.crs, self.match = report, crs, match
        self.errored: set[int] = set()  # positions with an error reported by a step
        self.review: list[dict[str, object]] = []
        self._values: dict[str, np.ndarray | None] = {}
        self.schools_used = False

    def values(self, role: str) -> np.ndarray | None:
        if role not in self._values:
            column = self.roles.get(role)
            self._values[role] = None if column is None else \
                self.df[column].to_numpy(dtype=object)
        return self._values[role]

    def open(self, need: np.ndarray) -> np.ndarray:
        return np.flatnonzero(need & (self.source == "none")
                              & ~np.isin(np.arange(len(need)), list(self.errored)))

    def set(self, idx: np.ndarray, lat: np.ndarray, lon: np.ndarray, how: str) -> np.ndarray:
        """Place ``idx`` at the points that lie in the US; return the mask of those placed."""
        from geo.join import in_us

        ok = np.isfinite(lat) & np.isfinite(lon)
        inside = np.zeros(len(idx), dtype=bool)
        if ok.any():
            inside[ok] = in_us(lon[ok], lat[ok])
        chosen = idx[inside]
        self.lat[chosen], self.lon[chosen], self.source[chosen] = lat[inside], lon[inside], how
        return inside

    def error(self, i: int, message: str, role: str, fix: str) -> None:
        self.report.error(message, row=int(self.rows[i]), column=self.roles.get(role), fix=fix)
        self.errored.add(int(i))

    def run(self, need: np.ndarray, *, schools: SchoolDirectory | None,
            choices: Mapping[int, str]) -> None:
        self._wkt(need)
        self._text_coordinates(need)
        if schools is not None:
            self.schools_used = True
            self._schools(need, schools, choices)
        self._nces(need)
        self._zip(need, "text", "address_zip")
        self._zip(need, "zip", "zip_centroid")
        self._nothing(need)

    # --- coordinates written as WKT or inside a text ------------------------------------
    def _wkt(self, need: np.ndarray) -> None:
        values = self.values("wkt")
        if values is None:
            return
        idx = np.array([i for i in self.open(need) if not is_blank(values[i])], dtype=np.int64)
        if not len(idx):
            return
        found = [placement.point_from_wkt(values[i]) for i in idx]
        x = np.array([p[0] if p else np.nan for p in found])
        y = np.array([p[1] if p else np.nan for p in found])
        if self.crs:
            x, y = placement.to_degrees(x, y, self.crs)
        placed = self.set(idx, y, x, "coordinates")
        for k in np.flatnonzero(~placed):
            i = int(idx[k])
            text = str(values[i]).strip()[:60]
            point = found[k]
            if point is None:
                self.error(i, f"{text!r} is not a WKT point such as 'POINT (-81.37 28.53)'.",
                           "wkt", "Write the point as POINT (longitude latitude), or give "
                           "latitude and longitude columns.")
            elif abs(point[0]) > 180 or abs(point[1]) > 90:
                self.error(i, f"The point {text!r} is not in degrees: it looks like projected "
                           "coordinates.", "wkt", "Say which CRS the file uses: --crs "
                           "EPSG:NNNN on the command line, or the CRS choice on the Data page.")
            else:
                self.error(i, f"The point {text!r} is outside the United States.", "wkt",
                           "Check the point: WKT gives longitude first, then latitude.")

    def _text_coordinates(self, need: np.ndarray) -> None:
        values = self.values("text")
        if values is None:
            return
        idx, lats, lons = [], [], []
        for i in self.open(need):
            if is_blank(values[i]):
                continue
            pair = placement.coords_in_text(str(values[i]))
            if pair is not None:
                idx.append(i)
                lats.append(pair[0])
                lons.append(pair[1])
        if idx:
            self.set(np.array(idx, dtype=np.int64), np.array(lats), np.array(lons),
                     "coordinates")

    # --- the school directory ------------------------------------------------------------
    def _schools(self, need: np.ndarray, schools: SchoolDirectory,
                 choices: Mapping[int, str]) -> None:
        ids, names = self.values("nces"), self.values("name")
        cities, states, zips = self.values("city"), self.values("state"), self.values("zip")
        idx: list[int] = []
        points: list[tuple[float, float]] = []
        for i in self.open(need):
            row = int(self.rows[i])
            position, how = None, ""
            if row in choices:
                if not choices[row]:
                    continue
                position, how = schools.position(str(choices[row])), "name"
            if position is None and ids is not None and not is_blank(ids[i]):
                position, how = schools.by_id(ids[i]), "id"
            if position is None and names is not None and not is_blank(names[i]) \
                    and row not in choices:
                state = codes.find_state(states[i]) if states is not None else None
                zip_read = codes.read_zip(zips[i]) if zips is not None else None
                found = schools.by_name(
                    names[i], city="" if cities is None or is_blank(cities[i]) else cities[i],
                    state=state.postal if state else "",
                    zip_code=zip_read.code if zip_read else "")
                if found.status == "name" and found.best is not None:
                    position, how = schools.position(found.best.school_id), "name"
                elif found.status == "review":
                    self._to_review(i, str(names[i]), found.candidates)
                    continue
            if position is None:
                continue
            school = schools.row(position)
            self.match["school_match"][i] = how
            self.match["school_match_id"][i] = str(school["school_id"])
            self.match["school_match_name"][i] = str(school["name"])
            idx.append(i)
            points.append((float(school["latitude"]), float(school["longitude"])))
        if idx:
            arr = np.array(points, dtype=float)
            placed = self.set(np.array(idx, dtype=np.int64), arr[:, 0], arr[:, 1],
                              "school_directory")
            for k in np.flatnonzero(~placed):  # a directory row without a usable point
                for col in MATCH_COLUMNS:
                    self.match[col][idx[k]] = ""

    def _to_review(self, i: int, name: str, candidates: tuple) -> None:
        row = int(self.rows[i])
        self.match["school_match"][i] = "review"
        self.match["school_match_id"][i] = " | ".join(c.school_id for c in candidates)
        self.match["school_match_name"][i] = " | ".join(f"{c.name} ({c.city})"
                                                        for c in candidates)
        for c in candidates:
            self.review.append({"row": row, "name": name, "candidate_id": c.school_id,
                                "candidate_name": c.name, "candidate_city": c.city,
                                "score": c.score})
        shown = "; ".join(f"{c.name}, {c.city} ({c.school_id})" for c in candidates[:TOP_SHOWN])
        self.report.warning(
            f"The school name {name!r} is close to more than one school in the directory, "
            f"or to none clearly ({shown}); it was not guessed.",
            row=row, column=self.roles.get("name"),
            fix="Pick the school in the review table on the Data page, or add the school's "
            "NCES ID or coordinates. Until then the row is placed by its ZIP code, if any.")

    def review_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.review, columns=REVIEW_COLUMNS)

    # --- NCES IDs: the district exactly ------------------------------------------------
    def _nces(self, need: np.ndarray) -> None:
        from geo.join import assign_boundaries, district_point, district_states

        ids, leaids = self.values("nces"), self.values("leaid")
        if ids is None and leaids is None:
            return
        known = district_states()
        rows: list[tuple[int, str, str, str]] = []  # (position, LEAID, role, ZIP)
        for i in self.open(need):
            code, role = "", ""
            if ids is not None and not is_blank(ids[i]):
                text = id_text(ids[i])
                if re.fullmatch(r"\d{11,12}", text):
                    code, role = text.zfill(12)[:7], "nces"
            if not code and leaids is not None and not is_blank(leaids[i]):
                text = id_text(leaids[i])
                if re.fullmatch(r"\d{6,7}", text):
                    code, role = text.zfill(7), "leaid"
            if code in known:
                rows.append((int(i), code, role, self._row_zip(i)))
        if not rows:
            return
        near = np.full((len(rows), 2), np.nan)  # lon, lat of each row's ZIP centroid
        for j, (_, _, _, zip_code) in enumerate(rows):
            centre = placement.zip_centroid(zip_code) if zip_code else None
            if centre is not None:
                near[j] = (centre[1], centre[0])
        # One pass for the ZIP centroids already inside their district; the rest are
        # moved inside it one by one.
        found = assign_boundaries(near[:, 0], near[:, 1])
        inside = (found["district_geoid"].to_numpy(dtype=object) == [r[1] for r in rows]) | (
            found["secondary_district_geoid"].to_numpy(dtype=object) == [r[1] for r in rows])
        points = near.copy()
        for k in np.flatnonzero(~inside):
            centre = None if np.isnan(near[k, 0]) else (float(near[k, 0]), float(near[k, 1]))
            point = district_point(rows[k][1], centre)
            points[k] = point if point is not None else (np.nan, np.nan)
        idx = np.array([r[0] for r in rows], dtype=np.int64)
        placed = self.set(idx, points[:, 1], points[:, 0], "nces_id")
        for k in np.flatnonzero(placed):
            i, code, role, zip_code = rows[k]
            if inside[k]:
                at = f"at the centre of ZIP code {zip_code}"
            elif not np.isnan(near[k, 0]):
                at = f"inside the district, nearest the centre of ZIP code {zip_code}"
            else:
                at = "inside the district"
            self.report.warning(
                f"approximate location (NCES ID): no coordinates were given; the NCES ID "
                f"names school district {code}, so the site was placed {at}.",
                row=int(self.rows[i]), column=self.roles.get(role),
                fix=f"Add latitude and longitude ({COORD_EXAMPLE}) for an exact location.")

    def _row_zip(self, i: int) -> str:
        """The row's ZIP: from its ZIP column, else from its address text ("" if none)."""
        zips = self.values("zip")
        if zips is not None and not is_blank(zips[i]):
            read = codes.read_zip(zips[i])
            if read is not None:
                return read.code
        texts = self.values("text")
        if texts is not None and not is_blank(texts[i]):
            return placement.zip_in_address(str(texts[i])) or ""
        return ""

    # --- ZIP codes --------------------------------------------------------------------
    def _zip(self, need: np.ndarray, role: str, how: str) -> None:
        values = self.values(role)
        if values is None:
            return
        column = self.roles[role]
        idx, lats, lons, notes = [], [], [], []
        states = self.values("state")
        for i in self.open(need):
            if is_blank(values[i]):
                continue
            row = int(self.rows[i])
            if role == "text":
                code = placement.zip_in_address(str(values[i]))
                if code is None:
                    continue  # the ZIP column, or the last step, says what is missing
                restored = False
            else:
                read = codes.read_zip(values[i])
                if read is None:
                    self.error(i, f"{str(values[i]).strip()!r} is not a ZIP code, so the site "
                               "could not be placed.", role, "Write a 5-digit ZIP code (e.g. "
                               f"32801), or fill in latitude and longitude ({COORD_EXAMPLE}).")
                    continue
                code, restored = read.code, read.restored
            centre = placement.zip_centroid(code)
            if centre is None:
                self.error(i, f"The ZIP code {code} is not a known ZIP code area (PO Box, "
                           "company and military ZIP codes have no area), so the site could "
                           "not be placed.", role,
                           f"Fill in latitude and longitude ({COORD_EXAMPLE}).")
                continue
            if restored:
                stated = codes.find_state(states[i]) if states is not None else None
                where = f" ({stated.postal}'s ZIP codes start with 0)" if stated and \
                    stated.postal in codes.ZERO_ZIP_STATES else ""
                self.report.warning(
                    f"The ZIP code {id_text(values[i])!r} has {len(id_text(values[i]))} "
                    f"digits: read as {code}, with the leading zero a spreadsheet drops put "
                    f"back{where}.", row=row, column=column,
                    fix=f"Check it is {code}; store ZIP codes as text so the zero stays.")
            idx.append(i)
            lats.append(centre[0])
            lons.append(centre[1])
            notes.append(code)
        if not idx:
            return
        placed = self.set(np.array(idx, dtype=np.int64), np.array(lats), np.array(lons), how)
        for k, i in enumerate(idx):
            row, code = int(self.rows[i]), notes[k]
            if not placed[k]:
                self.error(i, f"The ZIP code {code} lies outside the United States.", role,
                           "Check the ZIP code. The map only covers the US.")
                continue
            where = "in the address" if role == "text" else ""
            self.report.warning(
                f"{_APPROXIMATE}: no coordinates were given, so the site was placed at the "
                f"centre of ZIP code {code}{' (' + where + ')' if where else ''}.",
                row=row, column=column,
                fix=f"Add latitude and longitude ({COORD_EXAMPLE}) for an exact location.")

    # --- nothing placed the row --------------------------------------------------------
    def _nothing(self, need: np.ndarray) -> None:
        roles = self.roles
        for i in self.open(need):
            if "latitude" in roles:
                if set(roles) & {"zip"} and not set(roles) & {"wkt", "text", "nces", "leaid"}:
                    message, column = "Latitude, longitude and ZIP code are empty.", "latitude"
                elif not set(roles) & {"zip", "wkt", "text", "nces", "leaid"}:
                    message, column = "Latitude and longitude are empty.", "latitude"
                else:
                    message, column = self._what_is_empty(i), "latitude"
            elif set(roles) & {"zip"} and not set(roles) & {"wkt", "text", "nces", "leaid"}:
                message, column = "The ZIP code is empty.", "zip"
            else:
                message = self._what_is_empty(i)
                column = next(r for r in ("wkt", "text", "zip", "nces", "leaid", "name")
                              if r in roles)
            self.error(i, message, column, self._fix())

    def _what_is_empty(self, i: int) -> str:
        labels = {"latitude": "latitude and longitude", "wkt": "the WKT point",
                  "text": f"the {self.roles.get('text')!r} text",
                  "nces": "the NCES school ID", "leaid": "the district ID (LEAID)",
                  "zip": "the ZIP code"}
        said = []
        for role, label in labels.items():
            if role not in self.roles:
                continue
            values = self.values(role)
            value = None if values is None else values[i]  # never None: the role is there
            said.append(f"{label} {'is empty' if is_blank(value) else 'gives no place'}")
        if self.match["school_match"][i] == "review":
            said.insert(0, "its school name matches no one school clearly (see the review)")
        elif "name" in self.roles:
            said.append("the school name is not in the school directory" if
                        self.schools_used else "no school directory is loaded to find the "
                        "school by its name")
        return "The row has no location: " + (", ".join(said) or "nothing gives a place") + "."

    def _fix(self) -> str:
        ways = [f"latitude and longitude ({COORD_EXAMPLE})"]
        if "name" in self.roles and self.schools_used:
            ways.append("pick the school in the review table (Data page)")
        if "zip" in self.roles:
            ways.append("a 5-digit ZIP code")
        if "text" in self.roles:
            ways.append("an address ending in its ZIP code")
        if "nces" in self.roles or "leaid" in self.roles:
            ways.append("the school's 12-digit NCES ID")
        return "Fill in " + (", or ".join(ways) if len(ways) > 1 else ways[0]) + "."
