"""The front desk's day before, on a tablet (768 x 1024): book tomorrow's session on the calendar, see its
checklist flag the missing consent, follow the link and have the client sign, see the session ready, and
have a double booking of the practitioner refused with the clash named. Screenshots of the week and of the
refusal go to ``build/screenshots/``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from smpstudio.services import clients
from tests.records.conftest import answers
from tests.web.browser.conftest import LiveStudio, new_context, run_axe, screenshot, serious, use_session
from tests.web.conftest import ctx_for


def _newcomer(live: LiveStudio) -> int:
    """A screened client of clinic A who has not signed the treatment consent yet."""
    desk = ctx_for(live.store, live.users["front-desk"])
    cid = clients.add_client(
        desk, clients.AddClientRequest.of(name="Jo Newcomer", date_of_birth="1988-04-04", phone="+44 1")
    ).id
    prac = ctx_for(live.store, live.mine.staff_id)
    clients.screen_client(prac, clients.ScreenClientRequest.of(client_id=cid, answers=answers()))
    return cid


def _book(page: Any, client: str, day: str, time: str) -> None:
    page.goto(f"/calendar/book?day={day}")
    page.get_by_label("Client").select_option(label=client)
    page.get_by_label("What for").select_option("session")
    page.get_by_label("Practitioner").select_option(label="Sam Staff A")
    page.get_by_label("Time").fill(time)
    page.get_by_label("Length (minutes)").fill("120")
    page.get_by_role("button", name="Book", exact=True).click()


def test_the_front_desk_books_tomorrow_fixes_the_consent_and_meets_a_clash(
    playwright_browser: Any, live: LiveStudio
) -> None:
    _newcomer(live)
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    context = new_context(playwright_browser, live, "tablet")
    use_session(context, live, "front-desk")
    page = context.new_page()
    try:
        page.goto("/")
        page.get_by_role("link", name="Calendar").first.click()
        page.wait_for_url("**/calendar")
        _book(page, "Jo Newcomer", tomorrow, "14:00")
        page.wait_for_url(f"**/calendar?day={tomorrow}*")
        block = page.locator(".appt", has_text="Jo Newcomer")
        block.wait_for()
        assert "to fix before the day" in block.inner_text()
        fix = block.get_by_role("link", name="Sign the treatment consent")
        assert fix.is_visible()
        page.goto(f"/calendar?week={tomorrow}")
        assert not serious(run_axe(page)), serious(run_axe(page))
        shot = screenshot(page, "calendar-week", "tablet")
        assert shot.stat().st_size > 0

        page.goto(f"/calendar?day={tomorrow}")
        page.locator(".appt", has_text="Jo Newcomer").get_by_role(
            "link", name="Sign the treatment consent"
        ).click()
        page.wait_for_url("**/consent")
        page.get_by_label("Client's full name, as signed").first.fill("Jo Newcomer")
        page.get_by_role("button", name="Sign the treatment consent").click()
        page.wait_for_url("**/clients/*")
        page.goto(f"/calendar?day={tomorrow}")
        ready = page.locator(".appt", has_text="Jo Newcomer")
        assert "Ready for the session" in ready.inner_text()

        _book(page, "Alex Doe", tomorrow, "14:30")
        refusal = page.locator("[data-clash]")
        refusal.wait_for()
        words = refusal.inner_text()
        assert "Sam Staff A is already booked then" in words and "Jo Newcomer" in words, words
        assert not serious(run_axe(page)), serious(run_axe(page))
        screenshot(page, "calendar-clash", "tablet")
    finally:
        context.close()
