// Shows each time of the workshop in the reader's own time zone (no request leaves the page).
(function () {
  "use strict";
  function show() {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    var format = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
    var day = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });
    document.querySelectorAll(".local-time[data-utc]").forEach(function (node) {
      var when = new Date(node.getAttribute("data-utc"));
      if (isNaN(when.getTime())) { return; }
      node.textContent = format.format(when);
      node.setAttribute("title", day.format(when));
      node.classList.add("local-time-shown");
    });
    document.querySelectorAll(".reader-zone").forEach(function (node) { node.textContent = zone; });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", show); } else { show(); }
})();
