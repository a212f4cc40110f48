"""The consultation on a photo in a real browser, at the desk (1280 px) and on a tablet at the chair (820 px):
the practitioner uploads a phone-style photo of a balding head (rendered by the project with known
landmarks), taps four anchors where the head's landmarks are, sees the fitted head's wire-frame and the
design drawn on the photo, sees the sliders start at the design's own values, moves the density slider and
sees the picture change, drags the hairline's middle handle down and sees the dots placed again, taps three
points of the head's outline and removes one, paints one brush stroke off the scalp mask and sees the
picture change, chooses another hairline style, moves the before/after divider
with the keyboard and saves a design version. Every state is checked with axe-core; screenshots go to
``build/screenshots/``."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from smpstudio.records.models import Photo
from tests.web.browser.conftest import TIMEOUT_MS, LiveStudio, run_axe, screenshot, serious, use_session
from tests.web.browser.test_pages import SMALL_TARGETS

#: The rendered photo's side. [px]
SIZE_PX = 560
#: The four anchors tapped, in the order the page offers them for a front view.
TAPPED = ("glabella", "lateral_canthus_right", "lateral_canthus_left", "mid_frontal_point")
#: Desk and tablet viewports (width, height). [CSS px]
VIEWPORTS = {"desktop": (1280, 900), "tablet": (820, 1180)}

#: A checksum of the design image as drawn in the page (its pixels read back through a canvas).
CHECKSUM = """async () => {
  const img = document.getElementById('photo-after');
  // a new preview may still be loading: wait until the image shown is decoded
  for (let i = 0; i < 50 && !(img.complete && img.naturalWidth > 0); i++) {
    try { await img.decode(); } catch (e) { await new Promise((r) => setTimeout(r, 100)); }
  }
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let s = 0;
  for (let i = 0; i < d.length; i += 7) { s = (s + d[i] * (i % 251 + 1)) % 1000000007; }
  return s;
}"""

#: Notes the words of the "busy" line whenever it shows (it shows while the dots are placed again).
BUSY_SEEN = """() => {
  const busy = document.getElementById('busy');
  window.busySeen = null;
  new MutationObserver(() => { if (!busy.hidden) { window.busySeen = busy.textContent; } })
    .observe(busy, {attributes: true});
}"""


#: Three points of the fitted head's outline (the wire-frame's first line) inside the photo and away from
#: the anchors: its top, and its left and right ends a third of the way down. [photo px]
OUTLINE_TAPS = """() => {
  const root = document.getElementById('consultation');
  const w = Number(root.dataset.width), h = Number(root.dataset.height);
  const pts = document.querySelector('#wire polyline[data-line="0"]').getAttribute('points').trim().split(' ')
    .map(p => p.split(',').map(Number))
    .filter(p => p[0] > 0.04 * w && p[0] < 0.96 * w && p[1] > 0.04 * h && p[1] < 0.96 * h);
  const top = pts.reduce((a, b) => (b[1] < a[1] ? b : a));
  const low = Math.max(...pts.map(p => p[1]));
  const y = top[1] + (low - top[1]) / 3;
  const band = pts.filter(p => Math.abs(p[1] - y) < (low - top[1]) / 8);
  const left = band.reduce((a, b) => (b[0] < a[0] ? b : a));
  const right = band.reduce((a, b) => (b[0] > a[0] ? b : a));
  return [top, left, right];
}"""
#: The hairline's handles as drawn. [photo px]
HANDLES = """() => Array.from(document.querySelectorAll('#hairline g.handle circle.dot'))
  .map(c => [c.getAttribute('cx'), c.getAttribute('cy')])"""


def editor_photo(url: str) -> str:
    """The photo id of an editor's address."""
    return url.rstrip("/").rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def head_photo() -> tuple[bytes, dict[str, list[float]]]:
    from tests.validation.test_photo_fit import synthetic_photo

    img, marks, _, _, _ = synthetic_photo("front", turn_deg=(3.0, -4.0, 2.0), noise=1.5, size_px=SIZE_PX)
    out = io.BytesIO()
    Image.fromarray(img).save(out, "JPEG", quality=92)
    return out.getvalue(), marks


def _context(browser: Any, live: LiveStudio, kind: str) -> Any:
    w, h = VIEWPORTS[kind]
    context = browser.new_context(
        base_url=live.url, viewport={"width": w, "height": h}, has_touch=kind == "tablet"
    )
    context.set_default_timeout(TIMEOUT_MS)
    use_session(context, live, "practitioner")
    return context


def _drawn(page: Any) -> int:
    return int(page.evaluate("() => Number(document.getElementById('photo-after').dataset.drawn || '0')"))


