"""Clinics, their users and the users' certifications.

Each use case is ``f(ctx, request) -> result``; the store is created by the face (``open_store``) before
:func:`init_clinic` adds the first clinic to it, whose owner becomes the store's administrator (the only
user who may add another clinic).
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Annotated, Literal

from pydantic import Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as Db

from smpstudio.errors import ConflictError
from smpstudio.records.models import CERTIFICATION_KINDS, CONSENT_KINDS, ROLES
from smpstudio.records.repositories import accounts as account_rows
from smpstudio.records.repositories import clinics as rows
from smpstudio.records.repositories import consent as consent_rows
from smpstudio.services.access import Actor, get_user, log, require_admin, transact
from smpstudio.services.clinic_settings import ClinicName, Email, Timezone
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id, IsoDate, Text, choice, in_range, optional_text, text
from smpstudio.services.models import Request, Result

__all__ = [
    "AddCertificationRequest",
    "AddUserRequest",
    "CertificationAdded",
    "ClinicCreated",
    "DeactivateUserRequest",
    "InitClinicRequest",
    "UserAdded",
    "UserDeactivated",
    "UserList",
    "UserSummary",
    "add_certification",
    "add_user",
    "deactivate_user",
    "init_clinic",
    "list_users",
]

Role = Literal["owner", "practitioner", "front-desk"]
CertificationKind = Literal["smp-training", "bloodborne-pathogens"]


# --- clinic ------------------------------------------------------------------------------------------------


class InitClinicRequest(Request):
    """A new clinic: its name, its owner (name, login e-mail), its timezone and its retention policy."""

    name: ClinicName
    owner_name: Annotated[str | None, optional_text()] = Field(None, description="'Owner' when not given.")
    owner_email: Email = Field(None, description="The owner's login (kept in lower case, unique).")
    timezone: Timezone = Field(None, description="The clinic's IANA timezone (the context's when None).")
    retention_years: Annotated[int, in_range(1, 100, "years")] = Field(
        6, description="Years records are kept after the last session. [years]"
    )
    jurisdiction: Annotated[str, text(40)] = Field("default", description="The retention policy's label.")


class ClinicCreated(Result):
    """The new clinic's id, its owner's user id and the store administrator's user id."""

    clinic_id: int
    owner_id: int
    admin_id: int


def _seed_consent_texts(db: Db) -> None:
    """Store version 1 of each packaged consent text (belonging to no clinic), once per store, even when
    two first clinics are created at once."""
    folder = resources.files("smpstudio.data").joinpath("consent")
    bodies = {kind: folder.joinpath(f"{kind}-1.md").read_text() for kind in CONSENT_KINDS}
    consent_rows.add_packaged_texts(db, bodies, "1")


def _zone_name(ctx: ServiceContext) -> str:
    """The IANA name of the context's timezone (UTC when it has none)."""
    return str(getattr(ctx.clock.tz, "key", "UTC"))


def _check_email_free(db: Db, email: str | None, field: str) -> None:
    """Refuse a login e-mail another user of any clinic has (``email_taken``)."""
    if email is not None and rows.email_taken(db, email):
        raise ConflictError(
            "the e-mail address is taken",
            field=field,
            allowed="an address no user has",
            code="email_taken",
        )


def _create(db: Db, ctx: ServiceContext, request: InitClinicRequest, admin: Actor | None) -> ClinicCreated:
    """Insert the clinic and its owner; ``admin`` None: the store is empty and the owner administers it."""
    email = request.owner_email
    _check_email_free(db, email, "owner_email")
    clinic = rows.add_clinic(
        db,
        name=request.name,
        retention_years=request.retention_years,
        jurisdiction=request.jurisdiction,
        timezone=request.timezone or _zone_name(ctx),
    )
    owner = rows.add_user(db, clinic.id, name=request.owner_name or "Owner", role="owner", email=email)
    if admin is None:
        _seed_consent_texts(db)
        rows.set_store_meta(db, "admin_user_id", str(owner.id))
        admin = Actor(owner.id, clinic.id, "owner", owner.name, is_admin=True)
        log(db, admin, "create", "store", None, admin=owner.id)
    log(db, admin, "create", "clinic", clinic.id)
    log(db, admin, "create", "user", owner.id, role="owner", clinic=clinic.id)
    return ClinicCreated(clinic_id=clinic.id, owner_id=owner.id, admin_id=admin.id)


