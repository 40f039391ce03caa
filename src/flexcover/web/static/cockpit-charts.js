// 数字驾驶舱: draws each chart the server described (data-option: an Apache ECharts option whose
// figures, labels and tooltips were written by flexcover), opens the list behind a figure when it
// is clicked, and redraws a chart when its box changes size. Without JavaScript the links beside
// each chart still lead to every list.
(function () {
  "use strict";
  if (!window.echarts) return;
  function escape(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function tip(params) {
    var items = Array.isArray(params) ? params : [params];
    return items.map(function (item) {
      return escape((item.data && item.data.tip) || "");
    }).join("<br>");
  }
  document.querySelectorAll("[data-echart]").forEach(function (box) {
    var option = JSON.parse(box.getAttribute("data-option"));
    option.tooltip = Object.assign({}, option.tooltip || {}, {formatter: tip});
    var chart = window.echarts.init(box, null, {renderer: "svg"});
    chart.setOption(option);
    chart.on("click", function (params) {
      if (params.data && params.data.href) window.location.assign(params.data.href);
    });
    if (window.ResizeObserver) {
      new ResizeObserver(function () { chart.resize(); }).observe(box);
    }
    box.setAttribute("data-drawn", "1");
  });
})();
