"""The printable one-page brief of a scan, to take to a meeting.

:func:`brief_html` turns a :class:`geo.analysis.ScanResult` into one self-contained HTML
document: inline CSS with print rules (``@page``), a static map of the place drawn as
inline SVG (no scripts, no network, prints as vector graphics) with the radius drawn,
every partner found with all its contacts, the community schools by name and location,
the best fit for the needs ticked (the same ranking as the app's Best fit tab:
:meth:`geo.analysis.ScanResult.best_fit`), the need figures, how to reach partners
that are not listed publicly, what the brief shows, for which date and from which
sources, and a "Sample data" banner when the data is fictional.

Every piece of text that comes from records or from the user passes through
:func:`geo.safe.escape_text`; links pass through :func:`geo.safe.safe_url` first. The
scan must have been run on frames already redacted for the viewer
(:func:`geo.visibility.visible_frames`): the brief prints what the result holds.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from geo.analysis.distance import MILES_PER_DEGREE_LAT
from geo.analysis.scan import ScanResult
from geo.safe import escape_text, safe_url
from geo.schema import ANONYMOUS_PARTNER, PARTNER_TYPES
from geo.text import is_missing

MAP_WIDTH = 430
MAP_HEIGHT = 270
MAX_PARTNER_ROWS = 100
MAX_SCHOOL_ROWS = 100
MAX_FIT_ROWS = 10
SOURCES = (
    "Partners, sites and activities: the coalition partners' own records in the "
    "Community Schools Partner Map",
    "School districts: US Census Bureau cartographic boundaries 2016 (school year 2015-16)",
    "States and counties: US Census Bureau 2023 (1:10m); "
    "ZIP code areas: Census 2023 ZCTA centroids",
)
UNLISTED_NOTE = ("Partners shown as “{name}” have not approved public listing, so their names "
                 "and contacts are not printed. To reach them, write to the coalition's staff: "
                 "they will pass your message on and put you in touch.")
MAX_SITE_POINTS = 2000
_PAD_FRACTION = 0.06
_NICE_MILES = (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)

_CSS = """
@page { size: letter portrait; margin: 11mm 12mm; }
* { box-sizing: border-box; }
body { font: 10.5px/1.35 "Helvetica Neue", Arial, sans-serif; color: #1b1f24; margin: 0 auto;
       max-width: 200mm; padding: 8px; }
