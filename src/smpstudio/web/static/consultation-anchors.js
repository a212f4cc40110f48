// smpstudio: the consultation on a photo, its anchors and the head's outline. A landmark is chosen, then tapped
// on the photo (the next one is chosen for you) and dragged or moved with the arrow keys; in the "Outline of
// the head" mode each tap adds a point on the skull's outline (a small dot; tapping a dot again, or Delete on
// it, removes it). After each change the head is fitted again (POST .../fit) and its wire-frame follows.
// In the "Brush" mode a drag paints on the automatic scalp mask ("scalp skin": dots may go there; "not
// scalp": hair, ear, background), drawn as translucent strokes; each finished stroke redraws the design.
// The pointer on the photo also drags the hairline's handles (consultation-design.js draws and sends them).
(function () {
  "use strict";

  var C = window.smpConsultation;
  if (!C) { return; }
  var state = C.state;
  var svg = C.svg;
  var wire = document.getElementById("wire");
  var anchorLayer = document.getElementById("anchors");
  var outlineLayer = document.getElementById("outline");
  var clearOutline = document.getElementById("clear-outline");
  var has = function (obj, key) { return Object.prototype.hasOwnProperty.call(obj, key); };

  function chosenName() {
    var checked = document.querySelector('input[name="anchor"]:checked');
    return checked ? checked.value : null;
  }
  function outlineMode() { return chosenName() === "outline"; }
  function brushMode() { return chosenName() === "brush"; }
  function choose(name) {
    var input = document.getElementById("a-" + name);
    if (!input) { return; }
    input.checked = true;
    var more = input.closest("details");
    if (more) { more.open = true; }
    drawAnchors();
  }

  // --- the anchors ----------------------------------------------------------------------------------------
  function drawAnchors() {
    var r = 9 * C.perDisplayPx();
    var chosen = chosenName();
    anchorLayer.textContent = "";
    Object.keys(state.points).forEach(function (name) {
      var p = state.points[name];
      var g = C.el("g", {
        "class": "anchor" + (state.guessed[name] ? " guess" : "") + (name === chosen ? " chosen" : ""),
        "tabindex": "0",
        "role": "button",
        "aria-label": name + (state.guessed[name] ? " (" + state.guessed[name] + ")" : "") + " at " + Math.round(p[0]) + ", " + Math.round(p[1]) + " px: drag or use the arrow keys to move it",
        "data-kind": "anchor",
        "data-name": name
      });
      g.appendChild(C.el("circle", { cx: p[0], cy: p[1], r: r }));
      // the name on the side of the point with room for it (the photo's right edge would cut it)
      var right = p[0] > 0.7 * C.W;
      var label = C.el("text", { x: p[0] + (right ? -1.4 : 1.4) * r, y: p[1] - 1.2 * r, "text-anchor": right ? "end" : "start" });
      label.setAttribute("font-size", String(13 * C.perDisplayPx()));
      label.textContent = name;
      g.appendChild(label);
      anchorLayer.appendChild(g);
    });
    document.querySelectorAll("[data-state-for]").forEach(function (span) {
      var name = span.dataset.stateFor;
      var placed = has(state.points, name);
      span.textContent = placed ? (state.guessed[name] || "placed") : "not placed";
      span.className = "anchor-state" + (placed ? (state.guessed[name] ? " guess" : " placed") : "");
    });
    C.root.classList.toggle("outline-mode", outlineMode());
    C.root.classList.toggle("brush-mode", brushMode());
    brushTools.hidden = !brushMode();
    document.getElementById("remove-anchor").hidden = brushMode();
    document.getElementById("remove-anchor").textContent =
      outlineMode() ? "Remove the last outline point" : "Remove the chosen point";
    var note = document.getElementById("guess-note");
    if (note) { note.hidden = !Object.keys(state.guessed).length; }
    drawOutline();
    drawBrush(null);
  }
  function nextUnplaced() {
    var names = Array.prototype.map.call(document.querySelectorAll('input[name="anchor"]:not([data-mode])'), function (i) { return i.value; });
    var first = names.filter(function (n) { return !has(state.points, n); })[0];
    if (first) { choose(first); }
  }
  function placeAnchor(name, point) {
    state.points[name] = point;
    delete state.guessed[name];
    drawAnchors();
    fitSoon();
  }

  // --- the head's outline ---------------------------------------------------------------------------------
  function drawOutline() {
    var r = 4 * C.perDisplayPx();
    outlineLayer.textContent = "";
    state.outline.forEach(function (p, i) {
      var g = C.el("g", {
        "class": "outline-point", "tabindex": "0", "role": "button", "data-kind": "outline", "data-name": String(i),
        "aria-label": "Outline point " + (i + 1) + " at " + Math.round(p[0]) + ", " + Math.round(p[1]) + " px: tap or press Delete to remove it"
      });
      // a wider ring catches a finger; the dot itself stays small on the photo
      g.appendChild(C.el("circle", { cx: p[0], cy: p[1], r: 3 * r, "class": "hit" }));
      g.appendChild(C.el("circle", { cx: p[0], cy: p[1], r: r, "class": "dot" }));
      outlineLayer.appendChild(g);
    });
    var count = state.outline.length;
    var words = document.getElementById("outline-state");
    words.textContent = count ? count + (count === 1 ? " point" : " points") : "no points";
    words.className = "anchor-state" + (count ? " placed" : "");
    clearOutline.disabled = !count;
  }
  function addOutline(point) {
    state.outline.push(point);
    drawOutline();
    fitSoon();
  }
  function removeOutline(index) {
    state.outline.splice(index, 1);
    drawOutline();
    fitSoon();
  }

  // --- the brush on the scalp mask: strokes in photo pixels, painted in order (photo/anchors.py's limits) ---
  var MAX_STROKES = 200;
  var MAX_STROKE_POINTS = 2000;
  // the longest landmarks document the page's form takes (web/pages/consultation.py's Document) [characters]
  var MAX_DOCUMENT_CHARS = 200000;
  var brushLayer = C.el("g", { id: "mask-strokes", "class": "mask-strokes", "aria-hidden": "true" });
  svg.insertBefore(brushLayer, outlineLayer);
  var brushRow = document.createElement("div");
  brushRow.className = "choice anchor-choice brush-choice";
  brushRow.innerHTML =
    '<input type="radio" name="anchor" id="a-brush" value="brush" data-mode="brush">' +
    '<label for="a-brush"><span class="anchor-name">Brush on the scalp mask</span> <span class="muted anchor-hint">' +
    "drag on the photo where the automatic mask is wrong: scalp skin takes dots, not scalp (hair, ear, background) " +
    'takes none</span> <span class="anchor-state" id="brush-state">no strokes</span></label>';
  var brushTools = document.createElement("fieldset");
  brushTools.className = "brush-tools";
  brushTools.id = "brush-tools";
  brushTools.hidden = true;
  brushTools.innerHTML =
    "<legend>The brush paints</legend>" +
    '<div class="brush-modes"><label><input type="radio" name="brush-mode" value="skin" checked> scalp skin</label>' +
    '<label><input type="radio" name="brush-mode" value="not_skin"> not scalp</label></div>' +
    '<div class="slider-field"><label for="brush-size">Size <output id="brush-size-out" for="brush-size">16 px</output>' +
    '</label><input type="range" id="brush-size" min="4" max="80" step="1" value="16" ' +
    'aria-describedby="brush-size-out"></div>' +
    '<button type="button" id="undo-stroke" disabled>Undo the last stroke</button> ' +
    '<button type="button" id="clear-brush" disabled>Clear the brush</button>';
  var outlineRow = document.querySelector(".outline-choice");
  outlineRow.parentNode.insertBefore(brushRow, outlineRow.nextSibling);
  brushRow.parentNode.insertBefore(brushTools, brushRow.nextSibling);
  var brushSize = document.getElementById("brush-size");
  var undoStroke = document.getElementById("undo-stroke");
  var clearBrush = document.getElementById("clear-brush");
  function brushStroke(p) {
    var mode = document.querySelector('input[name="brush-mode"]:checked').value;
    // the size is the brush's radius on screen; the stroke keeps it in photo pixels
    var radius = C.round1(C.clamp(Number(brushSize.value) * C.perDisplayPx(), 1, 500));
    return { mode: mode, radius_px: radius, points_px: [p] };
  }
  function drawBrush(current) {
    brushLayer.textContent = "";
    state.strokes.concat(current ? [current] : []).forEach(function (s) {
      var kind = "stroke " + (s.mode === "skin" ? "skin" : "not-skin");
      var p = s.points_px;
      if (p.length === 1) {
        brushLayer.appendChild(C.el("circle", { cx: p[0][0], cy: p[0][1], r: s.radius_px, "class": kind }));
      } else {
        var points = p.map(function (q) { return q[0] + "," + q[1]; }).join(" ");
        brushLayer.appendChild(C.el("polyline", { points: points, "stroke-width": 2 * s.radius_px, "class": kind }));
      }
    });
    var count = state.strokes.length;
    var words = document.getElementById("brush-state");
    words.textContent = count ? count + (count === 1 ? " stroke" : " strokes") + (count >= MAX_STROKES ? " (the most kept)" : "") : "no strokes";
    words.className = "anchor-state" + (count ? " placed" : "");
    undoStroke.disabled = clearBrush.disabled = !count;
  }
  function brushChanged() {
    drawBrush(null);
    if (C.preview) { C.preview(); }
  }
  brushSize.addEventListener("input", function () {
    document.getElementById("brush-size-out").textContent = brushSize.value + " px";
  });
  undoStroke.addEventListener("click", function () { state.strokes.pop(); brushChanged(); });
  clearBrush.addEventListener("click", function () { state.strokes = []; brushChanged(); });

  // --- the fit: the wire-frame follows every change ---------------------------------------------------------
  function drawWire(fit) {
    wire.textContent = "";
    fit.wireframe.forEach(function (line, i) {
      if (line.length < 2) { return; }
      var points = line.map(function (p) { return p[0] + "," + p[1]; }).join(" ");
      wire.appendChild(C.el("polyline", { points: points, "data-line": String(i) }));
    });
    var r = 5 * C.perDisplayPx();
    Object.keys(fit.landmarks_px).forEach(function (name) {
      var p = fit.landmarks_px[name];
      wire.appendChild(C.el("circle", { cx: p[0], cy: p[1], r: r, "class": "fitted" }));
    });
  }
  function notPlaced(text) {
    state.fitted = false;
    wire.textContent = "";
    C.fitStatus.textContent = text;
    if (C.saveButton) { C.saveButton.disabled = true; }
  }
  function fit() {
    var count = Object.keys(state.points).length;
    if (count < 3) {
      notPlaced("Place at least 3 anchors (" + count + " placed).");
      C.fitStatus.className = "fit-status";
      C.setHandles({});
      document.getElementById("fact-fit").textContent = "place at least 3 anchors";
      return;
    }
    var call = C.latest("fit");
    C.fitStatus.textContent = "Fitting the head…";
    var fields = C.designFields();
    delete fields.density_per_cm2;
    delete fields.dot_diameter_mm;
    delete fields.ink_fraction;
    C.post("/fit", fields, call.signal)
      .then(function (response) { return response.ok ? response.json() : C.failure(response); })
      .then(function (result) {
        state.fitted = true;
        drawWire(result);
        C.setHandles(result.hairline_points_px);
        C.designOwn(result);
        var outline = state.outline.length ? ", " + state.outline.length + " outline points" : "";
        C.fitStatus.textContent = "The head is placed: fit error " + C.fitText(result) + outline + ".";
        C.fitStatus.className = "fit-status";
        document.getElementById("fact-fit").textContent = C.fitText(result);
        C.showWarnings(result.warnings);
        if (C.saveButton) { C.saveButton.disabled = false; }
        C.preview();
      })
      .catch(function (error) {
        if (error.name === "AbortError") { return; }
        C.busy.hidden = true;
        notPlaced("Not placed: " + error.message);
        C.fitStatus.className = "fit-status bad";
      });
  }
  var fitSoon = C.debounce(fit, 150);
  C.fit = fit;

  // --- pointer: tap to place, drag anchors and handles --------------------------------------------------------
  var dragging = null;
  C.isDragging = function (kind) { return Boolean(dragging && dragging.kind === kind); };
  svg.addEventListener("pointerdown", function (event) {
    if (brushMode()) {
      if (state.strokes.length >= MAX_STROKES) { return; }
      dragging = { kind: "brush", stroke: brushStroke(C.photoPoint(event)), id: event.pointerId };
      drawBrush(dragging.stroke);
      svg.setPointerCapture(event.pointerId);
      event.preventDefault();
      return;
    }
    var target = event.target.closest("[data-kind]");
    var kind = target ? target.dataset.kind : (outlineMode() ? "add-outline" : "place");
    dragging = { kind: kind, name: target ? target.dataset.name : chosenName(),
      start: C.photoPoint(event), moved: false, id: event.pointerId };
    if (dragging.kind === "anchor") { choose(dragging.name); }
    svg.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  svg.addEventListener("pointermove", function (event) {
    if (!dragging || event.pointerId !== dragging.id) { return; }
    var p = C.photoPoint(event);
    if (dragging.kind === "brush") {
      var pts = dragging.stroke.points_px;
      var last = pts[pts.length - 1];
      var step = Math.max(dragging.stroke.radius_px / 2, 2 * C.perDisplayPx());
      if (pts.length < MAX_STROKE_POINTS && Math.hypot(p[0] - last[0], p[1] - last[1]) >= step) {
        pts.push(p);
        drawBrush(dragging.stroke);
      }
      return;
    }
    var far = Math.hypot(p[0] - dragging.start[0], p[1] - dragging.start[1]) / C.perDisplayPx() > 3;
    if (!far && !dragging.moved) { return; }
    dragging.moved = true;
    if (dragging.kind === "anchor") {
      state.points[dragging.name] = p;
      delete state.guessed[dragging.name];
      drawAnchors();
      fitSoon();
    } else if (dragging.kind === "outline") {
      state.outline[Number(dragging.name)] = p;
      drawOutline();
    } else if (dragging.kind === "handle") {
      state.handles[dragging.name] = p;
      C.drawHandles(dragging.name);
    }
  });
  function release(event) {
    if (!dragging || event.pointerId !== dragging.id) { return; }
    var done = dragging;
    dragging = null;
    var p = C.photoPoint(event);
    if (done.kind === "brush") {
      state.strokes.push(done.stroke);
      if (C.landmarksDocument().length > MAX_DOCUMENT_CHARS) {
        state.strokes.pop();  // the studio would refuse the document: the stroke is not kept
        drawBrush(null);
        document.getElementById("brush-state").textContent =
          state.strokes.length + " strokes: the brush holds no more; undo or clear strokes, or paint shorter ones";
        return;
      }
      brushChanged();
    } else if (done.kind === "place" && done.name) {
      placeAnchor(done.name, p);
      nextUnplaced();
    } else if (done.kind === "add-outline" && !done.moved) {
      addOutline(p);  // a tap, not a drag that missed a handle
    } else if (done.kind === "outline") {
      if (done.moved) { fitSoon(); } else { removeOutline(Number(done.name)); }
    } else if (done.kind === "handle" && done.moved) {
      C.dragHandle(done.name, p);
    } else if (done.kind === "anchor" && done.moved) {
      placeAnchor(done.name, p);
    }
  }
  svg.addEventListener("pointerup", release);
  svg.addEventListener("pointercancel", function (event) {
    if (dragging && event.pointerId === dragging.id) { dragging = null; drawAnchors(); C.drawHandles(); }  // a cancelled stroke is dropped
  });

  // --- keyboard: arrow keys move a focused anchor, outline point or handle; Delete removes a point ----------
  var keyDrag = C.debounce(function () {
    if (keyDrag.name) { C.dragHandle(keyDrag.name, state.handles[keyDrag.name]); }
  }, 450);
  svg.addEventListener("keydown", function (event) {
    var target = event.target.closest("[data-kind]");
    if (!target) { return; }
    var steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    var kind = target.dataset.kind;
    var name = target.dataset.name;
    if (event.key === "Delete" || event.key === "Backspace") {
      if (kind === "anchor") { delete state.points[name]; drawAnchors(); fitSoon(); }
      if (kind === "outline") { removeOutline(Number(name)); }
      event.preventDefault();
      return;
    }
    if (!steps[event.key]) { return; }
    event.preventDefault();
    var step = (event.shiftKey ? 10 : 2) * C.perDisplayPx();
    var d = steps[event.key];
    var points = kind === "anchor" ? state.points : (kind === "outline" ? state.outline : state.handles);
    var p = points[name];
    points[name] = [C.round1(C.clamp(p[0] + d[0] * step, 0, C.W - 0.5)), C.round1(C.clamp(p[1] + d[1] * step, 0, C.H - 0.5))];
    if (kind === "anchor") {
      delete state.guessed[name];
      drawAnchors();
      fitSoon();
    } else if (kind === "outline") {
      drawOutline();
      fitSoon();
    } else {
      C.drawHandles();
      keyDrag.name = name;
      keyDrag();
    }
    var again = svg.querySelector('[data-kind="' + kind + '"][data-name="' + name + '"]');
    if (again) { again.focus(); }
  });

  // --- the panel's controls -------------------------------------------------------------------------------------
  document.querySelectorAll('input[name="anchor"]').forEach(function (input) {  // the brush's too
    input.addEventListener("change", drawAnchors);
  });
  document.getElementById("remove-anchor").addEventListener("click", function () {
    var name = chosenName();
    if (name === "outline" && state.outline.length) {
      removeOutline(state.outline.length - 1);
    } else if (name && state.points[name]) {
      delete state.points[name];
      drawAnchors();
      fitSoon();
    }
  });
  clearOutline.addEventListener("click", function () {
    state.outline = [];
    drawOutline();
    fitSoon();
  });

  // Markers keep their size on screen when the photo's box changes.
  C.redrawAnchors = drawAnchors;
  C.starts.push(function () {
    drawAnchors();
    nextUnplaced();
    if (Object.keys(state.points).length) { fit(); }
  });
}());
