/* Live countdowns: every <span class="countdown" data-due="ISO"> ticks each second from the
   server-given due time (corrected for the difference between this device's clock and the
   server's). Overdue ones turn red and blink: "已超时 12 分钟". Used by the board and the
   incident page. window.YingjiCountdown.tick() redraws now (after rows are replaced). */
(function () {
  "use strict";

  var labels = { overdue: "已超时", left: "剩余", minutes: "分钟", hours: "小时", days: "天", seconds: "秒" };
  var el = document.getElementById("countdown-labels");
  if (el) {
    try { labels = Object.assign(labels, JSON.parse(el.textContent)); } catch (e) { /* keep defaults */ }
  }
  var offset = 0; // server time − device time, in ms
  if (labels.serverNow) {
    var server = Date.parse(labels.serverNow);
    if (!isNaN(server)) offset = server - Date.now();
  }
  var SOON = 15 * 60 * 1000;

  function span(ms) {
    var minutes = Math.floor(ms / 60000);
    if (minutes < 60) return minutes + " " + labels.minutes;
    var hours = Math.floor(minutes / 60);
    if (hours < 48) return hours + " " + labels.hours + (minutes % 60 ? " " + (minutes % 60) + " " + labels.minutes : "");
    return Math.floor(hours / 24) + " " + labels.days + (hours % 24 ? " " + (hours % 24) + " " + labels.hours : "");
  }

  function clock(ms) {
    var s = Math.floor(ms / 1000);
    var m = Math.floor(s / 60);
    return m + ":" + String(s % 60).padStart(2, "0");
  }

  function tick() {
    var now = Date.now() + offset;
    var overdueRows = 0;
    document.querySelectorAll(".countdown[data-due]").forEach(function (node) {
      var due = Date.parse(node.getAttribute("data-due"));
      if (isNaN(due)) return;
      var left = due - now;
      var row = node.closest("tr");
      if (left < 0) {
        node.textContent = labels.overdue + " " + span(-left);
        node.classList.add("is-overdue");
        node.classList.remove("is-soon");
        node.setAttribute("data-overdue", "true");
        if (row) row.classList.add("is-overdue");
        overdueRows += 1;
      } else {
        node.textContent = labels.left + " " + (left < SOON ? clock(left) : span(left));
        node.classList.toggle("is-soon", left < SOON);
        node.classList.remove("is-overdue");
        node.removeAttribute("data-overdue");
        if (row) row.classList.remove("is-overdue");
      }
    });
    document.dispatchEvent(new CustomEvent("yingji:countdown", { detail: { overdue: overdueRows } }));
  }

  window.YingjiCountdown = {
    tick: tick,
    offset: function () { return offset; },
    setServerTime: function (iso) {
      var server = Date.parse(iso);
      if (!isNaN(server)) offset = server - Date.now();
    }
  };
  tick();
  setInterval(tick, 1000);
})();
