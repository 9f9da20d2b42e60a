"""Build the bundled boundary and reference layers in ``data/`` from the raw public files.

Usage::

    .venv/bin/python scripts/build_data.py [--source ../shared/data] [--out data]

The app never reads the raw files: a fresh clone ships the compact (Geo)Parquet files this
script writes. Running it again over the same sources gives the same layers. Every output
is written to a temporary name first and renamed only when all of them were built, so a
failed run never leaves a half-written ``data/``.

Layers written (see ``data/README.md`` for provenance and licences):

``districts_join.parquet``
    All 13,345 Census 2016 school districts at full 1:500k resolution (reprojected to
    EPSG:4326, coordinates rounded to 6 decimals, ~0.1 m). Used for point-in-polygon.
``districts_draw.parquet``
    The same districts simplified as one topological coverage (shared borders stay
    identical between neighbours), for drawing a state or region in the browser.
``districts_national.parquet``
    A coarser coverage simplification for the whole-country choropleth (~5 MB GeoJSON).
``states.parquet`` / ``counties.parquet``
    Census 2023 1:10m states and counties decoded from the us-atlas TopoJSON.
``zip_centroids.parquet``
    Census 2023 ZCTA internal points.
``district_need.parquet``
    Children 5-17 and child-poverty rate per district (Urban Institute, SAIPE).
``schools_fl.parquet``
    The school directory shipped with the sample data: Florida's 4,337 public schools
    (HIFLD Public Schools), in the columns of :data:`geo.schools.DIRECTORY_COLUMNS`.
    ``--only schools`` rebuilds this file alone.
``build_report.json``
    The measured figures of this build (vertices, GeoJSON size, area fidelity).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

REPO = Path(__file__).resolve().parent.parent

DISTRICT_TYPES: dict[str, str] = {"unsd": "unified", "elsd": "elementary", "scsd": "secondary"}
DISTRICT_COLUMNS = ["geoid", "name", "state_fips", "district_type", "geometry"]

# Coverage simplification tolerances (degrees; GEOS uses Visvalingam-Whyatt, so this is
# roughly the square root of the area of the triangles removed).
DRAW_TOLERANCE = 0.005
NATIONAL_TOLERANCE = 0.05
# Parts and holes below this area (deg², ~4 km² at 40°N) are left out of the national layer.
NATIONAL_MIN_AREA = 5e-4
# Decimal places kept in each layer's coordinates.
JOIN_DECIMALS = 6
DRAW_DECIMALS = 5
NATIONAL_DECIMALS = 4
EQUAL_AREA_CRS = "EPSG:5070"  # NAD83 / Conus Albers: only used to compare areas

PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 19}


class BuildError(Exception):
    """The sources are missing or not what the build expects; the message lists every problem."""


@dataclass(frozen=True)
class _Sources:
    districts_dir: Path
    states_topojson: Path
    counties_topojson: Path
    state_postal_csv: Path
    zcta_csv: Path
    need_csv: Path
    schools_csv: Path


def _locate_sources(root: Path) -> _Sources:
    src = _Sources(
        districts_dir=root / "school_districts_cb2016_500k",
        states_topojson=root / "states_counties_cb2023" / "us-atlas-2023_states-10m.topojson",
        counties_topojson=root / "states_counties_cb2023" / "us-atlas-2023_counties-10m.topojson",
        state_postal_csv=root / "states_counties_cb2023" / "state_fips_postal.csv",
        zcta_csv=root / "zip_centroids" / "zcta_2023_gazetteer_centroids.csv",
        need_csv=root / "district_need" / "urban_household_conditions_by_district_hh.csv",
        schools_csv=root / "schools_fl_hifld" / "hifld_public_schools_FL.csv",
    )
    missing = [str(p) for p in vars(src).values() if not p.exists()]
    if not missing and not list(src.districts_dir.glob("*_cb_2016_*_500k.zip")):
        missing.append(f"{src.districts_dir}/*_cb_2016_*_500k.zip (no district zips)")
    if missing:
        raise BuildError(
            "source files not found (pass --source DIR pointing at the shared data folder):\n  "
            + "\n  ".join(missing)
        )
    return src


# --- School districts --------------------------------------------------------------


def _round_coords(geoms: np.ndarray, decimals: int) -> np.ndarray:
    """Round every coordinate; identical vertices stay identical, so shared borders hold."""
    rounded = shapely.transform(geoms, lambda xy: np.round(xy, decimals))
    bad = ~shapely.is_valid(rounded)
    if bad.any():
        rounded[bad] = shapely.make_valid(rounded[bad], method="structure", keep_collapsed=False)
    return rounded


def _read_districts(folder: Path) -> gpd.GeoDataFrame:
    frames = []
    for path in sorted(folder.glob("*_cb_2016_*_500k.zip")):
        code = path.stem.split("_")[-2]
        if code not in DISTRICT_TYPES:
            raise BuildError(f"{path.name}: unknown district type code {code!r}")
        part = gpd.read_file(f"zip://{path}")
        frames.append(
            gpd.GeoDataFrame(
                {
                    "geoid": part["GEOID"].astype(str),
                    "name": part["NAME"].astype(str),
                    "state_fips": part["STATEFP"].astype(str),
                    "district_type": DISTRICT_TYPES[code],
                },
                geometry=part.geometry.values,
                crs=part.crs,
            )
        )
    districts = pd.concat(frames, ignore_index=True)
    districts = gpd.GeoDataFrame(districts, geometry="geometry", crs=frames[0].crs)
    problems = []
    if districts["geoid"].duplicated().any():
        dups = districts.loc[districts["geoid"].duplicated(), "geoid"].tolist()
        problems.append(f"duplicate district GEOIDs: {dups[:10]}")
    if (districts["geoid"].str.len() != 7).any():
        problems.append("some district GEOIDs are not 7 characters")
    if problems:
        raise BuildError("\n".join(problems))
    districts = districts.to_crs("EPSG:4326")
    districts["geometry"] = _round_coords(districts.geometry.values, JOIN_DECIMALS)
    return districts.sort_values("geoid", ignore_index=True)[DISTRICT_COLUMNS]


@dataclass(frozen=True)
class _Coverage:
    """The districts cut into non-overlapping pieces that together form one coverage.

    Unified districts are pieces as they are. Elementary and secondary districts overlap
    each other, so in each state their borders are noded together and polygonized into
    faces; every face belongs to at most one elementary and one secondary district.
    Simplifying this coverage moves each border once, and re-assembling a district from
    its faces keeps every border identical on both sides, for all pairs of types.
    """

    pieces: np.ndarray  # shapely polygons
    piece_of: np.ndarray  # district position of each (district, piece) membership
    piece_idx: np.ndarray  # piece index of each membership


def _coverage(districts: gpd.GeoDataFrame) -> _Coverage:
    geoms = districts.geometry.values
    types = districts["district_type"].to_numpy(dtype=object)
    pieces: list[shapely.Geometry] = []
    member_district: list[int] = []
    member_piece: list[int] = []

    def add(piece: shapely.Geometry, owners: list[int]) -> None:
        for owner in owners:
            member_district.append(owner)
            member_piece.append(len(pieces))
        pieces.append(piece)

    layered = np.flatnonzero(types != "unified")
    for pos in np.flatnonzero(types == "unified"):
        add(geoms[pos], [int(pos)])
    for _, group in districts.iloc[layered].groupby("state_fips"):
        positions = group.index.to_numpy()
        group_types = types[positions]
        if group_types.min() == group_types.max():  # one type only: no overlaps here
            for pos in positions:
                add(geoms[pos], [int(pos)])
            continue
        lines = shapely.union_all(shapely.boundary(geoms[positions]))
        faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
        face_idx, member = shapely.STRtree(geoms[positions]).query(
            shapely.point_on_surface(faces), predicate="within"
        )
        owners: dict[int, list[int]] = {}
        for f, m in zip(face_idx.tolist(), member.tolist(), strict=True):
            owners.setdefault(f, []).append(int(positions[m]))
        for f, face_owners in owners.items():  # faces owned by nobody are unified enclaves
            add(faces[f], face_owners)
    return _Coverage(
        pieces=np.asarray(pieces, dtype=object),
        piece_of=np.asarray(member_district),
        piece_idx=np.asarray(member_piece),
    )


def _without_fragments(pieces: np.ndarray, min_area: float) -> np.ndarray:
    """Drop parts and holes smaller than ``min_area`` (deg²) that no map at that scale shows.

    Each piece keeps its largest part, so no district disappears. A small hole is filled
    only when no remaining piece lies in it (the fragment that filled it was dropped), so
    pieces still do not overlap. Fewer rings means fewer vertices the simplification
    must keep (every ring keeps at least 4).
    """
    parts, owner = shapely.get_parts(pieces, return_index=True)
    area = shapely.area(parts)
    largest = pd.Series(area).groupby(owner).transform("max").to_numpy()
    keep = (area >= min_area) | (area == largest)
    parts, owner = parts[keep], owner[keep]
    rep = shapely.point_on_surface(pieces)  # pieces that stay, one point each
    tree = shapely.STRtree(rep)
    shells = []
    for part in parts:
        holes = [r for r in part.interiors]
        kept = [
            r for r in holes
            if shapely.Polygon(r).area >= min_area
            or len(tree.query(shapely.Polygon(r), predicate="contains")) > 0
        ]
        shells.append(part if len(kept) == len(holes) else shapely.Polygon(part.exterior, kept))
    out = np.empty(len(pieces), dtype=object)
    frame = pd.DataFrame({"owner": owner, "part": shells})
    for index, group in frame.groupby("owner"):
        geoms = group["part"].tolist()
        out[index] = geoms[0] if len(geoms) == 1 else shapely.MultiPolygon(geoms)
    return out


def _simplified(
    districts: gpd.GeoDataFrame,
    coverage: _Coverage,
    *,
    tolerance: float,
    decimals: int,
    min_area: float = 0.0,
) -> gpd.GeoDataFrame:
    """Simplify the pieces as one coverage, then re-assemble each district from its pieces.

    ``min_area`` > 0 first drops fragments smaller than that (see :func:`_without_fragments`).
    """
    pieces = _without_fragments(coverage.pieces, min_area) if min_area > 0 else coverage.pieces
    simple = shapely.coverage_simplify(pieces, tolerance)
    order = np.argsort(coverage.piece_of, kind="stable")
    owners = coverage.piece_of[order]
    members = coverage.piece_idx[order]
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    ends = np.r_[starts[1:], len(owners)]
    geoms = np.empty(len(districts), dtype=object)
    for start, end in zip(starts, ends, strict=True):
        parts = simple[members[start:end]]
        geoms[owners[start]] = parts[0] if end - start == 1 else shapely.coverage_union_all(parts)
    missing = [districts["geoid"].iat[i] for i in range(len(geoms)) if geoms[i] is None]
    if missing:
        raise BuildError(f"districts without any coverage piece: {missing[:10]}")
    out = districts.copy()
    out["geometry"] = _round_coords(geoms, decimals)
    return out


def _layer_figures(layer: gpd.GeoDataFrame, source_area: np.ndarray, *, decimals: int) -> dict:
    geoms = layer.geometry.values
    area = layer.to_crs(EQUAL_AREA_CRS).geometry.area.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.abs(area / source_area - 1.0)
    change = np.where(source_area > 0, change, 0.0)
    # GeoJSON bytes of the whole layer (coordinates already rounded to `decimals`).
    gj_bytes = len(layer.to_json(drop_id=True).encode())
    gj_geoid_bytes = len(layer[["geoid", "geometry"]].to_json(drop_id=True).encode())
    types = layer["district_type"].to_numpy(dtype=object)
    mismatched = {
        label: int((~shapely.is_empty(shapely.coverage_invalid_edges(geoms[mask]))).sum())
        for label, mask in (("unified+elementary", types != "secondary"),
                            ("unified+secondary", types != "elementary"))
    }
    return {
        "features": int(len(layer)),
        "vertices": int(shapely.get_num_coordinates(geoms).sum()),
        "geojson_bytes": gj_bytes,
        "geojson_bytes_geoid_only": gj_geoid_bytes,
        "coordinate_decimals": decimals,
        "pct_within_10pct_area": round(float((change <= 0.10).mean() * 100), 3),
        "collapsed_empty": int(shapely.is_empty(geoms).sum()),
        "invalid": int((~shapely.is_valid(geoms)).sum()),
        "max_area_change_pct": round(float(change.max() * 100), 1),
        "districts_with_mismatched_shared_edges": mismatched,
    }


# --- TopoJSON (us-atlas) -----------------------------------------------------------


def _decode_arcs(topology: dict) -> list[np.ndarray]:
    """Absolute lon/lat coordinates of every arc (quantized + delta-encoded in the file)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        xy = np.asarray(arc, dtype=float)
        if transform:
            xy = np.cumsum(xy, axis=0)
            xy = xy * np.asarray(transform["scale"]) + np.asarray(transform["translate"])
        arcs.append(xy)
    return arcs


