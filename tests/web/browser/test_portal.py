"""The client's own pages in a real browser, on a phone (390 x 844) and a tablet: the page opened from the
link, the triage form filled with a finger (day 3, scabs) and its answer, an urgent answer, the page of a
link that opens nothing; and the staff side, making a link on the client's record (shown once, with its
copy button). Each page is photographed into ``build/screenshots/portal-*``, checked with axe-core (no
serious or critical violation), for touch targets of at least 44 px, for no sideways scrolling, and for no
console error (a CSP refusal among them).
"""

from __future__ import annotations

from typing import Any

import pytest

from smpstudio.services import client_links
from tests.web.browser.conftest import LiveStudio, new_context, run_axe, screenshot, serious, use_session
from tests.web.browser.test_pages import SMALL_TARGETS, _watch
from tests.web.conftest import ctx_for

#: A phone held upright, and the studio's tablet. [CSS px]
SIZES = {"phone": (390, 844), "tablet": (768, 1024)}


def _context(browser: Any, live: LiveStudio, size: str) -> Any:
    w, h = SIZES[size]
    context = browser.new_context(
        base_url=live.url, viewport={"width": w, "height": h}, has_touch=True, is_mobile=size == "phone"
    )
    context.set_default_timeout(15_000)
    return context


def _token(live: LiveStudio) -> str:
    owner = ctx_for(live.store, live.users["front-desk"])
    made = client_links.issue_client_link(
        owner, client_links.IssueLinkRequest.of(client_id=live.mine.client_id)
    )
    return made.token


def _check(page: Any, name: str, size: str, problems: list[str]) -> list[str]:
    screenshot(page, f"portal-{name}", size)
    failures = [f"{name}: {line}" for line in serious(run_axe(page))]
    failures += [f"{name}: touch target under 44 px: {t}" for t in page.evaluate(SMALL_TARGETS)]
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    if wide > SIZES[size][0]:
        failures.append(f"{name}: the page scrolls sideways ({wide} px)")
    failures += [f"{name}: {text}" for text in problems if "Failed to load resource" not in text]
    problems.clear()
    return failures


@pytest.mark.parametrize("size", sorted(SIZES))
def test_a_client_reports_day_three_scabs_from_their_phone(
    playwright_browser: Any, live: LiveStudio, size: str
) -> None:
    token = _token(live)
    context = _context(playwright_browser, live, size)
    failures: list[str] = []
    try:
        page = context.new_page()
        problems = _watch(page)
        page.goto(f"/c/{token}")
        assert page.get_by_role("heading", level=1).inner_text() == "Hello Alex"
        failures += _check(page, "home", size, problems)
        page.get_by_role("link", name="Tell us how it looks").tap()
        page.wait_for_url(f"**/c/{token}/triage")
        page.get_by_label("Days since your session").fill("3")
        page.get_by_label("Small dark crusts on the dots (scabs)").tap()
        failures += _check(page, "triage", size, problems)
        with page.expect_navigation():
            page.get_by_role("button", name="See what to do").tap()
        assert page.get_by_role("heading", level=1).inner_text() == "What you describe is normal healing."
        assert "Small dark scabs on every dot are normal" in page.inner_text("main")
        failures += _check(page, "answer-normal", size, problems)
        page.goto(f"/c/{token}/triage")
        page.get_by_label("Days since your session").fill("4")
        page.get_by_label("Yellow or green fluid (pus)").tap()
        with page.expect_navigation():
            page.get_by_role("button", name="See what to do").tap()
        assert page.get_by_role("heading", level=1).inner_text() == "Get medical care today."
        failures += _check(page, "answer-urgent", size, problems)
        page.goto("/c/" + "Q" * 43)
        assert "This link has expired or was withdrawn." in page.inner_text("main")
        failures += _check(page, "gone", size, problems)
    finally:
        context.close()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("width", ["tablet", "desktop"])
def test_the_front_desk_makes_a_link_shown_once_with_a_copy_button(
    playwright_browser: Any, live: LiveStudio, width: str
) -> None:
    context = new_context(playwright_browser, live, width)
    use_session(context, live, "front-desk")
    try:
        page = context.new_page()
        problems = _watch(page)
        page.goto(f"/clients/{live.mine.client_id}")
        with page.expect_navigation():
            page.get_by_role("button", name="Make a link").click()
        link = page.get_by_label("The client's link").input_value()
        assert "/c/" in link
        page.locator("#client-link").scroll_into_view_if_needed()
        screenshot(page, "portal-staff-panel", width)
        failures = [line for line in serious(run_axe(page))]
        failures += [text for text in problems if "Failed to load resource" not in text]
        assert page.get_by_role("button", name="Copy").is_visible()
        page.goto(f"/clients/{live.mine.client_id}")
        assert link not in page.content()
    finally:
        context.close()
    assert not failures, "\n".join(failures)
