// Pages that follow something live (a round in progress, the election
// day's check-in) reload themselves every few seconds — as long as the
// "update automatically" box is ticked. A meta refresh could not be
// stopped (WCAG 2.2.1, timing adjustable); the choice is kept for the tab,
// so a reader who turned it off keeps it off. Without JavaScript the page
// stays as it is and the reader reloads it.
(function () {
  "use strict";
  var box = document.getElementById("auto-refresh");
  if (!box) {
    return;
  }
  var key = "valghalla-auto-refresh";
  var every = Number(box.getAttribute("data-seconds")) * 1000 || 3000;
  var timer = null;
  function plan() {
    clearTimeout(timer);
    if (box.checked) {
      timer = setTimeout(function () { location.reload(); }, every);
    }
  }
  try {
    box.checked = sessionStorage.getItem(key) !== "off";
  } catch (e) {
    box.checked = true;
  }
  box.addEventListener("change", function () {
    try {
      sessionStorage.setItem(key, box.checked ? "on" : "off");
    } catch (e) { /* private mode: the choice lasts for this page */ }
    plan();
  });
  box.closest("[hidden]") && box.closest("[hidden]").removeAttribute("hidden");
  plan();
})();
