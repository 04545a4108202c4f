/* The officer's phone form (首报). One column, big targets; GPS with a manual pin; photos
   from the camera; survives a bad connection:
   - one idempotency key per draft (crypto.randomUUID), sent with every attempt, so a
     repeated tap or a retry after a lost answer makes one record;
   - the submission is retried with backoff until the server acknowledges it;
   - the draft is kept in localStorage while unsent and offered back on return;
   - photos are uploaded one by one after the incident exists, each retried. */
(function () {
  "use strict";
  var M = window.YingjiMap;
  var form = document.querySelector("[data-report-form]");
  if (!form) return;
  var labels = M.readJson("report-labels") || {};
  var config = M.readJson("map-config") || {};
  var DRAFT = "yingji.reportDraft";
  var statusEl = form.querySelector("[data-submit-status]");
  var submitBtn = form.querySelector("[data-submit]");
  var alertEl = document.querySelector("[data-form-alert]");
  var keyInput = form.querySelector("input[name=idempotency_key]");
  var photosInput = form.querySelector("[data-photos]");
  var photoList = form.querySelector("[data-photo-list]");
  var photos = []; // {file, figure, state}
  var sending = false;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function say(text, error) {
    statusEl.textContent = text || "";
    statusEl.classList.toggle("is-error", !!error);
  }

  // --- draft -----------------------------------------------------------------------------
  function fields() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "checkbox") data[el.name] = el.checked;
      else if (el.type === "radio") { if (el.checked) data[el.name] = el.value; }
      else data[el.name] = el.value;
    });
    return data;
  }
  function fill(data) {
    Object.keys(data).forEach(function (name) {
      var el = form.elements[name];
      if (!el) return;
      if (el.type === "checkbox") el.checked = !!data[name];
      else el.value = data[name];
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }
  function readDraft() {
    try { return JSON.parse(window.localStorage.getItem(DRAFT) || "null"); } catch (e) { return null; }
  }
  function saveDraft() {
    try {
      window.localStorage.setItem(DRAFT, JSON.stringify({ savedAt: Date.now(), fields: fields() }));
      form.setAttribute("data-draft-saved", "true");
    } catch (e) { /* storage full or disabled: the retry loop still holds the data */ }
  }
  function clearDraft() {
    try { window.localStorage.removeItem(DRAFT); } catch (e) { /* ignore */ }
  }
  var saveTimer = null;
  form.addEventListener("input", function () {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveDraft, 400);
  });
  form.addEventListener("change", function () { clearTimeout(saveTimer); saveTimer = setTimeout(saveDraft, 400); });

  // A fresh key per draft (the server put one in for pages without script; ours replaces it).
  var server_has_errors = !!document.querySelector(".errorlist li");
  if (!server_has_errors) keyInput.value = uuid();
  var draft = readDraft();
  var banner = document.querySelector("[data-draft-banner]");
  if (draft && draft.fields && !server_has_errors) {
    banner.hidden = false;
    banner.querySelector("[data-draft-time]").textContent = "(" + new Date(draft.savedAt).toLocaleString() + ")";
    banner.querySelector("[data-draft-restore]").addEventListener("click", function () {
      fill(draft.fields); // includes the draft's own idempotency key: a resend stays one record
      banner.hidden = true;
      if (draft.fields.lon && draft.fields.lat) placePin(parseFloat(draft.fields.lat), parseFloat(draft.fields.lon), true);
      saveDraft();
    });
    banner.querySelector("[data-draft-discard]").addEventListener("click", function () {
      clearDraft();
      banner.hidden = true;
    });
  }

  // --- steppers ------------------------------------------------------------------------
  form.querySelectorAll("[data-step]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = button.parentNode.querySelector("input");
      var value = parseInt(input.value, 10);
      if (isNaN(value)) value = 0;
      input.value = String(Math.max(0, value + parseInt(button.getAttribute("data-step"), 10)));
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });

  // Desks get the extra fields open.
  var more = form.querySelector("[data-more]");
  if (more && window.matchMedia("(min-width: 901px)").matches) more.open = true;

  // --- location: GPS and a manual pin ----------------------------------------------------
  var lonInput = form.elements.lon;
  var latInput = form.elements.lat;
  var geoStatus = form.querySelector("[data-geo-status]");
  var mapEl = form.querySelector("[data-pin-map]");
  var map = L.map(mapEl, { scrollWheelZoom: false, tap: true }).setView(config.center || [36.65, 117.12], config.zoom || 9);
  map.attributionControl.setPrefix(false);
  M.addBaseLayers(map, config);
  if (config.layersUrl) {
    fetch(config.layersUrl + "?level=district", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data) L.geoJSON(data, { style: { color: M.colors.district, weight: 1, fill: false }, interactive: false }).addTo(map);
        mapEl.setAttribute("data-map-ready", "true");
      })
      .catch(function () { mapEl.setAttribute("data-map-ready", "true"); });
  } else {
    mapEl.setAttribute("data-map-ready", "true");
  }
  var pin = null;
  function geoSay(text, error) {
    geoStatus.textContent = text;
    geoStatus.classList.toggle("is-error", !!error);
  }
  function placePin(lat, lon, centre) {
    lonInput.value = lon.toFixed(6);
    latInput.value = lat.toFixed(6);
    if (!pin) {
      pin = L.marker([lat, lon], { draggable: true, autoPan: true, keyboard: true }).addTo(map);
      pin.on("dragend", function () {
        var ll = pin.getLatLng();
        placePin(ll.lat, ll.lng, false);
      });
    } else {
      pin.setLatLng([lat, lon]);
    }
    if (centre) map.setView([lat, lon], Math.max(map.getZoom(), 15));
    mapEl.setAttribute("data-pinned", "true");
    if (!form.querySelector("[data-locate]").disabled) geoSay(labels.pinned + " " + lon.toFixed(5) + ", " + lat.toFixed(5));
    saveDraft();
  }
  map.on("click", function (e) { placePin(e.latlng.lat, e.latlng.lng, false); });
  form.querySelector("[data-locate]").addEventListener("click", function () {
    if (!navigator.geolocation) { geoSay(labels.geoDenied, true); return; }
    geoSay(labels.locating);
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        placePin(pos.coords.latitude, pos.coords.longitude, true);
        geoSay(labels.located + " " + Math.round(pos.coords.accuracy) + " " + labels.meters + "（" +
          pos.coords.longitude.toFixed(5) + ", " + pos.coords.latitude.toFixed(5) + "）");
      },
      function () { geoSay(labels.geoDenied, true); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });

  // --- photos ----------------------------------------------------------------------------
  photosInput.addEventListener("change", function () {
    Array.prototype.forEach.call(photosInput.files, function (file) {
      var figure = document.createElement("figure");
      var img = document.createElement("img");
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      var caption = document.createElement("figcaption");
      caption.textContent = labels.photoWait;
      figure.appendChild(img);
      figure.appendChild(caption);
      photoList.appendChild(figure);
      photos.push({ file: file, figure: figure, caption: caption, state: "wait" });
    });
    photosInput.value = "";
  });

  // --- submission ----------------------------------------------------------------------
  function csrf() { return form.elements.csrfmiddlewaretoken.value; }
  function clearErrors() {
    form.querySelectorAll("[data-errors-for]").forEach(function (ul) { ul.innerHTML = ""; });
    form.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    alertEl.hidden = true;
  }
  function showErrors(fieldsErrors, message) {
    var first = null;
    var general = [];
    Object.keys(fieldsErrors || {}).forEach(function (name) {
      var target = name === "lon" || name === "lat" ? "location" : name;
      var ul = form.querySelector('[data-errors-for="' + target + '"]');
      if (!ul) { general = general.concat(fieldsErrors[name]); return; }
      fieldsErrors[name].forEach(function (msg) {
        var li = document.createElement("li");
        li.textContent = msg;
        ul.appendChild(li);
      });
      var box = ul.closest("[data-field]");
      if (box) box.classList.add("has-error");
      if (ul.closest("details")) ul.closest("details").open = true;
      first = first || box || ul;
    });
    if (general.length || message) {
      alertEl.textContent = (message || "") + (general.length ? " " + general.join(" ") : "");
      alertEl.hidden = false;
    }
    (first || alertEl).scrollIntoView({ behavior: "smooth", block: "center" });
  }

  function delay(attempt) { return Math.min(30000, 1000 * Math.pow(2, attempt)) + Math.floor(Math.random() * 400); }
  var wake = null; // resolves a pending wait early when the network comes back
  function wait(ms) {
    return new Promise(function (resolve) {
      var timer = setTimeout(resolve, ms);
      wake = function () { clearTimeout(timer); resolve(); };
    });
  }
  window.addEventListener("online", function () { if (wake) wake(); });

  function send(body, attempt) {
    return fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf() },
      redirect: "follow"
    }).then(function (r) {
      var type = r.headers.get("Content-Type") || "";
      if (r.redirected && r.url.indexOf("/accounts/login/") >= 0) return { kind: "login" };
      if (type.indexOf("application/json") < 0) {
        return { kind: r.status === 403 ? "forbidden" : "retry" };
      }
      return r.json().then(function (data) {
        if (r.status === 200 || r.status === 201) return { kind: "ok", data: data };
        if (r.status === 400) return { kind: "invalid", data: data };
        if (r.status === 403) return { kind: "forbidden" };
        return { kind: "retry" };
      });
    }, function () { return { kind: "retry" }; });
  }

  function submit() {
    if (sending) return; // a repeated tap while sending does nothing (and the key dedups anyway)
    sending = true;
    submitBtn.disabled = true;
    clearErrors();
    saveDraft();
    var body = new FormData(form);
    body.delete("photos");
    var attempt = 0;
    say(labels.sending);
    form.setAttribute("data-state", "sending");
    function loop() {
      return send(body, attempt).then(function (result) {
        if (result.kind === "ok") return result.data;
        if (result.kind === "invalid") {
          showErrors(result.data.fields, result.data.message || labels.invalid);
          say(labels.invalid, true);
          throw new Error("invalid");
        }
        if (result.kind === "forbidden") { say(labels.forbidden, true); throw new Error("forbidden"); }
        if (result.kind === "login") { say(labels.login, true); throw new Error("login"); }
        attempt += 1;
        form.setAttribute("data-attempts", String(attempt));
        say(navigator.onLine === false ? labels.offline : (labels.retrying || "").replace("%s", attempt), true);
        return wait(delay(attempt - 1)).then(loop);
      });
    }
    loop().then(function (data) {
      clearDraft();
      form.setAttribute("data-state", "accepted");
      form.setAttribute("data-incident", String(data.id));
      say(labels.accepted + " " + data.number);
      return uploadAll(data).then(function (failed) {
        var url = data.done_url + (failed ? "?failed=" + failed : "");
        window.location.assign(url);
      });
    }, function () {
      sending = false;
      submitBtn.disabled = false;
      form.setAttribute("data-state", "error");
    });
  }

  function uploadOne(item, data) {
    var attempt = 0;
    function tryOnce() {
      var body = new FormData();
      body.append("file", item.file, item.file.name || "photo.jpg");
      if (lonInput.value && latInput.value) { body.append("lon", lonInput.value); body.append("lat", latInput.value); }
      item.caption.textContent = attempt ? labels.photoRetry : labels.uploading;
      return fetch(data.upload_url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrf() }
      }).then(function (r) {
        if (r.status === 201) return true;
        if (r.status === 400) return r.json().then(function (d) { item.error = d.message; return false; });
        throw new Error("HTTP " + r.status);
      }).catch(function () {
        attempt += 1;
        if (attempt > 6) { item.error = labels.offline; return false; }
        return wait(delay(attempt - 1)).then(tryOnce);
      });
    }
    return tryOnce().then(function (ok) {
      item.state = ok ? "done" : "error";
      item.caption.textContent = ok ? labels.photoDone : labels.photoFailed + (item.error || "");
      item.caption.className = ok ? "photo-state-done" : "photo-state-error";
      return ok;
    });
  }
  function uploadAll(data) {
    var failed = 0;
    var chain = Promise.resolve();
    photos.forEach(function (item, index) {
      chain = chain.then(function () {
        say(labels.accepted + " " + data.number + " · " + labels.uploading + " " + (index + 1) + "/" + photos.length);
        return uploadOne(item, data).then(function (ok) { if (!ok) failed += 1; });
      });
    });
    return chain.then(function () { return failed; });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    submit();
  });
  form.setAttribute("data-ready", "true");
})();
