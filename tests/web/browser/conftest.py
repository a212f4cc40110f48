"""The studio served for real to Debian's chromium, driven by Playwright: a live server per test module over
a copy of the populated store (both clinics' records), one browser per test session, one context per test.

The browser is ``/usr/bin/chromium`` (never a downloaded one). Where it is missing the browser tests are
skipped, unless ``SMP_REQUIRE_BROWSER=1`` (CI sets it), where they fail instead. Screenshots go to
``build/screenshots/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from smpstudio.records.store import Store, open_store
from smpstudio.settings import Settings
from smpstudio.web.app import create_app
from smpstudio.web.auth import SESSION_COOKIE
from tests.web.conftest import EMAILS, PASSWORD, ctx_for
from tests.web.populated import (
    SECRET,
    Entities,
    Template,
    populated_template_fixture,  # noqa: F401  (the fixture)
)

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "build" / "screenshots"
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-4.14.1.min.js"
#: Tablet (portrait) and front-desk desktop.
WIDTHS = {"tablet": (768, 1024), "desktop": (1366, 900)}
#: How long a page or an element may take to answer here (the server runs in this process). [ms]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def playwright_browser() -> Iterator[Any]:
    """Debian's chromium, headless, for the whole test session."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium); the browser tests need it"
        if os.environ.get("SMP_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class LiveStudio:
    """A studio served over HTTP on a free local port, over its own copy of the populated store."""

    url: str
    store: Store
    mine: Entities
    theirs: Entities
    session_tokens: dict[str, str]
    users: dict[str, int]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module", name="live")
def live_fixture(
    tmp_path_factory: pytest.TempPathFactory, populated_template: Template
) -> Iterator[LiveStudio]:
    """uvicorn serving the studio in a background thread for this module's tests."""
    data_dir = tmp_path_factory.mktemp("live") / "var"
    shutil.copytree(populated_template.data_dir, data_dir)
    store = open_store(data_dir)
    settings = Settings(data_dir=data_dir, session_idle_minutes=24 * 60)
    app = create_app(settings, ctx_for(store), secret=SECRET)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="live-studio", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live studio did not start")
        time.sleep(0.05)
    try:
        yield LiveStudio(
            url=f"http://127.0.0.1:{port}",
            store=store,
            mine=populated_template.mine,
            theirs=populated_template.theirs,
            session_tokens=dict(populated_template.session_tokens),
            users=dict(populated_template.ids.users),
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def new_context(browser: Any, live: LiveStudio, width: str = "tablet", **options: Any) -> Any:
    """A fresh browser context (no cookies) at one of :data:`WIDTHS`, with the live studio as base URL."""
    w, h = WIDTHS[width]
    context = browser.new_context(
        base_url=live.url, viewport={"width": w, "height": h}, has_touch=width == "tablet", **options
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def use_session(context: Any, live: LiveStudio, role: str) -> None:
    """Give ``context`` the template's login session of ``role`` (no password typed, no hashing)."""
    cookie = {"name": SESSION_COOKIE, "value": live.session_tokens[role], "url": live.url}
    context.add_cookies([cookie])


def sign_in(page: Any, role: str) -> None:
    """Sign in through the login form, as a person would."""
    page.goto("/login")
    page.get_by_label("E-mail").fill(EMAILS[role])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: not url.endswith("/login"))


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands. The vendored axe is evaluated through the DevTools
    protocol (``page.evaluate`` of the file's text), which the page's CSP does not govern, so the page is
    checked with its own CSP in force."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return list(result["violations"])


def serious(violations: list[dict[str, Any]]) -> list[str]:
    """The serious and critical violations, one line each with the rule and its targets."""
    lines = []
    for v in violations:
        if v.get("impact") in ("serious", "critical"):
            targets = [" ".join(map(str, node.get("target", []))) for node in v.get("nodes", [])]
            lines.append(f"{v['impact']} {v['id']}: {v['help']} at {targets[:6]}")
    return lines


def screenshot(page: Any, name: str, width: str) -> Path:
    """A full-page screenshot as ``build/screenshots/<name>-<width>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
