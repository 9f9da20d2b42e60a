"""GeoJSON, GeoPackage and Shapefiles (a ``.shp`` with its side files, or zipped):
read with pyogrio within the bounds; points (or shapes' centres) give latitude and
longitude in EPSG:4326."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from geo.config import ReadLimits
from geo.problems import Report
from geo.read.delimited import extension
from geo.read.limits import (
    SUPPORTED_FORMATS,
    ReadError,
    check_rows,
    check_vertices,
    checked_zip,
    too_many_columns,
    unpack,
)

_SHAPEFILE_REQUIRED = (".shp", ".shx", ".dbf")


def read_geo(path: Path, *, report: Report, name: str, limits: ReadLimits) -> pd.DataFrame:
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
        layer = layers[0][0] if len(layers) else None
        if len(layers) > 1:
            others = ", ".join(repr(str(row[0])) for row in layers[1:])
            report.warning(
                f"Only the first layer ({layer!r}) was read; the file also has {others}.",
                fix="Put the sites in one layer, or export that layer on its own.",
            )
        info = pyogrio.read_info(path, layer=layer)
        check_rows(name, int(info.get("features") or 0), limits)
        if len(info.get("fields", ())) > limits.max_columns:
            raise too_many_columns(name, f"{len(info['fields']):,}", limits)
        gdf = pyogrio.read_dataframe(path, layer=layer)
    except ReadError:
        raise
    except Exception as exc:  # pyogrio/GDAL raise many error types for unreadable files
        raise ReadError(
            f"{name} could not be read as {SUPPORTED_FORMATS.get(extension(path), 'a map file')}: "
            f"{_gdal_reason(exc)}. Export it again from your GIS, or save the sites as CSV."
        ) from None
    return from_geoframe(gdf, report=report, name=name, limits=limits)


def _gdal_reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def from_geoframe(gdf, *, report: Report, name: str, limits: ReadLimits) -> pd.DataFrame:
    """Attributes of ``gdf`` plus latitude/longitude of its geometry in EPSG:4326."""
    import geopandas as gpd

    if len(gdf) == 0:
        raise ReadError(f"{name} has no features. Choose the file or layer that holds the sites.")
    check_rows(name, len(gdf), limits)
    if len(gdf.columns) > limits.max_columns:
        raise too_many_columns(name, f"{len(gdf.columns):,}", limits)
    attrs = (pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
             if isinstance(gdf, gpd.GeoDataFrame) else gdf)
    attrs.index = pd.Index(np.arange(len(gdf)) + 2, name="row")
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        return attrs
    geom = gdf.geometry
    check_vertices(name, geom.values, limits)
    if geom.crs is None:
        report.warning(
            "The file does not say which coordinate reference system it uses; "
            "its coordinates were taken as longitude/latitude (EPSG:4326).",
            fix="Export it again with its projection (.prj) so it can be reprojected.",
        )
    elif not geom.crs.equals("EPSG:4326"):
        try:
            geom = geom.to_crs("EPSG:4326")
        except Exception as exc:  # pyproj errors for unusable CRS definitions
            raise ReadError(
                f"{name}: its coordinate reference system cannot be converted to "
                f"longitude/latitude ({_gdal_reason(exc)}). Export it again as EPSG:4326."
            ) from None
    missing = geom.isna() | geom.is_empty
    kinds = geom.geom_type
    non_point = (~missing) & (kinds != "Point")
    if non_point.any():
        report.warning(
            f"{int(non_point.sum()):,} features are not points "
            f"({', '.join(sorted(set(kinds[non_point])))}); "
            "a point inside each was used as its location.",
            fix="Give each site as a point if the exact location matters.",
        )
        geom = geom.where(~non_point, geom.representative_point())
    lon = np.full(len(geom), np.nan)
    lat = np.full(len(geom), np.nan)
    ok = ~missing.to_numpy(dtype=bool)
    if ok.any():
        import shapely

        points = np.asarray(geom.values)[ok]  # every one a point by now
        lon[ok] = shapely.get_x(points)
        lat[ok] = shapely.get_y(points)
    lower = {str(c).lower() for c in attrs.columns}
    prefix = "geometry_" if {"latitude", "longitude"} & lower else ""
    attrs[f"{prefix}latitude"] = lat
    attrs[f"{prefix}longitude"] = lon
    return attrs


def _unsafe_member(member: str) -> bool:
    name = member.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in PurePosixPath(name).parts


_SHP_AGAIN = "Zip the Shapefile again (the .shp, .shx, .dbf and .prj files)."


def read_zipped_shapefile(path: Path, *, report: Report, limits: ReadLimits) -> pd.DataFrame:
    archive, all_infos = checked_zip(path, name=path.name, limits=limits, again=_SHP_AGAIN)
    with archive:
        infos = [i for i in all_infos if not i.is_dir()]
        unsafe = [i.filename for i in infos if _unsafe_member(i.filename)]
        if unsafe:
            raise ReadError(
                f"{path.name} was refused: it contains a file with an unsafe path "
                f"({unsafe[0]!r}) that points outside the archive. Zip only the Shapefile's "
                "own files, without folders above them."
            )
        shapefiles = sorted(
            i.filename
            for i in infos
            if i.filename.lower().endswith(".shp") and not i.filename.startswith("__MACOSX/")
        )
        if not shapefiles:
            listed = ", ".join(i.filename for i in infos[:5]) or "nothing"
            raise ReadError(
                f"{path.name} holds no Shapefile (.shp); it has {listed}. "
                "Zip the Shapefile's .shp, .shx, .dbf and .prj files together."
            )
        chosen = shapefiles[0]
        if len(shapefiles) > 1:
            report.warning(
                f"The zip holds {len(shapefiles)} Shapefiles; only {chosen!r} was read.",
                fix="Zip one Shapefile per file.",
            )
        stem = chosen[:-4]
        members = [i for i in infos
                   if i.filename[: len(stem)] == stem and "." in i.filename[len(stem):]
                   and "/" not in i.filename[len(stem):]]
        present = {i.filename[len(stem):].lower() for i in members}
        lacking = [ext for ext in _SHAPEFILE_REQUIRED if ext not in present]
        if lacking:
            raise ReadError(
                f"{path.name}: the Shapefile {chosen!r} is missing its "
                f"{' and '.join(lacking)} file. Zip all of its files together."
            )
        with tempfile.TemporaryDirectory(prefix="partnermap-shp-") as tmp:
            base = "sites"
            files = {i.filename: open(Path(tmp) / (base + i.filename[len(stem):].lower()), "wb")
                     for i in members}
            try:
                # Streamed with a running total: stops at the unpacked-size limit even
                # when the sizes the zip declares are false.
                unpack(archive, members, name=path.name, limits=limits, again=_SHP_AGAIN,
                       sink=lambda info, chunk: files[info.filename].write(chunk))
            finally:
                for handle in files.values():
                    handle.close()
            return read_geo(Path(tmp) / f"{base}.shp", report=report, name=path.name,
                            limits=limits)
