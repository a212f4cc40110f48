"""Every failure in the one error shape: JSON for the API, a page (or the login page) for the browser.

:class:`~smpstudio.errors.SmpError` keeps its kind's HTTP status; FastAPI's validation errors become an
``invalid`` error naming the field; an unknown route is ``not_found``; anything else is ``internal`` with
no detail in the answer and only its type and route in the log (exception messages can hold client data).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smpstudio.errors import InputError, NotFoundError, SmpError, UnauthenticatedError
from smpstudio.web.security import BodyTooLargeError

__all__ = ["ErrorBody", "InternalErrors", "install_error_handlers", "is_api"]

log = logging.getLogger("smpstudio.web")

API_PREFIX = "/api/"


class ErrorBody(BaseModel):
    """The error shape of every API answer that is not a success."""

    ok: bool = False
    error: str
    code: str
    kind: str
    field: str | None = None
    allowed: str | None = None
    detail: Any = None


def is_api(request: Request) -> bool:
    """Whether the request is for the JSON API (answers in JSON, never a redirect)."""
    return request.url.path.startswith(API_PREFIX)


def _status_error(status: int) -> SmpError:
    if status == 400:  # FastAPI's answer to a body it cannot decode (not UTF-8, not JSON)
        return InputError("the body is not valid JSON text", field="body", code="invalid_input")
    if status == 404:
        return NotFoundError("no such page or resource", code="not_found")
    if status == 405:
        return InputError("this method is not allowed here", field="method", code="method_not_allowed")
    return InputError("the request could not be served", code=f"http_{status}")


def _field(loc: tuple[Any, ...]) -> str:
    """The field a validation error names: its location without where it came from (a field may itself
    be called ``query`` or ``path``)."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def error_response(request: Request, exc: SmpError, status: int | None = None) -> Response:
    """The answer for ``exc``: JSON under ``/api/``; the login page or an error page otherwise."""
    code = status or exc.http_status
    if is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if code == 401 else None
        return JSONResponse(exc.to_dict(), status_code=code, headers=headers)
    if isinstance(exc, UnauthenticatedError):
        return RedirectResponse("/login", status_code=303)
    from smpstudio.web.pages.rendering import render_error

    return render_error(request, exc, code)


def install_error_handlers(app: FastAPI) -> None:
    """Map every failure to the one error shape."""

    @app.exception_handler(SmpError)
    async def smp_error(request: Request, exc: SmpError) -> Response:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = _field(tuple(first.get("loc", ())))
        message = str(first.get("msg", "invalid value"))
        if first.get("type") == "json_invalid":
            field, message = "body", "the body is not valid JSON"
        return error_response(request, InputError(message, field=field, code="invalid_input"))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        error = _status_error(exc.status_code)
        status = error.http_status if exc.status_code == 400 else exc.status_code
        return error_response(request, error, status)

    @app.exception_handler(BodyTooLargeError)
    async def too_large(request: Request, exc: BodyTooLargeError) -> Response:
        error = InputError(
            str(exc), field="body", allowed=f"at most {exc.limit_bytes} bytes", code="body_too_large"
        )
        return error_response(request, error, 413)


_INTERNAL_MESSAGE = "the studio could not finish this request; nothing was changed"
_INTERNAL_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Something went wrong</title>'
    '<link rel="stylesheet" href="/static/studio.css"></head>'
    '<body><main id="main"><section class="card"><h1>Something went wrong</h1>'
    f'<p>{_INTERNAL_MESSAGE}.</p><p><a class="button" href="/">Back to the dashboard</a></p>'
    "</section></main></body></html>"
)


class InternalErrors:
    """Answers an unexpected exception with the ``internal`` error (JSON for the API, a plain page
    otherwise) from inside the app, so the answer still passes the security headers and the access log,
    and nothing but the exception's type and route is logged (its text can hold client data; the server's
    own logger would print the whole traceback). ``debug`` logs the traceback."""

    def __init__(self, app: ASGIApp, debug: bool = False) -> None:
        self.app = app
        self.debug = debug

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def noting(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, noting)
        except Exception as exc:
            route = getattr(scope.get("route"), "path", "?")
            if self.debug:
                log.exception("internal error in %s %s", scope.get("method"), route)
            else:
                log.error("internal error in %s %s: %s", scope.get("method"), route, type(exc).__name__)
            if started:
                return
            if str(scope.get("path", "")).startswith(API_PREFIX):
                error = SmpError(_INTERNAL_MESSAGE, code="internal")
                response: Response = JSONResponse(error.to_dict(), status_code=500)
            else:
                response = HTMLResponse(_INTERNAL_PAGE, status_code=500)
            await response(scope, receive, send)
