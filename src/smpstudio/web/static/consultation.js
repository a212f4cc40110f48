// smpstudio: the consultation on a photo. The anchors are clicked (or tapped) on the photo and dragged; after
// each change the fitted head's wire-frame follows (POST .../fit); the design is drawn on the photo (POST
// .../preview, a JPEG with what was drawn in its X-Preview header) as the sliders move, newest request wins;
// the hairline's handles are dragged (POST .../hairline-drag) and the dots placed again; a divider shows the
// photo before and the design after; "Save as design version" keeps it (POST .../save). Every point is in the
// photo's own pixels (x right, y down). No inline script: the page's data comes in data- attributes.
(function () {
  "use strict";

  var root = document.getElementById("consultation");
  if (!root) { return; }
  var SVG = "http://www.w3.org/2000/svg";
  var W = Number(root.dataset.width);
  var H = Number(root.dataset.height);
  var base = root.dataset.base;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var hairlineWords = JSON.parse(root.dataset.hairlineWords || "{}");
  var stored = JSON.parse(root.dataset.landmarks || "{}");

  var stage = document.getElementById("stage");
  var svg = document.getElementById("overlay");
  var wire = document.getElementById("wire");
  var handleLayer = document.getElementById("hairline");
  var anchorLayer = document.getElementById("anchors");
  var afterLayer = document.getElementById("after-layer");
  var afterImg = document.getElementById("photo-after");
  var beforeImg = document.getElementById("photo-before");
  var dividerLine = document.getElementById("divider-line");
  var dividerKnob = document.getElementById("divider-knob");
  var dividerField = document.getElementById("divider-field");
  var divider = document.getElementById("divider");
  var busy = document.getElementById("busy");
  var fitStatus = document.getElementById("fit-status");
  var warningsList = document.getElementById("warnings");
  var saveButton = document.getElementById("save");
  var saveStatus = document.getElementById("save-status");

  var state = {
    view: stored.view || root.dataset.view,
    points: {},
    guessed: {},
    fitted: false,
    shifts: {},
    handles: {},
    touched: {},
    previewUrl: null,
    version: document.getElementById("f-design").value
  };
  Object.keys(stored.points_px || {}).forEach(function (name) {
    state.points[name] = stored.points_px[name].slice(0, 2);
    if (root.dataset.guessed === "yes") {
      var sure = (stored.confidence || {})[name];
      state.guessed[name] = typeof sure === "number" ? "a guess, " + Math.round(100 * sure) + "% sure" : "a guess";
    }
  });

  // --- helpers ------------------------------------------------------------------------------------------
  function el(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }
  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }
  function round1(v) { return Math.round(v * 10) / 10; }
  // Display pixels to photo pixels (the SVG fills the photo's box).
  function perDisplayPx() {
    var rect = svg.getBoundingClientRect();
    return rect.width > 0 ? W / rect.width : 1;
  }
  function photoPoint(event) {
    var rect = svg.getBoundingClientRect();
    return [
      round1(clamp((event.clientX - rect.left) / rect.width * W, 0, W - 0.5)),
      round1(clamp((event.clientY - rect.top) / rect.height * H, 0, H - 0.5))
    ];
  }
  function chosenName() {
    var checked = document.querySelector('input[name="anchor"]:checked');
    return checked ? checked.value : null;
  }
  function choose(name) {
    var input = document.getElementById("a-" + name);
    if (!input) { return; }
    input.checked = true;
    var more = input.closest("details");
    if (more) { more.open = true; }
    drawAnchors();
  }
  function errorText(body, status) {
    if (body && body.error) {
      return body.error + (body.field ? " (" + body.field + (body.allowed ? "; allowed: " + body.allowed : "") + ")" : "");
    }
    return "the studio answered " + status;
  }
  function post(path, fields, signal) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (k) {
      if (fields[k] !== null && fields[k] !== undefined) { body.append(k, String(fields[k])); }
    });
    return fetch(base + path, {
      method: "POST",
      body: body,
      signal: signal,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json, image/jpeg" }
    });
  }
  function failure(response) {
    var kind = response.headers.get("content-type") || "";
    if (kind.indexOf("application/json") === 0) {
      return response.json().then(function (body) { throw new Error(errorText(body, response.status)); });
    }
    return Promise.reject(new Error(errorText(null, response.status)));
  }
  function landmarksDocument() {
    return JSON.stringify({ view: state.view, points_px: state.points });
  }
  function designFields() {
    var fields = {
      landmarks: landmarksDocument(),
      design_version: state.version,
      hairline_shift_mm: JSON.stringify(state.shifts)
    };
    document.querySelectorAll("input[data-slider]").forEach(function (input) {
      if (state.touched[input.name]) { fields[input.name] = input.value; }
    });
    return fields;
  }
  // The newest request of a kind wins: the one before it is aborted.
  var pending = {};
  function latest(kind) {
    if (pending[kind]) { pending[kind].abort(); }
    pending[kind] = new AbortController();
    return pending[kind];
  }
  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  // --- the anchors ----------------------------------------------------------------------------------------
  function drawAnchors() {
    var r = 9 * perDisplayPx();
    var chosen = chosenName();
    anchorLayer.textContent = "";
    Object.keys(state.points).forEach(function (name) {
      var p = state.points[name];
      var g = el("g", {
        "class": "anchor" + (state.guessed[name] ? " guess" : "") + (name === chosen ? " chosen" : ""),
        "tabindex": "0",
        "role": "button",
        "aria-label": name + (state.guessed[name] ? " (" + state.guessed[name] + ")" : "") + " at " + Math.round(p[0]) + ", " + Math.round(p[1]) + " px: drag or use the arrow keys to move it",
        "data-kind": "anchor",
        "data-name": name
      });
      g.appendChild(el("circle", { cx: p[0], cy: p[1], r: r }));
      var label = el("text", { x: p[0] + 1.4 * r, y: p[1] - 1.2 * r });
      label.setAttribute("font-size", String(13 * perDisplayPx()));
      label.textContent = name;
      g.appendChild(label);
      anchorLayer.appendChild(g);
    });
    document.querySelectorAll("[data-state-for]").forEach(function (span) {
      var name = span.dataset.stateFor;
      var placed = Object.prototype.hasOwnProperty.call(state.points, name);
      span.textContent = placed ? (state.guessed[name] || "placed") : "not placed";
      span.className = "anchor-state" + (placed ? (state.guessed[name] ? " guess" : " placed") : "");
    });
  }
  function nextUnplaced() {
    var names = Array.prototype.map.call(document.querySelectorAll('input[name="anchor"]'), function (i) { return i.value; });
    var first = names.filter(function (n) { return !Object.prototype.hasOwnProperty.call(state.points, n); })[0];
    if (first) { choose(first); }
  }
  function placeAnchor(name, point) {
    state.points[name] = point;
    delete state.guessed[name];
    drawAnchors();
    fitSoon();
  }

  // --- the fit: the wire-frame follows every change ---------------------------------------------------------
  function drawWire(fit) {
    wire.textContent = "";
    fit.wireframe.forEach(function (line, i) {
      if (line.length < 2) { return; }
      var points = line.map(function (p) { return p[0] + "," + p[1]; }).join(" ");
      wire.appendChild(el("polyline", { points: points, "data-line": String(i) }));
    });
    var r = 5 * perDisplayPx();
    Object.keys(fit.landmarks_px).forEach(function (name) {
      var p = fit.landmarks_px[name];
      wire.appendChild(el("circle", { cx: p[0], cy: p[1], r: r, "class": "fitted" }));
    });
  }
  function fitText(fit) {
    return fit.fit_error_px.toFixed(1) + " px (" + fit.fit_error_mm.toFixed(1) + " mm) · " +
      fit.mm_per_px.toFixed(3) + " mm per px";
  }
  function showWarnings(list) {
    warningsList.textContent = "";
    (list || []).forEach(function (w) {
      var li = document.createElement("li");
      li.textContent = w;
      warningsList.appendChild(li);
    });
  }
  function fit() {
    var count = Object.keys(state.points).length;
    if (count < 3) {
      state.fitted = false;
      wire.textContent = "";
      handleLayer.textContent = "";
      fitStatus.textContent = "Place at least 3 anchors (" + count + " placed).";
      fitStatus.className = "fit-status";
      document.getElementById("fact-fit").textContent = "place at least 3 anchors";
      if (saveButton) { saveButton.disabled = true; }
      return;
    }
    var call = latest("fit");
    fitStatus.textContent = "Fitting the head…";
    post("/fit", { landmarks: landmarksDocument(), design_version: state.version }, call.signal)
      .then(function (response) { return response.ok ? response.json() : failure(response); })
      .then(function (result) {
        state.fitted = true;
        drawWire(result);
        // the fit knows the design's own hairline; with shifts, the preview's handles follow
        if (!Object.keys(state.shifts).length) { setHandles(result.hairline_points_px); }
        fitStatus.textContent = "The head is placed: fit error " + fitText(result) + ".";
        fitStatus.className = "fit-status";
        document.getElementById("fact-fit").textContent = fitText(result);
        showWarnings(result.warnings);
        if (saveButton) { saveButton.disabled = false; }
        preview();
      })
      .catch(function (error) {
        if (error.name === "AbortError") { return; }
        state.fitted = false;
        wire.textContent = "";
        fitStatus.textContent = "Not placed: " + error.message;
        fitStatus.className = "fit-status bad";
        if (saveButton) { saveButton.disabled = true; }
      });
  }
  var fitSoon = debounce(fit, 150);

  // --- the hairline's handles -----------------------------------------------------------------------------
  function setHandles(points) {
    if (dragging && dragging.kind === "handle") { return; }
    state.handles = {};
    Object.keys(points || {}).forEach(function (k) { state.handles[k] = points[k].slice(0, 2); });
    drawHandles();
  }
  function drawHandles() {
    var r = 17 * perDisplayPx();
    handleLayer.textContent = "";
    // the hairline through its control points, in their order along the edge (client's right to left)
    var path = Object.keys(hairlineWords).filter(function (k) { return state.handles[k]; })
      .map(function (k) { return state.handles[k][0] + "," + state.handles[k][1]; });
    if (path.length > 1) { handleLayer.appendChild(el("polyline", { points: path.join(" "), "class": "through" })); }
    Object.keys(state.handles).forEach(function (name) {
      var p = state.handles[name];
      var g = el("g", {
        "class": "handle", "tabindex": "0", "role": "button", "data-kind": "handle", "data-name": name,
        "aria-label": "Hairline handle: " + (hairlineWords[name] || name) + ". Drag, or use the arrow keys, to move the hairline"
      });
      g.appendChild(el("circle", { cx: p[0], cy: p[1], r: r, "class": "ring" }));
      g.appendChild(el("circle", { cx: p[0], cy: p[1], r: r / 5, "class": "dot" }));
      handleLayer.appendChild(g);
    });
  }
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
      li.textContent = (hairlineWords[name] || name) + ": " + Math.abs(mm).toFixed(1) + " mm " + (mm > 0 ? "forward" : "back");
      list.appendChild(li);
    });
  }
  function dragHandle(name, point) {
    var call = latest("drag");
    busy.hidden = false;
    var fields = designFields();
    fields.name = name;
    fields.x_px = point[0];
    fields.y_px = point[1];
    post("/hairline-drag", fields, call.signal)
      .then(function (response) { return response.ok ? response.json() : failure(response); })
      .then(function (result) {
        state.shifts = result.hairline_shift_mm;
        setHandles(result.hairline_points_px);
        showShifts();
        showWarnings(result.warnings);
        preview();
      })
      .catch(function (error) {
        if (error.name === "AbortError") { return; }
        busy.hidden = true;
        fitStatus.textContent = "The hairline was not moved: " + error.message;
        fitStatus.className = "fit-status bad";
        drawHandles();
      });
  }

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
    document.getElementById("fact-fit").textContent = fitText(facts);
    var values = { density_per_cm2: facts.density_per_cm2, dot_diameter_mm: facts.dot_diameter_mm, ink_fraction: facts.ink_fraction };
    Object.keys(values).forEach(function (key) {
      var input = document.getElementById("f-" + key);
      if (!state.touched[key]) { input.value = values[key]; }
      document.getElementById("o-" + key).textContent = Number(input.value).toString();
    });
    showWarnings(facts.warnings);
    setHandles(facts.hairline_points_px);
  }
  function preview() {
    if (!state.fitted) { return; }
    var call = latest("preview");
    stage.classList.add("is-drawing");
    var fields = designFields();
    fields.day = dayValue();
    fields.technique = technique();
    fields.width_px = Math.min(1600, W);
    fields.want = "after";
    post("/preview", fields, call.signal)
      .then(function (response) {
        if (!response.ok) { return failure(response); }
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
        dividerLine.hidden = false;
        dividerField.hidden = false;
        stage.classList.remove("is-drawing");
        busy.hidden = true;
        showDrawn(shown.facts);
      })
      .catch(function (error) {
        if (error.name === "AbortError") { return; }
        stage.classList.remove("is-drawing");
        busy.hidden = true;
        fitStatus.textContent = "The design was not drawn: " + error.message;
        fitStatus.className = "fit-status bad";
      });
  }
  var previewSoon = debounce(preview, 120);

  // --- the before/after divider ------------------------------------------------------------------------------
  function setDivider(percent) {
    var p = clamp(Number(percent), 0, 100);
    afterLayer.style.clipPath = "inset(0 0 0 " + p + "%)";
    dividerLine.style.left = p + "%";
    divider.value = String(Math.round(p));
    divider.setAttribute("aria-valuetext", Math.round(p) + "% before, " + (100 - Math.round(p)) + "% after");
  }
  divider.addEventListener("input", function () { setDivider(divider.value); });
  dividerKnob.addEventListener("pointerdown", function (event) {
    dividerKnob.setPointerCapture(event.pointerId);
    event.preventDefault();
    event.stopPropagation();
    function move(ev) {
      var rect = stage.getBoundingClientRect();
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

  // --- pointer: tap to place, drag anchors and handles --------------------------------------------------------
  var dragging = null;
  svg.addEventListener("pointerdown", function (event) {
    var target = event.target.closest("[data-kind]");
    var start = photoPoint(event);
    dragging = { kind: target ? target.dataset.kind : "place", name: target ? target.dataset.name : chosenName(),
      start: start, moved: false, id: event.pointerId };
    if (dragging.kind === "anchor") { choose(dragging.name); }
    svg.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  svg.addEventListener("pointermove", function (event) {
    if (!dragging || event.pointerId !== dragging.id) { return; }
    var p = photoPoint(event);
    var far = Math.hypot(p[0] - dragging.start[0], p[1] - dragging.start[1]) / perDisplayPx() > 3;
    if (!far && !dragging.moved) { return; }
    dragging.moved = true;
    if (dragging.kind === "anchor") {
      state.points[dragging.name] = p;
      delete state.guessed[dragging.name];
      drawAnchors();
      fitSoon();
    } else if (dragging.kind === "handle") {
      state.handles[dragging.name] = p;
      drawHandles();
      var g = handleLayer.querySelector('[data-name="' + dragging.name + '"]');
      if (g) { g.classList.add("dragging"); }
    }
  });
  function release(event) {
    if (!dragging || event.pointerId !== dragging.id) { return; }
    var done = dragging;
    dragging = null;
    var p = photoPoint(event);
    if (done.kind === "place" && done.name) {
      placeAnchor(done.name, p);
      nextUnplaced();
    } else if (done.kind === "handle" && done.moved) {
      dragHandle(done.name, p);
    } else if (done.kind === "anchor" && done.moved) {
      placeAnchor(done.name, p);
    }
  }
  svg.addEventListener("pointerup", release);
  svg.addEventListener("pointercancel", function (event) {
    if (dragging && event.pointerId === dragging.id) { dragging = null; drawAnchors(); drawHandles(); }
  });

  // --- keyboard: arrow keys move a focused anchor or handle -----------------------------------------------------
  var keyDrag = debounce(function () {
    if (keyDrag.name) { dragHandle(keyDrag.name, state.handles[keyDrag.name]); }
  }, 450);
  svg.addEventListener("keydown", function (event) {
    var target = event.target.closest("[data-kind]");
    if (!target) { return; }
    var steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    var name = target.dataset.name;
    if (target.dataset.kind === "anchor" && (event.key === "Delete" || event.key === "Backspace")) {
      delete state.points[name];
      drawAnchors();
      fitSoon();
      event.preventDefault();
      return;
    }
    if (!steps[event.key]) { return; }
    event.preventDefault();
    var step = (event.shiftKey ? 10 : 2) * perDisplayPx();
    var d = steps[event.key];
    var points = target.dataset.kind === "anchor" ? state.points : state.handles;
    var p = points[name];
    points[name] = [round1(clamp(p[0] + d[0] * step, 0, W - 0.5)), round1(clamp(p[1] + d[1] * step, 0, H - 0.5))];
    if (target.dataset.kind === "anchor") {
      delete state.guessed[name];
      drawAnchors();
      fitSoon();
    } else {
      drawHandles();
      keyDrag.name = name;
      keyDrag();
    }
    var again = svg.querySelector('[data-kind="' + target.dataset.kind + '"][data-name="' + name + '"]');
    if (again) { again.focus(); }
  });

  // --- the panel's controls -------------------------------------------------------------------------------------
  document.querySelectorAll('input[name="anchor"]').forEach(function (input) {
    input.addEventListener("change", drawAnchors);
  });
  document.getElementById("remove-anchor").addEventListener("click", function () {
    var name = chosenName();
    if (name && state.points[name]) {
      delete state.points[name];
      drawAnchors();
      fitSoon();
    }
  });
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
    input.addEventListener("change", function () { preview(); });
  });
  document.getElementById("f-design").addEventListener("change", function (event) {
    state.version = event.target.value;
    state.shifts = {};
    state.touched = {};
    showShifts();
    Object.keys({ density_per_cm2: 1, dot_diameter_mm: 1, ink_fraction: 1 }).forEach(function (key) {
      document.getElementById("o-" + key).textContent = "the design's own";
    });
    fit();
  });
  document.getElementById("reset-hairline").addEventListener("click", function () {
    state.shifts = {};
    showShifts();
    busy.hidden = !state.fitted;
    fit();
  });
  document.getElementById("show-wire").addEventListener("change", function (event) {
    wire.classList.toggle("off", !event.target.checked);
  });
  if (saveButton) {
    saveButton.addEventListener("click", function () {
      saveButton.disabled = true;
      saveStatus.textContent = "Saving…";
      post("/save", designFields())
        .then(function (response) { return response.ok ? response.json() : failure(response); })
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

  // Markers keep their size on screen when the photo's box changes.
  function redraw() { drawAnchors(); drawHandles(); }
  if (window.ResizeObserver) { new ResizeObserver(redraw).observe(beforeImg); }
  beforeImg.addEventListener("load", redraw);
  setDivider(50);
  drawAnchors();
  nextUnplaced();
  if (Object.keys(state.points).length) { fit(); }
}());
