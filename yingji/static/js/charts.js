/* Draws the ECharts charts of a page. Each chart is an element
   <div data-chart="bar|pie" data-source="ID">, where ID names a json_script element:
   bar: {"names": [...], "values": [...]}; pie: [{"name": ..., "value": ...}, ...]. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;

  var FONT = '"Microsoft YaHei", "PingFang SC", "WenQuanYi Zen Hei", sans-serif';
  var COLORS = ["#1d4e89", "#a8161b", "#d4a84b", "#3a7d44", "#6b4c9a", "#2f8fa3", "#c25e1b", "#7a8794"];

  function data(el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function barOption(d) {
    return {
      color: COLORS,
      textStyle: { fontFamily: FONT },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: {
        type: "category", data: d.names,
        axisLabel: { interval: 0, rotate: d.names.length > 6 ? 40 : 0, fontFamily: FONT }
      },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: d.values, barMaxWidth: 28, label: { show: true, position: "top" } }]
    };
  }

  function pieOption(d, el) {
    var narrow = el.clientWidth < 420; // on phones the legend names the slices

    return {
      color: COLORS,
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { bottom: 0, type: "scroll", textStyle: { fontFamily: FONT } },
      series: [{
        type: "pie", radius: ["38%", "66%"], center: ["50%", "44%"], data: d,
        label: { show: !narrow, formatter: "{b}\n{c}", fontFamily: FONT }
      }]
    };
  }

  function draw() {
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var d = data(el);
      if (!d) return;
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(el.getAttribute("data-chart") === "pie" ? pieOption(d, el) : barOption(d));
      el.setAttribute("data-chart-ready", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
