"""The sign-in page and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from smpstudio.errors import InputError, UnauthenticatedError
from smpstudio.services import accounts
from smpstudio.services.accounts import LoginRequest
from smpstudio.web.api.session import client_address
from smpstudio.web.auth import SESSION_COOKIE, set_session_cookie
from smpstudio.web.pages.rendering import page
from smpstudio.web.state import studio_of

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_form(request: Request) -> Response:
    return page(request, "login.html", email="")


@router.post("/login")
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    studio = studio_of(request)
    try:
        login_request = LoginRequest.of(email=email, password=password, address=client_address(request))
        result = await run_in_threadpool(accounts.login, studio.context, login_request)
    except (UnauthenticatedError, InputError) as exc:
        return page(request, "login.html", status_code=401, email=email, error=exc)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, request, result.session_token)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.logout(studio_of(request).context, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