def _ring(arcs: list[np.ndarray], indexes: list[int]) -> np.ndarray:
    """Join the arcs of one ring; ``~i`` (negative) means arc ``i`` walked backwards."""
    parts = []
    for n, index in enumerate(indexes):
        xy = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(xy if n == 0 else xy[1:])  # consecutive arcs share their end point
    return np.concatenate(parts)


def _polygon(arcs: list[np.ndarray], rings: list[list[int]]) -> shapely.Polygon:
    """One polygon; rings the 1:10m quantization collapsed (< 4 points) are left out."""
    coords = [c for c in (_ring(arcs, r) for r in rings[1:]) if len(c) >= 4]
    shell = _ring(arcs, rings[0])
    if len(shell) < 4:
        return shapely.Polygon()
    return shapely.Polygon(shell, coords)


def _topo_geometry(arcs: list[np.ndarray], obj: dict) -> shapely.Geometry:
    kind = obj.get("type")
    if kind == "Polygon":
        return _polygon(arcs, obj["arcs"])
    if kind == "MultiPolygon":
        parts = [_polygon(arcs, p) for p in obj["arcs"]]
        return shapely.MultiPolygon([p for p in parts if not p.is_empty])
    if kind is None:
        return shapely.Polygon()
    raise BuildError(f"TopoJSON object {obj.get('id')!r}: unexpected geometry type {kind!r}")


