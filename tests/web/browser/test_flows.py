"""The studio's work in a browser, as people do it: a practitioner at the chair on a tablet signs in, adds a
client, screens them (the outcome updating as answers are given), takes a drawn consent, has a session
refused for the patch test the screening calls for, records the patch test and then the session, and prints
the aftercare handout; the owner at the desk recalls a lot and finds the client it reached; the second
clinic's owner sees none of clinic A's clients.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tests.records.conftest import QUESTIONS
from tests.web.browser.conftest import LiveStudio, new_context, screenshot, sign_in

#: Clinic A's lots (made by tests.web.populated with the tag "A").
PIGMENT, NEEDLE, DILUENT = "P-A", "N-A", "D-A"


def _draw_signature(page: Any, canvas: Any) -> None:
    """Sign in the box with the mouse: a few strokes across the canvas."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 100, box
    x0, y0 = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 16):
        page.mouse.move(x0 + i * 12, y0 + (12 if i % 2 else -12), steps=2)
    page.mouse.up()


def _scan(field: Any, code: str) -> None:
    """A barcode scanner: types the code and presses Enter (which must not submit the form)."""
    field.click()
    field.press_sequentially(code)
    field.press("Enter")


def _arrive(page: Any, pattern: str) -> None:
    """Wait for the address a submitted form leads to; where the page stays, fail with what it says."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_url(re.compile(pattern), timeout=8_000)
    except PlaywrightTimeout:
        said = (
            page.locator("main").inner_text()[:400] if page.locator("main").count() else page.content()[:400]
        )
        raise AssertionError(f"expected {pattern}, stayed on {page.url}: {said}") from None


def _fill_session(page: Any) -> None:
    page.get_by_label("Practitioner").select_option(label="Pat Practitioner (practitioner)")
    _scan(page.get_by_label("Pigment lot"), PIGMENT)
    _scan(page.get_by_label("Needle lot"), NEEDLE)
    page.get_by_label("Ink strength").fill("1")
    page.get_by_label("Ink strength").press("Tab")


def test_a_consultation_and_session_at_the_chair(playwright_browser: Any, live: LiveStudio) -> None:
    context = new_context(playwright_browser, live, "tablet")
    page = context.new_page()
    try:
        sign_in(page, "practitioner")
        assert page.get_by_role("heading", level=1).count() == 1

        # a new client
        page.goto("/clients")
        page.get_by_role("link", name="New client").click()
        page.get_by_label("Full name").fill("Casey Flow")
        page.get_by_label("Date of birth").fill("1985-06-15")
        page.get_by_label("Phone").fill("+44 20 7946 0123")
        page.get_by_role("button", name="Add the client").click()
        _arrive(page, r"/clients/\d+")
        client_id = int(re.findall(r"/clients/(\d+)", page.url)[0])
        assert "Casey Flow" in page.get_by_role("heading", level=1).inner_text()

        # screening: the outcome follows the answers
        page.get_by_role("link", name="Screen", exact=True).click()
        outcome = page.locator("#outcome")
        page.locator("#q-keloid_history-yes").check()
        page.wait_for_function("() => /stop/i.test(document.querySelector('#outcome').innerText)")
        page.locator("#q-keloid_history-no").check()
        for question in QUESTIONS:
            page.locator(
                f"#q-{question}-{'yes' if question == 'ink_or_anaesthetic_reaction' else 'no'}"
            ).check()
        page.wait_for_function(
            "() => /doctor clearance/i.test(document.querySelector('#outcome').innerText)"
            " && !/Still to ask/.test(document.querySelector('#outcome').innerText)"
        )
        assert "reacted to tattoo ink" in outcome.inner_text()
        screenshot(page, "flow-screening", "tablet")
        page.get_by_role("button", name="Record the screening").click()
        _arrive(page, rf"/clients/{client_id}\?done=screened")

        # consent with a drawn signature
        page.get_by_role("link", name="Consent", exact=True).click()
        treatment = page.locator("section#treatment")
        _draw_signature(page, treatment.locator("canvas"))
        signature = treatment.locator("input[name=signature]").input_value()
        assert signature.startswith("data:image/png;base64,"), signature[:40]
        treatment.get_by_label("Client's full name, as signed").fill("Casey Flow")
        screenshot(page, "flow-consent", "tablet")
        treatment.get_by_role("button", name="Sign the treatment consent").click()
        _arrive(page, rf"/clients/{client_id}\?done=consented")
        page.get_by_role("link", name="Consent", exact=True).click()
        assert "drawn signature" in page.locator("table").inner_text()

        # the session: refused for the missing patch test, the checklist saying so
        page.goto(f"/clients/{client_id}/sessions/new")
        _fill_session(page)
        failing = page.locator("#checklist li.fail")
        failing.first.wait_for()
        assert "patch test" in failing.all_inner_texts()[0].lower()
        page.get_by_role("button", name="Record the session").click()
        refusal = page.locator("#refusal")
        refusal.wait_for()
        assert "patch test" in refusal.inner_text().lower()
        screenshot(page, "flow-session-refused", "tablet")

        # the patch test, then the session again: every check passes and it is recorded
        page.goto(f"/clients/{client_id}/patch-tests")
        applied = dt.datetime.combine(dt.date.today() - dt.timedelta(days=3), dt.time(10, 0))
        _scan(page.get_by_label("Pigment lot"), PIGMENT)
        page.get_by_label("Site").fill("behind the left ear")
        page.get_by_label("Applied at").fill(applied.isoformat(timespec="minutes"))
        page.get_by_label("Read at").fill((applied + dt.timedelta(hours=48)).isoformat(timespec="minutes"))
        page.get_by_label("Result").select_option("negative")
        page.get_by_role("button", name="Record the patch test").click()
        _arrive(page, rf"/clients/{client_id}\?done=patch_test")

        page.goto(f"/clients/{client_id}/sessions/new")
        _fill_session(page)
        page.get_by_text("All checks pass").wait_for()
        assert page.locator("#checklist li.fail").count() == 0
        screenshot(page, "flow-session-ready", "tablet")
        page.get_by_role("button", name="Record the session").click()
        _arrive(page, rf"/clients/{client_id}/sessions/\d+")
        page.get_by_text("The session was recorded.").wait_for()

        # the aftercare handout
        handout = page.get_by_role("link", name="Print the aftercare handout")
        href = handout.get_attribute("href")
        assert href is not None and "Casey" not in href
        answer = page.request.get(href)
        assert answer.status == 200, answer.status
        assert answer.headers["content-type"].startswith("application/pdf")
        assert answer.body().startswith(b"%PDF")
        screenshot(page, "flow-session-recorded", "tablet")
    finally:
        context.close()


def test_the_owner_recalls_a_lot_and_finds_its_clients(playwright_browser: Any, live: LiveStudio) -> None:
    context = new_context(playwright_browser, live, "desktop")
    page = context.new_page()
    asked: list[str] = []

    def confirm(dialog: Any) -> None:  # the recall's data-confirm
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", confirm)
    try:
        sign_in(page, "owner")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Inventory").click()
        page.get_by_role("link", name=DILUENT, exact=True).first.click()
        page.get_by_label("Reason for the recall").fill("the brand's recall notice")
        page.get_by_role("button", name="Recall this lot").click()
        page.get_by_text("This lot is recalled.").wait_for()
        assert len(asked) == 1  # one confirmation, however often the page's behaviour was attached
        exposed = page.locator("#clients")
        assert "Alex Doe" in exposed.inner_text()
        assert "Bo Other" not in exposed.inner_text()
        screenshot(page, "flow-recall", "desktop")
        exposed.get_by_role("link", name="Alex Doe").click()
        _arrive(page, rf"/clients/{live.mine.client_id}$")
        assert "Alex Doe" in page.get_by_role("heading", level=1).inner_text()
    finally:
        context.close()


def test_the_second_clinic_sees_none_of_the_first(playwright_browser: Any, live: LiveStudio) -> None:
    context = new_context(playwright_browser, live, "desktop")
    page = context.new_page()
    try:
        sign_in(page, "other")
        page.goto("/clients")
        listed = page.locator("main").inner_text()
        assert "Bo Other" in listed
        assert "Alex Doe" not in listed and "Casey Flow" not in listed
        page.get_by_label("Search clients").fill("Doe")
        page.get_by_role("button", name="Search").click()
        assert "Alex Doe" not in page.locator("main").inner_text()
        answer = page.goto(f"/clients/{live.mine.client_id}")
        assert answer is not None and answer.status == 404
        assert "Alex Doe" not in page.content()
        page.goto("/lots")
        assert PIGMENT not in page.locator("main").inner_text()
    finally:
        context.close()
