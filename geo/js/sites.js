/* Partner Map sites layer: many points on one canvas, clustered in the browser.
 *
 * Why: one Leaflet marker per site is unusable beyond a few thousand sites. This
 * layer takes compact arrays (delta-encoded integer coordinates, dictionary-encoded
 * attributes), bins the points into a pixel grid for the current zoom (cached per
 * zoom, so zooming back is free), and draws clusters or single points on one canvas.
 * Zooming and panning never ask the server for anything.
 *
 * In the app the arrays are too big to travel inside the map's script (it is copied
 * several times on its way into the map's frame): the points come as {url} and are
 * fetched when the map starts, the popup fields as {url} fetched at the first click on
 * a site (geo.maps.elements.fetch_large_data). Inline arrays work as well (downloads).
 *
 * Clicks: a cluster zooms in to its members; a single site opens a popup built with
 * textContent (never innerHTML, so names cannot inject markup) and fires "click" on
 * the layer with `layer.toGeoJSON()` returning the site as a GeoJSON Feature, which
 * streamlit-folium reports as `last_active_drawing`. The canvas lets pointer events
 * through (so districts underneath stay clickable); a click on a drawn marker is
 * caught in the capture phase and stopped, so it never also selects the district
 * under the marker.
 *
 * Testing hook: the canvas carries data-clusters (clusters drawn), data-points
 * (single sites drawn) and data-sites (sites represented in view) after each draw.
 */
