/* Draws the weekly report's charts from the JSON the page carries (no inline script). */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  var COLOURS = ["#1f4fd1", "#137a3a", "#a15c00", "#b42318", "#5b5fc7", "#0f9d8a"];

  function line(canvas, labels, series) {
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: labels,
        datasets: series.map(function (s, i) {
          return { label: s.label, data: s.data, borderColor: COLOURS[i], backgroundColor: COLOURS[i],
                   yAxisID: s.axis || "y", tension: 0.25, spanGaps: true };
        })
      },
      options: { maintainAspectRatio: false, animation: false, interaction: { mode: "index", intersect: false },
                 scales: { y: { beginAtZero: true, position: "left" },
                           pct: { beginAtZero: true, max: 100, position: "right", grid: { drawOnChartArea: false } } } }
    });
  }

  function bars(canvas, labels, series, horizontal) {
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: series.map(function (s, i) {
        return { label: s.label, data: s.data, backgroundColor: COLOURS[i] };
      }) },
      options: { maintainAspectRatio: false, animation: false, indexAxis: horizontal ? "y" : "x",
                 scales: { x: { beginAtZero: true }, y: { beginAtZero: true } } }
    });
  }

  ready(function () {
    var source = document.getElementById("report-charts");
    if (!source || !window.Chart) return;
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var kind = canvas.getAttribute("data-chart");
      var head = Array.prototype.map.call(canvas.closest(".chart-card").querySelectorAll("thead th"),
                                          function (th) { return th.textContent; });
      if (kind === "trend") {
        line(canvas, data.trend.map(function (w) { return w.week; }), [
          { label: head[1], data: data.trend.map(function (w) { return w.received; }) },
          { label: head[2], data: data.trend.map(function (w) { return w.closed; }) },
          { label: head[3], data: data.trend.map(function (w) { return w.first_reply_met_pct; }), axis: "pct" },
          { label: head[4], data: data.trend.map(function (w) { return w.resolution_met_pct; }), axis: "pct" }
        ]);
      } else if (kind === "categories") {
        var top = data.categories.slice(0, 12);
        bars(canvas, top.map(function (c) { return c.label; }), [
          { label: head[1], data: top.map(function (c) { return c.count; }) },
          { label: head[3], data: top.map(function (c) { return c.previous; }) }
        ], true);
      } else if (kind === "histogram") {
        bars(canvas, data.histogram.buckets, [
          { label: head[1], data: data.histogram.first_reply },
          { label: head[2], data: data.histogram.resolution }
        ]);
      } else if (kind === "satisfaction") {
        bars(canvas, data.satisfaction.map(function (s) { return "★ " + s.score; }), [
          { label: head[1], data: data.satisfaction.map(function (s) { return s.count; }) }
        ]);
      }
      canvas.setAttribute("data-drawn", "1");
    });
  });
})();
