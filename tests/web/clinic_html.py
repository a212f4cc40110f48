"""Reading the clinic's pages in tests: the structure checks every page must pass, a form's CSRF field, a
page's text without its markup; and moving a test's studio to a later day.

:func:`structure_problems` is a quick stand-in for what axe-core checks in the browser tests: one ``h1``, no
heading level skipped, unique ids, a label for every control, a scope on every table header, no inline
script, style or event handler (the CSP blocks them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from html.parser import HTMLParser

import httpx
from fastapi import FastAPI

from smpstudio.services.context import Clock

__all__ = ["csrf_field", "days_later", "structure_problems", "text_of"]

_CONTROLS = ("input", "select", "textarea")
_UNLABELLED_TYPES = ("hidden", "submit", "button")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.labels: set[str] = set()
        self.controls: list[str] = []
        self.headings: list[int] = []
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        ident = a.get("id")
        if ident:
            self.ids.append(ident)
        if tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        if tag in _CONTROLS and a.get("type") not in _UNLABELLED_TYPES:
            self.controls.append(str(a.get("id") or f"<{tag} name={a.get('name')}>"))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "th" and "scope" not in a:
            self.problems.append("a table header without scope")
        if tag == "script" and not a.get("src"):
            self.problems.append("an inline script")
        if "style" in a:
            self.problems.append(f"a style attribute on <{tag}>")
        handlers = [k for k in a if k.startswith("on")]
        if handlers:
            self.problems.append(f"an inline handler {handlers[0]} on <{tag}>")


def structure_problems(html: str) -> list[str]:
    """What is wrong with a page's structure (empty: nothing)."""
    parser = _Page()
    parser.feed(html)
    problems = list(parser.problems)
    if parser.headings.count(1) != 1:
        problems.append(f"{parser.headings.count(1)} h1 headings")
    for before, after in zip(parser.headings, parser.headings[1:], strict=False):
        if after > before + 1:
            problems.append(f"a heading skips from h{before} to h{after}")
    seen: set[str] = set()
    for ident in parser.ids:
        if ident in seen:
            problems.append(f"the id {ident!r} twice")
        seen.add(ident)
    problems += [f"no label for {c}" for c in parser.controls if c not in parser.labels]
    return problems


def csrf_field(answer: httpx.Response) -> str:
    """The CSRF token in the first form's hidden field of a page."""
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', answer.text)
    assert found, "the page has no form with a CSRF field"
    return found.group(1)


def text_of(answer: httpx.Response) -> str:
    """A page's main content as plain text, whitespace collapsed (markup and entities resolved)."""
    html = answer.text
    main = html[html.find("<main") :] if "<main" in html else html
    text = re.sub(r"<[^>]+>", " ", main)
    text = text.replace("&#39;", "'").replace("&amp;", "&").replace("&quot;", '"').replace("&#34;", '"')
    return " ".join(text.split())


def days_later(app: FastAPI, days: int) -> None:
    """Move the studio's clock ``days`` ahead (its login sessions stay open that long)."""
    studio = app.state.studio
    later = Clock.fixed(dt.datetime.now(dt.UTC) + dt.timedelta(days=days))
    app.state.studio = dataclasses.replace(
        studio,
        context=dataclasses.replace(studio.context, clock=later),
        settings=studio.settings.model_copy(update={"session_idle_minutes": (days + 1) * 24 * 60}),
    )
