"""Queries of clinics, their users and the users' certifications."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session as Db

from smpstudio.records.models import Certification, Clinic, ClinicRules, StoreMeta, User

__all__ = [
    "add_certification",
    "add_clinic",
    "add_rules",
    "add_user",
    "certification_expiries",
    "clinic_timezone",
    "email_taken",
    "first_active_owner",
    "get_clinic",
    "get_user",
    "has_clinics",
    "latest_rules",
    "only_clinic_id",
    "set_store_meta",
    "store_meta",
    "users_of_clinic",
]


def store_meta(db: Db, key: str) -> str | None:
    """A fact about the store (``store_id``, ``admin_user_id``), None when it is not set."""
    row = db.get(StoreMeta, key)
    return row.value if row is not None else None


def set_store_meta(db: Db, key: str, value: str) -> None:
    """Insert a fact about the store (a second insert of one key fails on its primary key)."""
    db.add(StoreMeta(key=key, value=value))
    db.flush()


def has_clinics(db: Db) -> bool:
    """Whether the store holds any clinic."""
    return db.scalar(select(Clinic.id).limit(1)) is not None


def get_clinic(db: Db, clinic_id: int, *, for_update: bool = False) -> Clinic | None:
    """The clinic ``clinic_id``; ``for_update`` locks its row (PostgreSQL) until the transaction ends."""
    q = select(Clinic).where(Clinic.id == clinic_id)
    return db.scalars(q.with_for_update() if for_update else q).first()


def clinic_timezone(db: Db, clinic_id: int) -> str:
    """The clinic's IANA timezone name."""
    return str(db.scalar(select(Clinic.timezone).where(Clinic.id == clinic_id)) or "UTC")


def latest_rules(db: Db, clinic_id: int) -> ClinicRules | None:
    """The clinic's newest rule overrides (None when it has never set any)."""
    return db.scalars(
        select(ClinicRules).where(ClinicRules.clinic_id == clinic_id).order_by(ClinicRules.version.desc())
    ).first()


def add_rules(db: Db, clinic_id: int, *, body: str, created_by: int) -> ClinicRules:
    """Store the clinic's next version of its rule overrides (the clinic's row is locked while the
    version is counted, so two owners saving at once get versions n and n + 1)."""
    get_clinic(db, clinic_id, for_update=True)
    latest = latest_rules(db, clinic_id)
    row = ClinicRules(
        clinic_id=clinic_id,
        version=(latest.version if latest else 0) + 1,
        body=body,
        sha256=hashlib.sha256(body.encode()).hexdigest(),
        created_by=created_by,
    )
    db.add(row)
    db.flush()
    return row


def add_clinic(
    db: Db, *, name: str, retention_years: int, jurisdiction: str, timezone: str = "UTC"
) -> Clinic:
    """Insert a clinic (its id is set on return)."""
    clinic = Clinic(name=name, retention_years=retention_years, jurisdiction=jurisdiction, timezone=timezone)
    db.add(clinic)
    db.flush()
    return clinic


def email_taken(db: Db, email: str) -> bool:
    """Whether a user of any clinic logs in with ``email`` (stored lower case)."""
    return db.scalar(select(User.id).where(User.email == email).limit(1)) is not None


def add_user(db: Db, clinic_id: int, *, name: str, role: str, email: str | None = None) -> User:
    """Insert an active user of the clinic (``email``: the login, lower case, unique in the store)."""
    user = User(clinic_id=clinic_id, name=name, role=role, email=email)
    db.add(user)
    db.flush()
    return user


def add_certification(db: Db, user_id: int, *, kind: str, expires_on: dt.date) -> Certification:
    """Insert one certification of a user with its expiry."""
    cert = Certification(user_id=user_id, kind=kind, expires_on=expires_on)
    db.add(cert)
    db.flush()
    return cert


def get_user(db: Db, user_id: int) -> User | None:
    """The user ``user_id`` of any clinic (None when there is none)."""
    return db.get(User, user_id)


def only_clinic_id(db: Db) -> int | None:
    """The id of the store's clinic when it holds exactly one (None for none or several)."""
    ids = db.scalars(select(Clinic.id).limit(2)).all()
    return ids[0] if len(ids) == 1 else None


def first_active_owner(db: Db, clinic_id: int) -> User | None:
    """The clinic's first active owner (by id)."""
    return db.scalars(
        select(User).where(User.clinic_id == clinic_id, User.role == "owner", User.active).order_by(User.id)
    ).first()


def users_of_clinic(db: Db, clinic_id: int) -> list[User]:
    """Every user of the clinic, by id."""
    return list(db.scalars(select(User).where(User.clinic_id == clinic_id).order_by(User.id)))


def certification_expiries(db: Db, user_ids: Iterable[int]) -> dict[int, dict[str, dt.date]]:
    """For each user, the latest expiry of each kind of certification they hold (kinds in name order)."""
    ids = set(user_ids)
    out: dict[int, dict[str, dt.date]] = {i: {} for i in ids}
    if not ids:
        return out
    for user_id, kind, expires_on in db.execute(
        select(Certification.user_id, Certification.kind, func.max(Certification.expires_on))
        .where(Certification.user_id.in_(ids))
        .group_by(Certification.user_id, Certification.kind)
        .order_by(Certification.user_id, Certification.kind)
    ):
        out[user_id][kind] = expires_on
    return out