def init_clinic(ctx: ServiceContext, request: InitClinicRequest) -> ClinicCreated:
    """Create a clinic and its owner.

    On an empty store (created by the face with ``open_store``) the owner becomes the store's administrator;
    every later clinic needs the administrator as the acting user and gets an owner of its own.
    """

    def first(db: Db) -> ClinicCreated | None:
        if rows.has_clinics(db) or rows.store_meta(db, "admin_user_id") is not None:
            return None
        return _create(db, ctx, request, None)

    def later(db: Db, actor: Actor) -> ClinicCreated:
        require_admin(actor, "create a clinic")
        return _create(db, ctx, request, actor)

    try:
        created = ctx.db.write(first)
        return created if created is not None else transact(ctx, later)
    except IntegrityError:  # another call took the e-mail address, or set the store up, at the same moment
        raise ConflictError(
            "another change to the store's clinics came first; nothing was changed, try again",
            field="owner_email" if request.owner_email else None,
            code="email_taken" if request.owner_email else "conflict",
        ) from None


# --- users -------------------------------------------------------------------------------------------------


class AddUserRequest(Request):
    """A staff member; ``certified_until`` records both certifications with that expiry."""

    name: Text
    role: Annotated[Role, choice(ROLES)]
    email: Email = Field(None, description="The user's login (kept in lower case, unique).")
    certified_until: IsoDate | None = Field(
        None, description="Expiry of the SMP training and bloodborne-pathogen certificates."
    )


class UserAdded(Result):
    """The new user's id."""

    id: int


def add_user(ctx: ServiceContext, request: AddUserRequest) -> UserAdded:
    """Add a staff member to the acting owner's clinic (and their certifications when an expiry is given)."""

    def action(db: Db, actor: Actor) -> UserAdded:
        actor.require("user.add")
        _check_email_free(db, request.email, "email")
        user = rows.add_user(db, actor.clinic_id, name=request.name, role=request.role, email=request.email)
        log(db, actor, "create", "user", user.id, role=request.role)
        until = request.certified_until
        if until is not None:
            for kind in CERTIFICATION_KINDS:
                rows.add_certification(db, user.id, kind=kind, expires_on=until)
            log(db, actor, "create", "certification", user.id, expires_on=until.isoformat())
        return UserAdded(id=user.id)

    return transact(ctx, action)


class AddCertificationRequest(Request):
    """A certification of a user and its expiry."""

    user_id: Id
    kind: Annotated[CertificationKind, choice(CERTIFICATION_KINDS)]
    expires: IsoDate


class CertificationAdded(Result):
    """The new certification's id."""

    id: int


def add_certification(ctx: ServiceContext, request: AddCertificationRequest) -> CertificationAdded:
    """Record a certification of a user of the acting owner's clinic."""

    def action(db: Db, actor: Actor) -> CertificationAdded:
        actor.require("user.add")
        get_user(db, actor, request.user_id, field="user_id")
        cert = rows.add_certification(db, request.user_id, kind=request.kind, expires_on=request.expires)
        log(db, actor, "create", "certification", cert.id, user=request.user_id, kind=request.kind)
        return CertificationAdded(id=cert.id)

    return transact(ctx, action)


class UserSummary(Result):
    """A user with their role and the latest expiry of each certification they hold."""

    id: int
    name: str
    role: str
    active: bool
    certifications: dict[str, dt.date]


class UserList(Result):
    """The clinic's users, by id."""

    users: list[UserSummary]


def list_users(ctx: ServiceContext) -> UserList:
    """The acting user's clinic's staff, with roles and certification expiries."""

    def action(db: Db, actor: Actor) -> UserList:
        users = rows.users_of_clinic(db, actor.clinic_id)
        expiries = rows.certification_expiries(db, [u.id for u in users])
        return UserList(
            users=[
                UserSummary(id=u.id, name=u.name, role=u.role, active=u.active, certifications=expiries[u.id])
                for u in users
            ]
        )

    return transact(ctx, action)


class DeactivateUserRequest(Request):
    """A user of the acting owner's clinic who no longer works there."""

    user_id: Id


class UserDeactivated(Result):
    """The user now refused as an acting user (their records stay)."""

    id: int
    active: bool


def deactivate_user(ctx: ServiceContext, request: DeactivateUserRequest) -> UserDeactivated:
    """Lock a user out: an inactive user is refused as the acting user from then on (owners only); their
    open web sessions end (``deactivated``), and their API tokens stop working while they are inactive.

    An owner cannot lock themself out, and the store's administrator is never deactivated (backups,
    restores and new clinics need them).
    """

    def action(db: Db, actor: Actor) -> UserDeactivated:
        actor.require("user.add")
        user = get_user(db, actor, request.user_id, field="user_id")
        admin = rows.store_meta(db, "admin_user_id")
        if user.id == actor.id or (admin is not None and admin == str(user.id)):
            raise ConflictError(
                "the acting owner and the store's administrator stay active",
                field="user_id",
                allowed="another user of this clinic",
                code="cannot_deactivate",
            )
        if user.active:
            user.active = False
            ended = account_rows.end_web_sessions(db, user.id, at=ctx.clock.now_utc(), reason="deactivated")
            log(db, actor, "update", "user", user.id, active=False, sessions_ended=ended)
        return UserDeactivated(id=user.id, active=False)

    return transact(ctx, action)
