"""The folium elements the maps are made of: each writes one script into the page, drawn
by the app's own Leaflet layers in ``geo/js`` (areas, legends, sites, pairs of sites,
place names, the "Save as image (PNG)" button).

Every payload is embedded with :func:`geo.safe.json_for_script` (no ``</script>`` can end
the element) and the scripts put untrusted text on the page with ``textContent`` only.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path

from branca.element import Element, Figure, JavascriptLink, MacroElement
from jinja2 import Template

from geo.assets import export_js_links
from geo.safe import json_for_script

JS_DIR = Path(__file__).resolve().parent.parent / "js"


def script_json(obj: object) -> str:
    """Compact JSON that is safe inside ``<script>`` (:func:`geo.safe.json_for_script`)."""
    return json_for_script(obj, compact=True)


@cache
def _js(name: str) -> str:
    return (JS_DIR / name).read_text(encoding="utf-8")


class _RenderedScript(Element):
    """Script text that is already rendered: branca would compile it as a Jinja
    template (about 0.7 s for a 4 MB district layer); this returns it as it is."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: object) -> str:
        return self._text


class _ScriptElement(MacroElement):
    """A MacroElement with only a ``script`` macro, rendered without re-templating."""

    # branca's MacroElement.render returns None although Element.render says str
    def render(self, **kwargs: object) -> None:  # type: ignore[override]
        figure = self.get_root()
        assert isinstance(figure, Figure), "render the map, not this element alone"  # as branca
        script = self._template.module.__dict__["script"]
        figure.script.add_child(_RenderedScript(script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class MapSetup(_ScriptElement):
    """Sets Leaflet's icon folder (the CSS loads after the script under st_folium, so
    Leaflet would guess it wrong), the background where there are no tiles, the
    initial view (without animation: layers added during a zoom animation would first
    draw at the old zoom), and a focus on mousedown that does not scroll the page."""

    _template = Template(
        """{% macro script(this, kwargs) %}
L.Icon.Default.imagePath = {{ this.image_path }};
{{ this._parent.get_name() }}.getContainer().style.background = "#eef1f4";
{{ this._parent.get_name() }}.fitBounds({{ this.bounds }}, {animate: false, padding: [8, 8]});
(function (map) {
  // Leaflet focuses the map on mousedown so the arrow keys pan it. Inside an iframe that
  // is partly below the fold, that focus scrolls the *page* to show the whole frame, the
  // map moves under the pointer and the click is lost. Focus without scrolling instead.
  var kb = map.keyboard;
  if (!kb || !kb.enabled()) { return; }
  kb.disable();
  kb._onMouseDown = function () {
    if (this._focused) { return; }
    this._map.getContainer().focus({preventScroll: true});
  };
  kb.enable();
})({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, image_path: str, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "MapSetup"
        self.image_path = script_json(image_path)
        self.bounds = script_json(bounds)


class AreaLayer(_ScriptElement):
    """A GeoJSON area layer drawn by ``L.partnerAreas`` (geo/js/areas.js)."""

    fetchable = ("data",)  # see fetch_large_data

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this.library }}
var {{ this.get_name() }} = L.partnerAreas({{ this.data }}, {{ this.options }})\
.addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, geojson: str, options: dict[str, object]) -> None:
        super().__init__()
        self._name = "PartnerAreas"
        self.library = _js("fetch.js") + _js("areas.js")
        self.data = geojson
        self.options = script_json(options)


class Legend(_ScriptElement):
    """A legend control drawn by ``L.partnerLegend`` (geo/js/areas.js) from a spec:
    title, colors, labels, optional noDataColor/noDataLabel, position."""

    _template = Template(
        """{% macro script(this, kwargs) %}
L.partnerLegend({{ this.spec }}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, spec: dict[str, object]) -> None:
        super().__init__()
        self._name = "PartnerLegend"
        self.spec = script_json(spec)


class ImageExport(_ScriptElement):
    """The "Save as image (PNG)" button drawn by ``L.partnerImageExport``
    (geo/js/export.js), with the html-to-image script it needs."""

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this.library }}
L.partnerImageExport({{ this.spec }}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, spec: Mapping[str, object], asset_base_url: str) -> None:
        super().__init__()
        self._name = "PartnerImageExport"
        self.library = _js("export.js")
        self.spec = script_json(spec)
        # Read by folium's page render (below) and by pages._ui.map_spec (st_folium's js_links).
        self.default_js = export_js_links(asset_base_url)

    def render(self, **kwargs: object) -> None:  # type: ignore[override]  # as _ScriptElement
        figure = self.get_root()
        if isinstance(figure, Figure):
            for name, url in self.default_js:
                figure.header.add_child(JavascriptLink(url), name=name)
        super().render(**kwargs)


class PlaceLabels(_ScriptElement):
    """Place names drawn by ``L.partnerLabels`` (geo/js/labels.js) from a payload of
    names and label points (see :func:`geo.maps.choropleth.add_place_labels`)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this.library }}
L.partnerLabels({{ this.data }}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, payload: dict[str, object]) -> None:
        super().__init__()
        self._name = "PartnerLabels"
        self.library = _js("labels.js")
        self.data = script_json(payload)


class SitesLayer(_ScriptElement):
    """Sites drawn and clustered on a canvas by ``L.partnerSites`` (geo/js/sites.js):
    ``points`` (JSON: scale, lat, lon, ids) and ``details`` (JSON: the popup fields)."""

    fetchable = ("data", "details")  # see fetch_large_data

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this.library }}
var {{ this.get_name() }} = L.partnerSites({{ this.data }}, {{ this.details }}, \
{{ this.options }}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, points: str, details: str, options: dict[str, object]) -> None:
        super().__init__()
        self._name = "PartnerSites"
        self.library = _js("fetch.js") + _js("sites.js")
        self.data = points
        self.details = details
        self.options = script_json(options)


class PairsLayer(_ScriptElement):
    """Pairs of sites joined by a line, drawn by ``L.partnerPairs`` (geo/js/pairs.js)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this.library }}
