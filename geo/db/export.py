"""Exports of partners, sites and activities as CSV, XLSX, GeoJSON and GeoPackage.

The tables carry the stored boundary assignments, so a spreadsheet user can filter by
state, county or district without a GIS:

``partners``
    the partner columns of :mod:`geo.schema`, plus ``sites`` and ``activities`` (live
    counts) and ``states`` (``;``-joined state FIPS codes where the partner works).
``sites``
    the site columns plus ``partner_name``.
``activities``
    the activity columns plus ``partner_name``, ``site_name``, the site's ``latitude``
    and ``longitude``, and ``state_fips``, ``county_fips``, ``district_geoid``,
    ``secondary_district_geoid``: the site's for site activities, and for area-wide
    activities what the area itself says (a county's state, a district's state).

Both sites and activities also name those places, right after the codes: ``state``
(postal code), ``county_name``, ``district_name``, ``secondary_district_name`` (from
the bundled boundary layers; empty where the code is empty or unknown).

The functions take frames, not a store, so a caller can first drop what a viewer may
not see (e.g. unapproved partner names for the public). CSV and XLSX cells that a
spreadsheet would run as formulas are neutralised (:mod:`geo.spreadsheet`); GeoJSON and
GeoPackage keep the text as it is. Output is deterministic: the same records give the
same CSV and GeoJSON bytes.

In GeoJSON, sites and site activities are points and area activities and partners have
``"geometry": null``. In a GeoPackage, sites are a point layer, partners an attribute
table, and activities two layers: ``activities_at_sites`` (points) and
``activities_in_areas`` (attribute table).
"""
from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geo.db.stored_frames import plain
from geo.schema import ACTIVITY_COLUMNS, PARTNER_COLUMNS, SITE_COLUMNS, Frames
from geo.spreadsheet import neutralise_frame

KINDS: tuple[str, ...] = ("partners", "sites", "activities")
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".geojson": "geojson",
    ".gpkg": "gpkg",
}
_BOUNDARIES = ("state_fips", "county_fips", "district_geoid", "secondary_district_geoid")
_DATES = ("start_date", "end_date")


def _check_kind(what: str) -> None:
    if what not in KINDS:
        raise ValueError(f"cannot export {what!r}: choose one of {', '.join(KINDS)}")


def format_for(path: str | Path) -> str:
    """The export format named by ``path``'s extension (``.csv .xlsx .geojson .gpkg``)."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"cannot tell the export format from {str(path)!r}: end the file name with "
            + ", ".join(FORMATS)
        )
    return FORMATS[suffix]


def export_table(frames: Frames, *, what: str) -> pd.DataFrame:
    """The table written for ``what`` (see module docstring), ordered by id."""
    _check_kind(what)
    partners, sites, activities = frames
    names = dict(zip(partners["partner_id"], partners["name"], strict=True))
    if what == "partners":
        return _partners_table(partners, sites, activities)
    if what == "sites":
        table = sites[list(SITE_COLUMNS)].copy()
        table.insert(2, "partner_name", table["partner_id"].map(names).astype("str"))
        return _with_place_names(table).sort_values("site_id", kind="stable").reset_index(drop=True)
    return _with_place_names(_activities_table(activities, sites, names))


# code column -> (name column, boundary level) added by :func:`_with_place_names`.
_PLACE_NAMES = {"state_fips": ("state", "state"), "county_fips": ("county_name", "county"),
                "district_geoid": ("district_name", "district"),
                "secondary_district_geoid": ("secondary_district_name", "district")}


def _with_place_names(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a name column after each boundary code column (see module doc)."""
    from geo.analysis import gazetteer

    out = table.copy()
    for code, (name, level) in _PLACE_NAMES.items():
        if code not in out.columns:
            continue
        places = gazetteer.place_table(level).set_index("place_id")
        lookup = places["state"] if level == "state" else places["name"]
        values = out[code].fillna("").astype("str").map(lookup).fillna("").astype("str")
        out.insert(list(out.columns).index(code) + 1, name, values)
    return out


def _partners_table(
    partners: pd.DataFrame, sites: pd.DataFrame, activities: pd.DataFrame
) -> pd.DataFrame:
    table = partners[list(PARTNER_COLUMNS)].copy()
    table["sites"] = table["partner_id"].map(sites.groupby("partner_id").size()).fillna(0)
    table["activities"] = (
        table["partner_id"].map(activities.groupby("partner_id").size()).fillna(0)
    )
    table["sites"] = table["sites"].astype("int64")
    table["activities"] = table["activities"].astype("int64")
    where = pd.concat([
        sites[["partner_id", "state_fips"]],
        _area_boundaries(activities)[["partner_id", "state_fips"]],
    ])
    where = where[where["state_fips"] != ""]
    states = where.groupby("partner_id")["state_fips"].agg(lambda s: ";".join(sorted(set(s))))
    table["states"] = table["partner_id"].map(states).fillna("").astype("str")
    return table.sort_values("partner_id", kind="stable").reset_index(drop=True)


def _area_boundaries(activities: pd.DataFrame) -> pd.DataFrame:
    """Boundary columns an area activity implies by itself (its area and that's state)."""
    out = activities[["activity_id", "partner_id", "area_level", "area_id"]].copy()
    level, area = out["area_level"], out["area_id"]
    out["state_fips"] = np.where(level.isin(["state", "county", "district"]), area.str[:2], "")
    out["county_fips"] = np.where(level == "county", area, "")
    out["district_geoid"] = np.where(level == "district", area, "")
    out["secondary_district_geoid"] = ""
    return out


