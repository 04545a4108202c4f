/* The incident page: lists possible duplicates (from the duplicates endpoint) with a
   "合并到此事件" button that fills in and submits the merge form. */
(function () {
  "use strict";
  var panel = document.querySelector("[data-panel=merge]");
  if (!panel) return;
  var url = panel.getAttribute("data-duplicates-url");
  var list = panel.querySelector("[data-duplicates]");
  var form = panel.querySelector("[data-merge-form]");
  var labels = {};
  try { labels = JSON.parse(document.getElementById("detail-labels").textContent); } catch (e) { /* defaults */ }
  if (!url) return;

  function item(d) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = d.url || "/incidents/" + d.id + "/";
    a.textContent = (d.number || ("#" + d.id)) + " " + (d.title || "");
    li.appendChild(a);
    var extra = [];
    if (d.distance_m !== undefined && d.distance_m !== null) extra.push(Math.round(d.distance_m) + " m");
    if (d.type_name) extra.push(d.type_name);
    if (d.status_display) extra.push(d.status_display);
    if (extra.length) li.appendChild(document.createTextNode(" · " + extra.join(" · ")));
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-plain";
    button.style.marginLeft = "8px";
    button.textContent = labels.merge || "合并到此事件";
    button.setAttribute("data-merge-target", String(d.id));
    button.addEventListener("click", function () {
      form.elements.target.value = d.id;
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
    li.appendChild(button);
    return li;
  }

  function load() {
    var query = new URLSearchParams({ incident: panel.getAttribute("data-incident") });
    fetch(url + "?" + query.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        var rows = Array.isArray(data) ? data : (data.results || data.candidates || []);
        list.innerHTML = "";
        if (!rows.length) {
          var li = document.createElement("li");
          li.className = "muted";
          li.textContent = labels.none;
          list.appendChild(li);
          return;
        }
        rows.forEach(function (d) { list.appendChild(item(d.incident || d)); });
      })
      .catch(function () { list.innerHTML = '<li class="muted"></li>'; list.firstChild.textContent = labels.failed; });
  }
  load();
})();
