/* Charts of the statistics pages (ECharts, served locally).
 * Every chart has a table beside it with the same numbers; the charts read the
 * JSON the server embedded in #stats-data. No animation, so printing to PDF
 * captures finished charts. */
(function () {
  "use strict";
  var source = document.getElementById("stats-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var base = { animation: false, textStyle: { fontFamily: "Noto Sans CJK SC, sans-serif" } };

  function opts(extra) { return Object.assign({}, base, extra); }

  var builders = {
    shares: function () {
      return opts({
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
        legend: { type: "scroll", bottom: 0 },
        grid: { left: 48, right: 16, top: 16, bottom: 56 },
        xAxis: { type: "category", data: data.shares.years },
        yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
        series: data.shares.series.map(function (s) {
          return { name: s.name, type: "bar", data: s.data };
        })
      });
    },
    months: function () {
      return opts({
        tooltip: { trigger: "axis" },
        legend: { bottom: 0 },
        grid: { left: 48, right: 16, top: 16, bottom: 48 },
        xAxis: { type: "category", data: data.months.labels },
        yAxis: { type: "value" },
        series: [
          { name: data.words.received, type: "line", data: data.months.received },
          { name: data.words.replied, type: "line", data: data.months.replied }
        ]
      });
    },
    kinds: function () {
      return opts({
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "65%"], data: data.kinds }]
      });
    },
    map: function () {
      // No lawful outline of China ships here: points at each region's coordinates.
      var max = Math.max.apply(null, data.map.map(function (p) { return p.value[2]; }).concat([1]));
      return opts({
        tooltip: { formatter: function (p) { return p.name + "：" + p.value[2]; } },
        grid: { left: 48, right: 16, top: 16, bottom: 32 },
        xAxis: { type: "value", scale: true, name: data.words.longitude },
        yAxis: { type: "value", scale: true, name: data.words.latitude },
        series: [{
          type: "scatter",
          data: data.map,
          symbolSize: function (v) { return 8 + 40 * Math.sqrt(v[2] / max); },
          label: { show: true, formatter: "{b}", position: "right" }
        }]
      });
    }
  };

  document.querySelectorAll("[data-chart]").forEach(function (node) {
    var build = builders[node.getAttribute("data-chart")];
    if (node.getAttribute("data-chart") === "map" && !data.map.length) {
      node.hidden = true;  // no coordinates: the table alone carries the figures
      return;
    }
    var chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption(build());
    window.addEventListener("resize", function () { chart.resize(); });
  });

  // Shade the heat table's cells by their share of the largest cell.
  var cells = document.querySelectorAll("td[data-heat]");
  var top = 0;
  cells.forEach(function (c) { top = Math.max(top, +c.getAttribute("data-heat")); });
  cells.forEach(function (c) {
    var v = +c.getAttribute("data-heat");
    if (top && v) { c.style.background = "rgba(192, 57, 43," + (0.08 + 0.6 * v / top).toFixed(2) + ")"; }
  });
})();
