/* Partner Map place names: state names, and county names once zoomed in, drawn on a
 * canvas of their own from the bundled boundary layers (no tiles, works offline).
 *
 * data: {states: {names, short, lat, lon}, counties: {names, lat, lon}, countyZoom}.
 * Each place has one label point (inside its largest part, see
 * geo/maps/choropleth.py place_labels), places are listed largest first, and a label that
 * would overlap one already drawn is left out (a state then tries its postal code), so
 * the big places keep their names when zoomed out. Names are drawn with fillText only.
 * The canvas lets every pointer event through, so the areas below stay clickable.
 *
 * Testing hook: the canvas carries data-count (labels drawn) and data-names (the names
 * drawn, "|"-separated) after each draw.
 */
(function () {
  if (window.L === undefined || L.partnerLabels) { return; }

  var FONT = "Helvetica, Arial, sans-serif";

  L.PartnerLabels = L.Layer.extend({
    options: {pane: "partnerLabels", countyZoom: 6.5},

    initialize: function (data, options) {
      L.setOptions(this, options);
      this._states = data.states || {names: [], lat: [], lon: []};
      this._counties = data.counties || {names: [], lat: [], lon: []};
      if (data.countyZoom !== undefined) { this.options.countyZoom = data.countyZoom; }
    },

    onAdd: function (map) {
      var pane = map.getPane(this.options.pane) || map.createPane(this.options.pane);
      pane.style.zIndex = 450;  // above the areas (400), below tooltips and popups
      pane.style.pointerEvents = "none";
      this._canvas = L.DomUtil.create("canvas", "partner-labels", pane);
      this._canvas.style.pointerEvents = "none";
      map.on("zoomstart", this._hide, this);
      map.on("moveend zoomend resize viewreset", this._draw, this);
      this._draw();
    },

    onRemove: function (map) {
      map.off("zoomstart", this._hide, this);
      map.off("moveend zoomend resize viewreset", this._draw, this);
      L.DomUtil.remove(this._canvas);
      this._canvas = null;
    },

    _hide: function () { if (this._canvas) { this._canvas.style.visibility = "hidden"; } },

    _draw: function () {
      var map = this._map, canvas = this._canvas;
      if (!map || !canvas) { return; }
      var size = map.getSize(), ratio = Math.max(1, window.devicePixelRatio || 1);
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      canvas.width = Math.round(size.x * ratio);
      canvas.height = Math.round(size.y * ratio);
      canvas.style.width = size.x + "px";
      canvas.style.height = size.y + "px";
      var ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.lineJoin = "round";
      var taken = [], drawn = [];
      var view = map.getBounds().pad(0.05);

      function free(box) {
        for (var i = 0; i < taken.length; i++) {
          var t = taken[i];
          if (box[0] < t[2] && t[0] < box[2] && box[1] < t[3] && t[1] < box[3]) { return false; }
        }
        return true;
      }

      function place(texts, lat, lon, style) {
        if (!view.contains([lat, lon])) { return; }
        var p = map.latLngToContainerPoint([lat, lon]);
        ctx.font = style.font;
        for (var k = 0; k < texts.length; k++) {
          var text = texts[k];
          if (!text) { continue; }
          var half = ctx.measureText(text).width / 2 + 3, tall = style.size / 2 + 2;
          var box = [p.x - half, p.y - tall, p.x + half, p.y + tall];
          if (box[2] < 0 || box[0] > size.x || box[3] < 0 || box[1] > size.y || !free(box)) { continue; }
          taken.push(box);
          ctx.lineWidth = 3;
          ctx.strokeStyle = "rgba(255,255,255,0.9)";
          ctx.strokeText(text, p.x, p.y);
          ctx.fillStyle = style.color;
          ctx.fillText(text, p.x, p.y);
          drawn.push(text);
          return;
        }
      }

      var zoom = map.getZoom(), s = this._states, c = this._counties;
      var counties = zoom >= this.options.countyZoom;
      var stateStyle = counties ? {font: "bold 13px " + FONT, size: 13, color: "#263238"}
                                : {font: "bold 12px " + FONT, size: 12, color: "#263238"};
      for (var i = 0; i < s.names.length; i++) {
        place([s.names[i], s.short ? s.short[i] : null], s.lat[i], s.lon[i], stateStyle);
      }
      if (counties) {
        var countyStyle = {font: "11px " + FONT, size: 11, color: "#37474f"};
        for (var j = 0; j < c.names.length; j++) { place([c.names[j]], c.lat[j], c.lon[j], countyStyle); }
      }
      canvas.setAttribute("data-count", drawn.length);
      canvas.setAttribute("data-names", drawn.join("|"));
      canvas.style.visibility = "visible";
    }
  });

  L.partnerLabels = function (data, options) { return new L.PartnerLabels(data, options); };
})();
