"""Every page of the studio at tablet and desktop width, as the owner (who may open all of them): a
screenshot of each into ``build/screenshots/<page>-<width>.png``; axe-core finding no serious or critical
violation; controls at least 44 px high on the tablet; every form that posts carrying the session's CSRF
token; no script or style refused by the page's CSP, no script error and no failed request for a
stylesheet, script or image.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from smpstudio.web.pages.access import PAGE_PERMISSIONS
from tests.web.browser.conftest import (
    WIDTHS,
    LiveStudio,
    new_context,
    run_axe,
    screenshot,
    serious,
    use_session,
)
from tests.web.populated import Entities
from tests.web.route_calls import fill_path, ids_of

#: Parts of a page that HTMX loads into another page (tested with the page that holds them).
FRAGMENTS = frozenset({"/calendar/today", "/jobs/list"})


def _opened_by_address(path: str) -> bool:
    """A page, not a download (``.csv``, ``.pdf``, ``.ics``, ``/download``) nor a fragment. A client's own
    pages open only with a live link's token (tests/web/browser/test_portal.py), the unsubscribe page only
    with a sent message's (tests/mail)."""
    last = path.rsplit("/", 1)[-1]
    by_token = path.startswith(("/c/", "/unsubscribe/"))
    return not (by_token or "." in last or last == "download" or path in FRAGMENTS)


#: Every page a browser opens by its address (GET), filled with clinic A's ids.
PAGES = sorted(path for method, path in PAGE_PERMISSIONS if method == "GET" and _opened_by_address(path))
#: The query a page is linked with, where it needs one.
QUERIES: dict[str, Callable[[Entities], str]] = {
    "/adverse-events/new": lambda e: f"?client_id={e.client_id}",
}


def page_name(path: str) -> str:
    """The screenshot's name for a page's path template: ``/clients/{client_id}/consent`` ->
    ``clients-client_id-consent``; ``/`` -> ``dashboard``."""
    name = path.strip("/").replace("/", "-").replace("{", "").replace("}", "")
    return name or "dashboard"


def _watch(page: Any) -> list[str]:
    """What the browser console reports as an error (a CSP refusal among them), script errors and the
    page's failed requests (a missing stylesheet, script or image) by their path, as they happen."""
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))

    def failed(response: Any) -> None:
        kind = response.request.resource_type
        if response.status >= 400 and kind != "document":
            problems.append(f"{kind} {urlsplit(response.url).path}: {response.status}")

    page.on("response", failed)
    return problems


#: The actions of a page's POST forms that would not carry the session's CSRF token (a plain submit, without
#: HTMX's header, would be refused with 403).
FORMS_WITHOUT_TOKEN = """() => [...document.querySelectorAll('form')]
  .filter(f => (f.getAttribute('method') || '').toLowerCase() === 'post')
  .filter(f => !(f.querySelector('input[name=csrf_token]') || {}).value)
  .map(f => f.getAttribute('action'))"""


#: Controls a finger must hit at the chair, shorter than 44 CSS pixels (radio buttons and checkboxes sit in
#: labels that are the target).
SMALL_TARGETS = """() => [...document.querySelectorAll('button, select, a.button, nav a, summary, '
    + 'input:not([type=hidden]):not([type=radio]):not([type=checkbox])')]
  .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.height < 44; })
  .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} "${(e.innerText || e.value || '').trim()
    .slice(0, 30)}" ${Math.round(e.getBoundingClientRect().height)}px`)"""


def _check(page: Any, path: str, width: str, problems: list[str]) -> list[str]:
    """The page's screenshot taken, and its axe violations, forms without the CSRF token and console
    problems as failure lines."""
    screenshot(page, page_name(path), width)
    failures = [f"{path}: {line}" for line in serious(run_axe(page))]
    if width == "tablet":
        failures += [f"{path}: touch target under 44 px: {t}" for t in page.evaluate(SMALL_TARGETS)]
    if path != "/login":
        failures += [
            f"{path}: the form posting to {a} has no CSRF token" for a in page.evaluate(FORMS_WITHOUT_TOKEN)
        ]
    failures += [f"{path}: {text}" for text in problems if "Failed to load resource" not in text]
    problems.clear()
    return failures


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_every_page_is_accessible_and_photographed(
    playwright_browser: Any, live: LiveStudio, width: str
) -> None:
    failures: list[str] = []
    anonymous = new_context(playwright_browser, live, width)
    try:
        page = anonymous.new_page()
        problems = _watch(page)
        page.goto("/login")
        failures += _check(page, "/login", width, problems)
    finally:
        anonymous.close()
    context = new_context(playwright_browser, live, width)
    use_session(context, live, "owner")
    try:
        page = context.new_page()
        problems = _watch(page)
        values = ids_of(live.mine)
        for path in PAGES:
            if path == "/login":
                continue
            answer = page.goto(fill_path(path, values) + QUERIES.get(path, lambda e: "")(live.mine))
            status = answer.status if answer is not None else 0
            if status != 200:
                failures.append(f"{path}: HTTP {status}")
            failures += _check(page, path, width, problems)
    finally:
        context.close()
    assert not failures, "\n".join(failures)
