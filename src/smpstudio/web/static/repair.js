// The repair map page: tap a dot to cycle its class (keep -> remove -> watch), or tap points of a new
// target hairline and apply it; the dot table's selects do the same from the keyboard. Each change is the
// page's own form sent with Accept: application/json; the re-planned map that comes back updates the rings,
// counts and plan. Without this script the forms still work (POST, then the page again).
(function () {
  "use strict";
  var root = document.getElementById("repair");
  if (!root) { return; }
  var base = root.getAttribute("data-base");
  var mayCorrect = root.getAttribute("data-may-correct") === "1";
  var stage = document.getElementById("stage");
  var svg = document.getElementById("overlay");
  var status = document.getElementById("repair-status");
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var token = tokenMeta ? tokenMeta.getAttribute("content") : "";
  var NEXT = { keep: "remove", remove: "watch", watch: "keep" };
  var WORDS = { keep: "Keep", remove: "Remove (laser)", watch: "Watch" };
  var ZONES = {
    hairline: "Hairline band", front: "Front (first 2 cm)", body: "Further back",
    outside: "Ahead of the target hairline"
  };
  var SVG = "http://www.w3.org/2000/svg";
  var TARGETS = {
    drawn: "the target hairline drawn",
    detected: "the dots' front edge as it is (draw a target hairline to move it)",
    "photo edge": "the photo's front edge (no hairline in view)"
  };
  var stroke = Number(root.getAttribute("data-stroke")) || 1;
  var draft = [];
  var busy = false;

  function say(text) { if (status) { status.textContent = text; } }

  function post(path, fields) {
    var body = new FormData();
    body.append("csrf_token", token);
    Object.keys(fields).forEach(function (k) { body.append(k, fields[k]); });
    return fetch(base + path, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": token }
    }).then(function (answer) {
      return answer.json().then(function (data) {
        if (!answer.ok) { throw new Error(data.error || data.message || "the change was not saved"); }
        return data;
      });
    });
  }

  function dotGroup(index) { return svg.querySelector('g.dot[data-index="' + index + '"]'); }

  function text(tag, words) { var el = document.createElement(tag); el.textContent = words; return el; }

  function details(rows) {
    var dl = document.createElement("dl");
    dl.className = "details";
    rows.forEach(function (pair) {
      var div = document.createElement("div");
      div.appendChild(text("dt", pair[0]));
      div.appendChild(text("dd", pair[1]));
      dl.appendChild(div);
    });
    return dl;
  }

  function span(pair) { return pair ? " (" + pair[0] + "–" + pair[1] + ")" : ""; }

  function laserPanel(laser) {
    var box = document.getElementById("laser-plan");
    if (!box) { return; }
    box.textContent = "";
    if (!laser || !laser.needed) {
      box.appendChild(text("p", "No dot is classed remove: no laser session is planned."));
      return;
    }
    if (laser.test_spot) {
      var alert = document.createElement("div");
      alert.className = "alert alert-warning";
      alert.setAttribute("role", "note");
      var p = document.createElement("p");
      p.appendChild(text("strong", "Test spot first:"));
      p.appendChild(document.createTextNode(" about 3 mm, re-checked after 14 days, before the full area."));
      alert.appendChild(p);
      box.appendChild(alert);
    }
    var rows = [
      ["Dots to remove", String(laser.dots)],
      ["Sessions expected", laser.sessions_expected + span(laser.sessions_expected_range) +
        (laser.sessions_kirby_desai ? "; Kirby-Desai upper bound " + laser.sessions_kirby_desai : "")]
    ];
    if (laser.interval_weeks) { rows.push(["Interval", laser.interval_weeks + " weeks" + span(laser.interval_weeks_range)]); }
    if (laser.wavelength_nm) { rows.push(["Wavelength", laser.wavelength_nm + " nm"]); }
    rows.push(["Days from the first visit", laser.schedule_days.join(", ")]);
    box.appendChild(details(rows));
    if (laser.recommendation) { box.appendChild(text("p", laser.recommendation)); }
    var list = document.createElement("ul");
    list.className = "plain hint";
    laser.warnings.forEach(function (w) { list.appendChild(text("li", w)); });
    box.appendChild(list);
    var sources = text("p", "Sources: " + laser.sources.join("; ") + ". Rules " + laser.rules_version + ".");
    sources.className = "hint";
    box.appendChild(sources);
  }

  function resmpPanel(resmp) {
    var box = document.getElementById("resmp-plan");
    if (!box) { return; }
    box.textContent = "";
    if (!resmp || !resmp.needed) { box.appendChild(text("p", "No dot needs adding to reach the target.")); return; }
    box.appendChild(details([
      ["Dots to add", resmp.dots + " (" + Math.round(100 * resmp.new_share) + " % of the dots after the repair)"],
      ["Sessions", resmp.sessions + " (" + resmp.dots_per_session.join(" + ") + " dots)"],
      ["Interval", resmp.interval_days + " days"],
      ["Wait after the laser", resmp.wait_after_laser_days + " days"],
      ["Days from the first visit", resmp.schedule_days.join(", ")]
    ]));
    var sources = text("p", "Sources: " + resmp.wait_source + "; " + resmp.interval_source + ".");
    sources.className = "hint";
    box.appendChild(sources);
  }

  function addedLayer(added) {
    var layer = document.getElementById("added");
    if (!layer) { return; }
    var r = Number(root.getAttribute("data-add-r")) || 4;
    layer.textContent = "";
    added.forEach(function (a) {
      var path = document.createElementNS(SVG, "path");
      path.setAttribute("d", "M" + (a.x_px - r) + "," + a.y_px + "h" + (2 * r) + "M" + a.x_px + "," + (a.y_px - r) + "v" + (2 * r));
      layer.appendChild(path);
    });
  }

  function zoneRows(zones) {
    var body = document.getElementById("zone-rows");
    if (!body) { return; }
    body.textContent = "";
    Object.keys(zones).forEach(function (zone) {
      var tr = document.createElement("tr");
      var th = text("th", ZONES[zone] || zone);
      th.setAttribute("scope", "row");
      tr.appendChild(th);
      ["keep", "remove", "watch", "added"].forEach(function (k) {
        tr.appendChild(text("td", String(zones[zone][k] || 0)));
      });
      body.appendChild(tr);
    });
  }

  function points(list) { return (list || []).map(function (p) { return p[0] + "," + p[1]; }).join(" "); }

  function refreshAfter() {
    var which = document.getElementById("compare-which");
    var img = document.getElementById("compare-after-img");
    if (which && img) { img.src = base + "/" + which.value + ".png?w=1600&t=" + Date.now(); }
  }

  function update(view, changed) {
    view.dots.forEach(function (d) {
      var g = dotGroup(d.index);
      if (g) {
        g.setAttribute("class", "dot dot-" + d.dot_class + (d.corrected ? " is-corrected" : "") +
          (changed === d.index ? " just-changed" : ""));
        if (d.corrected) { g.setAttribute("stroke-width", String(2 * stroke)); } else { g.removeAttribute("stroke-width"); }
      }
      var why = document.querySelector('[data-why="' + d.index + '"]');
      if (why) { why.textContent = d.reasons.join(", ").replace(/_/g, " "); }
      var select = document.getElementById("dot-" + d.index);
      if (select) { select.value = d.corrected ? d.dot_class : "auto"; }
    });
    Object.keys(view.summary.counts).forEach(function (k) {
      var cell = document.querySelector('[data-count="' + k + '"]');
      if (cell) { cell.textContent = String(view.summary.counts[k]); }
    });
    var corrected = document.querySelector('[data-count="corrected"]');
    if (corrected) { corrected.textContent = String(view.summary.corrected); }
    zoneRows(view.zone_counts);
    laserPanel(view.plan.laser);
    resmpPanel(view.plan.resmp);
    addedLayer(view.added);
    var made = document.getElementById("plan-target");
    if (made) { made.textContent = "Made against " + TARGETS[view.target_source] + "."; }
    var target = document.getElementById("target-line");
    if (target) {
      target.setAttribute("points", points(view.target_px));
      target.setAttribute("class", "target-hairline" + (view.target_source === "drawn" ? "" : " is-kept"));
    }
    refreshAfter();
  }

  function correct(index, value) {
    if (busy) { return; }
    busy = true;
    var fields = {};
    fields["dot_" + index] = value;
    say("Saving dot " + index + "…");
    post("/corrections", fields).then(function (view) {
      update(view, index);
      var d = view.dots[index];
      say("Dot " + index + ": " + WORDS[d.dot_class] + ". Keep " + view.summary.counts.keep + ", remove " +
        view.summary.counts.remove + ", watch " + view.summary.counts.watch + ".");
    }).catch(function (err) { say(err.message); }).then(function () { busy = false; });
  }

  function mode() {
    var checked = document.querySelector('input[name="mode"]:checked');
    return checked ? checked.value : "classify";
  }

  function photoPoint(event) {
    var pt = svg.createSVGPoint();
    pt.x = event.clientX;
    pt.y = event.clientY;
    var local = pt.matrixTransform(svg.getScreenCTM().inverse());
    return [Math.round(local.x * 10) / 10, Math.round(local.y * 10) / 10];
  }

  function showDraft() {
    document.getElementById("draft-line").setAttribute("points", points(draft));
    var input = document.getElementById("hairline-input");
    if (input && draft.length) { input.value = JSON.stringify(draft); }
  }

  if (mayCorrect && stage && svg) {
    var down = null;
    stage.addEventListener("pointerdown", function (event) { down = [event.clientX, event.clientY]; });
    stage.addEventListener("pointerup", function (event) {
      if (!down || Math.abs(event.clientX - down[0]) > 10 || Math.abs(event.clientY - down[1]) > 10) { return; }
      down = null;
      if (mode() === "draw") {
        draft.push(photoPoint(event));
        showDraft();
        say(draft.length + " points of the new hairline; apply when done.");
        return;
      }
      var g = event.target.closest ? event.target.closest("g.dot") : null;
      if (!g) { return; }
      var index = Number(g.getAttribute("data-index"));
      var now = (g.getAttribute("class").match(/dot-(keep|remove|watch)/) || [])[1] || "keep";
      correct(index, NEXT[now]);
    });
    document.querySelectorAll('input[name="mode"]').forEach(function (radio) {
      radio.addEventListener("change", function () { stage.classList.toggle("drawing", mode() === "draw"); });
    });
    var undo = document.getElementById("hairline-undo");
    if (undo) { undo.addEventListener("click", function () { draft.pop(); showDraft(); }); }
    var clear = document.getElementById("hairline-clear");
    if (clear) { clear.addEventListener("click", function () { draft = []; showDraft(); }); }
    var form = document.getElementById("hairline-form");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var value = draft.length ? JSON.stringify(draft) : document.getElementById("hairline-input").value;
        say("Saving the hairline…");
        post("/hairline", { hairline_px: value }).then(function (view) {
          draft = [];
          showDraft();
          update(view, null);
          say("The target hairline was saved and the plan updated.");
        }).catch(function (err) { say(err.message); });
      });
    }
    document.querySelectorAll("select[data-dot]").forEach(function (select) {
      select.addEventListener("change", function () { correct(Number(select.getAttribute("data-dot")), select.value); });
    });
  }

  var range = document.getElementById("compare-range");
  var after = document.getElementById("compare-after");
  if (range && after) {
    var slide = function () { after.style.clipPath = "inset(0 " + (100 - Number(range.value)) + "% 0 0)"; };
    range.addEventListener("input", slide);
    slide();
  }
  var which = document.getElementById("compare-which");
  if (which) {
    which.addEventListener("change", function () {
      var img = document.getElementById("compare-after-img");
      img.alt = which.options[which.selectedIndex].text;
      refreshAfter();
    });
  }
})();
