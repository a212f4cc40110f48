"""The clinic's administration: verifying the audit trail, the staff (adding, deactivating, certificates),
each user's account (password, API tokens) and the clinic's settings (details for handouts, timezone,
retention, rule overrides within their floors)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from smpstudio.errors import InputError, SmpError
from smpstudio.services import accounts, api_tokens, clinic_settings, clinics, protection
from smpstudio.services.context import ServiceContext
from smpstudio.web.pages.clinic_forms import Context, attempt, may, not_found, see_other
from smpstudio.web.pages.rendering import page
from smpstudio.web.state import principal_of

__all__ = ["audit_verdict", "router"]

router = APIRouter(include_in_schema=False)

ROLES = (("practitioner", "Practitioner"), ("front-desk", "Front desk"), ("owner", "Owner"))
CERTIFICATES = (("smp-training", "SMP training"), ("bloodborne-pathogens", "Bloodborne pathogens"))
Short = Annotated[str, Form(max_length=200)]
Secret = Annotated[str, Form(max_length=1024)]


# --- the audit trail ---------------------------------------------------------------------------------------


def audit_verdict(check: protection.AuditCheck) -> tuple[str, str, str]:
    """The verdict on the audit trail in plain words: a headline, what it means, and the badge's tone."""
    if check.ok:
        return (
            "The audit trail is intact.",
            f"All {check.entries} entries verify, from the first, and the database refuses changing or "
            "deleting an entry.",
            "ok",
        )
    if check.first_bad_entry is not None:
        return (
            "The audit trail has been changed.",
            f"Entry {check.first_bad_entry} does not verify (the {check.entries} entries before it do): an "
            "entry was changed, removed or reordered after it was written. Keep the store as it is, restore "
            "the latest backup into a new data directory to compare, and tell the store's administrator.",
            "danger",
        )
    return (
        "The entries verify, but the trail is no longer protected.",
        f"All {check.entries} entries verify, but the database no longer refuses changing or deleting an "
        "entry (its append-only triggers are missing). Tell the store's administrator: restore them by "
        "migrating the store, or restore a backup.",
        "danger",
    )


@router.get("/audit")
def audit_page(request: Request, ctx: Context) -> Response:
    check = protection.verify_audit(ctx)
    headline, meaning, tone = audit_verdict(check)
    return page(
        request,
        "admin/audit.html",
        json_twin="/api/v1/audit/verify",
        check=check,
        headline=headline,
        meaning=meaning,
        tone=tone,
    )


# --- users -------------------------------------------------------------------------------------------------


