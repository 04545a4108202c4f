/* The GB/T 35561 incident type picker (incidents/_type_picker.html).

   - Loads the whole code table once (~370 rows, one request to the types API with
     page_size=1000), keeps it in sessionStorage for the visit, and searches it locally:
     instant on a phone, and a lost connection after the first load does not matter.
   - Search: every word must appear in the code, the name or the names above it
     ("森林 火灾", "11b", "暴雨"); exact and prefix code matches come first.
   - Browse: 全部类别 → 大类 → 亚类 → 细类 with a trail to go back; a 亚类 can be chosen
     itself ("选择 水旱灾害").
   - Doubtful codes carry a 存疑 badge whose title is the source note.
   - Keyboard: ↑/↓ move, Enter chooses or opens, Escape clears the search, Backspace in an
     empty box goes up one level.
   Several pickers may share a page; the table is fetched once for all of them. */
(function () {
  "use strict";
  if (window.YingjiTypePicker) return; // the include may appear more than once

  var CACHE_KEY = "yingji.incidentTypes.v1";
  var CACHE_MS = 60 * 60 * 1000;
  var MAX_RESULTS = 60;
  var tables = {}; // url -> Promise of the indexed table

  function text(root, key, n) {
    var value = root.getAttribute("data-text-" + key) || "";
    return n === undefined ? value : value.replace("{n}", String(n));
  }

  function indexRows(rows) {
    var byCode = {};
    var byId = {};
    var children = {};
    rows.sort(function (a, b) { return a.code < b.code ? -1 : a.code > b.code ? 1 : 0; });
    rows.forEach(function (row) {
      byCode[row.code] = row;
      byId[String(row.id)] = row;
    });
    rows.forEach(function (row) {
      var parent = row.parent && typeof row.parent === "object" ? row.parent.code : row.parent;
      row.parentCode = parent || "";
      (children[row.parentCode] = children[row.parentCode] || []).push(row);
    });
    rows.forEach(function (row) {
      var names = [];
      var up = byCode[row.parentCode];
      while (up && up.depth > 0) { names.unshift(up.name); up = byCode[up.parentCode]; }
      row.path = names;
      row.hasChildren = !!(children[row.code] && children[row.code].length);
      row.haystack = (row.code + " " + row.name + " " + names.join(" ")).toUpperCase();
    });
    var roots = children[""] || [];
    // Browse from the root's children (the 大类) when the root 10000 is in the table.
    var top = roots.length === 1 && children[roots[0].code] ? roots[0].code : "";
    return { rows: rows, byCode: byCode, byId: byId, children: children, top: top };
  }

  function fetchAll(url) {
    var results = [];
    function page(next) {
      return fetch(next, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (body) {
          if (Array.isArray(body)) { results = results.concat(body); return results; }
          results = results.concat(body.results || []);
          return body.next ? page(body.next) : results;
        });
    }
    var sep = url.indexOf("?") === -1 ? "?" : "&";
    return page(url + sep + "page_size=1000&ordering=code");
  }

  function loadTable(url) {
    if (tables[url]) return tables[url];
    var cached = null;
    try {
      cached = JSON.parse(window.sessionStorage.getItem(CACHE_KEY + ":" + url) || "null");
    } catch (e) { cached = null; }
    if (cached && cached.rows && Date.now() - cached.at < CACHE_MS) {
      tables[url] = Promise.resolve(indexRows(cached.rows));
      return tables[url];
    }
    tables[url] = fetchAll(url).then(function (rows) {
      try {
        var slim = rows.map(function (r) {
          return { id: r.id, code: r.code, name: r.name, parent: r.parent, depth: r.depth,
                   is_doubtful: !!r.is_doubtful, note: r.note || "" };
        });
        window.sessionStorage.setItem(CACHE_KEY + ":" + url, JSON.stringify({ at: Date.now(), rows: slim }));
      } catch (e) { /* private mode or full storage: fine without a cache */ }
      return indexRows(rows);
    }, function (error) {
      delete tables[url];
      throw error;
    });
    return tables[url];
  }

  function search(table, query) {
    var q = query.trim().toUpperCase();
    if (!q) return [];
    var words = q.split(/\s+/);
    var hits = [];
    table.rows.forEach(function (row) {
      if (row.depth === 0) return;
      for (var i = 0; i < words.length; i++) {
        if (row.haystack.indexOf(words[i]) === -1) return;
      }
      var rank = 4;
      if (row.code === q) rank = 0;
      else if (row.code.indexOf(q) === 0) rank = 1;
      else if (row.name.toUpperCase().indexOf(words[0]) === 0) rank = 2;
      else if (row.name.toUpperCase().indexOf(words[0]) !== -1) rank = 3;
      hits.push({ row: row, rank: rank });
    });
    hits.sort(function (a, b) {
      return a.rank - b.rank || (a.row.code < b.row.code ? -1 : 1);
    });
    return hits.map(function (hit) { return hit.row; });
  }

  function selectable(row) {
    return row.depth >= 2 || (row.depth === 1 && !row.hasChildren);
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function Picker(root) {
    this.root = root;
    this.valueField = root.getAttribute("data-value-field") === "id" ? "id" : "code";
    this.input = root.querySelector("[data-type-picker-value]");
    this.box = root.querySelector("[data-type-picker-search]");
    this.list = root.querySelector("[data-type-picker-list]");
    this.trail = root.querySelector("[data-type-picker-trail]");
    this.status = root.querySelector("[data-type-picker-status]");
    this.chosenText = root.querySelector("[data-type-picker-chosen-text]");
    this.table = null;
    this.node = "";
    this.items = [];
    this.active = -1;
    this.bind();
    this.load();
  }

  Picker.prototype.load = function () {
    var self = this;
    self.status.textContent = text(self.root, "loading");
    loadTable(self.root.getAttribute("data-url")).then(function (table) {
      self.table = table;
      self.node = table.top;
      var chosen = self.current();
      if (chosen) self.node = chosen.hasChildren ? chosen.code : chosen.parentCode;
      self.showChosen();
      self.render();
      self.root.setAttribute("data-ready", "true");
    }, function () {
      self.status.textContent = text(self.root, "failed") + " ";
      var retry = el("button", "btn btn-plain", text(self.root, "retry"));
      retry.type = "button";
      retry.addEventListener("click", function () { self.load(); });
      self.status.appendChild(retry);
    });
  };

  Picker.prototype.current = function () {
    if (!this.table) return null;
    var value = (this.input.value || "").trim();
    if (!value) return null;
    return this.valueField === "id" ? this.table.byId[value] || null
      : this.table.byCode[value.toUpperCase()] || null;
  };

  Picker.prototype.showChosen = function () {
    var row = this.current();
    this.chosenText.textContent = "";
    if (!row) {
      this.chosenText.textContent = this.input.value
        ? this.input.value : text(this.root, "not-chosen");
      return;
    }
    this.chosenText.appendChild(document.createTextNode(row.code + " " + row.name));
    if (row.is_doubtful) this.chosenText.appendChild(this.badge(row));
    if (row.path.length) this.chosenText.appendChild(el("span", "type-picker-path", row.path.join(" › ")));
  };

  Picker.prototype.badge = function (row) {
    var badge = el("span", "tag tag-warn type-picker-doubtful", text(this.root, "doubtful"));
    badge.title = row.note || text(this.root, "doubtful-title");
    return badge;
  };

  Picker.prototype.bind = function () {
    var self = this;
    self.box.addEventListener("input", function () { self.active = -1; self.render(); });
    self.box.addEventListener("keydown", function (event) { self.key(event); });
    self.input.addEventListener("change", function () {
      // a draft restore (or other script) set the value: follow it
      var row = self.current();
      if (row && self.table) self.node = row.hasChildren ? row.code : row.parentCode;
      self.showChosen();
      if (self.table) self.render();
    });
    self.list.addEventListener("click", function (event) {
      var button = event.target instanceof Element ? event.target.closest("button[data-index]") : null;
      if (button) self.activate(parseInt(button.getAttribute("data-index"), 10));
    });
    self.trail.addEventListener("click", function (event) {
      var button = event.target instanceof Element ? event.target.closest("button[data-node]") : null;
      if (!button || button.hasAttribute("aria-current")) return;
      self.node = button.getAttribute("data-node");
      self.box.value = "";
      self.render();
      self.box.focus();
    });
  };

  Picker.prototype.key = function (event) {
    var count = this.items.length;
    if (event.key === "ArrowDown" && count) {
      event.preventDefault();
      this.highlight((this.active + 1) % count);
    } else if (event.key === "ArrowUp" && count) {
      event.preventDefault();
      this.highlight(this.active <= 0 ? count - 1 : this.active - 1);
    } else if (event.key === "Enter") {
      event.preventDefault(); // never submit the form from the search box
      if (this.active >= 0) this.activate(this.active);
      else if (count === 1 || (count && this.items[0].row.code === this.box.value.trim().toUpperCase())) {
        this.activate(0);
      }
    } else if (event.key === "Escape" && this.box.value) {
      event.preventDefault();
      this.box.value = "";
      this.render();
    } else if (event.key === "Backspace" && !this.box.value && this.table && this.node !== this.table.top) {
      var up = this.table.byCode[this.node];
      this.node = up && up.parentCode && up.parentCode !== "" ? up.parentCode : this.table.top;
      if (this.table.byCode[this.node] && this.table.byCode[this.node].depth === 0) this.node = this.table.top;
      this.render();
    }
  };

  Picker.prototype.highlight = function (index) {
    var options = this.list.querySelectorAll("[role=option]");
    for (var i = 0; i < options.length; i++) options[i].setAttribute("aria-selected", i === index ? "true" : "false");
    this.active = index;
    if (index >= 0 && options[index]) {
      this.box.setAttribute("aria-activedescendant", options[index].id);
      if (options[index].scrollIntoView) options[index].scrollIntoView({ block: "nearest" });
    } else {
      this.box.removeAttribute("aria-activedescendant");
    }
  };

  Picker.prototype.activate = function (index) {
    var item = this.items[index];
    if (!item) return;
    if (item.action === "open") {
      this.node = item.row.code;
      this.box.value = "";
      this.render();
      this.box.focus();
    } else {
      this.choose(item.row);
    }
  };

  Picker.prototype.choose = function (row) {
    this.input.value = this.valueField === "id" ? String(row.id) : row.code;
    this.box.value = "";
    this.node = row.hasChildren ? row.code : row.parentCode;
    this.showChosen();
    this.render();
    this.input.dispatchEvent(new Event("input", { bubbles: true }));
    this.input.dispatchEvent(new Event("change", { bubbles: true }));
    this.root.dispatchEvent(new CustomEvent("typepicker:change", {
      bubbles: true,
      detail: { id: row.id, code: row.code, name: row.name, is_doubtful: !!row.is_doubtful },
    }));
  };

  Picker.prototype.render = function () {
    if (!this.table) return;
    var table = this.table;
    var query = this.box.value.trim();
    var items = [];
    var status = "";
    if (query) {
      var found = search(table, query);
      found.slice(0, MAX_RESULTS).forEach(function (row) {
        items.push({ row: row, action: selectable(row) ? "choose" : "open", showPath: true });
      });
      status = !found.length ? text(this.root, "none")
        : found.length > MAX_RESULTS ? text(this.root, "more", MAX_RESULTS)
        : text(this.root, "count", found.length);
    } else {
      var here = table.byCode[this.node];
      if (here && here.depth > 0 && selectable(here)) {
        items.push({ row: here, action: "choose", chooseThis: true });
      }
      (table.children[this.node] || []).forEach(function (row) {
        items.push({ row: row, action: row.hasChildren ? "open" : "choose" });
      });
    }
    this.items = items;
    this.active = -1;
    this.box.removeAttribute("aria-activedescendant");
    this.renderTrail(query);
    this.renderList();
    this.status.textContent = status;
  };

  Picker.prototype.renderTrail = function (query) {
    var table = this.table;
    this.trail.textContent = "";
    this.trail.hidden = !!query; // search results carry their own path
    var chain = [];
    var node = table.byCode[this.node];
    while (node && node.depth > 0) { chain.unshift(node); node = table.byCode[node.parentCode]; }
    var all = el("button", "", text(this.root, "all"));
    all.type = "button";
    all.setAttribute("data-node", table.top);
    if (!chain.length && !query) all.setAttribute("aria-current", "location");
    this.trail.appendChild(all);
    var self = this;
    chain.forEach(function (row, i) {
      self.trail.appendChild(el("span", "", "›"));
      var step = el("button", "", row.name);
      step.type = "button";
      step.setAttribute("data-node", row.code);
      if (i === chain.length - 1 && !query) step.setAttribute("aria-current", "location");
      self.trail.appendChild(step);
    });
  };

  Picker.prototype.renderList = function () {
    var self = this;
    var chosen = this.current();
    var listId = this.list.id || "type-picker-list";
    this.list.textContent = "";
    this.items.forEach(function (item, index) {
      var row = item.row;
      var li = el("li", item.chooseThis ? "type-picker-choose" : "");
      li.setAttribute("role", "option");
      li.id = listId + "-" + index;
      li.setAttribute("aria-selected", "false");
      li.setAttribute("data-code", row.code);
      if (chosen && chosen.code === row.code && item.action === "choose") li.classList.add("is-chosen");
      var button = el("button");
      button.type = "button";
      button.tabIndex = -1;
      button.setAttribute("data-index", String(index));
      button.setAttribute("data-action", item.action);
      button.appendChild(el("span", "type-picker-code", row.code));
      var name = item.chooseThis ? text(self.root, "choose-this") + " " + row.name : row.name;
      button.appendChild(el("span", "type-picker-name", name));
      if (row.is_doubtful) button.appendChild(self.badge(row));
      if (item.action === "open") button.appendChild(el("span", "type-picker-more", "›"));
      if (item.showPath && row.path.length) button.appendChild(el("span", "type-picker-path", row.path.join(" › ")));
      li.appendChild(button);
      self.list.appendChild(li);
    });
  };

  function init(scope) {
    var roots = (scope || document).querySelectorAll("[data-type-picker]");
    Array.prototype.forEach.call(roots, function (root) {
      if (root.typePicker) return;
      root.typePicker = new Picker(root);
    });
  }

  window.YingjiTypePicker = { init: init, search: search, indexRows: indexRows };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(); });
  else init();
  // pages that swap content in with htmx get their pickers too
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
