/* The statistics charts (统计分析 and the board's small charts), drawn with Apache ECharts
 * (vendored: ui/static/ui/vendor/echarts/).
 *
 * The figures come from the page (`json_script` "stats-data", built by ui/stats_presenters.py):
 * nothing is computed here. Each element `[data-chart=KIND]` gets the chart of that kind; a
 * point, bar or slice that carries a `url` opens it when tapped (the case search with the
 * figure's filters). Each chart has a table beside it with the same figures. The board fetches
 * its two small charts once it is up (`[data-stats-src]`, /board/charts/): the summary of a large
 * county takes seconds, and the live lists must not wait for it.
 *
 * The site's Content-Security-Policy allows no inline style attribute: the tooltips are drawn
 * on the canvas (`renderMode: "richText"`) rather than as HTML, and the charts' sizes come from
 * the style sheet (.chart). The containers carry their own label (role="img") and the table
 * beside each chart gives its figures to screen readers and print: ECharts' generated
 * description is left off.
 */
(function () {
  "use strict";

  if (!window.echarts) return;
  var data = null;
  var text = {};
  var PALETTE = ["#1f5fa8", "#2e7d32", "#c77700", "#8e44ad", "#b3261e", "#00838f", "#6d4c41", "#546e7a"];
  var BASE = {
    color: PALETTE,
    animationDuration: 300,
    textStyle: { fontSize: 14 },
    tooltip: { renderMode: "richText", confine: true }
  };

  function withBase(option) {
    var out = {};
    Object.keys(BASE).forEach(function (k) { out[k] = BASE[k]; });
    Object.keys(option).forEach(function (k) { out[k] = option[k]; });
    return out;
  }

  function points(rows) {
    return rows.map(function (row) { return { name: row.name, value: row.value, url: row.url || "" }; });
  }

  var BUILD = {
    trend: function (d) {
      return {
        tooltip: { renderMode: "richText", confine: true, trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 48, right: 16, top: 40, bottom: 32 },
        xAxis: { type: "category", data: d.trend.categories },
        yAxis: { type: "value", minInterval: 1, name: text.cases },
        series: d.trend.series.map(function (s) {
          return { type: s.key === "filed" ? "bar" : "line", name: s.name, data: s.data, symbolSize: 8 };
        })
      };
    },
    funnel: function (d) {
      return {
        tooltip: { renderMode: "richText", confine: true, trigger: "item", formatter: "{b}：{c}" },
        series: [{
          type: "funnel", sort: "none", left: "10%", width: "80%", top: 8, bottom: 8, minSize: "12%",
          label: { show: true, position: "inside", formatter: "{b} {c}", color: "#fff", fontSize: 14 },
          data: points(d.funnel)
        }]
      };
    },
    types: function (d) {
      var rows = d.types.slice().reverse();  // the largest on top
      return {
        tooltip: { renderMode: "richText", confine: true, trigger: "item", formatter: "{b}：{c}" },
        grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
        series: [{ type: "bar", name: text.filed, data: points(rows), label: { show: true, position: "right" } }]
      };
    },
    outcomes: function (d) {
      return {
        tooltip: { renderMode: "richText", confine: true, trigger: "item", formatter: "{b}：{c}（{d}%）" },
        legend: { bottom: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], data: points(d.outcomes),
                   label: { formatter: "{b} {c}" } }]
      };
    },
    rungs: function (d) {
      var rows = d.rungs.filter(function (r) { return r.value; });
      return {
        tooltip: { renderMode: "richText", confine: true, trigger: "item", formatter: "{b}：{c}%" },
        legend: { bottom: 0 },
        series: [{ type: "pie", radius: "60%", center: ["50%", "45%"], data: points(rows),
                   label: { formatter: "{b} {c}%" } }]
      };
    },
    gauges: function (d) {
      var n = d.gauges.length;
      return {
        tooltip: { show: false },
        series: d.gauges.map(function (g, i) {
          return {
            type: "gauge", min: 0, max: 100, center: [((i + 0.5) * 100 / n) + "%", "55%"], radius: (90 / n) + "%",
            startAngle: 200, endAngle: -20, splitNumber: 4, progress: { show: true, width: 10 },
            axisLine: { lineStyle: { width: 10 } }, axisTick: { show: false }, splitLine: { length: 8 },
            axisLabel: { show: false }, pointer: { show: false },
            title: { offsetCenter: [0, "70%"], fontSize: 13 },
            detail: { offsetCenter: [0, "10%"], fontSize: 20, formatter: function () { return g.text; } },
            data: [{ name: g.name, value: g.value === null ? 0 : g.value }]
          };
        })
      };
    },
    ranking: function (d) {
      var rows = d.ranking.slice().reverse();  // the best on top
      return {
        tooltip: { renderMode: "richText", confine: true, trigger: "item", formatter: "{b}：{c}%" },
        grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", min: 0, max: 100, name: "%" },
        yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
        series: [{ type: "bar", name: text.resolution_rate, label: { show: true, position: "right", formatter: "{c}%" },
                   data: rows.map(function (r) { return { name: r.name, value: r.value, url: r.url }; }) }]
      };
    }
  };

  var charts = [];

  function draw(root) {
    var source = document.getElementById("stats-data");
    if (!source) return;
    data = JSON.parse(source.textContent);
    text = data.text || {};
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var build = BUILD[el.getAttribute("data-chart")];
      if (!build) return;
      var locale = document.documentElement.lang.indexOf("zh") === 0 ? "ZH" : "EN";
      var chart = window.echarts.init(el, null, { renderer: "canvas", locale: locale });
      chart.setOption(withBase(build(data)));
      chart.on("click", function (params) {
        var url = params.data && params.data.url;
        if (url) window.location.assign(url);
      });
      el.setAttribute("data-chart-ready", "");
      charts.push(chart);
    });
  }

  // The board's charts come after the board (`data-stats-src`): the page's own are there already.
  var lazy = document.querySelector("[data-stats-src]");
  if (lazy) {
    var body = lazy.querySelector("[data-stats-body]");
    fetch(lazy.getAttribute("data-stats-src"), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        // a session that ended is sent to sign in: that page is not the charts
        if (!response.ok || response.redirected) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        body.innerHTML = html;  // our own template (ui/includes/board_charts.html)
        draw(body);
      })
      .catch(function () {
        body.textContent = lazy.getAttribute("data-stats-failed");
      });
  } else {
    draw(document);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
})();
