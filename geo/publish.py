"""The public view as static files: ``python -m geo publish -o DIR``.

Writes what a visitor who is not signed in sees — the national map of sites over school
districts, the partner directory with links, coverage by state — as files that any web
server (or CDN) can host with no app process behind them, and that a page of the
coalition's website can embed (``<iframe src=".../map.html">``)::

    DIR/index.html              the page: map, directory, coverage by state, downloads
    DIR/map.html                the map alone (embeddable); Leaflet from DIR/vendor/
    DIR/partners.csv|.json      the directory (partners without approval: one line)
    DIR/coverage_by_state.csv|.json
    DIR/vendor/...              Leaflet, leaflet.markercluster, html-to-image (from
                                static/vendor; licences beside them)

Everything is built from :func:`geo.visibility.visible_frames` (role ``public``) before
anything is drawn or written, so the public view's rules apply in full. Text is HTML-
escaped, links pass :func:`geo.safe.safe_url`, and CSV cells go through
:func:`geo.spreadsheet.neutralise_frame`. The folder is written beside ``DIR`` and renamed
into place: a failed run leaves the previous publication as it was.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from geo import schema
from geo.analysis.coverage import coverage
from geo.analysis.directory import directory, public_view, unlisted_line
from geo.assets import (
    VENDOR_DIR,
    VENDOR_FILES,
    MissingAssetsError,
    missing_vendor_files,
    vendor_notice,
)
from geo.maps import national_map
from geo.safe import escape_text, safe_url
from geo.sample import contains_sample
from geo.visibility import visible_frames

MARKER = ".partnermap-publish"
VENDOR_URL = "vendor"  # relative to the published files
DIRECTORY_FIELDS = ("name", "type", "website", "expertise", "principles", "sites",
                    "community_schools", "activities", "states")
COVERAGE_FIELDS = ("place_id", "place", "partners", "activities", "sites", "community_schools")


def public_directory(public: schema.Frames) -> pd.DataFrame:
    """The directory a visitor sees: listed partners by name, the others as one line."""
    named, unlisted = public_view(directory(public))
    rows = named if unlisted.empty else pd.concat([named, unlisted_line(unlisted)],
                                                  ignore_index=True)
    return rows[list(DIRECTORY_FIELDS)].reset_index(drop=True)


def publish(frames: schema.Frames, out_dir: str | Path, *, tiles: str = "none") -> dict[str, int]:
    """Write the public view of ``frames`` (unredacted; redacted here) to ``out_dir``.

    Returns counts (partners listed, sites on the map, states with activity). Raises
    :class:`geo.assets.MissingAssetsError` when Leaflet is not installed, and
    ``FileExistsError`` when ``out_dir`` exists and is not an earlier publication.
    """
    out = Path(out_dir).resolve()
    if out.exists() and not (out / MARKER).exists():
        raise FileExistsError(f"{out} exists and is not a folder written by `geo publish`; "
                              "choose a new or empty folder name")
    missing = missing_vendor_files()
    if missing:
        raise MissingAssetsError(f"map assets missing in {VENDOR_DIR}: {', '.join(missing)}; "
                                 "run `bash scripts/setup.sh`")
    public = visible_frames(frames, "public")
    sample = contains_sample(frames.partners)
    table = public_directory(public)
    states = coverage(public, "state")[list(COVERAGE_FIELDS)]
    states = states[states["partners"] > 0].reset_index(drop=True)
    m = national_map(public.sites, partners=public.partners, tiles=tiles,
                     asset_base_url=VENDOR_URL)
    map_html = m.get_root().render()

    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for rel in VENDOR_FILES:
            target = work / VENDOR_URL / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(VENDOR_DIR / rel, target)
            notice = vendor_notice(rel)
            if notice is not None:
                shutil.copy2(notice, target.parent / notice.name)
        images = VENDOR_DIR / "leaflet" / "images"
        if images.is_dir():
            shutil.copytree(images, work / VENDOR_URL / "leaflet" / "images")
        (work / "map.html").write_text(map_html, encoding="utf-8")
        _write_table(work, "partners", table)
        _write_table(work, "coverage_by_state", states)
        (work / "index.html").write_text(_index(table, states, sample=sample,
                                                sites=int(public.sites["latitude"].notna().sum())),
                                         encoding="utf-8")
        (work / MARKER).write_text("written by python -m geo publish\n", encoding="utf-8")
        os.chmod(work, 0o755)
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
        os.replace(work, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return {"partners_listed": int((table["name"] != "").sum()), "sites": len(public.sites),
            "states": len(states)}


def _write_table(folder: Path, name: str, frame: pd.DataFrame) -> None:
    from geo.spreadsheet import neutralise_frame

    neutralise_frame(frame).to_csv(folder / f"{name}.csv", index=False, encoding="utf-8")
    records = json.loads(frame.to_json(orient="records"))
    (folder / f"{name}.json").write_text(json.dumps(records, ensure_ascii=False, indent=1),
                                         encoding="utf-8")


def _cell(value: object) -> str:
    return escape_text(f"{value:,}" if isinstance(value, int) else value)


def _index(table: pd.DataFrame, states: pd.DataFrame, *, sample: bool, sites: int) -> str:
    rows = []
    for r in table.to_dict("records"):
        url = safe_url(r["website"])
        site = f'<a href="{escape_text(url)}" rel="noopener nofollow">{escape_text(url)}</a>' \
            if url else ""
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in (
            _cell(r["name"]), _cell(r["type"]), site, _cell(r["expertise"]), _cell(r["principles"]),
            _cell(int(r["sites"])), _cell(int(r["activities"])), _cell(r["states"]))) + "</tr>")
    cov = ["<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in (
        r["place"], int(r["partners"]), int(r["activities"]), int(r["sites"]),
        int(r["community_schools"])))
        + "</tr>" for r in states.to_dict("records")]
    notice = ("<p class=\"notice\">Sample data — fictional partners. Every organization shown "
              "here is invented; the places are real.</p>") if sample else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Community Schools Partner Map</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 72rem; \
padding: 0 1rem; }}
iframe {{ width: 100%; height: 600px; border: 1px solid #ccc; }}
table {{ border-collapse: collapse; width: 100%; font-size: .9rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left; \
vertical-align: top; }}
.notice {{ background: #eef4fc; padding: .6rem 1rem; }}
</style></head><body>
<h1>Community Schools Partner Map</h1>
{notice}
<p>Where coalition partners support local community schools: {sites:,} sites over the
nation's school districts. Partners that have not approved public listing are shown as
“{escape_text(schema.ANONYMOUS_PARTNER)}”, without name, website or contact; counts and
the map include their work.</p>
<iframe src="map.html" title="Map of partner sites"></iframe>
<p>Embed the map: \
<code>&lt;iframe src="…/map.html" width="100%" height="600"&gt;&lt;/iframe&gt;</code></p>
<h2>Partners</h2>
<p>Download: <a href="partners.csv">partners.csv</a>, <a href="partners.json">partners.json</a></p>
<table><thead><tr><th>Partner</th><th>Type</th><th>Website</th><th>Expertise</th>
<th>Principles</th><th>Sites</th><th>Activities</th><th>States</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<h2>Coverage by state</h2>
<p>Download: <a href="coverage_by_state.csv">coverage_by_state.csv</a>,
<a href="coverage_by_state.json">coverage_by_state.json</a></p>
<table><thead><tr><th>State</th><th>Partners</th><th>Activities</th><th>Sites</th>
<th>Community schools</th></tr></thead>
<tbody>
{chr(10).join(cov)}
</tbody></table>
</body></html>
"""
