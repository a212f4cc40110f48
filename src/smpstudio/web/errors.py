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
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from smpstudio.errors import InputError, NotFoundError, SmpError, UnauthenticatedError
from smpstudio.web.security import BodyTooLargeError

__all__ = ["ErrorBody", "install_error_handlers", "is_api"]

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


def install_error_handlers(app: FastAPI, *, debug: bool = False) -> None:
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

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        route = getattr(request.scope.get("route"), "path", "?")
        if debug:
            log.exception("internal error in %s %s", request.method, route)
        else:
            log.error("internal error in %s %s: %s", request.method, route, type(exc).__name__)
        error = SmpError("the studio could not finish this request; nothing was changed", code="internal")
        return error_response(request, error, 500)
