// PartnerHub reporting: draws the overview's charts from the JSON data block (no inline scripts; CSP).
(function () {
  "use strict";
  const block = document.getElementById("reporting-charts");
  if (!block || typeof window.Chart === "undefined") {
    return;
  }
  // Status charts bring their colours from the server (partnerhub/status_colours.py: green good,
  // amber needs attention, red bad, grey neutral); others get these, which are none of those.
  const palette = ["#0d6efd", "#6f42c1", "#20c997", "#6c757d", "#0dcaf0", "#d63384", "#adb5bd", "#495057"];
  const charts = JSON.parse(block.textContent);
  charts.forEach(function (spec) {
    const canvas = document.getElementById(spec.id);
    if (!canvas) {
      return;
    }
    // Set through the CSSOM (allowed by the CSP), so the chart has a height to be responsive in.
    canvas.parentElement.style.position = "relative";
    canvas.parentElement.style.height = "240px";
    const round = spec.type === "doughnut" || spec.type === "pie";
    const datasets = spec.datasets.map(function (dataset, index) {
      const colour = palette[index % palette.length];
      return Object.assign({
        backgroundColor: round ? palette.slice(0, dataset.data.length) : colour,
        borderColor: round ? "#fff" : colour,
      }, dataset, {
        borderColor: round ? "#fff" : (dataset.borderColor || dataset.backgroundColor || colour),
        tension: 0.2,
        spanGaps: false, // a month not reported is a gap, never a drop to 0
      });
    });
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: round || datasets.length > 1 } },
        scales: round ? {} : { y: { beginAtZero: true } },
      },
    });
  });
})();
