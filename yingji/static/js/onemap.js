/* The one map (应急一张图, S2).

   Data (all same-origin, all through restrict() on the server):
   - regions:  GET {layersUrl}?level=district|township|zone (GeoJSON polygons, SVG);
   - registry: GET {registryUrl} → [{key, count, ...}] (counts in the panel);
   - a layer:  GET {layerUrl with __key__}?<fixed>&<filters> → GeoJSON points, loaded once per
     layer and filter set (the browser revalidates with the ETag), drawn as circle markers on
     one canvas, clustered (Leaflet.markercluster, chunked loading) when large;
   - shapes:   GET {shapesUrl with __key__}?bbox=&zoom=&<fixed>&<filters> → GeoJSON lines and
     polygons of a layer that has them (hasShape), in the view, from its shapeZoom on;
   - search:   the same layer URL with ?q= for every layer;
   - nearest:  GET {nearestUrl}?layer=&lon=&lat=&n=&<filters>;
   - area:     POST {polygonUrl} {layers, polygon, filters, limit}, and the same body to
     {polygonExportUrl} for the .xlsx.
   Layer definitions (label, colour, group, filter options, popup labels) come from the
   `onemap-layers` block, strings from `map-labels` (both written by geo/onemap.html).
   Test hooks: #map[data-map-ready], .layer-row[data-state][data-loaded-count],
   .layer-row[data-shape-state][data-shape-count],
   window.YingjiOneMap. */
