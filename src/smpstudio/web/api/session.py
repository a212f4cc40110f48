"""Signing in and out of the API, who am I, and the health check."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from smpstudio.services import accounts
from smpstudio.services.accounts import LoginRequest
from smpstudio.services.models import Result
from smpstudio.web.api import API_PREFIX
from smpstudio.web.auth import SESSION_COOKIE, csrf_token_for, set_session_cookie
from smpstudio.web.state import principal_of, studio_of

__all__ = ["router"]

router = APIRouter(prefix=API_PREFIX, tags=["session"])


class LoginAnswer(Result):
    """The signed-in user and the CSRF token their cookie-authenticated writes must send back."""

    user_id: int
    clinic_id: int
    role: str
    name: str
    csrf_token: str


class Credentials(BaseModel):
    """An e-mail address and a password."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=200)
    password: str = Field(max_length=1024)


class Health(Result):
    """The studio answers."""

    ok: bool


class Me(Result):
    """The signed-in user, and their CSRF token when signed in with the cookie."""

    user_id: int
    clinic_id: int
    role: str
    name: str
    csrf_token: str | None


def client_address(request: Request) -> str:
    """The caller's network address, for login throttling."""
    return request.client.host if request.client else "unknown"


@router.post("/login", response_model=LoginAnswer, summary="Sign in with an e-mail and a password")
async def login(body: Credentials, request: Request, response: Response) -> LoginAnswer:
    studio = studio_of(request)
    login_request = LoginRequest.of(email=body.email, password=body.password, address=client_address(request))
    result = await run_in_threadpool(accounts.login, studio.context, login_request)
    set_session_cookie(response, request, result.session_token)
    return LoginAnswer(
        user_id=result.user_id,
        clinic_id=result.clinic_id,
        role=result.role,
        name=result.name,
        csrf_token=csrf_token_for(studio.secret, result.session_token),
    )


@router.post("/logout", response_model=Health, summary="End this login session")
def logout(request: Request, response: Response) -> Health:
    principal_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.logout(studio_of(request).context, token)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return Health(ok=True)


@router.get("/me", response_model=Me, summary="The signed-in user")
def me(request: Request) -> Me:
    principal = principal_of(request)
    user = principal.user
    return Me(
        user_id=user.user_id,
        clinic_id=user.clinic_id,
        role=user.role,
        name=user.name,
        csrf_token=principal.csrf_token,
    )


@router.get("/health", response_model=Health, summary="Whether the studio answers")
def health() -> Health:
    return Health(ok=True)
