"""Clinics, their users and the users' certifications.

Each use case is ``f(ctx, request) -> result``; the store is created by the face (``open_store``) before
:func:`init_clinic` adds the first clinic to it.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Annotated, Literal

from pydantic import Field
from sqlalchemy.orm import Session as Db

from smpstudio.records.models import CERTIFICATION_KINDS, CONSENT_KINDS, ROLES
from smpstudio.records.repositories import clinics as rows
from smpstudio.records.repositories import consent as consent_rows
from smpstudio.services.access import Actor, get_user, log, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import IsoDate, Text, choice, in_range, optional_text, text
from smpstudio.services.models import Request, Result

__all__ = [
    "AddCertificationRequest",
    "AddUserRequest",
    "CertificationAdded",
    "ClinicCreated",
    "InitClinicRequest",
    "UserAdded",
    "UserList",
    "UserSummary",
    "add_certification",
    "add_user",
    "init_clinic",
    "list_users",
]

Role = Literal["owner", "practitioner", "front-desk"]
CertificationKind = Literal["smp-training", "bloodborne-pathogens"]


# --- clinic ------------------------------------------------------------------------------------------------


class InitClinicRequest(Request):
    """A new clinic: its name, its owner's name, and its retention policy."""

    name: Text
    owner_name: Annotated[str | None, optional_text()] = Field(None, description="'Owner' when not given.")
    retention_years: Annotated[int, in_range(1, 100, "years")] = Field(
        6, description="Years records are kept after the last session. [years]"
    )
    jurisdiction: Annotated[str, text(40)] = Field("default", description="The retention policy's label.")


class ClinicCreated(Result):
    """The new clinic's id and its owner's user id."""

    clinic_id: int
    owner_id: int


def _seed_consent_texts(db: Db) -> None:
    """Store version 1 of each packaged consent text, once per store."""
    for kind in CONSENT_KINDS:
        if not consent_rows.text_exists(db, kind, "1"):
            body = resources.files("smpstudio.data").joinpath("consent", f"{kind}-1.md").read_text()
            consent_rows.add_text(db, kind=kind, version="1", body=body)


def init_clinic(ctx: ServiceContext, request: InitClinicRequest) -> ClinicCreated:
    """Create a clinic and its owner (the store itself is created by :func:`open_store`)."""

    def action(db: Db) -> ClinicCreated:
        _seed_consent_texts(db)
        clinic = rows.add_clinic(
            db, name=request.name, retention_years=request.retention_years, jurisdiction=request.jurisdiction
        )
        owner = rows.add_user(db, clinic.id, name=request.owner_name or "Owner", role="owner")
        actor = Actor(owner.id, clinic.id, "owner", owner.name)
        log(db, actor, "create", "clinic", clinic.id)
        log(db, actor, "create", "user", owner.id, role="owner")
        return ClinicCreated(clinic_id=clinic.id, owner_id=owner.id)

    return ctx.db.write(action)


# --- users -------------------------------------------------------------------------------------------------


class AddUserRequest(Request):
    """A staff member; ``certified_until`` records both certifications with that expiry."""

    name: Text
    role: Annotated[Role, choice(ROLES)]
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
        user = rows.add_user(db, actor.clinic_id, name=request.name, role=request.role)
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

    user_id: int
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
