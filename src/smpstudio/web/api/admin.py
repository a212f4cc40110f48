"""The clinic's administration: its users (adding, deactivating, certifications, passwords, API tokens),
its details and rule overrides, and the audit trail's check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from smpstudio.errors import NotFoundError
from smpstudio.services import accounts, api_tokens, clinic_settings, clinics, protection
from smpstudio.services.accounts import PasswordSet, SetPasswordRequest
from smpstudio.services.api_tokens import (
    IssueTokenRequest,
    RevokeTokenRequest,
    TokenIssued,
    TokenList,
    TokenRevoked,
)
from smpstudio.services.clinic_settings import (
    ClinicDetails,
    ClinicRulesInForce,
    ClinicRulesSet,
    SetClinicRulesRequest,
    UpdateClinicRequest,
)
from smpstudio.services.clinics import (
    AddCertificationRequest,
    AddUserRequest,
    CertificationAdded,
    DeactivateUserRequest,
    UserAdded,
    UserDeactivated,
    UserList,
)
from smpstudio.services.context import ServiceContext
from smpstudio.services.protection import AuditCheck
from smpstudio.web.api import API_PREFIX
from smpstudio.web.state import service_context

__all__ = ["CertificationBody", "PasswordBody", "RulesBody", "TokenBody", "router"]

router = APIRouter(prefix=API_PREFIX, tags=["administration"])

Context = Annotated[ServiceContext, Depends(service_context)]


class CertificationBody(BaseModel):
    """A certification and its expiry."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=40, description="smp-training or bloodborne-pathogens.")
    expires: str = Field(max_length=10, description="YYYY-MM-DD.")


class PasswordBody(BaseModel):
    """The new password, exactly as typed."""

    model_config = ConfigDict(extra="forbid")

    password: str = Field(max_length=1024)


class TokenBody(BaseModel):
    """A label for the new token."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("api", max_length=80)


class RulesBody(BaseModel):
    """The clinic's rule overrides as TOML text (``[care]`` and ``[pigments]`` tables; empty: none)."""

    model_config = ConfigDict(extra="forbid")

    toml: str = Field(max_length=clinic_settings.MAX_RULES_CHARS)


# --- users -------------------------------------------------------------------------------------------------


@router.get("/users", response_model=UserList, summary="The clinic's staff and their certificates")
def list_users(ctx: Context) -> UserList:
    return clinics.list_users(ctx)


@router.post("/users", response_model=UserAdded, status_code=201, summary="Add a staff member (owner)")
def add_user(body: AddUserRequest, ctx: Context) -> UserAdded:
    return clinics.add_user(ctx, body)


@router.post("/users/{user_id}/deactivate", response_model=UserDeactivated, summary="Lock a user out (owner)")
def deactivate_user(user_id: int, ctx: Context) -> UserDeactivated:
    return clinics.deactivate_user(ctx, DeactivateUserRequest.of(user_id=user_id))


@router.post(
    "/users/{user_id}/certifications",
    response_model=CertificationAdded,
    status_code=201,
    summary="Record a user's certification (owner)",
)
def add_certification(user_id: int, body: CertificationBody, ctx: Context) -> CertificationAdded:
    request = AddCertificationRequest.of(user_id=user_id, **body.model_dump(exclude_unset=True))
    return clinics.add_certification(ctx, request)


@router.post(
    "/users/{user_id}/password",
    response_model=PasswordSet,
    summary="Set a password (the user themself, or an owner); ends the user's web sessions",
)
def set_password(user_id: int, body: PasswordBody, ctx: Context) -> PasswordSet:
    return accounts.set_password(ctx, SetPasswordRequest.of(user_id=user_id, password=body.password))


@router.get(
    "/users/{user_id}/tokens",
    response_model=TokenList,
    summary="A user's API tokens (the user themself, or an owner)",
)
def list_tokens(user_id: int, ctx: Context) -> TokenList:
    return api_tokens.list_tokens(ctx, user_id)


@router.post(
    "/users/{user_id}/tokens",
    response_model=TokenIssued,
    status_code=201,
    summary="Issue an API token (shown this once)",
)
def issue_token(user_id: int, ctx: Context, body: TokenBody | None = None) -> TokenIssued:
    values = body.model_dump(exclude_unset=True) if body is not None else {}
    return api_tokens.issue_token(ctx, IssueTokenRequest.of(user_id=user_id, **values))


@router.post(
    "/users/{user_id}/tokens/{token_id}/revoke",
    response_model=TokenRevoked,
    summary="Revoke one of a user's API tokens",
)
def revoke_token(user_id: int, token_id: int, ctx: Context) -> TokenRevoked:
    request = RevokeTokenRequest.of(token_id=token_id)
    if all(t.id != request.token_id for t in api_tokens.list_tokens(ctx, user_id).tokens):
        raise NotFoundError(
            f"no API token {token_id} of user {user_id}",
            field="token_id",
            allowed="a token id of this user",
            code="no_token",
        )
    return api_tokens.revoke_token(ctx, request)


# --- the clinic --------------------------------------------------------------------------------------------


@router.get("/clinic", response_model=ClinicDetails, summary="The clinic's details and retention policy")
def show_clinic(ctx: Context) -> ClinicDetails:
    return clinic_settings.show_clinic(ctx)


@router.patch("/clinic", response_model=ClinicDetails, summary="Change the clinic's details (owner)")
def update_clinic(body: UpdateClinicRequest, ctx: Context) -> ClinicDetails:
    return clinic_settings.update_clinic(ctx, body)


@router.get(
    "/clinic/rules",
    response_model=ClinicRulesInForce,
    summary="The clinic's rule overrides and the rules versions in force",
)
def show_rules(ctx: Context) -> ClinicRulesInForce:
    return clinic_settings.show_clinic_rules(ctx)


@router.put(
    "/clinic/rules",
    response_model=ClinicRulesSet,
    summary="Store new rule overrides (owner); a text that lowers a safety floor is refused naming the rule",
)
def set_rules(body: RulesBody, ctx: Context) -> ClinicRulesSet:
    return clinic_settings.set_clinic_rules(ctx, SetClinicRulesRequest.of(body=body.toml))


# --- the audit trail ---------------------------------------------------------------------------------------


@router.get(
    "/audit/verify",
    response_model=AuditCheck,
    summary="Walk the audit chain and check it is append-only (owner)",
)
def verify_audit(ctx: Context) -> AuditCheck:
    return protection.verify_audit(ctx)