var {{ this.get_name() }} = L.partnerPairs({{ this.data }}, {})\
.addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, payload: str) -> None:
        super().__init__()
        self._name = "PartnerPairs"
        self.library = _js("pairs.js")
        self.data = payload


# Below this size a layer's data stays in the map's script (a fetch costs a round trip).
FETCH_MIN_BYTES = 64_000


def fetch_large_data(root: Element, publish: Callable[[bytes], str], *,
                     min_bytes: int = FETCH_MIN_BYTES) -> list[str]:
    """Take every layer's data of ``min_bytes`` or more out of the map's script: each is
    handed to ``publish`` (the JSON text as UTF-8, the same for every viewer of the same
    map), which returns the URL it is served at, and the layer gets ``{"url": ...}``
    instead and fetches it: areas and sites when the map starts, the sites' popup fields
    at the first click on a site. Returns the URLs, in map order.

    Why: in a Streamlit page the map's script is copied five times on its way into the
    map's frame (JSON, protobuf, the websocket, a message to the frame, a script
    element) and then parsed as JavaScript; a fetched JSON file is read once
    (bench/README.md). Maps written to a file keep their data inline."""
    urls: list[str] = []
    for elem in walk(root):
        for attr in getattr(elem, "fetchable", ()):
            text = getattr(elem, attr)
            if len(text) >= min_bytes:
                url = publish(text.encode("utf-8"))
                setattr(elem, attr, script_json({"url": url}))
                urls.append(url)
    return urls


def walk(root: Element) -> Iterator[Element]:
    """``root`` and every element below it, breadth first (the order the map's script
    lists them)."""
    todo: list[Element] = [root]
    while todo:
        elem = todo.pop(0)
        yield elem
        todo.extend(getattr(elem, "_children", {}).values())