def _activities_table(
    activities: pd.DataFrame, sites: pd.DataFrame, names: dict[int, str]
) -> pd.DataFrame:
    table = activities[list(ACTIVITY_COLUMNS)].copy()
    table.insert(2, "partner_name", table["partner_id"].map(names).astype("str"))
    site_info = sites.set_index("site_id")[["name", "latitude", "longitude", *_BOUNDARIES]]
    at_site = table["site_id"].notna()
    keys = table["site_id"].astype("float64")
    joined = site_info.reindex(keys.to_numpy())
    joined.index = table.index
    table.insert(4, "site_name", joined["name"].where(at_site, "").fillna("").astype("str"))
    table["latitude"] = joined["latitude"].astype("float64")
    table["longitude"] = joined["longitude"].astype("float64")
    area = _area_boundaries(activities)
    area.index = table.index
    for column in _BOUNDARIES:
        from_site = joined[column].fillna("").astype("str")
        table[column] = from_site.where(at_site, area[column]).astype("str")
    return table.sort_values("activity_id", kind="stable").reset_index(drop=True)


# --- writing -----------------------------------------------------------------------
def dates_as_text(table: pd.DataFrame) -> pd.DataFrame:
    """A copy with the date columns as ISO text (empty where missing): files store dates as text."""
    out = table.copy()
    for column in _DATES:
        if column in out:
            out[column] = pd.array(
                ["" if pd.isna(v) else pd.Timestamp(v).date().isoformat() for v in out[column]],
                dtype="str",
            )
    return out


def _csv_bytes(table: pd.DataFrame) -> bytes:
    text = neutralise_frame(dates_as_text(table)).to_csv(index=False, lineterminator="\n")
    return text.encode("utf-8")


def _xlsx_bytes(table: pd.DataFrame, *, sheet: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl", date_format="YYYY-MM-DD",
                        datetime_format="YYYY-MM-DD") as writer:
        neutralise_frame(table).to_excel(writer, sheet_name=sheet, index=False)
    return buffer.getvalue()


def _geojson_bytes(table: pd.DataFrame) -> bytes:
    as_text = dates_as_text(table)
    has_xy = "latitude" in as_text and "longitude" in as_text
    features = []
    for record in as_text.to_dict(orient="records"):
        props = {k: plain(v) for k, v in record.items()}
        geometry = None
        if has_xy and props["latitude"] is not None and props["longitude"] is not None:
            geometry = {"type": "Point",
                        "coordinates": [props["longitude"], props["latitude"]]}
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    collection = {"type": "FeatureCollection", "features": features}
    return (json.dumps(collection, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def _points(table: pd.DataFrame) -> gpd.GeoDataFrame:
    located = table["latitude"].notna() & table["longitude"].notna()
    points = gpd.points_from_xy(table["longitude"].where(located, np.nan),
                                table["latitude"].where(located, np.nan), crs="EPSG:4326")
    geometry = gpd.GeoSeries(points, index=table.index, crs="EPSG:4326")
    geometry.loc[~located] = None
    return gpd.GeoDataFrame(table, geometry=geometry, crs="EPSG:4326")


def _write_gpkg(table: pd.DataFrame, *, what: str, path: Path) -> None:
    plain = dates_as_text(table)
    if path.exists():
        path.unlink()
    if what == "sites":
        pyogrio.write_dataframe(_points(plain), path, layer="sites", driver="GPKG")
    elif what == "partners":
        pyogrio.write_dataframe(plain, path, layer="partners", driver="GPKG")
    else:
        at_site = plain["area_level"] == "site"
        pyogrio.write_dataframe(_points(plain[at_site].reset_index(drop=True)), path,
                                layer="activities_at_sites", driver="GPKG")
        area = plain[~at_site].drop(columns=["latitude", "longitude", "site_id", "site_name"])
        pyogrio.write_dataframe(area.reset_index(drop=True), path,
                                layer="activities_in_areas", driver="GPKG", append=True)


def export_bytes(frames: Frames, *, what: str, fmt: str) -> bytes:
    """The export of ``what`` in ``fmt`` (csv, xlsx, geojson, gpkg) as bytes: for
    download buttons."""
    if fmt not in FORMATS.values():
        raise ValueError(f"unknown export format {fmt!r}: use one of "
                         + ", ".join(FORMATS.values()))
    table = export_table(frames, what=what)
    if fmt == "csv":
        return _csv_bytes(table)
    if fmt == "xlsx":
        return _xlsx_bytes(table, sheet=what)
    if fmt == "geojson":
        return _geojson_bytes(table)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{what}.gpkg"
        _write_gpkg(table, what=what, path=path)
        return path.read_bytes()


def write_export(frames: Frames, *, what: str, path: str | Path) -> Path:
    """Write the export of ``what`` to ``path``; the format comes from the extension."""
    path = Path(path)
    fmt = format_for(path)
    _check_kind(what)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "gpkg":
        _write_gpkg(export_table(frames, what=what), what=what, path=path)
    else:
        path.write_bytes(export_bytes(frames, what=what, fmt=fmt))
    return path
