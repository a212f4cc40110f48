// smpstudio: the consultation on a photo, its before/after divider. Once the design is drawn, the photo shows
// before on the left of the divider and the design after on its right; the divider's knob is dragged on the
// photo, or its slider moved (arrow keys).
(function () {
  "use strict";

  var C = window.smpConsultation;
  if (!C) { return; }
  var afterLayer = document.getElementById("after-layer");
  var dividerLine = document.getElementById("divider-line");
  var dividerKnob = document.getElementById("divider-knob");
  var dividerField = document.getElementById("divider-field");
  var divider = document.getElementById("divider");

  function setDivider(percent) {
    var p = C.clamp(Number(percent), 0, 100);
    afterLayer.style.clipPath = "inset(0 0 0 " + p + "%)";
    dividerLine.style.left = p + "%";
    divider.value = String(Math.round(p));
    divider.setAttribute("aria-valuetext", Math.round(p) + "% before, " + (100 - Math.round(p)) + "% after");
  }
  C.showDivider = function () {
    dividerLine.hidden = false;
    dividerField.hidden = false;
  };
  divider.addEventListener("input", function () { setDivider(divider.value); });
  dividerKnob.addEventListener("pointerdown", function (event) {
    dividerKnob.setPointerCapture(event.pointerId);
    event.preventDefault();
    event.stopPropagation();
    function move(ev) {
      var rect = C.stage.getBoundingClientRect();
      setDivider((ev.clientX - rect.left) / rect.width * 100);
    }
    function up() {
      dividerKnob.removeEventListener("pointermove", move);
      dividerKnob.removeEventListener("pointerup", up);
      dividerKnob.removeEventListener("pointercancel", up);
    }
    dividerKnob.addEventListener("pointermove", move);
    dividerKnob.addEventListener("pointerup", up);
    dividerKnob.addEventListener("pointercancel", up);
  });

  C.starts.push(function () { setDivider(50); });
}());
