// smpstudio: the consultation on a photo, its shared part. The editor's scripts share one namespace,
// window.smpConsultation: this one holds the page's state (the anchors and the head's outline clicked, the
// brush strokes on the scalp mask, the hairline's shifts and handles, the design's controls), the requests to
// the page's endpoints (POST with the session's CSRF token, newest request of a kind wins) and the helpers;
// consultation-anchors.js places the anchors and the outline, paints the brush strokes and fits the head,
// consultation-design.js draws the design and moves the hairline, consultation-divider.js shows before and
// after. Every point is in the photo's own pixels (x right, y down).
// No inline script: the page's data comes in data- attributes.
(function () {
  "use strict";

  var root = document.getElementById("consultation");
  if (!root) { return; }
  var SVG = "http://www.w3.org/2000/svg";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var stored = JSON.parse(root.dataset.landmarks || "{}");
  var C = {
    root: root,
    W: Number(root.dataset.width),
    H: Number(root.dataset.height),
    base: root.dataset.base,
    csrf: meta ? meta.getAttribute("content") : "",
    hairlineWords: JSON.parse(root.dataset.hairlineWords || "{}"),
    stage: document.getElementById("stage"),
    svg: document.getElementById("overlay"),
    busy: document.getElementById("busy"),
    fitStatus: document.getElementById("fit-status"),
    saveButton: document.getElementById("save"),
    state: {
      view: stored.view || root.dataset.view,
      points: {},
      guessed: {},
      outline: (stored.outline_px || []).map(function (p) { return p.slice(0, 2); }),
      // {mode: "skin" | "not_skin", radius_px, points_px}: painted in order on the automatic scalp mask
      strokes: (stored.mask_strokes || []).map(function (s) {
        return { mode: s.mode, radius_px: s.radius_px, points_px: s.points_px.map(function (p) { return p.slice(0, 2); }) };
      }),
      fitted: false,
      shifts: {},
      handles: {},
      touched: {},
      style: "",
      previewUrl: null,
      version: document.getElementById("f-design").value
    },
    // what runs once every script is loaded (each adds its own start)
    starts: []
  };
  Object.keys(stored.points_px || {}).forEach(function (name) {
    C.state.points[name] = stored.points_px[name].slice(0, 2);
    if (root.dataset.guessed === "yes") {
      var sure = (stored.confidence || {})[name];
      C.state.guessed[name] = typeof sure === "number" ? "a guess, " + Math.round(100 * sure) + "% sure" : "a guess";
    }
  });

  C.el = function (name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  };
  C.clamp = function (v, lo, hi) { return Math.min(hi, Math.max(lo, v)); };
  C.round1 = function (v) { return Math.round(v * 10) / 10; };
  // Photo pixels per display pixel (the SVG fills the photo's box).
  C.perDisplayPx = function () {
    var rect = C.svg.getBoundingClientRect();
    return rect.width > 0 ? C.W / rect.width : 1;
  };
  C.photoPoint = function (event) {
    var rect = C.svg.getBoundingClientRect();
    return [
      C.round1(C.clamp((event.clientX - rect.left) / rect.width * C.W, 0, C.W - 0.5)),
      C.round1(C.clamp((event.clientY - rect.top) / rect.height * C.H, 0, C.H - 0.5))
    ];
  };
  C.debounce = function (fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  };
  function errorText(body, status) {
    if (body && body.error) {
      return body.error + (body.field ? " (" + body.field + (body.allowed ? "; allowed: " + body.allowed : "") + ")" : "");
    }
    return "the studio answered " + status;
  }
  C.post = function (path, fields, signal) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (k) {
      if (fields[k] !== null && fields[k] !== undefined) { body.append(k, String(fields[k])); }
    });
    return fetch(C.base + path, {
      method: "POST",
      body: body,
      signal: signal,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": C.csrf, "Accept": "application/json, image/jpeg" }
    });
  };
  C.failure = function (response) {
    var kind = response.headers.get("content-type") || "";
    if (kind.indexOf("application/json") === 0) {
      return response.json().then(function (body) { throw new Error(errorText(body, response.status)); });
    }
    return Promise.reject(new Error(errorText(null, response.status)));
  };
  // The newest request of a kind wins: the one before it is aborted.
  var pending = {};
  C.latest = function (kind) {
    if (pending[kind]) { pending[kind].abort(); }
    pending[kind] = new AbortController();
    return pending[kind];
  };
  // The landmarks document of photo/anchors.py: the view, the anchors, the points on the head's outline and
  // the brush strokes on the scalp mask.
  C.landmarksDocument = function () {
    var doc = { view: C.state.view, points_px: C.state.points };
    if (C.state.outline.length) { doc.outline_px = C.state.outline; }
    if (C.state.strokes.length) { doc.mask_strokes = C.state.strokes; }
    return JSON.stringify(doc);
  };
  // The design as the fit, the drag, the preview and the save take it (sliders only once moved).
  C.designFields = function () {
    var fields = {
      landmarks: C.landmarksDocument(),
      design_version: C.state.version,
      hairline_shift_mm: JSON.stringify(C.state.shifts),
      style: C.state.style
    };
    document.querySelectorAll("input[data-slider]").forEach(function (input) {
      if (C.state.touched[input.name]) { fields[input.name] = input.value; }
    });
    return fields;
  };
  C.showWarnings = function (list) {
    var warnings = document.getElementById("warnings");
    warnings.textContent = "";
    (list || []).forEach(function (w) {
      var li = document.createElement("li");
      li.textContent = w;
      warnings.appendChild(li);
    });
  };
  C.fitText = function (fit) {
    return fit.fit_error_px.toFixed(1) + " px (" + fit.fit_error_mm.toFixed(1) + " mm) · " +
      fit.mm_per_px.toFixed(3) + " mm per px";
  };
  // The stage is as large as the screen allows at the photo's own aspect ratio.
  C.stage.style.setProperty("--aspect", String(C.W / C.H));
  window.smpConsultation = C;
  // Deferred scripts run in order before DOMContentLoaded: by then every part has added its start.
  document.addEventListener("DOMContentLoaded", function () {
    C.starts.forEach(function (start) { start(); });
    // Markers keep their size on screen when the photo's box changes.
    var beforeImg = document.getElementById("photo-before");
    function redraw() { C.redrawAnchors(); C.drawHandles(); }
    if (window.ResizeObserver) { new ResizeObserver(redraw).observe(beforeImg); }
    beforeImg.addEventListener("load", redraw);
  });
}());
