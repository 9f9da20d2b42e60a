"""Offline map assets: folium points at our served Leaflet, downloads inline it."""
from __future__ import annotations

import re

import folium
import folium.plugins
import pytest

from geo import assets, maps

_EXTERNAL = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)=["']?(?:https?:)?//""", re.I)


def test_vendor_files_are_installed():
    assert assets.missing_vendor_files() == [], "run `bash scripts/setup.sh` to install them"


def test_rendered_map_links_only_to_local_files():
    m = maps.base_map()
    folium.plugins.MarkerCluster().add_to(m)
    html = m.get_root().render()
    assert not _EXTERNAL.search(html), _EXTERNAL.search(html).group(0)
    assert 'src="/app/static/vendor/leaflet/leaflet.js"' in html
    assert 'href="/app/static/vendor/leaflet/leaflet.css"' in html
    assert "/app/static/vendor/leaflet.markercluster/leaflet.markercluster.js" in html
    for dropped in ("jquery", "bootstrap", "awesome-markers", "fontawesome"):
        assert dropped not in html.lower()


def test_every_linked_file_exists_on_disk():
    m = maps.base_map()
    folium.plugins.MarkerCluster().add_to(m)
    html = m.get_root().render()
    links = re.findall(r'(?:src|href)="/app/static/vendor/([^"]+)"', html)
    assert len(links) == 5
    for rel in links:
        assert (assets.VENDOR_DIR / rel).is_file(), rel


def test_use_local_assets_assigns_new_lists(monkeypatch):
    shared = [("leaflet", "https://cdn.example/leaflet.js")]
    monkeypatch.setattr(folium.Map, "default_js", shared)
    assets.use_local_assets("/static/x")
    assert shared == [("leaflet", "https://cdn.example/leaflet.js")]  # not mutated
    assert folium.Map.default_js == [("leaflet", "/static/x/leaflet/leaflet.js")]
    assets.use_local_assets()


def test_standalone_html_inlines_everything():
    m = maps.base_map()
    html = assets.standalone_html(m)
    assert not re.search(r"<script\b[^>]*\bsrc=", html, re.I)
    assert not re.search(r"<link\b[^>]*stylesheet", html, re.I)
    assert "Leaflet 1.9.3" in html  # the library itself is in the page
    assert ".leaflet-container" in html  # and its CSS
    assert "url(images/" not in html  # CSS images became data URIs


def test_standalone_html_says_how_to_install_missing_assets(tmp_path):
    with pytest.raises(assets.MissingAssetsError, match="scripts/setup.sh"):
        assets.standalone_html(maps.base_map(), vendor_dir=tmp_path)


def test_standalone_html_refuses_a_cdn_plugin():
    m = maps.base_map()
    folium.plugins.Fullscreen().add_to(m)  # its assets are not localised
    with pytest.raises(ValueError, match="cannot be inlined"):
        assets.standalone_html(m)


def _export_spec(html: str) -> dict:
    import json

    return json.loads(re.search(r"L\.partnerImageExport\((\{.*?\})\)\.addTo", html).group(1))


def test_image_export_button_carries_the_header_as_text_only():
    """The "Save as image (PNG)" button gets html-to-image from the app's own files and
    the header (title, sample label, filters, date, sources) as script-safe JSON."""
    evil = "Partner: Evil </script><script>alert(1)"
    header = assets.MapHeader("Coverage: <b>x</b>", details=(evil,), sources=("Census",),
                              sample=True)
    m = maps.add_image_export(maps.base_map(), header, file_name="../coverage state/partners")
    html = m.get_root().render()
    assert 'src="/app/static/vendor/html-to-image/html-to-image.js"' in html
    assert "</script><script>alert(1)" not in html and "<b>x</b>" not in html
    spec = _export_spec(html)
    assert spec == {"title": "Coverage: <b>x</b>", "sample": assets.SAMPLE_LABEL,
                    "lines": [evil, f"Made {header.made.isoformat()}"],
                    "sources": ["Source: Census"], "fileName": "coverage_state_partners.png"}
    plain = maps.add_image_export(maps.base_map(), assets.MapHeader("t"), file_name="m.png")
    assert _export_spec(plain.get_root().render())["sample"] is None


def test_standalone_html_inlines_the_image_export_with_its_licence():
    m = maps.add_image_export(maps.base_map(), assets.MapHeader("Coverage"), file_name="coverage")
    html = assets.standalone_html(m, header=assets.MapHeader("Coverage"))
    assert not re.search(r"<script\b[^>]*\bsrc=", html, re.I)
    assert "htmlToImage" in html and "L.partnerImageExport(" in html
    assert "MIT License" in html and "Copyright (c) 2017" in html  # html-to-image's notice