h1 { font-size: 17px; margin: 0 0 2px; }
h2 { font-size: 12px; margin: 10px 0 4px; border-bottom: 1px solid #c9d1d9; padding-bottom: 2px; }
p { margin: 2px 0; }
.meta { color: #57606a; }
.sample { border: 2px solid #bf8700; background: #fff8c5; padding: 3px 6px; font-weight: bold;
          margin: 4px 0; }
.summary { font-size: 11.5px; margin: 4px 0; }
.row { display: flex; gap: 12px; align-items: flex-start; }
.row > .map { flex: 0 0 auto; }
.row > .side { flex: 1 1 auto; min-width: 0; }
svg { border: 1px solid #c9d1d9; background: #f6f8fa; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 2px 4px; \
border-bottom: 1px solid #e1e4e8; }
th { background: #f0f3f6; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
.small { font-size: 9px; }
.empty { font-style: italic; }
ul.notes { margin: 2px 0; padding-left: 16px; }
a { color: #0b57d0; text-decoration: none; word-break: break-all; }
footer { margin-top: 8px; color: #57606a; font-size: 9px; }
@media print {
  body { padding: 0; max-width: none; font-size: 9.5px; }
  .small { font-size: 8.3px; }
  svg { width: 340px; height: auto; }
  h2 { margin-top: 6px; }
  h2 { break-after: avoid; }
  tr, .row { break-inside: avoid; }
  a { color: inherit; }
}
"""


# --- the static map ---------------------------------------------------------------------


def _wrap_antimeridian(geom: BaseGeometry) -> BaseGeometry:
    """Alaska's Aleutians cross 180°: move eastern-hemisphere longitudes west by 360°."""
    minx, _, maxx, _ = geom.bounds
    if maxx - minx <= 180:
        return geom
    return shapely.transform(
        geom, lambda xy: np.column_stack([np.where(xy[:, 0] > 0, xy[:, 0] - 360, xy[:, 0]),
                                          xy[:, 1]]))


class _Projection:
    """Longitude/latitude to SVG pixels: equirectangular, x shrunk by cos(latitude) at
    the centre of the view so shapes keep their proportions at local scale."""

    def __init__(self, bounds: tuple[float, float, float, float], width: int, height: int) -> None:
        minx, miny, maxx, maxy = bounds
        self.kx = math.cos(math.radians((miny + maxy) / 2))
        span_x = max((maxx - minx) * self.kx, 1e-6)
        span_y = max(maxy - miny, 1e-6)
        self.scale = min(width / span_x, height / span_y)
        self.off_x = (width - span_x * self.scale) / 2
        self.off_y = (height - span_y * self.scale) / 2
        self.minx, self.maxy = minx, maxy

    def xy(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = (np.asarray(lon, dtype=float) - self.minx) * self.kx * self.scale + self.off_x
        y = (self.maxy - np.asarray(lat, dtype=float)) * self.scale + self.off_y
        return x, y

    def miles_per_pixel(self) -> float:
        return MILES_PER_DEGREE_LAT / self.scale


def _path_data(geom: BaseGeometry, proj: _Projection) -> str:
    """SVG path data of every ring of a (multi)polygon or line, one decimal place."""
    parts: list[str] = []
    for ring in (shapely.get_rings(shapely.get_parts(geom)) if geom.geom_type.endswith("Polygon")
                 else shapely.get_parts(geom)):
        coords = shapely.get_coordinates(ring)
        if len(coords) < 2:
            continue
        x, y = proj.xy(coords[:, 0], coords[:, 1])
        pts = " ".join(f"{a:.1f} {b:.1f}" for a, b in zip(x, y, strict=True))
        parts.append(f"M{pts}Z")
    return "".join(parts)


def _view_bounds(place_geom: BaseGeometry, lon: np.ndarray, lat: np.ndarray,
                 center: tuple[float, float],
                 radius_mi: float | None) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = place_geom.bounds
    if len(lon):
        minx, maxx = min(minx, float(np.min(lon))), max(maxx, float(np.max(lon)))
        miny, maxy = min(miny, float(np.min(lat))), max(maxy, float(np.max(lat)))
    if radius_mi:
        dlat = radius_mi / MILES_PER_DEGREE_LAT
        dlon = dlat / max(0.1, math.cos(math.radians(center[0])))
        minx, maxx = min(minx, center[1] - dlon), max(maxx, center[1] + dlon)
        miny, maxy = min(miny, center[0] - dlat), max(maxy, center[0] + dlat)
    span = max(maxx - minx, maxy - miny, 0.05)
    pad = span * _PAD_FRACTION
    return (minx - pad, miny - pad, maxx + pad, maxy + pad)


def _fit_aspect(bounds: tuple[float, float, float, float], width: int,
                height: int) -> tuple[float, float, float, float]:
    """Widen ``bounds`` in one direction so they have the drawing's aspect ratio: the
    neighbours then fill the whole picture instead of stopping at a narrower box."""
    minx, miny, maxx, maxy = bounds
    kx = math.cos(math.radians((miny + maxy) / 2))
    w, h = (maxx - minx) * kx, maxy - miny
    if w / h < width / height:
        extra = (h * width / height - w) / kx / 2
        return (minx - extra, miny, maxx + extra, maxy)
    extra = (w * height / width - h) / 2
    return (minx, miny - extra, maxx, maxy + extra)


def _scale_bar(proj: _Projection, width: int, height: int) -> str:
    target = proj.miles_per_pixel() * width / 5
    miles = max([m for m in _NICE_MILES if m <= target] or [_NICE_MILES[0]])
    px = miles / proj.miles_per_pixel()
    x0, y0 = 10, height - 12
    label = f"{miles:g} mi"
    return (f'<g class="scale"><path d="M{x0} {y0 - 4}V{y0}H{x0 + px:.1f}V{y0 - 4}" fill="none" '
            f'stroke="#1b1f24" stroke-width="1.2"/><text x="{x0 + px + 4:.1f}" y="{y0}" '
            f'font-size="10" fill="#1b1f24">{escape_text(label)}</text></g>')


def static_map_svg(
    place_geometry: BaseGeometry,
    *,
    sites: pd.DataFrame | None = None,
    context: Sequence[BaseGeometry] = (),
    center: tuple[float, float] | None = None,
    radius_mi: float | None = None,
    width: int = MAP_WIDTH,
    height: int = MAP_HEIGHT,
    title: str = "",
) -> str:
    """An inline ``<svg>`` map of a place: neighbouring boundaries (``context``) in grey,
    the place filled, the radius as a dashed circle around ``center`` (lat, lon), and
    ``sites`` (columns ``latitude``, ``longitude``, optional ``community_school``) as dots:
    filled for community schools, hollow for other sites. Includes a scale bar.

    Static and script-free, so it prints and opens anywhere. Geometry is simplified to
    about a pixel, so a state stays a few tens of kilobytes.
    """
    place_geometry = _wrap_antimeridian(place_geometry)
    if center is None:
        pt = place_geometry.representative_point()
        center = (pt.y, pt.x)
    sites = sites if sites is not None else pd.DataFrame(columns=["latitude", "longitude"])
    lat = pd.to_numeric(sites["latitude"], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(sites["longitude"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    school = (sites["community_school"].fillna(False).astype(bool).to_numpy()
              if "community_school" in sites.columns else np.zeros(len(sites), dtype=bool))
    lat, lon, school = lat[ok], lon[ok], school[ok]
    if len(lat) > MAX_SITE_POINTS:
        lat, lon, school = lat[:MAX_SITE_POINTS], lon[:MAX_SITE_POINTS], school[:MAX_SITE_POINTS]

    is_point = not place_geometry.geom_type.endswith("Polygon")
    ring = radius_outline(place_geometry, radius_mi) if radius_mi and not is_point else None
    outer = _wrap_antimeridian(ring) if ring is not None else place_geometry
    bounds = _fit_aspect(_view_bounds(outer, lon, lat, center, radius_mi if is_point else None),
                         width, height)
    proj = _Projection(bounds, width, height)
    tolerance = 0.8 / proj.scale  # degrees per ~0.8 pixel
    view = box(*bounds)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape_text(title or "Map of the place")}">']
    if title:
        out.append(f"<title>{escape_text(title)}</title>")
    shapes = np.array([_wrap_antimeridian(g) for g in context
                       if g is not None and not g.is_empty], dtype=object)
    if len(shapes):
        shapes = shapes[shapely.intersects(shapes, view)]
        shapes = shapely.simplify(shapely.clip_by_rect(shapes, *bounds), tolerance)
    for geom in shapes:
        d = _path_data(geom, proj)
        if d:
            out.append(f'<path d="{d}" fill="#ffffff" stroke="#9aa5b1" stroke-width="0.6" '
                       'fill-rule="evenodd"/>')
    if place_geometry.geom_type.endswith("Polygon"):
        d = _path_data(shapely.simplify(place_geometry, tolerance), proj)
        out.append(f'<path d="{d}" fill="#cfe3fb" fill-opacity="0.85" stroke="#0b57d0" '
                   'stroke-width="1.6" fill-rule="evenodd"/>')
    if ring is not None:
        d = _path_data(shapely.simplify(_wrap_antimeridian(ring), tolerance), proj)
        out.append(f'<path class="radius" d="{d}" fill="none" stroke="#0b57d0" stroke-width="1.2" '
                   'stroke-dasharray="5 4"/>')
    if radius_mi and is_point:
        r_px = radius_mi / proj.miles_per_pixel()
        cx, cy = proj.xy(np.array([center[1]]), np.array([center[0]]))
        out.append(f'<circle cx="{cx[0]:.1f}" cy="{cy[0]:.1f}" r="{r_px:.1f}" fill="none" '
                   'stroke="#0b57d0" stroke-width="1.2" stroke-dasharray="5 4"/>')
    if is_point:
        cx, cy = proj.xy(np.array([center[1]]), np.array([center[0]]))
        out.append(f'<path d="M{cx[0] - 7:.1f} {cy[0]:.1f}H{cx[0] + 7:.1f}'
                   f'M{cx[0]:.1f} {cy[0] - 7:.1f}V{cy[0] + 7:.1f}" stroke="#b3261e" '
                   'stroke-width="2.2"/>')
    x, y = proj.xy(lon, lat)
    for xi, yi, is_school in sorted(zip(x.tolist(), y.tolist(), school.tolist(), strict=True),
                                    key=lambda t: t[2]):
        fill = "#b3261e" if is_school else "#ffffff"
        out.append(f'<circle cx="{xi:.1f}" cy="{yi:.1f}" r="3" fill="{fill}" stroke="#b3261e" '
                   'stroke-width="1.1"/>')
    out.append(_scale_bar(proj, width, height))
    out.append("</svg>")
    return "".join(out)


# --- the document -----------------------------------------------------------------------


def _cell(value: object) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, (dt.date, pd.Timestamp)):
        return escape_text(value.strftime("%b %Y"))
    return escape_text(value)


def _number(value: Any, *, decimals: int = 0, suffix: str = "") -> str:  # any cell value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    if math.isnan(number):
        return ""
    return escape_text(f"{number:,.{decimals}f}{suffix}")


def _link(url: object) -> str:
    href = safe_url(url)
    if not href:
        return ""
    shown = href.split("://", 1)[-1].rstrip("/")
    return f'<a href="{escape_text(href)}">{escape_text(shown)}</a>'


def _contact(row: pd.Series) -> str:
    items = [v.strip() for cell in (row.get("email"), row.get("contact")) if isinstance(cell, str)
             for v in cell.split(";") if v.strip()]
    items = list(dict.fromkeys(items))
    return "<br>".join(escape_text(v) for v in items)


def _partners_table(partners: pd.DataFrame, *, limit: int) -> str:
    if partners.empty:
        return ""
    head = ["Partner", "Presence", "Kinds of work", "Principles", "Status", "Since",
            "Sites here / near", "Website", "Contact"]
    rows = []
    for _, r in partners.head(limit).iterrows():
        cells = [
            f"<b>{_cell(r['partner'])}</b><br>"
            f"<span class=meta>{_cell(PARTNER_TYPES.get(r['type'], r['type']))}</span>",
            _cell(r["presence"]),
            _cell(r["kinds_of_work"]),
            _cell(r["principles"]),
            _cell(r["status"]),
            _cell(r["since"]),
            f'{int(r["sites_here"])} / {int(r["sites_nearby"])}',
            _link(r["website"]),
            _contact(r) or "<span class=meta>not recorded</span>",
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    table = ("<table class=small><thead><tr>" + "".join(f"<th>{h}</th>" for h in head)
             + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    more = len(partners) - limit
    if more > 0:
        table += (f"<p class=meta>… and {more} more partner{'s' if more != 1 else ''}: "
                  "see the full scan in the app.</p>")
    return table


def _fit_table(best: pd.DataFrame) -> str:
    """The best-fit ranking, ranks and scores as in the app's Best fit tab."""
    rows = "".join(
        f"<tr><td class=num>{int(rank)}</td><td><b>{_cell(r['name'])}</b></td>"
        f"<td class=num><b>{_number(r['score'])}</b></td>"
        f"<td>{_cell(r['presence'])}</td><td>{_cell(r['reasons'])}</td></tr>"
        for rank, r in zip(best.index.tolist(), best.to_dict("records"), strict=True))
    return ("<table class=small><thead><tr><th class=num>Rank</th><th>Partner</th>"
            "<th class=num>Fit</th><th>Presence</th><th>Why</th></tr></thead><tbody>"
            + rows + "</tbody></table>")


def _schools_table(sites: pd.DataFrame, *, limit: int = MAX_SCHOOL_ROWS) -> str:
    """The community schools found, by name, with their partner and where they are."""
    schools = sites[sites["community_school"].astype(bool)] if len(sites) else sites
    if schools.empty:
        return "<p class=empty>No community schools among the partner sites found.</p>"
    rows = []
    for _, r in schools.head(limit).iterrows():
        where = [_cell(r.get("district", ""))]
        if r.get("zip"):
            where.append(f"ZIP {_cell(r['zip'])}")
        where.append(f"{float(r['latitude']):.4f}, {float(r['longitude']):.4f}")
        distance = "inside" if bool(r.get("inside", False)) else f"{float(r['distance_mi']):g} mi"
        rows.append(f"<tr><td><b>{_cell(r['site'])}</b>"
                    + (f"<br><span class=meta>NCES {_cell(r['nces_id'])}</span>"
                       if r.get("nces_id") else "")
                    + f"</td><td>{_cell(r['partner'])}</td>"
                    f"<td>{' · '.join(w for w in where if w)}</td>"
                    f"<td class=num>{escape_text(distance)}</td></tr>")
    more = len(schools) - limit
    note = (f"<p class=meta>… and {more} more community schools: "
            "the app's Sites tab lists them all.</p>"
            if more > 0 else "")
    return ("<table class=small><thead><tr><th>Community school</th><th>Partner</th>"
            "<th>Where (district · ZIP · latitude, longitude)</th>"
            "<th class=num>Distance</th></tr></thead><tbody>" + "".join(rows)
            + "</tbody></table>" + note)


def radius_outline(geometry: BaseGeometry, radius_mi: float) -> BaseGeometry:
    """The line ``radius_mi`` miles around a polygon place (buffered in the US equal-area
    projection, EPSG:5070), in longitude/latitude."""
    from pyproj import Transformer

    from geo.analysis.distance import METRES_PER_MILE, PROJECTED_CRS

    there = Transformer.from_crs("EPSG:4326", PROJECTED_CRS, always_xy=True)
    back = Transformer.from_crs(PROJECTED_CRS, "EPSG:4326", always_xy=True)
    projected = shapely.transform(
        geometry, lambda xy: np.column_stack(there.transform(xy[:, 0], xy[:, 1])))
    minx, miny, maxx, maxy = projected.bounds
    simple = shapely.simplify(projected, max(maxx - minx, maxy - miny) / 500)
    ring = shapely.buffer(simple, radius_mi * METRES_PER_MILE, quad_segs=8).boundary
    return shapely.transform(ring, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))


def _need_list(need: pd.DataFrame, source: str, *, limit: int = 5) -> str:
    """Need figures as short lines (they sit in a narrow column beside the map)."""
    if need.empty or need["children_5_17"].isna().all():
        return "<p class=empty>No need figures for this place in the Urban Institute data.</p>"
    items = []
    for _, r in need.head(limit).iterrows():
        items.append(f"<li><b>{_cell(r['district'])}</b>: "
                     f"{_number(r['children_5_17'])} children 5-17, "
                     f"{_number(r['pct_poverty'], decimals=1, suffix='%')} in poverty "
                     f"({_number(r['children_in_poverty'])} children)</li>")
    more = len(need) - limit
    note = f"<li class=meta>… and {more} more districts</li>" if more > 0 else ""
    return (f"<ul class=notes>{''.join(items)}{note}</ul>"
            f"<p class=meta>Source: {escape_text(source)}.</p>")


def brief_html(
    result: ScanResult,
    *,
    generated: dt.date,
    sample_data: bool = False,
    context: Sequence[BaseGeometry] = (),
    viewer_note: str = "",
    max_partners: int = MAX_PARTNER_ROWS,
) -> str:
    """The brief of ``result`` as a complete HTML document (see module doc).

    ``context``: boundary shapes drawn in grey around the place (e.g. neighbouring
    districts). ``viewer_note``: a line saying whose view this is (e.g. that partners
    who have not approved public listing appear unnamed). Every partner found is
    printed (up to ``max_partners``, with a count of the rest beyond that), closest
    presence first, as in the app's Partners tab.
    """
    place = result.place
    with_fit = bool(result.needs)
    partners = result.partners
    svg = static_map_svg(place.geometry, sites=result.sites, context=context, center=place.center,
                         radius_mi=result.radius_mi, title=f"Map of {place.label}")
    used = [f"Place: {place.label}"]
    used.append(f"Radius: {result.radius_mi:g} mi" if result.radius_mi
                else "Radius: none (the place only)")
    used.append("Needs: " + (", ".join(result.needs.labels()) if with_fit else "none ticked"))
    n_schools = int(result.sites["community_school"].sum()) if len(result.sites) else 0
    notes = "".join(f"<li>{escape_text(m)}</li>" for m in result.messages)
    partners_block = _partners_table(partners, limit=max_partners) or (
        "<p class=empty>No partner works here yet.</p>")
    best = result.best_fit(MAX_FIT_ROWS) if with_fit else None
    unlisted = bool((partners["partner"] == ANONYMOUS_PARTNER).any()) if len(partners) else False
    if best is not None and len(best):
        unlisted = unlisted or bool((best["name"] == ANONYMOUS_PARTNER).any())
    reach = (f"<p class=meta>{escape_text(UNLISTED_NOTE.format(name=ANONYMOUS_PARTNER))}</p>"
             if unlisted else "")
    title = f"Partner scan: {place.label}"
    scope = (f"sites and activities of coalition partners in {place.label}"
             + (f" and sites within {result.radius_mi:g} mi" if result.radius_mi else "")
             + ", with partners whose county- or state-wide work covers it; "
             "activities of every status (active, planned, ended: see Status)")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape_text(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape_text(title)}</h1>",
        "<p class=meta>Community Schools Partner Map · "
        f"records as of {escape_text(generated.isoformat())}"
        f" · {escape_text(' · '.join(used))}</p>",
    ]
    if sample_data:
        parts.append("<p class=sample>Sample data — fictional partners. "
                     "Every organization named here is invented; the places are real.</p>")
    if viewer_note:
        parts.append(f"<p class=meta>{escape_text(viewer_note)}</p>")
    parts += [
        f"<p class=summary>{escape_text(result.summary)}</p>",
        f'<div class=row><div class=map>{svg}'
        f'<p class="meta small">Blue: {escape_text(place.label)}. '
        "Red dots: community schools; hollow: other partner sites"
        + ((f"; dashed circle: {result.radius_mi:g} mi" if place.is_point
            else f"; dashed line: {result.radius_mi:g} mi beyond its edge "
                 "(sites inside it are included)")
           if result.radius_mi else "")
        + ".</p></div>",
        "<div class=side><h2>Need</h2>", _need_list(result.need, result.need_source),
        "<h2>Sites</h2>"
        f"<p>{len(result.sites)} partner site{'s' if len(result.sites) != 1 else ''}, "
        f"{n_schools} community school{'s' if n_schools != 1 else ''} (listed below).</p>",
        (f"<ul class=notes>{notes}</ul>" if notes else ""),
        "</div></div>",
        f"<h2>Partners ({len(partners)})</h2>",
        partners_block,
        reach,
    ]
    if best is not None:
        parts += ["<h2>Best fit for the needs ticked "
                  f"(best first, top {MAX_FIT_ROWS} of all partners)</h2>",
                  _fit_table(best),
                  "<p class=meta>Fit score out of 100: up to 60 for the share of ticked needs "
                  "a partner covers, up to 40 for presence (40 in the place, 25 in its county, "
                  "10 in its state). The same ranking as the app's Best fit tab.</p>"]
    parts += [
        f"<h2>Community schools ({n_schools})</h2>",
        _schools_table(result.sites),
        "<footer><p><b>What this brief shows:</b> " + escape_text(scope)
        + ". Presence: “in this place” = sites or district-wide work here; "
        "“covers” = county- or state-wide work; “within” = sites inside the radius.</p>"
        f"<p><b>When:</b> the records in the Partner Map on {escape_text(generated.isoformat())}; "
        "“Since” is a partner's earliest recorded start date here.</p>"
        "<p><b>Sources:</b> "
        + escape_text("; ".join([*SOURCES, f"need: {result.need_source}"])) + ".</p>"
        "</footer>",
        "</body></html>",
    ]
    return "\n".join(parts)