(function () {
  "use strict";
  var M = window.YingjiMap;
  var G = window.YingjiGeodesy;
  var el = document.getElementById("map");
  if (!M || !G || !el || typeof L === "undefined") return;

  var config = M.readJson("map-config") || {};
  var T = M.readJson("map-labels") || {};
  var DEFS = M.readJson("onemap-layers") || [];
  var byKey = {};
  DEFS.forEach(function (d) { byKey[d.key] = d; });
  var status = document.querySelector("[data-map-status]");
  var TOWNSHIP_LABEL_ZOOM = 11;
  var DETAIL_ZOOM = 17; // clustering stops here, and "fly to" goes here
  var AREA_LIMIT = 1000;
  var isNarrow = window.matchMedia("(max-width: 900px)");
  var summaryText = "";

  function fmt(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (m, k) {
      return values[k] === undefined ? m : values[k];
    });
  }
  function metres(d) {
    if (d < 1000) return fmt(T.metres, { n: d.toFixed(d < 10 ? 1 : 0) });
    return fmt(T.kilometres, { n: (d / 1000).toFixed(d < 10000 ? 2 : 1) });
  }
  function setStatus(text, isError) {
    if (!status) return;
    status.textContent = text || "";
    status.classList.toggle("is-error", !!isError);
  }
  function getJson(url, options) {
    options = options || {};
    var headers = L.extend({ Accept: "application/json" }, options.headers || {});
    return fetch(url, L.extend({ credentials: "same-origin" }, options, { headers: headers })).then(function (r) {
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          var err = new Error((body && body.message) || "HTTP " + r.status);
          err.status = r.status;
          throw err;
        });
      }
      return r.json();
    });
  }
  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": config.csrfToken || "" },
      body: JSON.stringify(body)
    });
  }

  // --- the map ---------------------------------------------------------------------------
  var map = L.map(el, {
    center: config.center || [36.65, 117.12], zoom: config.zoom || 8, minZoom: 5, maxZoom: 18,
    doubleClickZoom: true
  });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" title="Leaflet">Leaflet</a>');
  var baseLayers = M.addBaseLayers(map, config, T);
  if (Object.keys(baseLayers).length > 1) L.control.layers(baseLayers, {}, { collapsed: true }).addTo(map);
  L.control.scale({ imperial: false, maxWidth: 160 }).addTo(map);
  new M.CoordsControl({ lonLabel: T.lon, latLabel: T.lat }).addTo(map);

  [["yingji-districts", 400], ["yingji-townships", 410], ["yingji-zones", 415], ["yingji-district-outline", 420],
    ["onemap-points", 450], ["onemap-tools", 460]].forEach(function (p) {
    map.createPane(p[0]).style.zIndex = p[1];
  });
  // One canvas for every point layer: 100,000 circle markers cost one <canvas>, not 100,000 nodes.
  var pointRenderer = L.canvas({ pane: "onemap-points", padding: 0.3, tolerance: 4 });
  var toolRenderer = L.svg({ pane: "onemap-tools" });

  // --- regions (as the former map page) ---------------------------------------------------
  function regionUrl(id) {
    return (config.regionUrl || "").replace(/\/0\/$/, "/" + encodeURIComponent(id) + "/");
  }
  function regionPopup(props) {
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
  var regionStyles = {
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
  var regions = { district: L.featureGroup(), township: L.featureGroup(), zone: L.featureGroup() };
  var regionData = {};
  var regionLoads = {};
  var townshipLabels = null;

  function regionRow(level) { return document.querySelector('.layer-row[data-layer="' + level + '"]'); }

  function loadRegions(level) {
    if (regionLoads[level]) return regionLoads[level];
    var url = config.layersUrl + "?level=" + encodeURIComponent(level);
    regionLoads[level] = getJson(url, { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (data) {
        var features = (data && data.features) || [];
        regionData[level] = features;
        var layer = L.geoJSON(data, {
          style: regionStyles[level],
          onEachFeature: function (f, l) { l.bindPopup(regionPopup(f.properties || {})); }
        });
        regions[level].addLayer(layer);
        if (level === "district") {
          regions.district.addLayer(L.geoJSON(data, {
            pane: "yingji-district-outline", interactive: false,
            style: { color: M.colors.district, weight: 2.2, fill: false, className: "yingji-district-outline" }
          }));
          regions.district.addLayer(labelsFor(data, "district"));
          if (features.length) map.fitBounds(layer.getBounds(), { padding: [10, 10] });
          el.setAttribute("data-district-count", String(features.length));
        } else if (level === "zone") {
          regions.zone.addLayer(labelsFor(data, "zone"));
        } else if (level === "township") {
          townshipLabels = labelsFor(data, "township");
          el.setAttribute("data-township-count", String(features.length));
          updateTownshipLabels();
        }
        var row = regionRow(level);
        if (row) row.querySelector("[data-layer-count]").textContent = String(features.length);
        el.setAttribute("data-loaded-" + level, "true");
        return features.length;
      })
      .catch(function (err) {
        delete regionLoads[level];
        setStatus(T.loadFailed + "（" + ((T.levels && T.levels[level]) || level) + "，" + err.message + "）", true);
        el.setAttribute("data-load-error", level);
        throw err;
      });
    return regionLoads[level];
  }
  function updateTownshipLabels() {
    if (!townshipLabels) return;
    var show = map.hasLayer(regions.township) && map.getZoom() >= TOWNSHIP_LABEL_ZOOM;
    if (show && !map.hasLayer(townshipLabels)) townshipLabels.addTo(map);
    else if (!show && map.hasLayer(townshipLabels)) map.removeLayer(townshipLabels);
  }
  document.querySelectorAll("[data-region-toggle]").forEach(function (box) {
    var level = box.getAttribute("data-region-toggle");
    if (box.checked) regions[level].addTo(map);
    box.addEventListener("change", function () {
      el.setAttribute("data-last-control", level + ":" + (box.checked ? "on" : "off") + ":" + performance.now().toFixed(1));
      if (box.checked) {
        regions[level].addTo(map);
        loadRegions(level).catch(function () {});
      } else {
        map.removeLayer(regions[level]);
      }
      updateTownshipLabels();
    });
  });
  function updateZoomClass() { el.classList.toggle("map-zoom-low", map.getZoom() < 9); }
  map.on("zoomend", function () { updateZoomClass(); updateTownshipLabels(); });
  updateZoomClass();

  // --- registered layers ------------------------------------------------------------------
  var state = {}; // key → {row, group, data, query, token, cluster (user's choice or null)}

  function rowOf(key) { return document.querySelector('.layer-row[data-layer="' + key + '"]'); }

  function layerQuery(key, extra) {
    var def = byKey[key];
    var params = new URLSearchParams();
    Object.keys(def.fixed || {}).forEach(function (k) { params.set(k, def.fixed[k]); });
    var filters = currentFilters(key);
    Object.keys(filters).forEach(function (k) { params.set(k, filters[k]); });
    Object.keys(extra || {}).forEach(function (k) { params.set(k, extra[k]); });
    return params;
  }
  function currentFilters(key) {
    var out = {};
    var row = rowOf(key);
    if (!row) return out;
    row.querySelectorAll("[data-filter]").forEach(function (input) {
      var v = (input.value || "").trim();
      if (v) out[input.getAttribute("data-filter")] = v;
    });
    return out;
  }
  /* Fixed + chosen filters of a layer, as the polygon search wants them. */
  function searchFilters(key) {
    return L.extend({}, byKey[key].fixed || {}, currentFilters(key));
  }
  function layerUrl(key, params) {
    var q = params.toString();
    return config.layerUrl.replace("__key__", encodeURIComponent(key)) + (q ? "?" + q : "");
  }

  function displayValue(value) {
    if (value === true) return T.yes;
    if (value === false) return T.no;
    if (value === null || value === undefined || value === "") return "—";
    if (typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value)) {
      return value.slice(0, 16).replace("T", " ");
    }
    return value;
  }
  function featurePopup(key, props) {
    var def = byKey[key] || { popup: {}, label: "" };
    var html = '<div class="onemap-popup" data-popup-layer="' + M.escapeHtml(key) + '">';
    html += '<span class="onemap-popup-layer" style="color:' + M.escapeHtml(def.colour) + '">' + M.escapeHtml(def.label) + "</span>";
    html += "<strong>" + M.escapeHtml(props.name) + "</strong><dl>";
    Object.keys(def.popup || {}).forEach(function (name) {
      if (props[name] === props.name && (name === "name" || name === "road_name" || name === "title")) return;
      if (!(name in props)) return;
      html += "<dt>" + M.escapeHtml(def.popup[name]) + "</dt><dd>" + M.escapeHtml(displayValue(props[name])) + "</dd>";
    });
    html += "</dl>";
    if (props.url) html += '<a href="' + M.escapeHtml(props.url) + '">' + M.escapeHtml(T.recordDetails) + "</a>";
    return html + "</div>";
  }
  function openFeaturePopup(key, props, latlng) {
    L.popup({ maxWidth: 300, autoPanPadding: [20, 20] }).setLatLng(latlng).setContent(featurePopup(key, props)).openOn(map);
  }

  function clusterIcon(colour) {
    return function (cluster) {
      var n = cluster.getChildCount();
      var size = n < 100 ? 32 : n < 1000 ? 38 : n < 10000 ? 44 : 50;
      var text = n < 10000 ? String(n) : (n / 1000).toFixed(0) + "k";
      return L.divIcon({
        html: '<span style="background:' + colour + '">' + text + "</span>",
        className: "onemap-cluster",
        iconSize: [size, size]
      });
    };
  }

  function setRowState(key, value, count) {
    var row = rowOf(key);
    if (!row) return;
    row.setAttribute("data-state", value);
    if (count !== undefined) {
      row.setAttribute("data-loaded-count", String(count));
      row.querySelector("[data-layer-count]").textContent = String(count);
    }
  }

  function draw(key, data) {
    var st = state[key];
    if (st.group) { map.removeLayer(st.group); st.group = null; }
    var def = byKey[key];
    var features = (data && data.features) || [];
    var n = features.length;
    var clustered = st.cluster === null ? n > (def.clusterFrom || 500) : st.cluster;
    var box = st.row && st.row.querySelector("[data-cluster]");
    if (box) box.checked = clustered;
    var big = def.group === "incidents"; // events stand out: larger, dark ring
    var style = {
      renderer: pointRenderer, pane: "onemap-points", radius: big ? 8 : n > 5000 ? 4 : 6, weight: big ? 2.5 : 1.5,
      color: big ? "#4a0000" : "#ffffff", fillColor: def.colour, fillOpacity: 0.9
    };
    var markers = new Array(n);
    for (var i = 0; i < n; i++) {
      var f = features[i];
      var c = f.geometry.coordinates;
      var m = L.circleMarker([c[1], c[0]], style);
      m.feature = f;
      markers[i] = m;
    }
    var group;
    st.timings.drawStart = performance.now();
    var done = function () {
      st.timings.drawn = performance.now();
      // Events stay above the resources drawn after them (one canvas: drawing order).
      DEFS.forEach(function (d) {
        var other = state[d.key];
        if (d.group === "incidents" && d.key !== key && other.markers && other.markers.length < 2000 && other.group && map.hasLayer(other.group)) {
          other.markers.forEach(function (m) { if (m._map) m.bringToFront(); });
        }
      });
      setRowState(key, "loaded", n);
      st.resolve && st.resolve(n);
    };
    if (clustered) {
      group = L.markerClusterGroup({
        chunkedLoading: true, chunkInterval: 120, chunkDelay: 30, animate: false,
        showCoverageOnHover: false, spiderfyOnMaxZoom: true, disableClusteringAtZoom: DETAIL_ZOOM,
        maxClusterRadius: 60, removeOutsideVisibleBounds: true, iconCreateFunction: clusterIcon(def.colour),
        chunkProgress: function (processed, total) {
          // Called before the group puts the final clusters on the map: report after it.
          // After chunked loading the group may show nothing until the map moves: nudge it.
          if (processed >= total) setTimeout(function () { map.fire("moveend"); done(); }, 0);
        }
      });
      group.addTo(map); // on the map first: only then does addLayers load in chunks
      setRowState(key, "drawing");
      group.addLayers(markers);
      if (!n) done();
    } else {
      group = L.featureGroup(markers).addTo(map);
      done();
    }
    group.on("click", function (e) {
      // While a tool is drawing, a click on a point is a point of the tool (the map's click
      // handler takes it), not a request for the popup.
      if (tool) return;
      if (e.layer && e.layer.feature) openFeaturePopup(key, e.layer.feature.properties || {}, e.layer.getLatLng());
    });
    st.group = group;
    st.markers = markers;
  }

  function loadLayer(key) {
    var st = state[key];
    var params = layerQuery(key);
    var url = layerUrl(key, params);
    if (st.url === url && st.data) {
      if (!st.group) draw(key, st.data);
      else if (!map.hasLayer(st.group)) st.group.addTo(map);
      return st.promise;
    }
    st.url = url;
    var token = ++st.token;
    setRowState(key, "loading");
    setStatus(fmt(T.loadingLayer, { layer: byKey[key].label }));
    st.promise = new Promise(function (resolve) { st.resolve = resolve; });
    st.timings = { start: performance.now() };
    getJson(url, { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (data) {
        if (token !== st.token) return;
        st.timings.fetched = performance.now();
        st.data = data;
        if (!isOn(key)) { setRowState(key, "loaded", (data.features || []).length); st.resolve(0); return; }
        draw(key, data);
        setStatus(summaryText);
      })
      .catch(function (err) {
        if (token !== st.token) return;
        st.url = null;
        setRowState(key, "error");
        setStatus(T.loadFailed + "（" + byKey[key].label + "，" + err.message + "）", true);
        st.resolve(-1);
      });
    return st.promise;
  }
  function isOn(key) {
    var box = state[key] && state[key].row && state[key].row.querySelector("[data-layer-toggle]");
    return !!(box && box.checked);
  }
  function hideLayer(key) {
    var st = state[key];
    if (st.group && map.hasLayer(st.group)) map.removeLayer(st.group);
    hideShapes(key);
  }

  // --- shapes (lines and polygons) of layers that have them, from shapeZoom on -------------
  // Fetched for the view (padded) and zoom from {shapesUrl}; drawn on the points' canvas,
  // behind the points (the canvas hit-tests the topmost, so a point inside an area still
  // gets its own click). Below shapeZoom only the points show.
  // Test hooks: .layer-row[data-shape-state=loading|loaded|hidden|error][data-shape-count].
  function setShapeState(key, value, count) {
    var row = rowOf(key);
    if (!row) return;
    row.setAttribute("data-shape-state", value);
    if (count !== undefined) row.setAttribute("data-shape-count", String(count));
  }
  function hideShapes(key) {
    var st = state[key];
    if (st && st.shapes && map.hasLayer(st.shapes)) {
      map.removeLayer(st.shapes);
      setShapeState(key, "hidden");
    }
  }
  function shapeStyle(colour, feature) {
    var t = feature.geometry && feature.geometry.type;
    if (t === "LineString" || t === "MultiLineString") {
      return { color: colour, weight: 7, opacity: 0.85, lineCap: "round", lineJoin: "round" };
    }
    return { color: colour, weight: 2, opacity: 0.9, fillColor: colour, fillOpacity: 0.22 };
  }
  function drawShapes(key, data) {
    var st = state[key];
    var def = byKey[key];
    if (st.shapes) map.removeLayer(st.shapes);
    var group = L.featureGroup();
    var lines = [], areas = [];
    ((data && data.features) || []).forEach(function (f) {
      var layer = L.GeoJSON.geometryToLayer(f, { renderer: pointRenderer, pane: "onemap-points" });
      layer.feature = f;
      layer.setStyle(shapeStyle(def.colour, f));
      group.addLayer(layer);
      (f.geometry.type === "LineString" ? lines : areas).push(layer);
    });
    group.on("click", function (e) {
      if (tool) return; // a tool's click (the map's handler takes it)
      if (e.layer && e.layer.feature) openFeaturePopup(key, e.layer.feature.properties || {}, e.latlng);
    });
    group.addTo(map);
    // Behind every point, areas behind lines.
    lines.forEach(function (l) { l.bringToBack(); });
    areas.forEach(function (l) { l.bringToBack(); });
    st.shapes = group;
    setShapeState(key, "loaded", lines.length + areas.length);
  }
  function updateShapes(key) {
    var def = byKey[key];
    var st = state[key];
    if (!def || !def.hasShape || !config.shapesUrl || !st) return;
    var zoom = map.getZoom();
    if (!isOn(key) || zoom < (def.shapeZoom || 12)) { hideShapes(key); return; }
    var filters = layerQuery(key).toString();
    var view = map.getBounds();
    // What is loaded still serves: same filters, covers the view, simplified for this zoom or finer.
    if (st.shapes && st.shapeFilters === filters && st.shapeBounds && st.shapeBounds.contains(view) && st.shapeZoom >= zoom) {
      if (!map.hasLayer(st.shapes)) { st.shapes.addTo(map); setShapeState(key, "loaded"); }
      return;
    }
    var padded = view.pad(0.25);
    var bbox = [
      Math.max(-180, padded.getWest()), Math.max(-90, padded.getSouth()),
      Math.min(180, padded.getEast()), Math.min(90, padded.getNorth())
    ].map(function (v) { return v.toFixed(6); }).join(",");
    var params = layerQuery(key, { bbox: bbox, zoom: zoom });
    var token = st.shapeToken = (st.shapeToken || 0) + 1;
    setShapeState(key, "loading");
    getJson(config.shapesUrl.replace("__key__", encodeURIComponent(key)) + "?" + params.toString())
      .then(function (data) {
        if (token !== st.shapeToken) return;
        st.shapeFilters = filters;
        st.shapeBounds = padded;
        st.shapeZoom = zoom;
        if (!isOn(key) || map.getZoom() < (def.shapeZoom || 12)) { st.shapes = null; setShapeState(key, "hidden"); return; }
        drawShapes(key, data);
      })
      .catch(function (err) {
        if (token !== st.shapeToken) return;
        setShapeState(key, "error");
        setStatus(T.loadFailed + "（" + def.label + "，" + err.message + "）", true);
      });
  }
  var shapeTimer = null;
  map.on("moveend", function () {
    // One fetch per layer once the map rests (a fly-to fires many moves).
    clearTimeout(shapeTimer);
    shapeTimer = setTimeout(function () { DEFS.forEach(function (d) { updateShapes(d.key); }); }, 120);
  });

  DEFS.forEach(function (def) {
    var row = rowOf(def.key);
    var st = state[def.key] = { row: row, group: null, data: null, url: null, token: 0, cluster: null, promise: null, timings: {} };
    if (!row) return;
    var box = row.querySelector("[data-layer-toggle]");
    box.addEventListener("change", function () {
      el.setAttribute("data-last-control", def.key + ":" + (box.checked ? "on" : "off") + ":" + performance.now().toFixed(1));
      if (box.checked) { loadLayer(def.key); updateShapes(def.key); }
      else hideLayer(def.key);
    });
    row.querySelectorAll("[data-filter]").forEach(function (input) {
      input.addEventListener("change", function () {
        st.data = null;
        if (st.group) { map.removeLayer(st.group); st.group = null; }
        if (st.shapes) { map.removeLayer(st.shapes); st.shapes = null; }
        if (isOn(def.key)) { loadLayer(def.key); updateShapes(def.key); }
        else st.url = null;
      });
    });
    var cluster = row.querySelector("[data-cluster]");
    if (cluster) {
      cluster.addEventListener("change", function () {
        st.cluster = cluster.checked;
        if (st.data && isOn(def.key)) { st.promise = new Promise(function (r) { st.resolve = r; }); draw(def.key, st.data); }
      });
    }
  });

  // The registry's counts (what the user may see) until a layer is loaded with its filters.
  var registryCounts = {};
  if (config.registryUrl && DEFS.length) {
    getJson(config.registryUrl).then(function (list) {
      list.forEach(function (item) {
        registryCounts[item.key] = item.count;
        var row = rowOf(item.key);
        if (!row || row.hasAttribute("data-loaded-count") || (byKey[item.key].fixed && Object.keys(byKey[item.key].fixed).length)) return;
        row.querySelector("[data-layer-count]").textContent = String(item.count);
      });
    }).catch(function () {});
  }

  // --- the side panel of results (search, area, nearest, measure) --------------------------
  var results = document.querySelector("[data-results]");
  var resultsTitle = document.querySelector("[data-results-title]");
  var resultsBody = document.querySelector("[data-results-body]");
  var resultsKind = null;
  function showResults(kind, title, html) {
    resultsKind = kind;
    results.hidden = false;
    results.setAttribute("data-results", kind);
    resultsTitle.textContent = title;
    resultsBody.innerHTML = html;
    map.invalidateSize();
    return resultsBody;
  }
  function closeResults() {
    results.hidden = true;
    resultsKind = null;
    results.setAttribute("data-results", "");
    map.invalidateSize();
  }
  document.querySelector("[data-results-close]").addEventListener("click", function () {
    closeResults();
    clearTool();
    clearOverlays();
  });

  var highlight = null;
  function flyTo(lat, lon, key, props) {
    if (highlight) map.removeLayer(highlight);
    highlight = L.circleMarker([lat, lon], { renderer: toolRenderer, pane: "onemap-tools", radius: 14, weight: 3, color: "#ff6f00", fill: false, className: "onemap-highlight", interactive: false }).addTo(map);
    var open = function () {
      if (key && byKey[key]) openFeaturePopup(key, props || {}, L.latLng(lat, lon));
      else if (props && props.regionLevel) L.popup().setLatLng([lat, lon]).setContent(regionPopup(props)).openOn(map);
    };
    var target = Math.max(map.getZoom(), key ? DETAIL_ZOOM : 13);
    if (map.getCenter().distanceTo([lat, lon]) < 1 && map.getZoom() === target) { open(); return; }
    map.once("moveend", open);
    map.flyTo([lat, lon], target, { duration: 0.6 });
    if (isNarrow.matches) setPanel(false);
  }

  // A list item that flies to a feature: data-lat, data-lon, data-key, and its props in `store`.
  var store = [];
  function itemHtml(key, props, lat, lon, extra) {
    var idx = store.push({ key: key, props: props, lat: lat, lon: lon }) - 1;
    return '<li><button type="button" class="onemap-item" data-item="' + idx + '">' +
      '<span class="onemap-item-name">' + M.escapeHtml(props.name) + "</span>" +
      (extra ? '<span class="onemap-item-extra">' + extra + "</span>" : "") + "</button></li>";
  }
  resultsBody.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-item]");
    if (!btn) return;
    var item = store[+btn.getAttribute("data-item")];
    if (item) flyTo(item.lat, item.lon, item.key, item.props);
  });

  // --- search by name or address -----------------------------------------------------------
  var SEARCH_SHOWN = 20;
  var searchToken = 0;
  document.querySelector("[data-search]").addEventListener("submit", function (e) {
    e.preventDefault();
    var q = (document.querySelector("[data-search-input]").value || "").trim();
    if (!q) return;
    var token = ++searchToken;
    clearTool();
    store = [];
    showResults("search", fmt(T.searchTitle, { q: q }), '<p class="muted">' + M.escapeHtml(T.searching) + "</p>");
    var lower = q.toLowerCase();
    var regionHits = [];
    ["district", "township", "zone"].forEach(function (level) {
      (regionData[level] || []).forEach(function (f) {
        var p = f.properties || {};
        if (String(p.name || "").toLowerCase().indexOf(lower) >= 0 && p.label) regionHits.push(p);
      });
    });
    var calls = DEFS.map(function (def) {
      return getJson(layerUrl(def.key, layerQuery(def.key, { q: q })))
        .then(function (data) { return { def: def, features: (data && data.features) || [] }; })
        .catch(function () { return { def: def, features: [] }; });
    });
    Promise.all(calls).then(function (found) {
      if (token !== searchToken) return;
      var html = "";
      var total = regionHits.length;
      if (regionHits.length) {
        html += '<section class="onemap-result-layer" data-result-layer="regions"><h3>' + M.escapeHtml(T.regions) +
          ' <span class="onemap-n" data-result-count>' + regionHits.length + "</span></h3><ul>";
        regionHits.slice(0, SEARCH_SHOWN).forEach(function (p) {
          var props = L.extend({ regionLevel: p.level }, p);
          html += itemHtml(null, props, p.label[1], p.label[0], M.escapeHtml((T.levels && T.levels[p.level]) || p.level));
        });
        html += "</ul></section>";
      }
      found.forEach(function (r) {
        if (!r.features.length) return;
        total += r.features.length;
        html += '<section class="onemap-result-layer" data-result-layer="' + M.escapeHtml(r.def.key) + '"><h3><i class="layer-dot" style="background:' +
          M.escapeHtml(r.def.colour) + '"></i>' + M.escapeHtml(r.def.label) + ' <span class="onemap-n" data-result-count>' + r.features.length + "</span></h3><ul>";
        r.features.slice(0, SEARCH_SHOWN).forEach(function (f) {
          var c = f.geometry.coordinates;
          html += itemHtml(r.def.key, f.properties || {}, c[1], c[0]);
        });
        html += "</ul>";
        if (r.features.length > SEARCH_SHOWN) html += '<p class="muted">' + M.escapeHtml(fmt(T.moreResults, { n: r.features.length, shown: SEARCH_SHOWN })) + "</p>";
        html += "</section>";
      });
      if (!total) html = '<p class="muted" data-no-results>' + M.escapeHtml(T.noResults) + "</p>";
      resultsBody.innerHTML = html;
      results.setAttribute("data-ready", "search");
    });
  });

  // --- tools: measure, polygon, circle, nearest ----------------------------------------------
  var hint = document.querySelector("[data-hint]");
  var hintText = document.querySelector("[data-hint-text]");
  var hintFinish = document.querySelector("[data-hint-finish]");
  var toolButtons = document.querySelectorAll("[data-tool]");
  var tool = null; // {name, points: [], layer: L.LayerGroup}
  var overlays = L.layerGroup().addTo(map); // what a finished tool leaves drawn

  function clearOverlays() { overlays.clearLayers(); }
  function clearTool() {
    if (tool && tool.layer) map.removeLayer(tool.layer);
    tool = null;
    hint.hidden = true;
    el.classList.remove("onemap-drawing");
    map.doubleClickZoom.enable();
    toolButtons.forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
  }
  function startTool(name) {
    var same = tool && tool.name === name;
    clearTool();
    if (same) return; // a second press switches it off
    clearOverlays();
    if (highlight) { map.removeLayer(highlight); highlight = null; }
    results.removeAttribute("data-ready");
    tool = { name: name, points: [], layer: L.layerGroup().addTo(map) };
    document.querySelector('[data-tool="' + name + '"]').setAttribute("aria-pressed", "true");
    el.classList.add("onemap-drawing");
    map.doubleClickZoom.disable();
    map.closePopup();
    var texts = { measure: T.measureHint, polygon: T.polygonHint, circle: T.circleHint, nearest: T.nearestHint };
    hintText.textContent = texts[name];
    hintFinish.hidden = name === "circle" || name === "nearest";
    hint.hidden = false;
    if (name === "measure") showResults("measure", T.measureTitle, measureHtml([]));
    if (name === "nearest") nearestPanel(null);
    if (isNarrow.matches) setPanel(false);
  }
  toolButtons.forEach(function (b) {
    b.addEventListener("click", function () { startTool(b.getAttribute("data-tool")); });
  });
  document.querySelector("[data-hint-cancel]").addEventListener("click", function () {
    clearTool();
    clearOverlays();
  });
  hintFinish.addEventListener("click", function () { finishTool(); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && tool) { clearTool(); clearOverlays(); }
  });

  var drawStyle = { renderer: toolRenderer, pane: "onemap-tools", color: "#ff6f00", weight: 3, interactive: false };
  function vertex(latlng, first) {
    return L.circleMarker(latlng, L.extend({}, drawStyle, {
      radius: first ? 7 : 5, fillColor: "#fff", fillOpacity: 1, weight: 2, interactive: !!first,
      bubblingMouseEvents: !first, className: first ? "onemap-vertex onemap-vertex-first" : "onemap-vertex"
    }));
  }

  function measureHtml(points) {
    var html = '<div class="onemap-measure" data-measure>';
    var total = G.pathLength(points);
    html += '<p class="onemap-big" data-measure-total data-metres="' + total.toFixed(3) + '">' + M.escapeHtml(fmt(T.measureTotal, { d: metres(total) })) + "</p><ol>";
    for (var i = 1; i < points.length; i++) {
      html += "<li>" + M.escapeHtml(fmt(T.measureSegment, { i: i })) + "：" + M.escapeHtml(metres(G.distance(points[i - 1], points[i]))) + "</li>";
    }
    return html + '</ol><p class="muted">' + M.escapeHtml(T.measureNote) + "</p></div>";
  }

  function redrawTool(cursor) {
    if (!tool) return;
    tool.layer.clearLayers();
    var pts = tool.points.slice();
    if (tool.name === "circle") {
      if (!pts.length) return;
      var centre = pts[0];
      var edge = pts[1] || cursor;
      tool.layer.addLayer(vertex(centre, false));
      if (edge) {
        var r = G.distance(centre, edge);
        var ring = G.circleRing(centre.lat, centre.lng, r, 128);
        tool.layer.addLayer(L.polygon(ring, L.extend({}, drawStyle, { fillOpacity: 0.08, dashArray: "6 4" })));
        hintText.textContent = fmt(T.circleRadius, { d: metres(r) });
      }
      return;
    }
    if (cursor && pts.length) pts.push(cursor);
    if (tool.name === "polygon" && pts.length >= 3) {
      tool.layer.addLayer(L.polygon(pts, L.extend({}, drawStyle, { fillOpacity: 0.08, dashArray: cursor ? "6 4" : null })));
    } else if (pts.length >= 2) {
      tool.layer.addLayer(L.polyline(pts, drawStyle));
    }
    tool.points.forEach(function (p, i) {
      var v = vertex(p, i === 0 && tool.name === "polygon");
      if (i === 0 && tool.name === "polygon") v.on("click", function () { if (tool && tool.points.length >= 3) finishTool(); });
      tool.layer.addLayer(v);
    });
    if (tool.name === "measure" && tool.points.length) {
      var last = tool.points[tool.points.length - 1];
      var tip = L.tooltip({ permanent: true, direction: "right", offset: [8, 0], className: "onemap-measure-tip" })
        .setLatLng(last).setContent(M.escapeHtml(metres(G.pathLength(tool.points))));
      tool.layer.addLayer(tip);
    }
  }

  map.on("click", function (e) {
    if (!tool) return;
    if (tool.name === "nearest") { nearestPanel(e.latlng); return; }
    tool.points.push(e.latlng);
    if (tool.name === "circle" && tool.points.length === 2) { finishTool(); return; }
    redrawTool();
    if (tool.name === "measure") showResults("measure", T.measureTitle, measureHtml(tool.points));
  });
  map.on("dblclick", function () {
    // Leaflet fires click, click, dblclick: the second click added the same point twice.
    if (!tool || (tool.name !== "measure" && tool.name !== "polygon")) return;
    var pts = tool.points;
    if (pts.length >= 2 && pts[pts.length - 1].equals(pts[pts.length - 2])) pts.pop();
    finishTool();
  });
  map.on("mousemove", function (e) {
    if (tool && tool.points.length && tool.name !== "nearest") redrawTool(e.latlng);
  });
  map.on("contextmenu", function (e) {
    if (tool && tool.name !== "nearest") return;
    if (!tool) startTool("nearest");
    nearestPanel(e.latlng);
  });

  function finishTool() {
    if (!tool) return;
    var name = tool.name;
    var pts = tool.points.slice();
    if (name === "measure") {
      if (pts.length < 2) return;
      clearTool();
      overlays.addLayer(L.polyline(pts, drawStyle));
      pts.forEach(function (p) { overlays.addLayer(vertex(p)); });
      overlays.addLayer(L.tooltip({ permanent: true, direction: "right", offset: [8, 0], className: "onemap-measure-tip" })
        .setLatLng(pts[pts.length - 1]).setContent(M.escapeHtml(metres(G.pathLength(pts)))));
      showResults("measure", T.measureTitle, measureHtml(pts));
      results.setAttribute("data-ready", "measure");
      lastMeasure = pts.map(function (p) { return [p.lng, p.lat]; });
      return;
    }
    if (name === "polygon") {
      if (pts.length < 3) return;
      clearTool();
      overlays.addLayer(L.polygon(pts, L.extend({}, drawStyle, { fillOpacity: 0.08, className: "onemap-area" })));
      var ring = pts.map(function (p) { return [round6(p.lng), round6(p.lat)]; });
      ring.push(ring[0]);
      areaSearch({ type: "Polygon", coordinates: [ring] }, fmt(T.areaPolygon, { n: pts.length }));
      return;
    }
    if (name === "circle") {
      var centre = pts[0], r = G.distance(pts[0], pts[1]);
      clearTool();
      if (r <= 0) return;
      var circle = G.circleRing(centre.lat, centre.lng, r, 128);
      overlays.addLayer(L.polygon(circle, L.extend({}, drawStyle, { fillOpacity: 0.08, className: "onemap-area" })));
      overlays.addLayer(vertex(centre));
      var cring = circle.map(function (p) { return [round6(p[1]), round6(p[0])]; });
      cring.push(cring[0]);
      areaSearch({ type: "Polygon", coordinates: [cring] }, fmt(T.areaCircle, { d: metres(r) }));
    }
  }
  function round6(x) { return Math.round(x * 1e6) / 1e6; }
  var lastMeasure = null;
  var lastArea = null;

  // --- area search (polygon / circle) --------------------------------------------------------
  function areaBody(polygon) {
    var filters = {};
    DEFS.forEach(function (d) { filters[d.key] = searchFilters(d.key); });
    return { layers: DEFS.map(function (d) { return d.key; }), polygon: polygon, filters: filters, limit: AREA_LIMIT };
  }
  function areaSearch(polygon, caption) {
    store = [];
    var body = areaBody(polygon);
    lastArea = body;
    results.removeAttribute("data-ready");
    showResults("area", T.areaTitle, '<p class="muted">' + M.escapeHtml(T.searching) + "</p>");
    if (!DEFS.length) { resultsBody.innerHTML = '<p class="muted">' + M.escapeHtml(T.noResults) + "</p>"; return; }
    postJson(config.polygonUrl, body)
      .then(function (r) {
        return r.json().then(function (data) {
          if (!r.ok) throw new Error((data && data.message) || "HTTP " + r.status);
          return data;
        });
      })
      .then(function (data) {
        if (lastArea !== body) return;
        var html = '<p class="onemap-caption">' + M.escapeHtml(caption) + "</p>";
        html += '<p class="onemap-big" data-area-total="' + data.total + '">' + M.escapeHtml(fmt(T.areaTotal, { n: data.total })) + "</p>";
        html += '<table class="onemap-counts"><tbody>';
        data.layers.forEach(function (r) {
          var def = byKey[r.layer] || { colour: "#999", label: r.label };
          html += '<tr data-count-layer="' + M.escapeHtml(r.layer) + '"><th><i class="layer-dot" style="background:' + M.escapeHtml(def.colour) + '"></i>' +
            M.escapeHtml(def.label) + '</th><td data-count>' + r.count + "</td></tr>";
        });
        html += "</tbody></table>";
        html += '<p><button type="button" class="btn" data-area-export>' + M.escapeHtml(T.exportXlsx) + "</button></p>";
        data.layers.forEach(function (r) {
          if (!r.count) return;
          var def = byKey[r.layer] || { colour: "#999", label: r.label };
          html += '<details class="onemap-result-layer" data-result-layer="' + M.escapeHtml(r.layer) + '"><summary><i class="layer-dot" style="background:' +
            M.escapeHtml(def.colour) + '"></i>' + M.escapeHtml(def.label) + ' <span class="onemap-n" data-result-count>' + r.count + "</span></summary><ul>";
          r.results.forEach(function (h) {
            html += itemHtml(r.layer, { id: h.id, name: h.name }, h.lat, h.lon);
          });
          html += "</ul>";
          if (r.truncated) html += '<p class="muted">' + M.escapeHtml(fmt(T.truncated, { shown: r.results.length })) + "</p>";
          html += "</details>";
        });
        resultsBody.innerHTML = html;
        results.setAttribute("data-ready", "area");
        // The popup of a listed row shows the layer's loaded properties when we have them.
        resultsBody.querySelector("[data-area-export]").addEventListener("click", function () { exportArea(body, this); });
      })
      .catch(function (err) {
        resultsBody.innerHTML = '<p class="alert">' + M.escapeHtml(fmt(T.requestFailed, { error: err.message })) + "</p>";
        results.setAttribute("data-ready", "error");
      });
  }
  function exportArea(body, button) {
    var label = button.textContent;
    button.disabled = true;
    button.textContent = T.exporting;
    postJson(config.polygonExportUrl, L.extend({}, body, { limit: 10000 }))
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        var name = "polygon-search.xlsx";
        var cd = r.headers.get("Content-Disposition") || "";
        var m = /filename="([^"]+)"/.exec(cd);
        if (m) name = m[1];
        return r.blob().then(function (blob) {
          var a = document.createElement("a");
          a.href = URL.createObjectURL(blob);
          a.download = name;
          document.body.appendChild(a);
          a.click();
          setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
        });
      })
      .catch(function (err) { setStatus(fmt(T.requestFailed, { error: err.message }), true); })
      .then(function () { button.disabled = false; button.textContent = label; });
  }

  // --- nearest N -------------------------------------------------------------------------------
  var nearestPoint = null;
  var nearestChoice = { layer: DEFS.length ? DEFS[0].key : "", n: 5, chosen: false };
  /* Until the user picks one: a resource layer that is switched on, else the largest. */
  function defaultNearestLayer() {
    var on = DEFS.filter(function (d) { return d.group !== "incidents" && isOn(d.key); });
    if (on.length) return on[0].key;
    var best = null;
    DEFS.forEach(function (d) {
      if (d.group !== "resources") return;
      if (!best || (registryCounts[d.key] || 0) > (registryCounts[best] || 0)) best = d.key;
    });
    return best || nearestChoice.layer;
  }
  function nearestPanel(latlng) {
    // A new question: whatever was "ready" before is not its answer.
    results.removeAttribute("data-ready");
    if (latlng) nearestPoint = latlng;
    if (!nearestChoice.chosen) nearestChoice.layer = defaultNearestLayer();
    store = [];
    var html = '<form class="onemap-nearest" data-nearest-form><label>' + M.escapeHtml(T.nearestLayer) + ' <select name="layer">';
    DEFS.forEach(function (d) {
      html += '<option value="' + M.escapeHtml(d.key) + '"' + (d.key === nearestChoice.layer ? " selected" : "") + ">" + M.escapeHtml(d.label) + "</option>";
    });
    html += '</select></label><label>' + M.escapeHtml(T.nearestN) + ' <input type="number" name="n" min="1" max="100" value="' + nearestChoice.n + '"></label>';
    html += '<button type="submit" class="btn"' + (nearestPoint ? "" : " disabled") + ">" + M.escapeHtml(T.nearestGo) + "</button></form>";
    html += nearestPoint
      ? '<p class="muted" data-nearest-from>' + M.escapeHtml(fmt(T.nearestFrom, { lon: nearestPoint.lng.toFixed(5), lat: nearestPoint.lat.toFixed(5) })) + "</p>"
      : '<p class="muted">' + M.escapeHtml(T.nearestHint) + "</p>";
    html += '<div data-nearest-list></div>';
    showResults("nearest", T.nearestTitle, html);
    var form = resultsBody.querySelector("[data-nearest-form]");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      nearestChoice.layer = form.layer.value;
      nearestChoice.chosen = true;
      nearestChoice.n = Math.max(1, Math.min(100, parseInt(form.n.value, 10) || 5));
      runNearest();
    });
    form.layer.addEventListener("change", function () { nearestChoice.layer = form.layer.value; nearestChoice.chosen = true; if (nearestPoint) runNearest(); });
    if (nearestPoint) {
      clearOverlays();
      overlays.addLayer(L.circleMarker(nearestPoint, L.extend({}, drawStyle, { radius: 7, fillColor: "#ff6f00", fillOpacity: 1, className: "onemap-nearest-origin" })));
      runNearest();
    }
  }
  var nearestToken = 0;
  function runNearest() {
    if (!nearestPoint || !nearestChoice.layer) return;
    var token = ++nearestToken;
    var key = nearestChoice.layer;
    var params = layerQuery(key, {
      layer: key, lon: nearestPoint.lng.toFixed(6), lat: nearestPoint.lat.toFixed(6), n: nearestChoice.n
    });
    var list = resultsBody.querySelector("[data-nearest-list]");
    results.removeAttribute("data-ready");
    list.innerHTML = '<p class="muted">' + M.escapeHtml(T.searching) + "</p>";
    getJson(config.nearestUrl + "?" + params.toString())
      .then(function (data) {
        if (token !== nearestToken) return;
        var origin = nearestPoint;
        overlays.eachLayer(function (l) { if (l.options && l.options.className === "onemap-nearest-line") overlays.removeLayer(l); });
        var def = byKey[key];
        var html = "<h3>" + M.escapeHtml(fmt(T.nearestFound, { n: data.count })) + "</h3><ol class=\"onemap-nearest-list\" data-nearest-results>";
        data.results.forEach(function (h) {
          overlays.addLayer(L.polyline([origin, [h.lat, h.lon]], L.extend({}, drawStyle, {
            color: def.colour, weight: 2, dashArray: "5 5", className: "onemap-nearest-line"
          })));
          var extra = '<span data-distance="' + h.distance_m + '">' + M.escapeHtml(metres(h.distance_m)) + "</span>";
          html += itemHtml(key, { id: h.id, name: h.name }, h.lat, h.lon, extra).replace("<li>", "<li data-nearest-item>");
        });
        html += "</ol>";
        var bounds = L.latLngBounds([origin]);
        data.results.forEach(function (h) { bounds.extend([h.lat, h.lon]); });
        if (data.results.length && !map.getBounds().contains(bounds)) map.fitBounds(bounds.pad(0.15), { maxZoom: 16 });
        if (!data.results.length) html = '<p class="muted" data-no-results>' + M.escapeHtml(T.noResults) + "</p>";
        list.innerHTML = html;
        results.setAttribute("data-ready", "nearest");
      })
      .catch(function (err) {
        if (token !== nearestToken) return;
        list.innerHTML = '<p class="alert">' + M.escapeHtml(fmt(T.requestFailed, { error: err.message })) + "</p>";
        results.setAttribute("data-ready", "error");
      });
  }

  // A row of an area or nearest list has only id and name: take the popup's fields from the
  // loaded layer when it is there.
  var plainOpen = openFeaturePopup;
  openFeaturePopup = function (key, props, latlng) {
    var st = state[key];
    if (st && st.data && props && props.id !== undefined && Object.keys(props).length <= 2) {
      var features = st.data.features || [];
      for (var i = 0; i < features.length; i++) {
        if (features[i].id === props.id) { props = features[i].properties; break; }
      }
    }
    plainOpen(key, props, latlng);
  };

  // --- the layer panel (collapses on phones) -------------------------------------------------
  var panel = document.querySelector("[data-panel]");
  var panelToggle = document.querySelector("[data-panel-toggle]");
  function setPanel(open) {
    panel.classList.toggle("is-collapsed", !open);
    panelToggle.setAttribute("aria-expanded", open ? "true" : "false");
    setTimeout(function () { map.invalidateSize(); }, 0);
  }
  panelToggle.addEventListener("click", function () {
    setPanel(panel.classList.contains("is-collapsed"));
    el.setAttribute("data-last-control", "panel:" + performance.now().toFixed(1));
  });
  if (isNarrow.matches) setPanel(false);

  // --- start --------------------------------------------------------------------------------
  setStatus(T.loading);
  var initial = [loadRegions("district"), loadRegions("township")];
  DEFS.forEach(function (d) { if (isOn(d.key)) initial.push(loadLayer(d.key)); });
  Promise.all(initial)
    .then(function (counts) {
      if (!counts[0]) setStatus(T.noData, true);
      else setStatus(summaryText = T.loadedSummary.replace("{districts}", counts[0]).replace("{townships}", counts[1]));
      el.setAttribute("data-map-ready", "true");
    })
    .catch(function () { el.setAttribute("data-map-ready", "error"); });

  window.YingjiOneMap = {
    map: map,
    layers: state,
    loadLayer: loadLayer,
    lastArea: function () { return lastArea; },
    lastMeasure: function () { return lastMeasure; },
    searchFilters: searchFilters,
    featureCount: function (key) {
      var st = state[key];
      return st && st.markers ? st.markers.length : 0;
    },
    shapeCount: function (key) {
      var st = state[key];
      return st && st.shapes && map.hasLayer(st.shapes) ? st.shapes.getLayers().length : 0;
    }
  };
})();
