/* Site behaviour. No inline scripts anywhere: the Content-Security-Policy forbids them.
 *
 * Conventions used by templates:
 *   <div data-plotly="ID"></div> + {{ fig_json|json_script:"ID" }}  draws a plotly figure
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
      var layout = Object.assign({ autosize: true }, fig.layout || {});
      window.Plotly.newPlot(el, fig.data || [], layout, {
        responsive: true,
        displaylogo: false,
        modeBarButtonsToRemove: ["lasso2d", "select2d"],
      });
      el.dataset.drawn = "1";
    });
  }

  function fillTimezones(root) {
    var tz;
    try {
      tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return;
    }
    root.querySelectorAll("input[data-timezone]").forEach(function (input) {
      if (!input.value) input.value = tz;
    });
    root.querySelectorAll("select[data-timezone]").forEach(function (select) {
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