def _read_topojson(path: Path, object_name: str) -> gpd.GeoDataFrame:
    topology = json.loads(path.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology)
    rows = topology["objects"][object_name]["geometries"]
    geoms = np.array([_topo_geometry(arcs, g) for g in rows], dtype=object)
    bad = ~shapely.is_valid(geoms)
    geoms[bad] = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
    return gpd.GeoDataFrame(
        {
            "id": [str(g.get("id", "")) for g in rows],
            "name": [str(g.get("properties", {}).get("name", "")) for g in rows],
            "repaired": bad,
        },
        geometry=geoms,
        crs="EPSG:4326",
    )


def _read_states(src: _Sources) -> gpd.GeoDataFrame:
    topo = _read_topojson(src.states_topojson, "states")
    postal = pd.read_csv(src.state_postal_csv, dtype=str)
    merged = topo.merge(postal, left_on="id", right_on="STATEFP", how="left")
    missing = merged.loc[merged["STUSPS"].isna(), "id"].tolist()
    if missing:
        raise BuildError(f"states without a postal code in {src.state_postal_csv.name}: {missing}")
    states = gpd.GeoDataFrame(
        {
            "state_fips": merged["id"],
            "postal": merged["STUSPS"],
            "name": merged["NAME"],
            "is_territory": merged["is_territory"].str.lower().eq("true"),
        },
        geometry=merged.geometry.values,
        crs="EPSG:4326",
    )
    return states.sort_values("state_fips", ignore_index=True)


