/* Partner Map site pairs: two sites of different partners joined by a line.
 *
 * data: {pairs: [[latA, lonA, latB, lonB, tooltipA, tooltipB, label], ...], selected: i or -1}
 * Drawn as plain Leaflet vectors on the map's renderer; every tooltip is built with
 * textContent (the texts are partner and site names). The selected pair is drawn in
 * red, thicker and on top.
 */
(function () {
  if (window.L === undefined || L.partnerPairs) { return; }

  function tip(text) {
    var div = document.createElement("div");
    div.style.whiteSpace = "pre-line";
    div.textContent = text;
    return div;
  }

  L.partnerPairs = function (data, opts) {
    opts = opts || {};
    var group = L.featureGroup();
    var color = opts.color || "#e65100", selColor = opts.selectedColor || "#d62728";
    var picked = null;
    data.pairs.forEach(function (p, i) {
      var sel = i === data.selected;
      var c = sel ? selColor : color;
      var parts = [
        L.polyline([[p[0], p[1]], [p[2], p[3]]], {color: c, weight: sel ? 4 : 2, opacity: 0.9}),
        L.circleMarker([p[0], p[1]], {radius: sel ? 7 : 5, color: "#ffffff", weight: 1,
                                      fillColor: c, fillOpacity: 1}),
        L.circleMarker([p[2], p[3]], {radius: sel ? 7 : 5, color: "#ffffff", weight: 1,
                                      fillColor: c, fillOpacity: 1})
      ];
      parts[0].bindTooltip(tip(p[6]), {sticky: true});
      parts[1].bindTooltip(tip(p[4]));
      parts[2].bindTooltip(tip(p[5]));
      var pair = L.featureGroup(parts);
      pair.pairIndex = i;
      if (sel) { picked = pair; } else { group.addLayer(pair); }
    });
    if (picked) { group.addLayer(picked); }
    return group;
  };
})();
