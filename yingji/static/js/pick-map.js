/* A small map that places a record's point: a click (or dragging the pin) fills the
   lon/lat inputs; typing in them moves the pin. <div data-pick-map data-config=ID data-point=ID>
   inside a form with inputs [data-lon] and [data-lat]. */
(function () {
  "use strict";
  var M = window.YingjiMap;
  if (!M || typeof L === "undefined") return;

  document.querySelectorAll("[data-pick-map]").forEach(function (el) {
    var form = el.closest("form");
    var lonInput = form.querySelector("[data-lon]");
    var latInput = form.querySelector("[data-lat]");
    var crsInput = form.querySelector("select[name=source_crs]");
    var config = M.readJson(el.getAttribute("data-config")) || {};
    var point = M.readJson(el.getAttribute("data-point"));
    // settings.YINGJI_MAP_CENTER is [lat, lon], as Leaflet takes it.
    var map = L.map(el, { scrollWheelZoom: false }).setView(config.center || [36.65, 117.12], config.zoom || 9);
    map.attributionControl.setPrefix(false);
    M.addBaseLayers(map, config);
    L.control.scale({ imperial: false }).addTo(map);
    map.addControl(new M.CoordsControl());
    var pin = null;

    function show(lat, lon, centre) {
      if (!pin) {
        pin = L.marker([lat, lon], { draggable: true, keyboard: true }).addTo(map);
        pin.on("dragend", function () {
          var ll = pin.getLatLng();
          fill(ll.lat, ll.lng);
        });
      } else {
        pin.setLatLng([lat, lon]);
      }
      if (centre) map.setView([lat, lon], Math.max(map.getZoom(), 14));
      el.setAttribute("data-pinned", "true");
    }

    function fill(lat, lon) {
      lonInput.value = lon.toFixed(6);
      latInput.value = lat.toFixed(6);
      // A point picked on the map is WGS84 (the base map's datum).
      if (crsInput) crsInput.value = "wgs84";
      [lonInput, latInput].forEach(function (input) {
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }

    function fromInputs() {
      var lon = parseFloat(lonInput.value);
      var lat = parseFloat(latInput.value);
      if (isFinite(lon) && isFinite(lat) && Math.abs(lon) <= 180 && Math.abs(lat) <= 90) show(lat, lon, true);
    }

    map.on("click", function (e) {
      fill(e.latlng.lat, e.latlng.lng);
      show(e.latlng.lat, e.latlng.lng, false);
    });
    lonInput.addEventListener("input", fromInputs);
    latInput.addEventListener("input", fromInputs);

    function ready() { el.setAttribute("data-map-ready", "true"); }
    if (config.layersUrl) {
      fetch(config.layersUrl + "?level=district", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data) L.geoJSON(data, { style: { color: M.colors.district, weight: 1, fill: false }, interactive: false }).addTo(map);
          ready();
        })
        .catch(ready);
    } else {
      ready();
    }
    if (lonInput.value && latInput.value) fromInputs();
    else if (point) show(point.coordinates[1], point.coordinates[0], true);
  });
})();
