/* Partner Map: fetching a layer's data that was left out of the map's script
 * (geo.maps.elements.fetch_large_data).
 *
 * L.partnerFetchJSON(url, use): fetch url as JSON and hand it to use(data); returns
 * the promise of use's result (rejected with the HTTP status when it fails). A URL
 * ending in ".gz" is gzip-compressed JSON, unpacked here (the app compresses each
 * layer once, pages/_mapview.py).
 *
 * Testing hook: window.partnerPending counts the fetches whose data is not drawn yet;
 * the count goes down in the animation frame after use() ran, after Leaflet's own
 * redraw, so a map whose count is 0 shows everything it has fetched.
 */
(function () {
  if (window.L === undefined || L.partnerFetchJSON) { return; }
  window.partnerPending = window.partnerPending || 0;
  L.partnerFetchJSON = function (url, use) {
    window.partnerPending += 1;
    function done() {
      L.Util.requestAnimFrame(function () { window.partnerPending -= 1; });
    }
    return fetch(url, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error(url + ": HTTP " + r.status); }
      if (!/\.gz$/.test(url)) { return r.json(); }
      return new Response(r.body.pipeThrough(new DecompressionStream("gzip"))).json();
    }).then(use).then(function (result) { done(); return result; },
                      function (err) { done(); throw err; });
  };
})();