def _read_counties(src: _Sources) -> tuple[gpd.GeoDataFrame, dict]:
    topo = _read_topojson(src.counties_topojson, "counties")
    counties = gpd.GeoDataFrame(
        {"county_fips": topo["id"], "name": topo["name"], "state_fips": topo["id"].str[:2]},
        geometry=topo.geometry.values,
        crs="EPSG:4326",
    )
    notes = {
        "repaired_with_make_valid": sorted(topo.loc[topo["repaired"], "id"].tolist()),
        "empty_geometry_kept": sorted(counties.loc[counties.geometry.is_empty,
                                                   "county_fips"].tolist()),
    }
    return counties.sort_values("county_fips", ignore_index=True), notes


# --- Tables --------------------------------------------------------------------------


def _read_zips(src: _Sources) -> pd.DataFrame:
    raw = pd.read_csv(src.zcta_csv, dtype={"GEOID": str})
    out = pd.DataFrame(
        {
            "zip": raw["GEOID"].astype(str).str.zfill(5),
            "latitude": raw["LAT"].astype(float),
            "longitude": raw["LONG"].astype(float),
        }
    )
    if out["zip"].duplicated().any():
        raise BuildError(f"{src.zcta_csv.name}: duplicate ZCTA codes")
    return out.sort_values("zip", ignore_index=True)