def _wait_drawn_after(page: Any, count: int) -> None:
    page.wait_for_function(
        "n => Number(document.getElementById('photo-after').dataset.drawn || '0') > n", arg=count
    )
    page.wait_for_function("() => document.getElementById('busy').hidden")


def _on_photo(page: Any, x_px: float, y_px: float) -> tuple[float, float]:
    box = page.locator("#overlay").bounding_box()
    assert box is not None
    return box["x"] + x_px / SIZE_PX * box["width"], box["y"] + y_px / SIZE_PX * box["height"]


def test_a_practitioner_places_the_design_on_the_clients_photo(
    playwright_browser: Any, live: LiveStudio, head_photo: tuple[bytes, dict[str, list[float]]]
) -> None:
    data, marks = head_photo
    client = live.mine.client_id
    context = _context(playwright_browser, live, "desktop")
    page = context.new_page()
    try:
        page.goto(f"/clients/{client}/consultation")
        assert not serious(run_axe(page)), serious(run_axe(page))
        page.set_input_files(
            "#f-photo", files=[{"name": "head.jpg", "mimeType": "image/jpeg", "buffer": data}]
        )
        page.get_by_label("Taken from").select_option("front")
        page.get_by_role("button", name="Store the photo and place the design").click()
        page.wait_for_url(f"**/clients/{client}/consultation/*")
        page.locator("#photo-before").evaluate("img => img.decode()")

        for name in TAPPED:
            page.locator(f"#a-{name}").check()
            page.mouse.click(*_on_photo(page, *marks[name]))
        page.wait_for_function("() => document.querySelectorAll('#wire polyline').length > 3")
        assert "fit error" in page.locator("#fit-status").inner_text()
        _wait_drawn_after(page, 0)
        before = page.evaluate(CHECKSUM)
        dots = page.locator("#fact-dots").inner_text()
        own = page.locator("#f-density_per_cm2").input_value()  # the sliders start at the design's own
        assert f"{float(own):.0f} dots/cm²" in page.locator("#fact-drawn").inner_text()
        assert page.locator("#o-density_per_cm2").inner_text() == own
        assert int(dots.split(" ")[0].replace(",", "")) > 100, dots

        count = _drawn(page)
        page.locator("#f-density_per_cm2").fill("190")
        _wait_drawn_after(page, count)
        assert page.evaluate(CHECKSUM) != before, "the density slider changed the picture"
        assert "190 dots/cm²" in page.locator("#fact-drawn").inner_text()

        ring = page.locator('#hairline g[data-name="mid_frontal_point"] circle.ring')
        ring.wait_for()
        box = ring.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"], box["y"] + box["height"] / 2  # on the ring, off the anchor
        count = _drawn(page)
        page.evaluate(BUSY_SEEN)
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x, y + 12, steps=4)
        page.mouse.move(x, y + 25, steps=4)
        page.mouse.up()
        page.wait_for_function("() => document.getElementById('shifts').innerText.includes('forward')")
        _wait_drawn_after(page, count)
        assert "middle of the hairline" in page.locator("#shifts").inner_text()
        assert page.evaluate("() => window.busySeen") == "re-placing the dots…"

        # the head's outline: three taps on the fitted outline add three small dots, a tap on a dot removes it
        outline = page.evaluate(OUTLINE_TAPS)
        page.locator("#a-outline").check()
        for x_px, y_px in outline:
            page.mouse.click(*_on_photo(page, x_px, y_px))
        assert page.locator("#outline g.outline-point").count() == 3
        page.wait_for_function(
            "() => document.getElementById('fit-status').innerText.includes('3 outline points')"
        )
        dot = page.locator('#outline g[data-name="1"] circle.dot').bounding_box()
        assert dot is not None
        page.mouse.click(dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2)
        assert page.locator("#outline g.outline-point").count() == 2
        assert page.locator("#outline-state").inner_text() == "2 points"
        page.wait_for_function(
            "() => document.getElementById('fit-status').innerText.includes('2 outline points')"
        )

        # the brush on the scalp mask: one "not scalp" stroke across the crown takes its dots away
        top, left, right = outline
        y_px = top[1] + (left[1] - top[1]) / 2
        count, before = _drawn(page), page.evaluate(CHECKSUM)
        page.locator("#a-brush").check()
        page.get_by_label("not scalp", exact=True).check()
        page.locator("#brush-size").fill("30")
        assert not serious(run_axe(page)), serious(run_axe(page))
        page.mouse.move(*_on_photo(page, left[0], y_px))
        page.mouse.down()
        page.mouse.move(*_on_photo(page, (left[0] + right[0]) / 2, y_px), steps=5)
        page.mouse.move(*_on_photo(page, right[0], y_px), steps=5)
        page.mouse.up()
        assert page.locator("#mask-strokes polyline.not-skin").count() == 1
        assert page.locator("#brush-state").inner_text() == "1 stroke"
        assert page.get_by_role("button", name="Undo the last stroke").is_enabled()
        _wait_drawn_after(page, count)
        assert page.evaluate(CHECKSUM) != before, "the brush stroke changed the picture"
        screenshot(page, "consultation-editor", "brush-desktop-1280")

        # the style chooser: the design's own first, another style redraws the hairline and the dots
        assert page.locator("#own-style").inner_text().startswith("The design's own: ")
        handles = page.evaluate(HANDLES)
        count = _drawn(page)
        page.locator("#f-style").select_option("widows-peak")
        _wait_drawn_after(page, count)
        page.wait_for_function("h => JSON.stringify(" + HANDLES + "()) !== h", arg=handles)
        page.locator("#a-glabella").check()  # back to the anchors: the handles take the pointer again

        page.locator("#divider-knob").scroll_into_view_if_needed()  # the photo fills the screen's height
        knob = page.locator("#divider-knob").bounding_box()
        stage = page.locator("#stage").bounding_box()
        assert knob is not None and stage is not None
        page.mouse.move(knob["x"] + knob["width"] / 2, knob["y"] + knob["height"] / 2)
        page.mouse.down()
        page.mouse.move(stage["x"] + 0.7 * stage["width"], knob["y"] + knob["height"] / 2, steps=5)
        page.mouse.up()
        assert abs(int(page.locator("#divider").input_value()) - 70) <= 1

        page.locator("#divider").focus()
        dragged = int(page.locator("#divider").input_value())
        for _ in range(10):
            page.keyboard.press("ArrowLeft")
        assert page.locator("#divider").input_value() == str(dragged - 10)
        clip = page.locator("#after-layer").evaluate("el => el.style.clipPath")
        assert f"{dragged - 10}%" in clip, clip

        assert not serious(run_axe(page)), serious(run_axe(page))
        page.evaluate("() => window.scrollTo(0, 0)")
        screenshot(page, "consultation-editor", "desktop-1280")
        page.get_by_role("button", name="Save as design version").click()
        page.wait_for_function("() => document.getElementById('save-status').innerText.startsWith('Saved')")
        saved = page.locator("#save-status").inner_text()
        assert saved.startswith("Saved as version "), saved
        version = saved.removeprefix("Saved as version ").rstrip(".")
        kept = live.store.read(lambda db: db.get(Photo, int(editor_photo(page.url))).landmarks)
        assert len(kept["outline_px"]) == 2 and set(kept["points_px"]) == set(TAPPED)
        assert [s["mode"] for s in kept["mask_strokes"]] == ["not_skin"]
        assert f"Version {version}" in page.locator("#versions").inner_text()
        editor = page.url
    finally:
        context.close()

    tablet = _context(playwright_browser, live, "tablet")
    page = tablet.new_page()
    try:
        page.goto(editor)  # the saved anchors come back; the design is drawn again
        _wait_drawn_after(page, 0)
        assert page.locator("#anchors g.anchor").count() == len(TAPPED)
        assert page.locator("#mask-strokes polyline.not-skin").count() == 1, "the brush stroke comes back"
        assert f"Version {version}" in page.locator("#versions").inner_text()
        assert page.locator("#f-design").input_value() == version, "the version saved on the photo is drawn"
        # a finger's tap places the next anchor, and the head is fitted again
        assert page.locator("#a-fronto_temporal_right").is_checked(), "the next anchor to place is chosen"
        fits = page.evaluate(
            "() => performance.getEntriesByType('resource').filter(e => e.name.endsWith('/fit')).length"
        )
        page.touchscreen.tap(*_on_photo(page, *marks["fronto_temporal_right"]))
        page.wait_for_function(
            "n => performance.getEntriesByType('resource').filter(e => e.name.endsWith('/fit')).length > n",
            arg=fits,
        )
        assert page.locator("#anchors g.anchor").count() == len(TAPPED) + 1
        page.wait_for_function("() => document.getElementById('fit-status').innerText.includes('fit error')")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= VIEWPORTS["tablet"][0], "nothing wider than the tablet's screen"
        assert not page.evaluate(SMALL_TARGETS), "every control a finger can hit"
        assert not serious(run_axe(page)), serious(run_axe(page))
        screenshot(page, "consultation-editor", "tablet-820")
    finally:
        tablet.close()
