// smpstudio: the studio's only script of its own. No inline scripts anywhere (the CSP forbids them):
// behaviour is attached here to elements by their data- attributes.
(function () {
  "use strict";

  // A drawn signature: <canvas data-signature-for="FIELD_ID"> writes a PNG data URL into the hidden input
  // FIELD_ID as the client draws (finger, pen or mouse); a button with data-signature-clear clears it.
  function signaturePad(canvas) {
    var field = document.getElementById(canvas.dataset.signatureFor);
    if (!field) { return; }
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    function resize() {
      var ratio = window.devicePixelRatio || 1;
      var rect = canvas.getBoundingClientRect();
      canvas.width = Math.round(rect.width * ratio);
      canvas.height = Math.round(rect.height * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, rect.width, rect.height);
      drawn = false;
      field.value = "";
    }
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var p = point(event);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      drawn = true;
      event.preventDefault();
    });
    function finish() {
      if (!drawing) { return; }
      drawing = false;
      if (drawn) {
        field.value = canvas.toDataURL("image/png");
        field.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    var clear = document.querySelector("[data-signature-clear='" + canvas.dataset.signatureFor + "']");
    if (clear) { clear.addEventListener("click", function () { resize(); }); }
    resize();
  }

  // A confirmation before a destructive action: <form data-confirm="Erase this client's record?">.
  function confirmOnSubmit(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  }

  // A barcode scanner types the code and presses Enter: in a field marked data-scan, Enter moves to the
  // next field instead of submitting the form half-filled.
  function scannerField(input) {
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      var fields = Array.prototype.slice.call(input.form.querySelectorAll("input, select, textarea, button"));
      var next = fields[fields.indexOf(input) + 1];
      if (next) { next.focus(); }
    });
  }

  // Each element gets its behaviour once, however often htmx announces new content around it.
  function once(fn) {
    return function (element) {
      if (element.dataset.attached === "yes") { return; }
      element.dataset.attached = "yes";
      fn(element);
    };
  }

  function attach(root) {
    root.querySelectorAll("canvas[data-signature-for]").forEach(once(signaturePad));
    root.querySelectorAll("form[data-confirm]").forEach(once(confirmOnSubmit));
    root.querySelectorAll("input[data-scan]").forEach(once(scannerField));
  }

  document.addEventListener("DOMContentLoaded", function () { attach(document); });
  document.addEventListener("htmx:load", function (event) { attach(event.target); });
}());
