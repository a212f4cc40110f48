"""Who is calling: the session cookie or a bearer token, the CSRF check, and the guard every route passes.

The guard looks the matched route up in :data:`~smpstudio.web.permissions.ROUTE_PERMISSIONS`, finds the
signed-in user (cookie or ``Authorization: Bearer``), checks the CSRF token of cookie-authenticated writes
(``X-CSRF-Token`` header or the ``csrf_token`` form field) and the role, and leaves the user on
``request.state.principal``. Nothing the request says about who it is, other than its credential, is read.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from smpstudio.errors import AccessError, UnauthenticatedError
from smpstudio.services import accounts, api_tokens
from smpstudio.web.permissions import PUBLIC, allows
from smpstudio.web.route_table import ROUTE_PERMISSIONS
from smpstudio.web.state import Principal, studio_of

__all__ = ["SESSION_COOKIE", "csrf_token_for", "guard", "route_permission", "set_session_cookie"]

#: The one cookie the studio sets: the login session (HttpOnly, SameSite=Lax, Secure over HTTPS).
SESSION_COOKIE = "smp_session"
#: Methods that change nothing, so need no CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_BEARER = "bearer "
_MAX_CREDENTIAL = 200


def csrf_token_for(secret: bytes, session_token: str) -> str:
    """The CSRF token bound to a login session: an HMAC of the session under the studio's secret key."""
    return hmac.new(secret, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def set_session_cookie(response: object, request: Request, token: str) -> None:
    """Set the session cookie on ``response`` (a Starlette response)."""
    response.set_cookie(  # type: ignore[attr-defined]
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def route_permission(request: Request) -> str:
    """The permission the matched route needs (HEAD is GET's)."""
    route = request.scope.get("route")
    path = getattr(route, "path", "")
    method = "GET" if request.method == "HEAD" else request.method
    try:
        return ROUTE_PERMISSIONS[(method, path)]
    except KeyError:  # create_app checks the table; a route missing here is refused, not served
        raise AccessError("this route is not open to anyone", code="route_not_allowed") from None


def _authenticate(request: Request) -> Principal:
    studio = studio_of(request)
    ctx = studio.context
    header = request.headers.get("authorization", "")
    if header:
        if not header.lower().startswith(_BEARER) or len(header) > _MAX_CREDENTIAL:
            raise UnauthenticatedError("the Authorization header must be 'Bearer <token>'", code="bad_token")
        user = api_tokens.token_user(ctx, header[len(_BEARER) :].strip())
        return Principal(user, "token")
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token or len(token) > _MAX_CREDENTIAL:
        raise UnauthenticatedError("sign in first", code="not_signed_in")
    user = accounts.session_user(ctx, token, idle_minutes=studio.settings.session_idle_minutes)
    return Principal(user, "cookie", csrf_token_for(studio.secret, token))


async def _sent_csrf_token(request: Request) -> str:
    sent = request.headers.get("x-csrf-token")
    if sent:
        return sent
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else ""
    return ""


async def guard(request: Request) -> None:
    """The check every route passes before its handler runs (an app-wide dependency)."""
    permission = route_permission(request)
    if permission == PUBLIC:
        return
    principal = await run_in_threadpool(_authenticate, request)
    request.state.principal = principal
    if principal.via == "cookie" and request.method not in SAFE_METHODS:
        sent = await _sent_csrf_token(request)
        expected = (principal.csrf_token or "").encode()
        if not expected or not hmac.compare_digest(sent.encode("utf-8", "replace"), expected):
            raise AccessError(
                "the request did not carry this session's CSRF token",
                field="X-CSRF-Token",
                allowed="the csrf_token from the login answer or the page",
                code="csrf_failed",
            )
    if not allows(principal.role, permission):
        raise AccessError(
            f"a {principal.role} may not do this ({permission})",
            field="user",
            allowed="a user whose role allows it",
            code="forbidden",
        )