def _read_need(src: _Sources) -> pd.DataFrame:
    raw = pd.read_csv(src.need_csv, dtype={"leaid": str})
    children = pd.to_numeric(raw["children"], errors="coerce")
    pct = pd.to_numeric(raw["pct_pov"], errors="coerce")
    keep = children.notna() & pct.notna()
    out = pd.DataFrame(
        {
            "geoid": raw.loc[keep, "leaid"].astype(str).str.zfill(7),
            "children_5_17": children[keep].round().astype("int64"),
            "pct_poverty": pct[keep].astype(float),
        }
    )
    out["children_in_poverty"] = ((out["children_5_17"] * out["pct_poverty"] / 100).round()
                                  .astype("int64"))
    if out["geoid"].duplicated().any():
        raise BuildError(f"{src.need_csv.name}: duplicate leaid values")
    return out.sort_values("geoid", ignore_index=True)


def _read_schools(src: _Sources) -> pd.DataFrame:
    """The HIFLD Florida schools as a school directory (the app's own column rule)."""
    sys.path.insert(0, str(REPO))
    from geo.schools import directory_frame

    raw = pd.read_csv(src.schools_csv, dtype=str, keep_default_na=False)
    out = directory_frame(raw)
    if len(out) != len(raw):
        raise BuildError(f"{src.schools_csv.name}: {len(raw) - len(out)} rows without an ID "
                         "or a name, or with a repeated ID")
    return out.sort_values("school_id", ignore_index=True)


def build_schools(source: Path, out_dir: Path) -> dict:
    """Only the school directory (``schools_fl.parquet``); the other layers are kept."""
    src = _locate_sources(source)
    schools = _read_schools(src)
    final, tmp = out_dir / "schools_fl.parquet", out_dir / ".schools_fl.parquet.tmp"
    schools.to_parquet(tmp, index=False, **PARQUET_OPTIONS)
    tmp.replace(final)
    report_path = out_dir / "build_report.json"
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
    report["schools_fl"] = {"count": int(len(schools))}
    report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


