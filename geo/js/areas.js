/* Partner Map area layers: district choropleths, outlines and the legend.
 *
 * Why not folium.GeoJson: folium writes one style entry per feature and its tooltips
 * build HTML from unescaped property values. Here each feature carries only a few short
 * properties (geoid, name, value), the style is looked up from the value with a small
 * bins/colors table, and tooltips and legends are built with textContent.
 *
 * A click on a district reaches streamlit-folium through the L.GeoJSON group: its
 * `last_active_drawing` is the clicked Feature (properties: geoid, name, value) and
 * `last_object_clicked_tooltip` is the tooltip's text.
 */
(function () {
  if (window.L === undefined || L.partnerAreas) { return; }

  function classOf(value, bins) {
    if (value === null || value === undefined || (typeof value === "number" && isNaN(value))) {
      return -1;
    }
    for (var i = 0; i < bins.length; i++) { if (value <= bins[i]) { return i; } }
    return bins.length - 1;
  }

  // Compact payload (see geo/maps/areas.py area_payload) -> GeoJSON FeatureCollection.
  function decode(data) {
    var scale = data.scale, features = [];
    for (var f = 0; f < data.geoms.length; f++) {
      var polygons = data.geoms[f], coords = [];
      for (var p = 0; p < polygons.length; p++) {
        var rings = [];
        for (var r = 0; r < polygons[p].length; r++) {
          var flat = polygons[p][r], x = 0, y = 0, ring = new Array(flat.length / 2 + 1);
          for (var i = 0; i < flat.length; i += 2) {
            x += flat[i]; y += flat[i + 1];
            ring[i / 2] = [x / scale, y / scale];
          }
          ring[ring.length - 1] = ring[0];
          rings.push(ring);
        }
        coords.push(rings);
      }
      var props = {geoid: data.ids[f]};
      if (data.names) { props.name = data.names[f]; }
      if (data.values) { props.value = data.values[f]; }
      features.push({type: "Feature", properties: props,
                     geometry: {type: "MultiPolygon", coordinates: coords}});
    }
    return {type: "FeatureCollection", features: features};
  }

  function formatValue(value, decimals) {
    if (value === null || value === undefined) { return "no data"; }
    if (typeof value !== "number") { return String(value); }
    return value.toLocaleString("en-US", {maximumFractionDigits: decimals, minimumFractionDigits: 0});
  }

  // opts: {bins: [upper edges], colors: [...], noDataColor, color, weight, fillOpacity,
  //        valueLabel, decimals, interactive, renderer: "svg"|"canvas"|undefined}
  L.partnerAreas = function (data, opts) {
    opts = opts || {};
    var bins = opts.bins || [], colors = opts.colors || [];
    var hasValues = bins.length > 0;
    var base = {
      color: opts.color || "#5b6b7a",
      weight: opts.weight === undefined ? 0.5 : opts.weight,
      opacity: opts.opacity === undefined ? 0.8 : opts.opacity,
      fillOpacity: opts.fillOpacity === undefined ? (hasValues ? 0.75 : 0.05) : opts.fillOpacity,
      fill: opts.fill === undefined ? true : opts.fill
    };
    function style(feature) {
      var s = L.extend({}, base);
      if (hasValues) {
        var k = classOf(feature.properties.value, bins);
        s.fillColor = k < 0 ? (opts.noDataColor || "#f0f0f0") : colors[k];
      } else {
        s.fillColor = opts.fillColor || "#9fb3c8";
      }
      return s;
    }
    var layerOpts = {style: style, interactive: opts.interactive !== false};
    if (opts.renderer === "svg") { layerOpts.renderer = L.svg({padding: 0.3}); }
    if (opts.renderer === "canvas") { layerOpts.renderer = L.canvas({padding: 0.3}); }
    if (opts.pane) { layerOpts.pane = opts.pane; }
    // data: the compact payload, a FeatureCollection, or {url} to fetch either from
    // when the map starts (geo.maps.elements.fetch_large_data): the layer is on the map
    // at once, empty, and its areas appear when they arrive.
    var layer = L.geoJSON(data.url ? null : (data.geoms ? decode(data) : data), layerOpts);
    // Shapes drawn as SVG paths would each be a stop of the Tab key, unlabelled and in no
    // useful order (thousands of districts): keep them out of the keyboard order. The
    // tables beside every map list the same places for keyboard and screen-reader users.
    function outOfTabOrder() {
      layer.eachLayer(function (sub) {
        if (sub._path) {
          sub._path.setAttribute("tabindex", "-1");
          sub._path.setAttribute("aria-hidden", "true");
        }
      });
    }
    layer.on("add", outOfTabOrder);
    if (data.url) {
      L.partnerFetchJSON(data.url, function (fetched) {
        layer.addData(fetched.geoms ? decode(fetched) : fetched);
        // Fetched layers are the big base layers (districts): keep them under the
        // outlines and labels the map's script added after them.
        layer.bringToBack();
        outOfTabOrder();
      }).catch(function (err) {
        if (window.console) { console.error("partner areas:", err); }
      });
    }
    if (opts.interactive === false) { return layer; }

    layer.bindTooltip(function (sub) {
      var p = sub.feature.properties, root = document.createElement("div");
      var name = document.createElement("b");
      name.textContent = p.name || p.geoid || "";
      root.appendChild(name);
      if (hasValues || opts.valueLabel) {
        var line = document.createElement("div");
        line.textContent = (opts.valueLabel || "Value") + ": " + formatValue(p.value, opts.decimals || 0);
        root.appendChild(line);
      }
      return root;
    }, {sticky: true});
    layer.on("mouseover", function (e) {
      e.layer.setStyle({weight: Math.max(2, base.weight * 3), color: "#1a1a1a"});
      if (e.layer.bringToFront && !L.Browser.ie) { e.layer.bringToFront(); }
    });
    layer.on("mouseout", function (e) { layer.resetStyle(e.layer); });
    return layer;
  };

  // A legend control: title, one swatch per class, an optional no-data swatch.
  L.partnerLegend = function (spec) {
    var control = L.control({position: spec.position || "bottomright"});
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "partner-legend leaflet-control");
      div.style.cssText = "background:rgba(255,255,255,0.92);padding:6px 8px;border-radius:4px;" +
        "font:12px/1.4 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,0.3);max-width:220px";
      var title = document.createElement("div");
      title.style.fontWeight = "bold";
      title.textContent = spec.title || "";
      div.appendChild(title);
      var rows = spec.labels.map(function (label, i) { return [spec.colors[i], label]; });
      if (spec.noDataLabel) { rows.push([spec.noDataColor || "#f0f0f0", spec.noDataLabel]); }
      rows.forEach(function (row) {
        var line = document.createElement("div");
        var sw = document.createElement("span");
        sw.style.cssText = "display:inline-block;width:14px;height:10px;margin-right:6px;" +
          "border:1px solid #888;vertical-align:middle;background:" + row[0];
        line.appendChild(sw);
        line.appendChild(document.createTextNode(row[1]));
        div.appendChild(line);
      });
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    return control;
  };
})();
