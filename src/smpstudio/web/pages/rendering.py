"""Rendering pages: the Jinja2 templates, what every page is given, and the error page.

Every page gets the signed-in user, their CSRF token (in a meta tag, the ``hx-headers`` of the body for HTMX,
and the ``csrf_token`` field of each form) and the navigation their role may use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

from smpstudio.errors import SmpError
from smpstudio.web.permissions import allows
from smpstudio.web.route_table import ROUTE_PERMISSIONS

__all__ = ["NAV", "NavItem", "page", "render_error", "templates"]

_environment = Environment(
    loader=PackageLoader("smpstudio.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_environment)


@dataclass(frozen=True)
class NavItem:
    """An entry of the navigation bar: its label and path (shown to roles that may open the path)."""

    label: str
    path: str


#: The navigation bar, in order; each entry shows only to roles its page's permission allows.
NAV: tuple[NavItem, ...] = (
    NavItem("Dashboard", "/"),
    NavItem("Calendar", "/calendar"),
    NavItem("Clients", "/clients"),
    NavItem("Inventory", "/lots"),
    NavItem("Sterilisation", "/sterilisation"),
    NavItem("Adverse events", "/adverse-events"),
    NavItem("Care answers", "/care"),
    NavItem("Reports", "/reports"),
    NavItem("Audit", "/audit"),
    NavItem("Users", "/users"),
    NavItem("Settings", "/settings"),
)


def _nav(request: Request, role: str | None) -> list[dict[str, Any]]:
    if role is None:
        return []
    here = request.url.path
    items = []
    for item in NAV:
        permission = ROUTE_PERMISSIONS.get(("GET", item.path))
        if permission is None or not allows(role, permission):
            continue
        current = here == item.path or (item.path != "/" and here.startswith(item.path + "/"))
        items.append({"label": item.label, "path": item.path, "current": current})
    return items


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` for the signed-in user with ``context``."""
    principal = getattr(request.state, "principal", None)
    base = {
        "request": request,
        "user": principal.user if principal else None,
        "csrf_token": principal.csrf_token if principal else None,
        "nav": _nav(request, principal.role if principal else None),
    }
    response: HTMLResponse = templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )
    return response


def render_error(request: Request, exc: SmpError, status_code: int) -> HTMLResponse:
    """The error page: what went wrong in plain words, the field and what is allowed."""
    return page(request, "error.html", status_code=status_code, error=exc, status=status_code)
