"""Leaflet and its plugin served by the app itself, so maps render with no internet.

folium element classes declare their JavaScript/CSS as CDN links (``default_js`` /
``default_css``). Offline those links fail and the map is blank (streamlit-folium stops
loading at the first failed script). :func:`use_local_assets` points the classes we use
at the copies that ``scripts/setup.sh`` installs from npm into ``static/vendor/``, which
Streamlit serves at ``/app/static/vendor/``. :func:`standalone_html` inlines the same
files into a map's HTML, for downloads that must open with no server at all.

We never use ``folium.Icon`` (it needs jQuery, Bootstrap, awesome-markers and Font
Awesome), so those links are dropped rather than served.
"""
from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import folium
import folium.plugins

from geo.config import REPO_ROOT
from geo.errors import PartnerMapError
from geo.safe import escape_text

DEFAULT_BASE_URL = "/app/static/vendor"
VENDOR_DIR = REPO_ROOT / "static" / "vendor"

# (folium asset name, path under static/vendor/) for each class we use.
_MAP_JS = (("leaflet", "leaflet/leaflet.js"),)
_MAP_CSS = (("leaflet_css", "leaflet/leaflet.css"),)
_CLUSTER_JS = (("markerclusterjs", "leaflet.markercluster/leaflet.markercluster.js"),)
_CLUSTER_CSS = (
    ("markerclustercss", "leaflet.markercluster/MarkerCluster.css"),
    ("markerclusterdefaultcss", "leaflet.markercluster/MarkerCluster.Default.css"),
)
# html-to-image (MIT): draws the map's DOM, canvases and SVG into one image, for the
# "Save as image (PNG)" button (geo.maps.add_image_export, geo/js/export.js).
_EXPORT_JS = (("html_to_image", "html-to-image/html-to-image.js"),)

# Every file a map may link to, relative to static/vendor/.
VENDOR_FILES: tuple[str, ...] = tuple(
    rel for _, rel in _MAP_JS + _MAP_CSS + _CLUSTER_JS + _CLUSTER_CSS + _EXPORT_JS
)

_SCRIPT_SRC = re.compile(r'<script\b[^>]*\bsrc="([^"]*)"[^>]*>\s*</script>', re.IGNORECASE)
_LINK_HREF = re.compile(r'<link\b[^>]*\bhref="([^"]*)"[^>]*/?>', re.IGNORECASE)
_CSS_URL = re.compile(r"url\((['\"]?)(images/[^'\")]+)\1\)")


class MissingAssetsError(PartnerMapError, RuntimeError):
    """The Leaflet files are not installed in static/vendor/."""


