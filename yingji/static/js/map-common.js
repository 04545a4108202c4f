/* Shared by the map page and the small maps on detail pages.
   Base map (DESIGN D6): Tianditu vec_w + cva_w when a key is configured, else a
   self-hosted XYZ tile URL when configured, else no tiles at all (plain background):
   nothing is requested from outside unless an administrator configured it. */
(function () {
  "use strict";

  var TIANDITU =
    "//t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0" +
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles" +
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function escapeHtml(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* Returns {name: layer} of base layers (already the first one added to the map), or {}. */
  function addBaseLayers(map, config, labels) {
    labels = labels || {};
    var layers = {};
    if (config.tiandituKey) {
      var opts = { subdomains: "01234567", maxZoom: 18, tk: config.tiandituKey };
      var vec = L.tileLayer(TIANDITU, L.extend({ layer: "vec", attribution: labels.tianditu || "天地图" }, opts));
      var cva = L.tileLayer(TIANDITU, L.extend({ layer: "cva" }, opts));
      var group = L.layerGroup([vec, cva]);
      layers[labels.tiandituVector || "天地图矢量"] = group;
      group.addTo(map);
    } else if (config.tileUrl) {
      var tiles = L.tileLayer(config.tileUrl, { maxZoom: 18, attribution: config.tileAttribution || "" });
      layers[labels.baseMap || "底图"] = tiles;
      tiles.addTo(map);
    }
    return layers;
  }

  var CoordsControl = L.Control.extend({
    options: { position: "bottomleft", lonLabel: "经度", latLabel: "纬度" },
    onAdd: function (map) {
      var div = L.DomUtil.create("div", "coords-readout");
      div.setAttribute("data-coords", "");
      var o = this.options;
      function show(latlng) {
        div.textContent = o.lonLabel + " " + latlng.lng.toFixed(5) + "  " + o.latLabel + " " + latlng.lat.toFixed(5);
      }
      // The pointer's position; on touch screens (no pointer), the centre of the map.
      map.on("mousemove", function (e) { show(e.latlng); });
      map.on("moveend mouseout", function () { show(map.getCenter()); });
      map.whenReady(function () { show(map.getCenter()); });
      return div;
    }
  });

  window.YingjiMap = {
    readJson: readJson,
    escapeHtml: escapeHtml,
    addBaseLayers: addBaseLayers,
    CoordsControl: CoordsControl,
    colors: { district: "#a8161b", township: "#1d4e89", zone: "#7a4fa0" }
  };
})();
