// Draws a report's chart with the vendored Chart.js from the data in #report-chart-data (a
// json_script block: the CSP runs no inline script).
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("report-chart");
    var source = document.getElementById("report-chart-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var options = { responsive: true, animation: false, plugins: { legend: { display: data.kind === "pie" || data.datasets.length > 1 } } };
    if (data.kind !== "pie") options.scales = { y: { beginAtZero: true } };
    canvas.chart = new window.Chart(canvas, { type: data.kind, data: { labels: data.labels, datasets: data.datasets }, options: options });
    canvas.setAttribute("data-drawn", "true");
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
