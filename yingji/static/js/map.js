/* The map page (S2 一张图): district, township and functional-zone layers from
   GET {layersUrl}?level=district|township|zone — a GeoJSON FeatureCollection whose
   features carry properties {id, code, name, level, label: [lon, lat], is_synthetic}.
   When the districts are drawn, the map element gets data-district-count="N". */
(function () {
  "use strict";
  var M = window.YingjiMap;
  var el = document.getElementById("map");
  if (!M || !el || typeof L === "undefined") return;

  var config = M.readJson("map-config") || {};
  var T = M.readJson("map-labels") || {};
  var status = document.querySelector("[data-map-status]");
  var TOWNSHIP_LABEL_ZOOM = 11;

  var map = L.map(el, { center: config.center || [36.65, 117.12], zoom: config.zoom || 8, minZoom: 5, maxZoom: 18 });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" title="Leaflet">Leaflet</a>');
  var baseLayers = M.addBaseLayers(map, config, T);
  L.control.scale({ imperial: false, maxWidth: 160 }).addTo(map);
  new M.CoordsControl({ lonLabel: T.lon, latLabel: T.lat }).addTo(map);

  // Panes: townships under zones under district outlines, so borders stay readable.
  [["yingji-districts", 400], ["yingji-townships", 410], ["yingji-zones", 415], ["yingji-district-outline", 420]].forEach(function (p) {
    map.createPane(p[0]).style.zIndex = p[1];
  });

  function regionUrl(id) {
    return (config.regionUrl || "").replace(/\/0\/$/, "/" + encodeURIComponent(id) + "/");
  }

  function popup(props) {
    var level = (T.levels && T.levels[props.level]) || props.level;
    var html = '<div class="region-popup"><strong>' + M.escapeHtml(props.name) + "</strong>";
    if (props.is_synthetic) html += ' <span class="tag tag-warn">' + M.escapeHtml(T.synthetic) + "</span>";
    html += "<br>" + M.escapeHtml(T.code) + "：" + M.escapeHtml(props.code);
    html += "<br>" + M.escapeHtml(T.level) + "：" + M.escapeHtml(level);
    if (props.is_synthetic) html += '<br><span class="muted">' + M.escapeHtml(T.syntheticNote) + "</span>";
    html += '<br><a href="' + M.escapeHtml(regionUrl(props.id)) + '">' + M.escapeHtml(T.details) + "</a></div>";
    return html;
  }

  function labelsFor(data, level) {
    var group = L.layerGroup();
    data.features.forEach(function (f) {
      var p = f.properties || {};
      if (!p.label || p.label.length !== 2) return;
      L.tooltip({ permanent: true, direction: "center", interactive: false, opacity: 1, className: "region-label region-label-" + level })
        .setLatLng([p.label[1], p.label[0]])
        .setContent(M.escapeHtml(p.name))
        .addTo(group);
    });
    return group;
  }

  var styles = {
    district: function () {
      return { pane: "yingji-districts", color: M.colors.district, weight: 0, fillColor: M.colors.district, fillOpacity: 0.05, className: "yingji-district" };
    },
    township: function (f) {
      var synthetic = f.properties && f.properties.is_synthetic;
      return {
        pane: "yingji-townships", color: M.colors.township, weight: 1, opacity: 0.8,
        fillColor: M.colors.township, fillOpacity: 0.03, dashArray: synthetic ? "5 4" : null,
        className: "yingji-township" + (synthetic ? " yingji-synthetic" : "")
      };
    },
    zone: function (f) {
      var synthetic = f.properties && f.properties.is_synthetic;
      return {
        pane: "yingji-zones", color: M.colors.zone, weight: 2, dashArray: synthetic ? "5 4" : "8 4",
        fillColor: M.colors.zone, fillOpacity: 0.08, className: "yingji-zone" + (synthetic ? " yingji-synthetic" : "")
      };
    }
  };

  // Each overlay is a group that is filled once its data has arrived.
  var overlays = {
    district: L.featureGroup(),
    township: L.featureGroup(),
    zone: L.featureGroup()
  };
  var loaded = {};
  var townshipLabels = null;

  function setStatus(text, isError) {
    if (!status) return;
    status.textContent = text || "";
    status.classList.toggle("is-error", !!isError);
  }

  function load(level) {
    if (loaded[level]) return loaded[level];
    var url = config.layersUrl + "?level=" + encodeURIComponent(level);
    loaded[level] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (data) {
        var features = (data && data.features) || [];
        var layer = L.geoJSON(data, {
          style: styles[level],
          onEachFeature: function (f, l) { l.bindPopup(popup(f.properties || {})); }
        });
        overlays[level].addLayer(layer);
        if (level === "district") {
          overlays.district.addLayer(L.geoJSON(data, {
            pane: "yingji-district-outline", interactive: false,
            style: { color: M.colors.district, weight: 2.2, fill: false, className: "yingji-district-outline" }
          }));
          overlays.district.addLayer(labelsFor(data, "district"));
          if (features.length) map.fitBounds(layer.getBounds(), { padding: [10, 10] });
          el.setAttribute("data-district-count", String(features.length));
        } else if (level === "zone") {
          overlays.zone.addLayer(labelsFor(data, "zone"));
        } else if (level === "township") {
          townshipLabels = labelsFor(data, "township");
          el.setAttribute("data-township-count", String(features.length));
          updateTownshipLabels();
        }
        el.setAttribute("data-loaded-" + level, "true");
        return features.length;
      })
      .catch(function (err) {
        delete loaded[level];
        setStatus(T.loadFailed + "（" + ((T.levels && T.levels[level]) || level) + "，" + err.message + "）", true);
        el.setAttribute("data-load-error", level);
        throw err;
      });
    return loaded[level];
  }

  function updateTownshipLabels() {
    if (!townshipLabels) return;
    var show = map.hasLayer(overlays.township) && map.getZoom() >= TOWNSHIP_LABEL_ZOOM;
    if (show && !map.hasLayer(townshipLabels)) townshipLabels.addTo(map);
    else if (!show && map.hasLayer(townshipLabels)) map.removeLayer(townshipLabels);
  }

  overlays.district.addTo(map);
  overlays.township.addTo(map);
  var overlayNames = {};
  overlayNames[T.districts] = overlays.district;
  overlayNames[T.townships] = overlays.township;
  overlayNames[T.zones] = overlays.zone; // off by default
  L.control.layers(baseLayers, overlayNames, { collapsed: window.matchMedia("(max-width: 900px)").matches }).addTo(map);

  function updateZoomClass() {
    el.classList.toggle("map-zoom-low", map.getZoom() < 9);
  }
  map.on("zoomend", function () { updateZoomClass(); updateTownshipLabels(); });
  updateZoomClass();
  map.on("overlayadd overlayremove", function (e) {
    if (e.layer === overlays.zone && e.type === "overlayadd") load("zone").catch(function () {});
    updateTownshipLabels();
  });

  setStatus(T.loading);
  Promise.all([load("district"), load("township")])
    .then(function (counts) {
      if (!counts[0]) setStatus(T.noData, true);
      else setStatus(T.loadedSummary.replace("{districts}", counts[0]).replace("{townships}", counts[1]));
      el.setAttribute("data-map-ready", "true");
    })
    .catch(function () { el.setAttribute("data-map-ready", "error"); });
})();
