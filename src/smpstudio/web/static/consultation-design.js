// smpstudio: the consultation on a photo, the design's controls and its preview. The design is drawn on the
// photo (POST .../preview, a JPEG with what was drawn in its X-Preview header) as the sliders, the day, the
// technique and the hairline style change, newest request wins; the sliders start at the design's own values
// (the fit answers with them); the hairline's handles are dragged (POST .../hairline-drag) and the dots placed
// again; "Match the hair in this photo" sets the sliders to the proposal for the stubble the photo shows
// (POST .../match-hair) or shows its refusal in place; "Save as design version" keeps it (POST .../save).
(function () {
  "use strict";

  var C = window.smpConsultation;
  if (!C) { return; }
  var state = C.state;
  var handleLayer = document.getElementById("hairline");
  var afterLayer = document.getElementById("after-layer");
  var afterImg = document.getElementById("photo-after");
  var styleSelect = document.getElementById("f-style");
  var OWN = { density_per_cm2: 1, dot_diameter_mm: 1, ink_fraction: 1 };

  // --- the design's own values: where the sliders and the style chooser start ---------------------------------
  C.designOwn = function (own) {
    if (matchButton) { matchButton.disabled = false; }
    Object.keys(OWN).forEach(function (key) {
      var input = document.getElementById("f-" + key);
      input.disabled = false;
      if (!state.touched[key]) { input.value = own[key]; }
      document.getElementById("o-" + key).textContent = Number(input.value).toString();
    });
    var words = Array.prototype.filter.call(styleSelect.options, function (o) { return o.value === own.style; })[0];
    document.getElementById("own-style").textContent =
      "The design's own" + (state.style ? "" : ": " + (words ? words.textContent.split(":")[0] : own.style));
  };

  // --- the hairline's handles -----------------------------------------------------------------------------
  C.setHandles = function (points) {
    if (C.isDragging("handle")) { return; }
    state.handles = {};
    Object.keys(points || {}).forEach(function (k) { state.handles[k] = points[k].slice(0, 2); });
    C.drawHandles();
  };
  C.drawHandles = function (dragged) {
    var r = 17 * C.perDisplayPx();
    handleLayer.textContent = "";
    // the hairline through its control points, in their order along the edge (client's right to left)
    var path = Object.keys(C.hairlineWords).filter(function (k) { return state.handles[k]; })
      .map(function (k) { return state.handles[k][0] + "," + state.handles[k][1]; });
    if (path.length > 1) { handleLayer.appendChild(C.el("polyline", { points: path.join(" "), "class": "through" })); }
    Object.keys(state.handles).forEach(function (name) {
      var p = state.handles[name];
      var g = C.el("g", {
        "class": "handle" + (name === dragged ? " dragging" : ""), "tabindex": "0", "role": "button",
        "data-kind": "handle", "data-name": name,
        "aria-label": "Hairline handle: " + (C.hairlineWords[name] || name) + ". Drag, or use the arrow keys, to move the hairline"
      });
      g.appendChild(C.el("circle", { cx: p[0], cy: p[1], r: r, "class": "ring" }));
      g.appendChild(C.el("circle", { cx: p[0], cy: p[1], r: r / 5, "class": "dot" }));
      handleLayer.appendChild(g);
    });
  };
  function showShifts() {
    var list = document.getElementById("shifts");
    list.textContent = "";
    var names = Object.keys(state.shifts).filter(function (k) { return Math.abs(state.shifts[k]) >= 0.05; });
    if (!names.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = "the design's own hairline";
      list.appendChild(none);
      return;
    }
    names.forEach(function (name) {
      var li = document.createElement("li");
      var mm = state.shifts[name];
      li.textContent = (C.hairlineWords[name] || name) + ": " + Math.abs(mm).toFixed(1) + " mm " + (mm > 0 ? "forward" : "back");
      list.appendChild(li);
    });
  }
  C.dragHandle = function (name, point) {
    var call = C.latest("drag");
    C.busy.hidden = false;
    var fields = C.designFields();
    fields.name = name;
    fields.x_px = point[0];
    fields.y_px = point[1];
    C.post("/hairline-drag", fields, call.signal)
      .then(function (response) { return response.ok ? response.json() : C.failure(response); })
      .then(function (result) {
        state.shifts = result.hairline_shift_mm;
        C.setHandles(result.hairline_points_px);
        showShifts();
        C.showWarnings(result.warnings);
        C.fit();  // the wire-frame's hairline follows, then the dots are placed again
      })
      .catch(function (error) {
        if (error.name === "AbortError") { return; }
        C.busy.hidden = true;
        C.fitStatus.textContent = "The hairline was not moved: " + error.message;
        C.fitStatus.className = "fit-status bad";
        C.drawHandles();
      });
  };

  // --- the preview: newest request wins ---------------------------------------------------------------------
  function dayValue() {
    var input = document.getElementById("f-day");
    return input.dataset.days.split(",")[Number(input.value)];
  }
  function technique() {
    var checked = document.querySelector('input[name="technique"]:checked');
    return checked ? checked.value : "smp";
  }
  function showDrawn(facts) {
    document.getElementById("fact-dots").textContent = facts.dots_drawn.toLocaleString("en-GB") +
      " (" + facts.dots_hidden.toLocaleString("en-GB") + " hidden: facing away, outside the photo or on hair)";
    document.getElementById("fact-tone").textContent = facts.tone_match_delta_e00 === null
      ? "too few dots drawn to compare" : facts.tone_match_delta_e00.toFixed(1) + " against the client's remaining hair";
    document.getElementById("fact-drawn").textContent = facts.density_per_cm2.toFixed(0) + " dots/cm², " +
      facts.dot_diameter_mm.toFixed(2) + " mm dots, shade " + facts.ink_fraction.toFixed(2) + ", day " +
      facts.day + ", " + (facts.technique === "tattoo" ? "tattoo" : "SMP") + " (" + Math.round(facts.elapsed_ms) + " ms)";
    document.getElementById("fact-fit").textContent = C.fitText(facts);
    C.showWarnings(facts.warnings);
    C.setHandles(facts.hairline_points_px);
  }
  C.preview = function () {
    if (!state.fitted) { return; }
    var call = C.latest("preview");
    C.stage.classList.add("is-drawing");
    var fields = C.designFields();
    fields.day = dayValue();
    fields.technique = technique();
    fields.width_px = Math.min(1600, C.W);
    fields.want = "after";
    C.post("/preview", fields, call.signal)
      .then(function (response) {
        if (!response.ok) { return C.failure(response); }
        var facts = JSON.parse(response.headers.get("X-Preview") || "{}");
        return response.blob().then(function (blob) { return { blob: blob, facts: facts }; });
      })
      .then(function (shown) {
        var url = URL.createObjectURL(shown.blob);
        afterImg.onload = function () {
          if (state.previewUrl && state.previewUrl !== url) { URL.revokeObjectURL(state.previewUrl); }
          state.previewUrl = url;
          afterImg.dataset.drawn = String(Number(afterImg.dataset.drawn || "0") + 1);
        };
        afterImg.src = url;
        afterLayer.hidden = false;
        C.showDivider();
        C.stage.classList.remove("is-drawing");
        C.busy.hidden = true;
        showDrawn(shown.facts);
      })
      .catch(function (error) {
        if (error.name === "AbortError") { return; }
        C.stage.classList.remove("is-drawing");
        C.busy.hidden = true;
        C.fitStatus.textContent = "The design was not drawn: " + error.message;
        C.fitStatus.className = "fit-status bad";
      });
  };
  var previewSoon = C.debounce(C.preview, 120);

  // --- the panel's controls -------------------------------------------------------------------------------------
  document.querySelectorAll("input[data-slider]").forEach(function (input) {
    input.addEventListener("input", function () {
      state.touched[input.name] = true;
      document.getElementById("o-" + input.name).textContent = Number(input.value).toString();
      previewSoon();
    });
  });
  var day = document.getElementById("f-day");
  day.addEventListener("input", function () {
    var words = day.dataset.dayWords.split("|")[Number(day.value)];
    document.getElementById("o-day").textContent = words;
    day.setAttribute("aria-valuetext", words);
    previewSoon();
  });
  document.querySelectorAll('input[name="technique"]').forEach(function (input) {
    input.addEventListener("change", function () { C.preview(); });
  });
  styleSelect.addEventListener("change", function () {
    state.style = styleSelect.value;
    C.busy.hidden = !state.fitted;
    C.fit();  // the hairline's curve and handles change: the head's lines, then the dots
  });
  document.getElementById("f-design").addEventListener("change", function (event) {
    state.version = event.target.value;
    state.shifts = {};
    state.touched = {};
    state.style = "";
    styleSelect.value = "";
    showShifts();
    Object.keys(OWN).forEach(function (key) {
      document.getElementById("o-" + key).textContent = "the design's own";
    });
    C.fit();
  });
  document.getElementById("reset-hairline").addEventListener("click", function () {
    state.shifts = {};
    showShifts();
    C.busy.hidden = !state.fitted;
    C.fit();
  });
  document.getElementById("show-wire").addEventListener("change", function (event) {
    document.getElementById("wire").classList.toggle("off", !event.target.checked);
  });
  // --- the proposal that matches the hair the photo shows ---------------------------------------------------
  function matchHair() {
    var status = document.getElementById("match-hair-status");
    if (!state.fitted) {
      status.textContent = "Place the anchors first: the hair is measured on the fitted head.";
      status.className = "fit-status bad";
      return;
    }
    var call = C.latest("match-hair");
    var fields = C.designFields();
    Object.keys(OWN).forEach(function (key) { delete fields[key]; });
    matchButton.disabled = true;
    status.textContent = "Measuring the hair on the photo…";
    status.className = "fit-status";
    C.post("/match-hair", fields, call.signal)
      .then(function (response) { return response.ok ? response.json() : C.failure(response); })
      .then(function (match) {
        Object.keys(OWN).forEach(function (key) {
          var input = document.getElementById("f-" + key);
          input.value = match[key];
          state.touched[key] = true;
          document.getElementById("o-" + key).textContent = Number(input.value).toString();
        });
        status.textContent = "Set to match the photo's hair (nearest: " + match.nearest_hair_colour.replace("-", " ") +
          "): ΔE00 " + match.tone_match_delta_e00.toFixed(1) + (match.reachable ? "." : ", short of the goal.") +
          (match.warnings.length ? " " + match.warnings.join("; ") + "." : "");
        status.className = "";
        C.preview();
      })
      .catch(function (error) {
        if (error.name === "AbortError") { return; }
        status.textContent = "Not matched: " + error.message;
        status.className = "fit-status bad";
      })
      .then(function () { matchButton.disabled = !state.fitted; });
  }
  var matchButton = document.getElementById("match-hair");
  if (matchButton) { matchButton.addEventListener("click", matchHair); }

  var saveButton = C.saveButton;
  if (saveButton) {
    var saveStatus = document.getElementById("save-status");
    saveButton.addEventListener("click", function () {
      saveButton.disabled = true;
      saveStatus.textContent = "Saving…";
      C.post("/save", C.designFields())
        .then(function (response) { return response.ok ? response.json() : C.failure(response); })
        .then(function (saved) {
          saveStatus.textContent = "Saved as version " + saved.version + ".";
          var list = document.getElementById("versions");
          var none = document.getElementById("no-versions");
          if (none) { none.remove(); }
          var li = document.createElement("li");
          li.textContent = "Version " + saved.version + " (just now)";
          list.appendChild(li);
          var option = document.createElement("option");
          option.value = String(saved.version);
          option.textContent = "Version " + saved.version;
          var select = document.getElementById("f-design");
          select.insertBefore(option, select.options[1] || null);
        })
        .catch(function (error) { saveStatus.textContent = "Not saved: " + error.message; })
        .then(function () { saveButton.disabled = !state.fitted; });
    });
  }
}());
