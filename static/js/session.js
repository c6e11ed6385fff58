// Warns a minute before an idle session ends, with a button that keeps it alive.
(function () {
  "use strict";
  var box = document.getElementById("session-warning");
  if (!box) { return; }
  var idleSeconds = parseInt(box.dataset.idleSeconds, 10);
  var warnTimer, endTimer;

  function schedule() {
    clearTimeout(warnTimer); clearTimeout(endTimer);
    box.hidden = true;
    warnTimer = setTimeout(function () {
      box.hidden = false;
      box.querySelector("button").focus();
    }, Math.max(0, (idleSeconds - 60) * 1000));
    endTimer = setTimeout(function () { window.location.reload(); }, (idleSeconds + 1) * 1000);
  }

  box.querySelector("button").addEventListener("click", function () {
    fetch(box.dataset.keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": box.dataset.csrfToken }
    }).then(function (response) { if (response.ok) { schedule(); } else { window.location.reload(); } });
  });
  schedule();
})();