def _users_page(
    request: Request,
    ctx: ServiceContext,
    *,
    status_code: int = 200,
    error: SmpError | None = None,
    form: str | None = None,
    failed: int | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    return page(
        request,
        "admin/users.html",
        status_code=status_code,
        json_twin="/api/v1/users",
        users=clinics.list_users(ctx).users,
        me=principal_of(request).user_id,
        today=ctx.today(),
        may_manage=may(request, "POST", "/users"),
        roles=ROLES,
        certificates=CERTIFICATES,
        error=error,
        form=form,
        failed=failed,
        values=values or {"role": "practitioner"},
    )


@router.get("/users")
def users_page(request: Request, ctx: Context) -> Response:
    return _users_page(request, ctx)


@router.post("/users")
def add_user(
    request: Request,
    ctx: Context,
    name: Short = "",
    role: Short = "",
    email: Short = "",
    certified_until: Short = "",
) -> Response:
    def add() -> clinics.UserAdded:
        call = clinics.AddUserRequest.of(
            name=name, role=role, email=email or None, certified_until=certified_until or None
        )
        return clinics.add_user(ctx, call)

    added, error = attempt(add)
    if added is not None:
        return see_other(f"/users/{added.id}")
    values = {"name": name, "role": role, "email": email, "certified_until": certified_until}
    status = error.http_status if error else 422
    return _users_page(request, ctx, status_code=status, error=error, form="add", values=values)


@router.post("/users/{user_id}/deactivate")
def deactivate_user(request: Request, ctx: Context, user_id: int) -> Response:
    _, error = attempt(
        lambda: clinics.deactivate_user(ctx, clinics.DeactivateUserRequest.of(user_id=user_id))
    )
    if error is None:
        return see_other(f"/users#user-{user_id}")
    return _users_page(request, ctx, status_code=error.http_status, error=error, form="user", failed=user_id)


@router.post("/users/{user_id}/certifications")
def add_certification(
    request: Request, ctx: Context, user_id: int, kind: Short = "", expires: Short = ""
) -> Response:
    def certify() -> clinics.CertificationAdded:
        call = clinics.AddCertificationRequest.of(user_id=user_id, kind=kind, expires=expires)
        return clinics.add_certification(ctx, call)

    _, error = attempt(certify)
    if error is None:
        return see_other(f"/users#user-{user_id}")
    values = {"kind": kind, "expires": expires}
    status = error.http_status
    return _users_page(
        request, ctx, status_code=status, error=error, form="user", failed=user_id, values=values
    )


# --- one user's account: password and API tokens ---------------------------------------------------------


def _account_page(
    request: Request,
    ctx: ServiceContext,
    user_id: int,
    *,
    status_code: int = 200,
    error: SmpError | None = None,
    form: str | None = None,
    issued: api_tokens.TokenIssued | None = None,
) -> Response:
    tokens = api_tokens.list_tokens(ctx, user_id)  # the user themself or an owner; another clinic's: 404
    user = next((u for u in clinics.list_users(ctx).users if u.id == user_id), None)
    if user is None:
        raise not_found("user", user_id, "user_id")
    response = page(
        request,
        "admin/account.html",
        status_code=status_code,
        json_twin=f"/api/v1/users/{user_id}/tokens",
        account=user,
        myself=user_id == principal_of(request).user_id,
        tokens=tokens.tokens,
        error=error,
        form=form,
        issued=issued,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/users/{user_id}")
def account_page(request: Request, ctx: Context, user_id: int) -> Response:
    return _account_page(request, ctx, user_id)


@router.post("/users/{user_id}/password")
def set_password(
    request: Request, ctx: Context, user_id: int, password: Secret = "", password_again: Secret = ""
) -> Response:
    def change() -> accounts.PasswordSet:
        if password != password_again:
            raise InputError(
                "the two passwords differ", field="password_again", allowed="the same password twice"
            )
        return accounts.set_password(ctx, accounts.SetPasswordRequest.of(user_id=user_id, password=password))

    done, error = attempt(change)
    if done is not None:  # setting one's own password ends one's own sessions too: sign in again
        return see_other("/login" if user_id == principal_of(request).user_id else f"/users/{user_id}")
    status = error.http_status if error else 422
    return _account_page(request, ctx, user_id, status_code=status, error=error, form="password")


@router.post("/users/{user_id}/tokens")
def issue_token(request: Request, ctx: Context, user_id: int, name: Short = "api") -> Response:
    def issue() -> api_tokens.TokenIssued:
        return api_tokens.issue_token(
            ctx, api_tokens.IssueTokenRequest.of(user_id=user_id, name=name or "api")
        )

    issued, error = attempt(issue)
    status = error.http_status if error else 200
    return _account_page(request, ctx, user_id, status_code=status, error=error, form="token", issued=issued)


@router.post("/users/{user_id}/tokens/{token_id}/revoke")
def revoke_token(request: Request, ctx: Context, user_id: int, token_id: int) -> Response:
    held = api_tokens.list_tokens(ctx, user_id).tokens  # the user of the path: theirs, or not found
    if all(t.id != token_id for t in held):
        raise not_found("API token", token_id, "token_id")
    api_tokens.revoke_token(ctx, api_tokens.RevokeTokenRequest.of(token_id=token_id))
    return see_other(f"/users/{user_id}#tokens")


# --- the clinic's settings ---------------------------------------------------------------------------------


def _settings_page(
    request: Request,
    ctx: ServiceContext,
    *,
    status_code: int = 200,
    error: SmpError | None = None,
    form: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    details = clinic_settings.show_clinic(ctx)
    rules = clinic_settings.show_clinic_rules(ctx)
    return page(
        request,
        "admin/settings.html",
        status_code=status_code,
        json_twin="/api/v1/clinic",
        details=details,
        rules=rules,
        may_edit=may(request, "POST", "/settings"),
        error=error,
        form=form,
        values=values or {},
    )


@router.get("/settings")
def settings_page(request: Request, ctx: Context) -> Response:
    return _settings_page(request, ctx)


@router.post("/settings")
def update_clinic(
    request: Request,
    ctx: Context,
    name: Short = "",
    timezone: Short = "",
    phone: Short = "",
    email: Short = "",
    address: Annotated[str, Form(max_length=1000)] = "",
    retention_years: Short = "",
    jurisdiction: Short = "",
) -> Response:
    values = {
        "name": name,
        "timezone": timezone,
        "phone": phone,
        "email": email,
        "address": address,
        "retention_years": retention_years,
        "jurisdiction": jurisdiction,
    }

    def update() -> clinic_settings.ClinicDetails:
        changes = {key: value for key, value in values.items() if value.strip()}
        return clinic_settings.update_clinic(ctx, clinic_settings.UpdateClinicRequest.of(**changes))

    _, error = attempt(update)
    section = "retention" if retention_years or jurisdiction else "details"
    if error is None:
        return see_other(f"/settings#{section}")
    return _settings_page(
        request, ctx, status_code=error.http_status, error=error, form=section, values=values
    )


@router.post("/settings/rules")
def set_rules(
    request: Request,
    ctx: Context,
    body: Annotated[str, Form(max_length=clinic_settings.MAX_RULES_CHARS)] = "",
) -> Response:
    text = body.replace("\r\n", "\n")
    _, error = attempt(
        lambda: clinic_settings.set_clinic_rules(ctx, clinic_settings.SetClinicRulesRequest.of(body=text))
    )
    if error is None:
        return see_other("/settings#rules")
    return _settings_page(
        request, ctx, status_code=error.http_status, error=error, form="rules", values={"body": body}
    )
