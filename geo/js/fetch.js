/* Partner Map: fetching a layer's data that was left out of the map's script
 * (geo.maps.elements.fetch_large_data).
 *
 * L.partnerFetchJSON(url, use): fetch url as JSON and hand it to use(data); returns
 * the promise of use's result (rejected with the HTTP status when it fails).
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
      return r.json();
    }).then(use).then(function (result) { done(); return result; },
                      function (err) { done(); throw err; });
  };
})();
