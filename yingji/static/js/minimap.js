/* A small map of one place on a detail page: <div data-mini-map data-geometry=ID data-config=ID>. */
(function () {
  "use strict";
  var M = window.YingjiMap;
  if (!M || typeof L === "undefined") return;

  document.querySelectorAll("[data-mini-map]").forEach(function (el) {
    var geometry = M.readJson(el.getAttribute("data-geometry"));
    var config = M.readJson(el.getAttribute("data-config")) || {};
    if (!geometry) return;
    var map = L.map(el, { scrollWheelZoom: false, attributionControl: true });
    map.attributionControl.setPrefix(false);
    M.addBaseLayers(map, config);
    L.control.scale({ imperial: false }).addTo(map);
    if (geometry.type === "Point") {
      var ll = [geometry.coordinates[1], geometry.coordinates[0]];
      L.circleMarker(ll, { radius: 8, color: "#fff", weight: 2, fillColor: M.colors.district, fillOpacity: 1 }).addTo(map);
      map.setView(ll, 14);
    } else {
      // A line (a road section) is drawn thick enough to see; an outline thin and filled.
      var isLine = /LineString$/.test(geometry.type);
      var layer = L.geoJSON(geometry, {
        style: { color: M.colors.district, weight: isLine ? 5 : 2, fillColor: M.colors.district, fillOpacity: 0.08, className: "yingji-boundary" }
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [12, 12] });
    }
    el.setAttribute("data-map-ready", "true");
  });
})();
