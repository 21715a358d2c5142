/* Booking calendar: show free times in the visitor's own time zone.
 *
 * site.js fills <select data-timezone> with the browser's zone unless the server already
 * chose one (data-server-chosen). This file runs after site.js and, when the zone shown
 * (data-rendered-tz on the form) differs, re-submits the time-zone form; the form's hx-get
 * then swaps in the calendar for that zone and keeps the choice in the URL. Changing the
 * select re-submits too. Without JavaScript the form's own button does the same.
 */
(function () {
  "use strict";

  function submit(form) {
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  function wire(form) {
    if (form.dataset.tzWired) return;
    form.dataset.tzWired = "1";
    var select = form.querySelector("select[data-timezone]");
    if (!select) return;
    select.addEventListener("change", function () {
      select.dataset.userChosen = "1";
      form.dataset.renderedTz = select.value;
      submit(form);
    });
    if (select.value && select.value !== form.dataset.renderedTz) {
      form.dataset.renderedTz = select.value;
      submit(form);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-tz-form]").forEach(wire);
  });
})();