(function () {
  if (window.L === undefined || L.PartnerSites) { return; }
  var fetchJSON = L.partnerFetchJSON;

  function decodeDeltas(arr) {
    var out = new Float64Array(arr.length), acc = 0;
    for (var i = 0; i < arr.length; i++) { acc += arr[i]; out[i] = acc; }
    return out;
  }

  L.PartnerSites = L.Layer.extend({
    options: {
      pane: "partnerSites",
      cellSize: 72,          // grid cell in screen pixels
      singleZoom: 12,        // from this zoom on, every site is drawn on its own
      color: "#1f6feb",
      clusterColor: "#0b4fb3",
      pointRadius: 5,
      maxListed: 12          // sites listed in a popup for co-located points
    },

    // data: {scale, lat, lon, ids} or {url} to fetch it from; details: the popup fields
    // ([{key, label, values, codes}]) or {url}, fetched at the first click on a site.
    initialize: function (data, details, options) {
      L.setOptions(this, options);
      this._n = 0;
      this._byZoom = {};
      this._drawn = [];
      this._details = details || data.fields || [];
      if (data.url) {
        var self = this;
        fetchJSON(data.url, function (points) {
          self._setPoints(points);
          self._redraw();
        }).catch(function (err) { self._failed(err); });
      } else {
        this._setPoints(data);
      }
    },

    _setPoints: function (data) {
      var scale = data.scale || 100000;
      var lat = decodeDeltas(data.lat), lon = decodeDeltas(data.lon);
      var n = lat.length;
      this._ids = data.ids || null;
      this._lat = new Float64Array(n);
      this._lon = new Float64Array(n);
      // Normalised Web Mercator (0..1), so pixel = norm * 256 * 2^zoom.
      this._mx = new Float64Array(n);
      this._my = new Float64Array(n);
      for (var i = 0; i < n; i++) {
        var la = lat[i] / scale, lo = lon[i] / scale;
        this._lat[i] = la; this._lon[i] = lo;
        var s = Math.sin(Math.max(-85.0511, Math.min(85.0511, la)) * Math.PI / 180);
        this._mx[i] = (lo + 180) / 360;
        this._my[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
      }
      this._byZoom = {};
      this._n = n;
    },

    _failed: function (err) {
      if (window.console) { console.error("partner sites:", err); }
      if (this._canvas) { this._canvas.setAttribute("data-error", String(err)); }
    },

    // The popup fields, fetched once when they were left out of the page.
    _withDetails: function () {
      var self = this;
      if (Array.isArray(this._details)) { return Promise.resolve(this._details); }
      if (!this._detailsLoading) {
        this._detailsLoading = fetchJSON(this._details.url, function (fields) {
          self._details = fields;
          return fields;
        });
      }
      return this._detailsLoading;
    },

    onAdd: function (map) {
      if (!map.getPane(this.options.pane)) {
        var pane = map.createPane(this.options.pane);
        pane.style.zIndex = 450;          // above polygons (400), below popups
        pane.style.pointerEvents = "none"; // clicks reach the polygons underneath
      }
      this._canvas = L.DomUtil.create("canvas", "partner-sites-layer");
      this._canvas.style.pointerEvents = "none";
      map.getPane(this.options.pane).appendChild(this._canvas);
      map.on("moveend resize", this._redraw, this);
      map.on("zoomstart", this._hide, this);
      this._captureClick = L.Util.bind(this._onDomClick, this);
      map.getContainer().addEventListener("click", this._captureClick, true);
      map.on("mousemove", this._onMove, this);
      this._redraw();
    },

    onRemove: function (map) {
      map.off("moveend resize", this._redraw, this);
      map.off("zoomstart", this._hide, this);
      map.getContainer().removeEventListener("click", this._captureClick, true);
      map.off("mousemove", this._onMove, this);
      L.DomUtil.remove(this._canvas);
      this._canvas = null;
    },

    _hide: function () { if (this._canvas) { this._canvas.style.visibility = "hidden"; } },

    // Clusters for one zoom level: the grid is anchored to the world, not the view,
    // so panning never reshuffles them. A second pass merges neighbouring clusters
    // whose circles would overlap (centroids near a shared cell edge).
    _clusters: function (zoom) {
      if (this._byZoom[zoom] !== undefined) { return this._byZoom[zoom]; }
      var world = 256 * Math.pow(2, zoom), cell = this.options.cellSize;
      var single = zoom >= this.options.singleZoom, maxListed = this.options.maxListed;
      var cols = Math.ceil(world / cell) + 1, index = new Map(), list = [];
      for (var i = 0; i < this._n; i++) {
        var x = this._mx[i] * world, y = this._my[i] * world;
        // At single-site zooms only sites on the same pixel share a "cluster".
        var key = single ? Math.round(x) * (world + 1) + Math.round(y)
                         : Math.floor(x / cell) * cols + Math.floor(y / cell);
        var c = index.get(key);
        if (c === undefined) {
          c = {x: 0, y: 0, n: 0, first: i, members: [], cx: Math.floor(x / cell), cy: Math.floor(y / cell),
               minX: x, maxX: x, minY: y, maxY: y, gone: false};
          index.set(key, c);
          list.push(c);
        }
        c.x += x; c.y += y; c.n += 1;
        if (c.members.length < maxListed) { c.members.push(i); }
        if (x < c.minX) { c.minX = x; }
        if (x > c.maxX) { c.maxX = x; }
        if (y < c.minY) { c.minY = y; }
        if (y > c.maxY) { c.maxY = y; }
      }
      for (var j = 0; j < list.length; j++) { list[j].x /= list[j].n; list[j].y /= list[j].n; }
      if (!single) { list = this._mergeOverlapping(list, cols); }
      this._byZoom[zoom] = list;
      return list;
    },

    _mergeOverlapping: function (list, cols) {
      var byCell = new Map();
      list.forEach(function (c) { byCell.set(c.cx * cols + c.cy, c); });
      var ordered = list.slice().sort(function (a, b) { return b.n - a.n; });
      for (var i = 0; i < ordered.length; i++) {
        var a = ordered[i];
        if (a.gone) { continue; }
        for (var dx = -1; dx <= 1; dx++) {
          for (var dy = -1; dy <= 1; dy++) {
            if (dx === 0 && dy === 0) { continue; }
            var b = byCell.get((a.cx + dx) * cols + (a.cy + dy));
            if (b === undefined || b.gone || b === a) { continue; }
            var ddx = a.x - b.x, ddy = a.y - b.y;
            if (Math.sqrt(ddx * ddx + ddy * ddy) >= this._radius(a) + this._radius(b)) { continue; }
            var n = a.n + b.n;
            a.x = (a.x * a.n + b.x * b.n) / n;
            a.y = (a.y * a.n + b.y * b.n) / n;
            a.n = n;
            a.members = a.members.concat(b.members).slice(0, this.options.maxListed);
            a.minX = Math.min(a.minX, b.minX); a.maxX = Math.max(a.maxX, b.maxX);
            a.minY = Math.min(a.minY, b.minY); a.maxY = Math.max(a.maxY, b.maxY);
            b.gone = true;
          }
        }
      }
      return list.filter(function (c) { return !c.gone; });
    },

    _radius: function (c) {
      return c.n === 1 ? this.options.pointRadius : Math.min(26, 9 + 4 * Math.log10(c.n));
    },

    _redraw: function () {
      var map = this._map;
      if (!map || !this._canvas || !this._lat) { return; }
      var size = map.getSize(), ratio = window.devicePixelRatio || 1;
      var topLeft = map.containerPointToLayerPoint([0, 0]);
      var canvas = this._canvas;
      L.DomUtil.setPosition(canvas, topLeft);
      canvas.width = Math.round(size.x * ratio);
      canvas.height = Math.round(size.y * ratio);
      canvas.style.width = size.x + "px";
      canvas.style.height = size.y + "px";
      var ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, size.x, size.y);

      var zoom = map.getZoom(), origin = map.getPixelBounds().min;
      var list = this._clusters(zoom), drawn = [], nClusters = 0, nPoints = 0, nSites = 0;
      var margin = 32;
      ctx.font = "bold 11px sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      for (var i = 0; i < list.length; i++) {
        var c = list[i], px = c.x - origin.x, py = c.y - origin.y;
        if (px < -margin || py < -margin || px > size.x + margin || py > size.y + margin) { continue; }
        var r = this._radius(c);
        drawn.push({c: c, px: px, py: py, r: r});
        nSites += c.n;
        ctx.beginPath();
        ctx.arc(px, py, r, 0, 2 * Math.PI);
        if (c.n === 1) {
          nPoints += 1;
          ctx.fillStyle = this.options.color;
          ctx.fill();
          ctx.lineWidth = 1.5; ctx.strokeStyle = "#ffffff"; ctx.stroke();
        } else {
          nClusters += 1;
          ctx.fillStyle = "rgba(11, 79, 179, 0.82)";
          ctx.fill();
          ctx.lineWidth = 2; ctx.strokeStyle = "rgba(255, 255, 255, 0.9)"; ctx.stroke();
          ctx.fillStyle = "#ffffff";
          ctx.fillText(c.n >= 10000 ? Math.round(c.n / 1000) + "k" : String(c.n), px, py);
        }
      }
      this._drawn = drawn;
      canvas.setAttribute("data-clusters", String(nClusters));
      canvas.setAttribute("data-points", String(nPoints));
      canvas.setAttribute("data-sites", String(nSites));
      canvas.style.visibility = "visible";
    },

    _hit: function (containerPoint) {
      var best = null, bestD = Infinity;
      for (var i = 0; i < this._drawn.length; i++) {
        var d = this._drawn[i], dx = d.px - containerPoint.x, dy = d.py - containerPoint.y;
        var dist = Math.sqrt(dx * dx + dy * dy);
        if (dist <= d.r + 3 && dist < bestD) { best = d; bestD = dist; }
      }
      return best;
    },

    _onMove: function (e) {
      var hit = this._hit(e.containerPoint);
      this._map.getContainer().style.cursor = hit ? "pointer" : "";
    },

    _properties: function (i) {
      var props = {};
      if (this._ids) { props.site_id = this._ids[i]; }
      for (var f = 0; f < this._details.length; f++) {
        var fld = this._details[f];
        props[fld.key] = fld.codes ? fld.values[fld.codes[i]] : fld.values[i];
      }
      return props;
    },

    _popupContent: function (members, total) {
      var root = document.createElement("div");
      root.className = "partner-sites-popup";
      for (var m = 0; m < members.length; m++) {
        var i = members[m], block = document.createElement("div");
        if (m > 0) { block.style.borderTop = "1px solid #ddd"; block.style.marginTop = "4px"; block.style.paddingTop = "4px"; }
        for (var f = 0; f < this._details.length; f++) {
          var fld = this._details[f];
          var value = fld.codes ? fld.values[fld.codes[i]] : fld.values[i];
          if (value === null || value === undefined || value === "") { continue; }
          var line = document.createElement("div");
          var label = document.createElement("b");
          label.textContent = fld.label + ": ";
          line.appendChild(label);
          line.appendChild(document.createTextNode(String(value)));
          block.appendChild(line);
        }
        root.appendChild(block);
      }
      if (total > members.length) {
        var more = document.createElement("div");
        more.textContent = "… and " + (total - members.length) + " more sites here";
        root.appendChild(more);
      }
      return root;
    },

    _onDomClick: function (ev) {
      var map = this._map;
      if (!map || (map.dragging && map.dragging.moved())) { return; }
      var target = ev.target;
      if (target && target.closest && target.closest(".leaflet-popup, .leaflet-control")) { return; }
      var hit = this._hit(map.mouseEventToContainerPoint(ev));
      if (!hit) { return; }
      ev.stopPropagation();
      ev.preventDefault();
      this._onHit(hit);
    },

    _onHit: function (hit) {
      var map = this._map, c = hit.c, zoom = map.getZoom();
      var spread = (c.maxX - c.minX) + (c.maxY - c.minY);
      if (c.n > 1 && spread > 0.5 && zoom < map.getMaxZoom()) {
        var sw = map.unproject([c.minX, c.maxY], zoom), ne = map.unproject([c.maxX, c.minY], zoom);
        map.fitBounds(L.latLngBounds(sw, ne).pad(0.15), {maxZoom: map.getMaxZoom()});
        return;
      }
      var first = c.first, latlng = L.latLng(this._lat[first], this._lon[first]);
      var members = c.members || [first], self = this;
      this._withDetails().then(function () {
        if (self._map !== map) { return; }
        L.popup({maxWidth: 320}).setLatLng(latlng)
          .setContent(self._popupContent(members, c.n)).openOn(map);
        var feature = {
          type: "Feature",
          geometry: {type: "Point", coordinates: [self._lon[first], self._lat[first]]},
          properties: self._properties(first)
        };
        self.fire("click", {latlng: latlng, layer: {toGeoJSON: function () { return feature; }}});
      }, function (err) {
        L.popup({maxWidth: 320}).setLatLng(latlng)
          .setContent("The details of this site could not be loaded: reload the page.").openOn(map);
        self._failed(err);
      });
    }
  });

  L.partnerSites = function (data, details, options) {
    return new L.PartnerSites(data, details, options);
  };
})();
