/* searchbench history: one uPlot chart per strategy and metric, one line per search, a
   tooltip per commit (commit, value, change), a red marker where a gate failed, and a table
   view. The page carries its data as JSON in #searchbench-data; nothing is fetched. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("searchbench-data").textContent);
  var FAILED = "#d62728";
  var WHOLE = [];  /* 1, 2, 5, 10, 20, 50, ...: whole-number steps for commits, batches, probes */
  for (var e = 1; e < 1e10; e *= 10) WHOLE.push(e, 2 * e, 5 * e);
  var charts = [];
  window.searchbenchCharts = charts;

  function show(value) {
    if (value === null || value === undefined) return "none";
    return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
  }

  function change(before, after) {
    if (before === undefined) return "first commit";
    if (before === null || after === null) return before === after ? "unchanged" : "was " + show(before);
    var delta = Math.round((after - before) * 100) / 100;
    if (delta === 0) return "unchanged";
    var text = (delta > 0 ? "+" : "") + show(delta);
    if (before !== 0) text += ", " + (delta > 0 ? "+" : "") + (100 * delta / before).toFixed(1) + "%";
    return text;
  }

  function element(tag, className, text, color) {
    var node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) node.textContent = text;
    if (color) node.style.color = color;
    return node;
  }

  function tooltip(strategy, searches) {
    var tip;
    function init(u) {
      tip = element("div", "sb-tooltip");
      tip.setAttribute("role", "tooltip");
      tip.style.display = "none";
      u.over.appendChild(tip);
    }
    function setCursor(u) {
      var i = u.cursor.idx;
      if (i === null || i === undefined || u.cursor.left < 0) {
        tip.style.display = "none";
        return;
      }
      var commit = data.commits[i];
      var lines = [
        element("div", "sb-tip-commit", commit.short + " · " + commit.date.slice(0, 10)),
        element("div", "sb-tip-subject", commit.subject),
      ];
      searches.forEach(function (search, k) {
        var values = u.data[k + 1];
        var text = "● " + search.name + ": " + show(values[i]) + " (" + change(i > 0 ? values[i - 1] : undefined, values[i]) + ")";
        lines.push(element("div", "sb-tip-value", text, search.color));
      });
      if (strategy.failed[i].length) {
        lines.push(element("div", "sb-tip-failed", "▼ gate failed: " + strategy.failed[i].join(", ")));
      }
      tip.replaceChildren.apply(tip, lines);
      tip.style.display = "block";
      var left = u.cursor.left + 14;
      if (left + tip.offsetWidth > u.over.clientWidth) left = Math.max(0, u.cursor.left - tip.offsetWidth - 14);
      tip.style.left = left + "px";
      tip.style.top = Math.max(0, u.cursor.top - tip.offsetHeight - 8) + "px";
    }
    return { hooks: { init: init, setCursor: setCursor } };
  }

  function failedGates(strategy) {
    var lines = function (u) {
      u.ctx.save();
      u.ctx.strokeStyle = "rgba(214, 39, 40, 0.35)";
      u.ctx.lineWidth = uPlot.pxRatio;
      strategy.failed.forEach(function (items, i) {
        if (!items.length) return;
        var x = Math.round(u.valToPos(i, "x", true));
        u.ctx.beginPath();
        u.ctx.moveTo(x, u.bbox.top);
        u.ctx.lineTo(x, u.bbox.top + u.bbox.height);
        u.ctx.stroke();
      });
      u.ctx.restore();
    };
    var markers = function (u) {
      var size = 6 * uPlot.pxRatio;
      u.ctx.save();
      u.ctx.fillStyle = FAILED;
      strategy.failed.forEach(function (items, i) {
        if (!items.length) return;
        var x = u.valToPos(i, "x", true);
        var tip = u.bbox.top - 3 * uPlot.pxRatio;
        u.ctx.beginPath();
        u.ctx.moveTo(x - size, tip - 2 * size);
        u.ctx.lineTo(x + size, tip - 2 * size);
        u.ctx.lineTo(x, tip);
        u.ctx.closePath();
        u.ctx.fill();
      });
      u.ctx.restore();
    };
    return { drawAxes: [lines], draw: [markers] };
  }

  function padded(u, min, max) {
    if (min === null || max === null) return [0, 1];
    var pad = min === max ? Math.max(Math.abs(min) * 0.1, 1) : (max - min) * 0.15;
    return [min - pad, max + pad];
  }

  function xAxisLabels(u, splits) {
    return splits.map(function (i) {
      var commit = data.commits[i];
      return Number.isInteger(i) && commit ? commit.short : "";
    });
  }

  function chart(figure, strategy, metric) {
    var place = figure.querySelector(".sb-plot");
    var searches = data.searches.filter(function (s) { return strategy.values[s.name]; });
    var columns = [data.commits.map(function (_, i) { return i; })];
    var series = [{ label: "commit" }];
    searches.forEach(function (search) {
      columns.push(strategy.values[search.name][metric]);
      series.push({
        label: search.name,
        stroke: search.color,
        width: 2,
        spanGaps: false,
        points: { show: true, size: 8, fill: search.color, stroke: search.color },
      });
    });
    var last = data.commits.length - 0.5;
    var plot = new uPlot({
      width: Math.max(place.clientWidth, 240),
      height: 210,
      padding: [22, 12, 0, 0],
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 10 } },
      scales: { x: { time: false, range: function () { return [-0.5, last]; } }, y: { range: padded } },
      axes: [
        { space: 56, incrs: WHOLE, values: xAxisLabels },
        metric === "projected_msmodeling_s" ? { size: 56 } : { size: 56, incrs: WHOLE },
      ],
      series: series,
      hooks: failedGates(strategy),
      plugins: [tooltip(strategy, searches)],
    }, columns, place);
    charts.push({ strategy: strategy.key, metric: metric, plot: plot, figure: figure, searches: searches });
  }

  document.querySelectorAll("figure.sb-chart").forEach(function (figure) {
    chart(figure, data.strategies[Number(figure.dataset.strategy)], figure.dataset.metric);
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (c) {
      var width = c.figure.querySelector(".sb-plot").clientWidth;
      if (width) c.plot.setSize({ width: Math.max(width, 240), height: 210 });
    });
  });

  document.querySelectorAll("[data-view]").forEach(function (button) {
    button.addEventListener("click", function () {
      var table = button.dataset.view === "table";
      document.body.classList.toggle("table-view", table);
      document.body.classList.toggle("charts-view", !table);
      document.querySelectorAll("[data-view]").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b === button));
      });
    });
  });

  document.documentElement.dataset.charts = String(charts.length);
})();
