"""Clinics, their users and the users' certifications."""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session as Db

from smpstudio.errors import InputError, check_choice, parse_date
from smpstudio.records.models import (
    CERTIFICATION_KINDS,
    CONSENT_KINDS,
    ROLES,
    Certification,
    Clinic,
    ConsentText,
    User,
)
from smpstudio.services.access import Actor, get_user, log, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import text_field

__all__ = ["add_certification", "add_user", "init_clinic", "list_users"]


def _seed_consent_texts(db: Db) -> None:
    for kind in CONSENT_KINDS:
        body = resources.files("smpstudio.data").joinpath("consent", f"{kind}-1.md").read_text()
        exists = db.scalar(select(ConsentText.id).where(ConsentText.kind == kind, ConsentText.version == "1"))
        if exists is None:
            db.add(
                ConsentText(
                    kind=kind, version="1", body=body, sha256=hashlib.sha256(body.encode()).hexdigest()
                )
            )


def init_clinic(
    ctx: ServiceContext,
    *,
    name: str,
    owner_name: str | None = None,
    retention_years: int = 6,
    jurisdiction: str = "default",
) -> dict[str, Any]:
    """Create a clinic and its owner (the store itself is created by :func:`open_store`)."""
    clinic_name = text_field(name, "name")
    if not 1 <= retention_years <= 100:
        raise InputError(f"{retention_years}", field="retention-years", allowed="1 to 100 years")

    def action(db: Db) -> dict[str, Any]:
        _seed_consent_texts(db)
        clinic = Clinic(name=clinic_name, retention_years=retention_years, jurisdiction=jurisdiction)
        db.add(clinic)
        db.flush()
        owner = User(
            clinic_id=clinic.id,
            name=text_field(owner_name, "owner-name", required=False) or "Owner",
            role="owner",
        )
        db.add(owner)
        db.flush()
        actor = Actor(owner.id, clinic.id, "owner", owner.name)
        log(db, actor, "create", "clinic", clinic.id)
        log(db, actor, "create", "user", owner.id, role="owner")
        return {"clinic_id": clinic.id, "owner_id": owner.id}

    return ctx.db.write(action)


def add_user(
    ctx: ServiceContext, *, name: str, role: str, certified_until: str | None = None
) -> dict[str, Any]:
    check_choice("role", role, ROLES)
    user_name = text_field(name, "name")
    until = parse_date(certified_until, "certified-until") if certified_until else None

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("user.add")
        user = User(clinic_id=actor.clinic_id, name=user_name, role=role)
        db.add(user)
        db.flush()
        log(db, actor, "create", "user", user.id, role=role)
        if until is not None:
            for kind in CERTIFICATION_KINDS:
                db.add(Certification(user_id=user.id, kind=kind, expires_on=until))
            log(db, actor, "create", "certification", user.id, expires_on=until.isoformat())
        return {"id": user.id}

    return transact(ctx, action)


def add_certification(ctx: ServiceContext, *, user_id: int, kind: str, expires: str) -> dict[str, Any]:
    check_choice("kind", kind, CERTIFICATION_KINDS)
    until = parse_date(expires, "expires")

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("user.add")
        get_user(db, actor, user_id)
        cert = Certification(user_id=user_id, kind=kind, expires_on=until)
        db.add(cert)
        db.flush()
        log(db, actor, "create", "certification", cert.id, user=user_id, kind=kind)
        return {"id": cert.id}

    return transact(ctx, action)


def list_users(ctx: ServiceContext) -> list[dict[str, Any]]:
    def action(db: Db, actor: Actor) -> list[dict[str, Any]]:
        users = db.scalars(select(User).where(User.clinic_id == actor.clinic_id).order_by(User.id)).all()
        out = []
        for u in users:
            certs = db.execute(
                select(Certification.kind, func.max(Certification.expires_on))
                .where(Certification.user_id == u.id)
                .group_by(Certification.kind)
            ).all()
            out.append(
                {
                    "id": u.id,
                    "name": u.name,
                    "role": u.role,
                    "active": u.active,
                    "certifications": {k: d.isoformat() for k, d in certs},
                }
            )
        return out

    return transact(ctx, action)