def _links(base: str, pairs: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    return [(name, f"{base}/{rel}") for name, rel in pairs]


def use_local_assets(base_url: str = DEFAULT_BASE_URL) -> None:
    """Point folium's Map and MarkerCluster at our served copies of Leaflet.

    Assigns new lists on the classes (folium's lists are shared between classes, so they
    are never mutated in place). Idempotent; call it before rendering any map.
    """
    base = base_url.rstrip("/")
    folium.Map.default_js = _links(base, _MAP_JS)
    folium.Map.default_css = _links(base, _MAP_CSS)
    folium.plugins.MarkerCluster.default_js = _links(base, _CLUSTER_JS)
    folium.plugins.MarkerCluster.default_css = _links(base, _CLUSTER_CSS)


def export_js_links(base_url: str = DEFAULT_BASE_URL) -> list[tuple[str, str]]:
    """The (name, URL) of the script the image export needs, served from ``base_url``."""
    return _links(base_url.rstrip("/"), _EXPORT_JS)


def missing_vendor_files(vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """The vendor files (relative paths) that are not installed; empty when all are."""
    return [rel for rel in VENDOR_FILES if not (vendor_dir / rel).is_file()]


def _read_vendor(rel: str, vendor_dir: Path) -> str:
    path = vendor_dir / rel
    if not path.is_file():
        raise MissingAssetsError(
            f"{path} is missing: run `bash scripts/setup.sh` to install the map assets"
        )
    return path.read_text(encoding="utf-8")


def vendor_notice(rel: str, vendor_dir: Path = VENDOR_DIR) -> Path | None:
    """The licence file installed beside the vendor file ``rel`` (html-to-image's MIT
    notice, which its bundled script does not carry), or None."""
    notice = (vendor_dir / rel).parent / "LICENSE"
    return notice if notice.is_file() else None


def _inline_css_images(css: str, css_path: Path) -> str:
    """Replace ``url(images/x.png)`` with data URIs so the CSS needs no files."""

    def repl(match: re.Match[str]) -> str:
        image = css_path.parent / match.group(2)
        if not image.is_file():
            return match.group(0)
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return _CSS_URL.sub(repl, css)


def _safe_inline_script(js: str) -> str:
    # A literal "</script" inside an inline script would end it early.
    return js.replace("</script", "<\\/script")


@dataclass(frozen=True)
class MapHeader:
    """What a downloaded map says about itself above the map: a ``title``, the
    ``details`` it was drawn with (level, measure, filters: one line each), the date it
    was made, its data ``sources`` and whether it shows the fictional sample data."""

    title: str
    details: Sequence[str] = ()
    sources: Sequence[str] = ()
    sample: bool = False
    made: dt.date = field(default_factory=dt.date.today)

    def lines(self) -> list[str]:
        """What the map was drawn with, one line each, and the date it was made."""
        return [*self.details, f"Made {self.made.isoformat()}"]

    def source_lines(self) -> list[str]:
        return [f"Source: {src}" for src in self.sources]


SAMPLE_LABEL = "Sample data — fictional partners at real places."


def header_html(header: MapHeader) -> str:
    """``header`` as an HTML block (every text escaped: filters may hold partner names)."""
    parts = [f'<header class="partner-map-header" style="font:14px/1.4 sans-serif;padding:8px 12px;'
             f'border-bottom:1px solid #ccd;background:#fff">'
             f'<h1 style="font-size:18px;margin:0 0 4px">'
             f'{escape_text(header.title)}</h1>']
    if header.sample:
        parts.append(f'<p class="sample" style="margin:0 0 4px;padding:2px 6px;background:#fff3cd;'
                     f'display:inline-block"><b>{escape_text(SAMPLE_LABEL)}</b></p>')
    lines = header.lines() + header.source_lines()
    parts.append('<p style="margin:0;color:#333">' + "<br>".join(escape_text(t) for t in lines)
                 + "</p>")
    parts.append("</header>")
    return "".join(parts)


# The map fills what the header leaves of the window.
_LAYOUT_CSS = ("<style>body{display:flex;flex-direction:column;height:100vh}"
               ".folium-map{flex:1 1 auto;height:auto!important;min-height:360px}</style>")


def standalone_html(
    m: folium.Map, *, base_url: str = DEFAULT_BASE_URL, vendor_dir: Path = VENDOR_DIR,
    header: MapHeader | None = None,
) -> str:
    """The map's complete HTML page with Leaflet's JS and CSS inlined, and with a
    ``header`` (title, filters, date, sources, sample-data label) above the map and
    its title as the page title.

    The result opens from a file with no server and no internet. Raises
    :class:`MissingAssetsError` when a vendor file is not installed, and ``ValueError``
    when the map links to a file we cannot inline (a CDN link left by some folium
    plugin we did not localise), rather than writing a page that would be blank offline.
    """
    use_local_assets(base_url)
    html = m.get_root().render()
    base = base_url.rstrip("/") + "/"
    unknown: list[str] = []

    def script(match: re.Match[str]) -> str:
        src = match.group(1)
        if not src.startswith(base):
            unknown.append(src)
            return match.group(0)
        rel = src[len(base):]
        js = _read_vendor(rel, vendor_dir)
        notice = vendor_notice(rel, vendor_dir)
        if notice is not None:  # the licence travels with the inlined copy
            js = "/*!\n" + notice.read_text(encoding="utf-8").replace("*/", "* /") + "*/\n" + js
        return f"<script>{_safe_inline_script(js)}</script>"

    def link(match: re.Match[str]) -> str:
        tag, href = match.group(0), match.group(1)
        if "stylesheet" not in tag:
            return tag
        if not href.startswith(base):
            unknown.append(href)
            return tag
        rel = href[len(base):]
        css = _inline_css_images(_read_vendor(rel, vendor_dir), vendor_dir / rel)
        css = css.replace("</style", "<\\/style")
        return f"<style>{css}</style>"

    html = _SCRIPT_SRC.sub(script, html)
    html = _LINK_HREF.sub(link, html)
    if unknown:
        raise ValueError(
            "the map links to files that cannot be inlined for offline use: "
            + ", ".join(unknown)
            + " (use only elements whose assets geo.assets.use_local_assets localises)"
        )
    if header is not None:
        title = f"<title>{escape_text(header.title)}</title>"
        html = html.replace("<head>", "<head>" + title, 1)
        html = re.sub(r"<body>", lambda _: "<body>" + _LAYOUT_CSS + header_html(header), html,
                      count=1)
    return html