# --- Driver --------------------------------------------------------------------------


def _write_all(outputs: dict[str, pd.DataFrame], out_dir: Path, report: dict) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    try:
        for name, frame in outputs.items():
            final = out_dir / f"{name}.parquet"
            tmp = out_dir / f".{name}.parquet.tmp"
            frame.to_parquet(tmp, index=False, **PARQUET_OPTIONS)
            staged.append((tmp, final))
        tmp_report = out_dir / ".build_report.json.tmp"
        tmp_report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        staged.append((tmp_report, out_dir / "build_report.json"))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, final in staged:
        tmp.replace(final)


def build(source: Path, out_dir: Path) -> dict:
    """Build every layer from ``source`` into ``out_dir``; return the measured figures."""
    src = _locate_sources(source)
    t0 = time.perf_counter()
    districts = _read_districts(src.districts_dir)
    source_area = districts.to_crs(EQUAL_AREA_CRS).geometry.area.to_numpy()
    coverage = _coverage(districts)
    draw = _simplified(districts, coverage, tolerance=DRAW_TOLERANCE, decimals=DRAW_DECIMALS)
    national = _simplified(
        districts,
        coverage,
        tolerance=NATIONAL_TOLERANCE,
        decimals=NATIONAL_DECIMALS,
        min_area=NATIONAL_MIN_AREA,
    )
    states = _read_states(src)
    counties, county_notes = _read_counties(src)
    zips = _read_zips(src)
    need = _read_need(src)
    schools = _read_schools(src)
    report = {
        "districts": {
            "count": int(len(districts)),
            "by_type": {k: int(v) for k, v in districts["district_type"].value_counts().items()},
            "join": _layer_figures(districts, source_area, decimals=JOIN_DECIMALS),
            "draw": _layer_figures(draw, source_area, decimals=DRAW_DECIMALS)
            | {"tolerance": DRAW_TOLERANCE},
            "national": _layer_figures(national, source_area, decimals=NATIONAL_DECIMALS)
            | {"tolerance": NATIONAL_TOLERANCE, "min_part_area_deg2": NATIONAL_MIN_AREA},
        },
        "states": {"count": int(len(states)), "territories": int(states["is_territory"].sum())},
        "counties": {"count": int(len(counties))} | county_notes,
        "zip_centroids": {"count": int(len(zips))},
        "district_need": {
            "count": int(len(need)),
            "matching_district_geoid": int(need["geoid"].isin(districts["geoid"]).sum()),
        },
        "schools_fl": {"count": int(len(schools))},
    }
    _write_all(
        {
            "districts_join": districts,
            "districts_draw": draw,
            "districts_national": national,
            "states": states,
            "counties": counties,
            "zip_centroids": zips,
            "district_need": need,
            "schools_fl": schools,
        },
        out_dir,
        report,
    )
    report["build_seconds"] = round(time.perf_counter() - t0, 1)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=REPO.parent / "shared" / "data",
                        help="folder with the raw source files (default: ../shared/data)")
    parser.add_argument("--out", type=Path, default=REPO / "data",
                        help="folder to write the layers into (default: data/)")
    parser.add_argument("--only", choices=["schools"], default=None,
                        help="rebuild one output only (schools: schools_fl.parquet)")
    args = parser.parse_args(argv)
    try:
        report = (build_schools(args.source, args.out) if args.only == "schools"
                  else build(args.source, args.out))
    except BuildError as exc:
        print(f"build_data: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2))
    sizes = {p.name: p.stat().st_size for p in sorted(args.out.glob("*.parquet"))}
    for name, size in sizes.items():
        print(f"{name:32s} {size / 1e6:8.2f} MB")
    print(f"{'total':32s} {sum(sizes.values()) / 1e6:8.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
