/* Site behaviour. No inline scripts anywhere: the Content-Security-Policy forbids them.
 *
 * Conventions used by templates:
 *   <div data-plotly="ID"></div> + {{ fig_json|json_script:"ID" }}  draws a plotly figure
 *   <button data-plotly-load="URL" hidden>                       loads plotly from URL, then draws
 *                                                                 the figure's charts in place of
 *                                                                 its [data-chart-static] SVG
 *   <button data-copy="TEXT">                                    copies TEXT to the clipboard
 *   <input data-timezone>                                         filled with the browser's time zone
 */
(function () {
  "use strict";

  function drawCharts(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("[data-plotly]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.plotly);
      if (!source) return;
      var fig = JSON.parse(source.textContent);
      // The server's SVG drawing and the button that asked for plotly make way for it.
      var figure = el.closest("figure");
      if (figure) {
        figure.querySelectorAll("[data-chart-static], [data-plotly-load]").forEach(function (other) {
          other.hidden = true;
        });
      }
      el.hidden = false;
      var layout = Object.assign({ autosize: true }, fig.layout || {});
      window.Plotly.newPlot(el, fig.data || [], layout, {
        responsive: true,
        displaylogo: false,
        modeBarButtonsToRemove: ["lasso2d", "select2d"],
      });
      el.dataset.drawn = "1";
    });
  }

  // Pages whose charts the server drew as SVG load plotly only when the reader asks for the
  // interactive chart: megabytes of script that would otherwise block the first seconds.
  var plotlyWaiting = null;

  function loadPlotly(src, done) {
    if (window.Plotly) return done();
    if (plotlyWaiting) return plotlyWaiting.push(done);
    plotlyWaiting = [done];
    var script = document.createElement("script");
    script.src = src;
    script.onload = function () {
      plotlyWaiting.forEach(function (callback) {
        callback();
      });
      plotlyWaiting = null;
    };
    document.head.appendChild(script);
  }

  function offerInteractiveCharts(root) {
    if (window.Plotly) return;
    root.querySelectorAll("[data-plotly-load]").forEach(function (button) {
      if (button.dataset.wired) return;
      button.dataset.wired = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        button.disabled = true;
        button.textContent = button.dataset.loading || button.textContent;
        loadPlotly(button.dataset.plotlyLoad, function () {
          drawCharts(document);
          var chart = button.closest("figure").querySelector("[data-plotly]");
          if (chart) {
            chart.setAttribute("tabindex", "-1");
            chart.focus();
          }
        });
      });
    });
  }

  function fillTimezones(root) {
    var inputs = root.querySelectorAll("input[data-timezone]");
    var selects = root.querySelectorAll("select[data-timezone]");
    // The browser's time zone is looked up only where a form asks for it: the first use of
    // Intl loads the browser's time zone data, the longest task of a page that has no use for it.
    if (!inputs.length && !selects.length) return;
    var tz;
    try {
      tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return;
    }
    inputs.forEach(function (input) {
      if (!input.value) input.value = tz;
    });
    selects.forEach(function (select) {
      if (select.dataset.userChosen) return;
      var option = select.querySelector('option[value="' + tz + '"]');
      if (option && !select.dataset.serverChosen) select.value = tz;
    });
  }

  function wireCopyButtons(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      if (button.dataset.wired) return;
      button.dataset.wired = "1";
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.dataset.copy).then(function () {
          var done = button.dataset.copied || "Copied";
          button.textContent = done;
        });
      });
    });
  }

  function init(root) {
    drawCharts(root);
    offerInteractiveCharts(root);
    fillTimezones(root);
    wireCopyButtons(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
  document.addEventListener("htmx:load", function (event) {
    init(event.target);
  });
})();
