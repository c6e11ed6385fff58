// "Copy" buttons: <button data-copy="ID" hidden> copies the value of the input #ID (shown only with JavaScript).
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.dataset.copy);
    var status = document.querySelector('[data-copied-for="' + button.dataset.copy + '"]');
    if (!input) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      input.select();
      var done = function () { if (status) { status.textContent = "Copied."; } };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
})();
