// Live preview of a message template (messages_admin.go): as the author
// types, the form is posted to the preview endpoint, which saves nothing,
// and the preview is replaced by the answer. Without JavaScript the Preview
// button does the same with a whole page.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  var area = document.getElementById("preview-area");
  if (!form || !area || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var timer = null;
  var latest = 0;
  function refresh() {
    var mine = ++latest;
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      credentials: "same-origin",
      body: new URLSearchParams(new FormData(form))
    }).then(function (res) {
      return res.text();
    }).then(function (html) {
      // An older answer arriving after a newer one is dropped.
      if (mine === latest) {
        area.innerHTML = html;
      }
    }).catch(function () {
      // Offline or the session ended: the Preview button still works.
    });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
})();
