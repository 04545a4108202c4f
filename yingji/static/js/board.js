/* The duty-room board: polls the "changed since" endpoint every few seconds (ETag → 304
   when nothing changed; DESIGN D10), replaces changed rows, drops closed ones, adds new ones
   at the top with a flash and (once the user switched it on) a sound; keeps the map's points
   and the summary strip (counts of all open incidents, from the server) in step. The first
   page of rows comes with the page, "加载更多" fetches the next ones. Countdowns are ticked
   by incident-countdown.js. */
(function () {
  "use strict";
  var M = window.YingjiMap;
  var config = M.readJson("board-config") || {};
  var labels = M.readJson("board-labels") || {};
  var tbody = document.querySelector("[data-board-rows]");
  var empty = document.querySelector("[data-board-empty]");
  var live = document.querySelector("[data-live-status]");
  var openCount = document.querySelector("[data-open-count]");
  var overdueCount = document.querySelector("[data-overdue-count]");
  var overdueStat = document.querySelector("[data-overdue-stat]");
  var shownNote = document.querySelector("[data-shown-note]");
  var moreButton = document.querySelector("[data-load-more]");
  var summary = config.summary || null;
  var nextOffset = config.nextOffset;
  var lastFull = Date.now();
  var soundButton = document.querySelector("[data-sound-toggle]");
  var audio = document.querySelector("[data-alert-sound]");
  var token = config.token;
  var etag = null;
  var failures = 0;
  var soundOn = false;

  // --- sound: browsers refuse to play before a user gesture, hence the toggle ----------
  function showSound() {
    soundButton.setAttribute("aria-pressed", soundOn ? "true" : "false");
    soundButton.textContent = soundOn ? labels.soundOn : labels.soundOff;
  }
  showSound();
  soundButton.addEventListener("click", function () {
    soundOn = !soundOn;
    if (soundOn && audio) {
      audio.muted = true; // unlock audio with this click, silently
      var p = audio.play();
      if (p && p.then) p.then(function () { audio.pause(); audio.currentTime = 0; audio.muted = false; }, function () { audio.muted = false; });
    }
    showSound();
  });
  function ring() {
    document.body.setAttribute("data-last-alert", String(Date.now()));
    if (!soundOn || !audio) return;
    audio.currentTime = 0;
    var p = audio.play();
    if (p && p.catch) p.catch(function () { /* blocked: the flash still shows */ });
  }

  // --- map ---------------------------------------------------------------------------
  var mapEl = document.getElementById("board-map");
  var map = L.map(mapEl, { zoomControl: true, attributionControl: true }).setView(
    config.center || [36.65, 117.12], config.zoom || 9);
  map.attributionControl.setPrefix(false);
  M.addBaseLayers(map, config);
  L.control.scale({ imperial: false }).addTo(map);
  map.createPane("incidents").style.zIndex = 450;
  var markers = {};
  var fitted = false;

  function addPoint(p) {
    if (markers[p.id]) { map.removeLayer(markers[p.id]); delete markers[p.id]; }
    if (!p || p.lon === null || p.lat === null) return;
    var colour = (config.colours || {})[p.severity] || "#1565c0";
    var marker = L.circleMarker([p.lat, p.lon], {
      pane: "incidents", radius: p.severity <= 2 ? 10 : 8, color: "#fff", weight: 2,
      fillColor: colour, fillOpacity: 0.95, className: "yingji-incident yingji-incident-sev" + p.severity
    });
    marker.bindPopup("<strong>" + M.escapeHtml(p.title) + "</strong><br>" + M.escapeHtml(p.number) +
      '<br><a href="' + M.escapeHtml(p.url) + '">' + M.escapeHtml(labels.detail || "详情") + "</a>");
    marker.addTo(map);
    markers[p.id] = marker;
  }
  function removePoint(id) {
    if (markers[id]) { map.removeLayer(markers[id]); delete markers[id]; }
  }
  (M.readJson("board-points") || []).forEach(addPoint);
  function fit() {
    var layers = Object.keys(markers).map(function (k) { return markers[k]; });
    if (layers.length) map.fitBounds(L.featureGroup(layers).getBounds(), { padding: [30, 30], maxZoom: 13 });
  }
  // District outlines for orientation (the same restricted layer as the map page).
  if (config.layersUrl) {
    fetch(config.layersUrl + "?level=district", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data) {
          var layer = L.geoJSON(data, { style: { color: M.colors.district, weight: 1.5, fill: false, className: "yingji-district" }, interactive: false }).addTo(map);
          if (!Object.keys(markers).length && layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
        }
        if (!fitted) { fit(); fitted = true; }
        mapEl.setAttribute("data-map-ready", "true");
      })
      .catch(function () { fit(); mapEl.setAttribute("data-map-ready", "true"); });
  } else {
    fit();
    mapEl.setAttribute("data-map-ready", "true");
  }

  // --- rows --------------------------------------------------------------------------
  function rowOf(id) { return tbody.querySelector('tr[data-incident="' + id + '"]'); }
  function fromHtml(html) {
    var t = document.createElement("tbody");
    t.innerHTML = html.trim();
    return t.firstElementChild;
  }
  function countRows() {
    var n = tbody.querySelectorAll("tr[data-incident]").length;
    empty.hidden = n > 0;
    return n;
  }
  function flash(tr) {
    tr.classList.remove("is-flash");
    void tr.offsetWidth; // restart the animation
    tr.classList.add("is-flash");
    setTimeout(function () { tr.classList.remove("is-flash"); }, 5000);
  }

  function apply(body) {
    if (body.reload) { window.location.reload(); return; }
    var isNew = {};
    (body.new || []).forEach(function (id) { isNew[id] = true; });
    var rang = false;
    (body.rows || []).forEach(function (row) {
      var tr = fromHtml(row.html);
      var old = rowOf(row.id);
      if (old) {
        old.replaceWith(tr);
      } else {
        tbody.insertBefore(tr, tbody.firstElementChild);
      }
      if (row.point) addPoint(row.point); else removePoint(row.id);
      if (isNew[row.id] && !old) {
        tr.setAttribute("data-new", "true");
        flash(tr);
        rang = true;
      } else {
        flash(tr);
      }
    });
    (body.removed || []).forEach(function (id) {
      var old = rowOf(id);
      if (old) old.remove();
      removePoint(id);
    });
    if (body.summary) showSummary(body.summary);
    countRows();
    if (window.YingjiCountdown) window.YingjiCountdown.tick();
    if (rang) ring();
  }

  // --- the summary strip: the server's counts of every open incident the filters match;
  // rows fall overdue by the clock alone, so the loaded rows that passed their due time
  // since the server counted are added until the next full answer (at least every minute).
  function overdueNow() {
    if (!summary) return 0;
    var since = Date.parse(summary.now);
    var now = Date.now() + (window.YingjiCountdown ? window.YingjiCountdown.offset() : 0);
    var extra = 0;
    tbody.querySelectorAll("tr[data-due]").forEach(function (tr) {
      var due = Date.parse(tr.getAttribute("data-due"));
      if (due >= since && due < now) extra += 1;
    });
    return summary.overdue + extra;
  }
  function showOverdue() {
    var n = overdueNow();
    overdueCount.textContent = String(n);
    overdueStat.classList.toggle("is-alarm", n > 0);
  }
  function showSummary(s) {
    summary = s;
    openCount.textContent = String(s.total);
    s.levels.forEach(function (l) {
      var el = document.querySelector('[data-level="' + l.value + '"]');
      if (!el) return;
      el.querySelector("[data-level-count]").textContent = String(l.count);
      var o = el.querySelector("[data-level-overdue]");
      o.querySelector("b").textContent = String(l.overdue);
      o.hidden = !l.overdue;
    });
    s.statuses.forEach(function (st) {
      var el = document.querySelector('[data-status="' + st.value + '"] [data-status-count]');
      if (el) el.textContent = String(st.count);
    });
    showOverdue();
    showShown();
  }
  function showShown() {
    if (shownNote && summary && labels.shown) {
      shownNote.textContent = labels.shown.replace("{n}", String(countRows())).replace("{total}", String(summary.total));
    }
  }

  // --- "加载更多": the next page, in the board's order, below the loaded rows ---------------
  if (moreButton) {
    moreButton.addEventListener("click", function () {
      if (nextOffset === null || nextOffset === undefined) return;
      var params = new URLSearchParams(window.location.search);
      params.set("offset", String(nextOffset));
      moreButton.disabled = true;
      fetch(config.rowsUrl + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
        .then(function (body) {
          body.rows.forEach(function (row) {
            if (rowOf(row.id)) return; // already here (came live)
            tbody.appendChild(fromHtml(row.html));
            if (row.point) addPoint(row.point);
          });
          nextOffset = body.next;
          moreButton.hidden = nextOffset === null || nextOffset === undefined;
          countRows();
          showShown();
          if (window.YingjiCountdown) window.YingjiCountdown.tick();
        })
        .catch(function () { status(labels.offline, true); })
        .then(function () { moreButton.disabled = false; });
    });
  }

  function status(text, error) {
    live.textContent = text;
    live.classList.toggle("is-error", !!error);
  }

  function poll() {
    var params = new URLSearchParams(window.location.search);
    params.set("since", token);
    var headers = { Accept: "application/json" };
    // A full answer now and then (no If-None-Match): the summary's overdue count follows the clock.
    if (etag && Date.now() - lastFull < (config.summaryMs || 60000)) headers["If-None-Match"] = etag;
    else lastFull = Date.now();
    fetch(config.changesUrl + "?" + params.toString(), { credentials: "same-origin", headers: headers, cache: "no-store" })
      .then(function (r) {
        if (r.status === 304) return null;
        if (!r.ok || (r.headers.get("Content-Type") || "").indexOf("application/json") < 0) throw new Error("HTTP " + r.status);
        etag = r.headers.get("ETag");
        return r.json();
      })
      .then(function (body) {
        failures = 0;
        if (body) {
          token = body.token;
          apply(body);
          var now = new Date();
          status(labels.live + " · " + labels.updated + " " + now.toTimeString().slice(0, 8));
        } else if (live.classList.contains("is-error")) {
          status(labels.live);
        }
        document.body.setAttribute("data-board-token", token);
        schedule();
      })
      .catch(function () {
        failures += 1;
        status(labels.offline, true);
        schedule();
      });
  }
  function schedule() {
    var wait = failures ? Math.min(30000, (config.pollMs || 2500) * Math.pow(2, failures - 1)) : (config.pollMs || 2500);
    setTimeout(poll, wait);
  }

  document.addEventListener("yingji:countdown", showOverdue);
  countRows();
  if (summary) showSummary(summary);
  if (window.YingjiCountdown) window.YingjiCountdown.tick(); // the overdue count, now
  document.body.setAttribute("data-board-token", token);
  document.body.setAttribute("data-board-ready", "true");
  schedule();
})();
