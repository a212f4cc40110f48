// smpstudio: a button with data-copy="FIELD_ID" copies that field's value (a client's new link) to the
// clipboard. Loaded only by the pages that show such a button; no inline scripts (the CSP forbids them).
(function () {
  "use strict";
  function copy(button) {
    var field = document.getElementById(button.dataset.copy);
    if (!field) { return; }
    button.addEventListener("click", function () {
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
      } else {
        field.select();
        if (document.execCommand("copy")) { done(); }
      }
    });
  }
  function ready() {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), copy);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
