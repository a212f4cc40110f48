"""The repair consultation in the browser: the practitioner uploads a synthetic close-up, sees every dot
ringed by its class, taps a dot to change its class and sees the counts follow, changes another from the
dot table with the keyboard, draws a target hairline, and the page passes axe. Screenshots at 1280 and
820 px wide go to ``/tmp/shots/`` for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.web.browser.conftest import TIMEOUT_MS, LiveStudio, run_axe, serious, use_session
from tests.web.populated import closeup_jpeg

SHOTS = Path("/tmp/shots")
#: Desktop at the front desk and a tablet at the chair (portrait). [px]
VIEWPORTS = {"1280": (1280, 900), "820": (820, 1180)}


def _context(browser: Any, live: LiveStudio, width: str) -> Any:
    w, h = VIEWPORTS[width]
    context = browser.new_context(
        base_url=live.url, viewport={"width": w, "height": h}, has_touch=width == "820"
    )
    context.set_default_timeout(TIMEOUT_MS)
    use_session(context, live, "practitioner")
    return context


def _count(page: Any, key: str) -> int:
    return int(page.locator(f'[data-count="{key}"]').inner_text())


def _shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_a_practitioner_maps_a_closeup_and_corrects_a_dot(playwright_browser: Any, live: LiveStudio) -> None:
    client = live.mine.client_id
    context = _context(playwright_browser, live, "1280")
    page = context.new_page()
    try:
        page.goto(f"/clients/{client}/repair")
        upload = page.get_by_label("Close-up of the scalp")
        assert (
            upload.get_attribute("accept") == "image/*" and upload.get_attribute("capture") == "environment"
        )
        page.get_by_role("button", name="Find the dots").click()  # nothing chosen: the browser holds the form
        assert page.url.endswith(f"/clients/{client}/repair")
        upload.set_input_files({"name": "closeup.jpg", "mimeType": "image/jpeg", "buffer": closeup_jpeg()})
        page.get_by_label("Scale value").fill("thirty")
        page.get_by_role("button", name="Find the dots").click()
        assert "not a number" in page.locator("#e-scale").inner_text()  # shown in place, naming the field
        page.get_by_label("Close-up of the scalp").set_input_files(
            {"name": "closeup.jpg", "mimeType": "image/jpeg", "buffer": closeup_jpeg()}
        )
        page.get_by_label("Scale value").fill("30")
        page.get_by_label("Ink used").select_option("carbon")
        page.get_by_role("button", name="Find the dots").click()
        page.wait_for_url(re.compile(r".*/repair/\d+$"))

        dots = page.locator("#dots g.dot")
        assert dots.count() >= 20
        assert (
            page.locator("#dots g.dot-remove").count() >= 1 and page.locator("#dots g.dot-keep").count() >= 10
        )
        keep, remove = _count(page, "keep"), _count(page, "remove")

        target = page.locator("#dots g.dot-keep").first
        index = target.get_attribute("data-index")
        target.click()
        page.locator(f'#dots g.dot-remove[data-index="{index}"]').wait_for()
        page.wait_for_function(
            f"() => document.querySelector('[data-count=\"keep\"]').textContent == '{keep - 1}'"
        )
        assert (_count(page, "keep"), _count(page, "remove")) == (keep - 1, remove + 1)
        assert page.locator(f"#dot-{index}").input_value() == "remove"

        other = page.locator("#dots g.dot-keep").first.get_attribute("data-index")
        page.locator(f"#dot-{other}").focus()
        page.locator(f"#dot-{other}").select_option("watch")
        page.locator(f'#dots g.dot-watch[data-index="{other}"]').wait_for()
        page.wait_for_function("() => document.querySelector('[data-count=\"watch\"]').textContent != '0'")

        page.get_by_label("adds a point of the target hairline").check()
        box = page.locator("#stage").bounding_box()
        for fx in (0.02, 0.5, 0.98):
            page.mouse.click(box["x"] + fx * box["width"], box["y"] + 0.8 * box["height"])
        page.get_by_role("button", name="Apply the hairline").click()
        page.wait_for_function(
            "() => document.getElementById('target-line').getAttribute('points').split(' ').length == 3"
        )
        page.locator("#zone-rows", has_text="Ahead of the target hairline").wait_for()
        assert page.locator("#target-line").get_attribute("class") == "target-hairline"

        assert not serious(run_axe(page)), serious(run_axe(page))
        assert _shot(page, "repair-map-1280").stat().st_size > 0
        page.reload()  # what was stored: the corrected classes and the hairline come back
        assert page.locator(f'#dots g.dot-remove.is-corrected[data-index="{index}"]').count() == 1
        assert page.locator(f"#dot-{other}").input_value() == "watch"
        repair_page = page.url
    finally:
        context.close()

    tablet = _context(playwright_browser, live, "820")
    page = tablet.new_page()
    try:
        page.goto(repair_page)
        page.locator("#dots g.dot").first.wait_for()
        assert not serious(run_axe(page)), serious(run_axe(page))
        _shot(page, "repair-map-820")
        page.goto(f"/clients/{client}/repair")
        assert page.locator("table a[href*='/repair/']").count() >= 2  # the populated map and the new one
        _shot(page, "repair-list-820")
    finally:
        tablet.close()
