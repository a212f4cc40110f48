"""What one studio process holds: its settings, the open store, the secret key and the base service context.

Each request gets the base context with its own acting user (:func:`service_context`); the acting user comes
from the login session or the API token the guard checked, never from the request's body or query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request

from smpstudio.errors import UnauthenticatedError
from smpstudio.services.accounts import SessionUser
from smpstudio.services.context import Clock, ServiceContext
from smpstudio.settings import Settings

__all__ = ["Principal", "Studio", "principal_of", "public_context", "service_context", "studio_of"]


@dataclass(frozen=True)
class Principal:
    """The signed-in user of a request and how they proved it: the session cookie (with its CSRF token) or
    a bearer API token."""

    user: SessionUser
    via: str  # "cookie" or "token"
    csrf_token: str | None = None

    @property
    def user_id(self) -> int:
        return self.user.user_id

    @property
    def role(self) -> str:
        return self.user.role


@dataclass(frozen=True)
class Studio:
    """The process-wide state of the app (``app.state.studio``)."""

    settings: Settings
    context: ServiceContext  # the store, the rules and the clock; no acting user
    secret: bytes


def studio_of(request: Request) -> Studio:
    """The studio a request is served by."""
    studio: Studio = request.app.state.studio
    return studio


def principal_of(request: Request) -> Principal:
    """The signed-in user the guard found for this request."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise UnauthenticatedError("sign in first", code="not_signed_in")
    return principal


def service_context(request: Request) -> ServiceContext:
    """The service context of a request: the studio's, acting as the signed-in user, with the clock of
    their clinic's timezone (so a page's "today" is the clinic's)."""
    principal = principal_of(request)
    base = studio_of(request).context
    try:
        zone: dt.tzinfo = ZoneInfo(principal.user.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = base.clock.tz
    clock = Clock(zone, base.clock.now_utc)
    return replace(base, user_id=principal.user_id, clock=clock)


def public_context(request: Request) -> ServiceContext:
    """The service context of a public route (a client's own link): the studio's, with no acting user and
    the studio's secret key (the services act for the clinic a link names, in its timezone)."""
    studio = studio_of(request)
    return replace(studio.context, user_id=None, secret=studio.secret)
