"""Who acts and may they: the acting user, role permissions, one transaction per call, the audit entry,
and the lookups that keep every query inside the actor's clinic.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session as Db

from smpstudio.care.rules import RuleOverrides, RuleSet, load_rules
from smpstudio.errors import (
    AccessError,
    InputError,
    NotFoundError,
    RefusedError,
    SmpError,
    UnauthenticatedError,
)
from smpstudio.records import audit
from smpstudio.records.models import Client, Session, User
from smpstudio.records.repositories import clients as client_rows
from smpstudio.records.repositories import clinics as clinic_rows
from smpstudio.services.context import Clock, ServiceContext
from smpstudio.services.fields import check_id

__all__ = [
    "PERMISSIONS",
    "Actor",
    "client_session",
    "get_client",
    "get_user",
    "log",
    "not_in_clinic",
    "require_admin",
    "resolve_actor",
    "rules_for",
    "system_actor",
    "target",
    "transact",
]


T = TypeVar("T")
E = TypeVar("E", bound=SmpError)

#: The errors whose attempt is audited after the rollback: access refused, an id not found in the actor's
#: clinic (another clinic's or a missing one), a safety refusal.
AUDITED_ERRORS = (AccessError, NotFoundError, RefusedError)


#: What each role may do. Owners may do everything, including overrides, erasure and backups.
PERMISSIONS: dict[str, frozenset[str]] = {
    "practitioner": frozenset(
        {
            "client.read",
            "client.write",
            "screening",
            "consent",
            "patch_test",
            "design",
            "photo",
            "session",
            "lot.read",
            "lot.write",
            "lot.recall",
            "sterilisation",
            "followup",
            "symptom",
            "adverse_event",
            "registers",
            "appointment",
            "client_link",
        }
    ),
    "front-desk": frozenset(
        {
            "client.read",
            "client.write",
            "consent",
            "followup",
            "lot.read",
            "registers",
            "appointment",
            "client_link",
        }
    ),
}
#: Owner-only permissions named in the route table and the services: ``reports``, ``mail.settings``,
#: ``jobs`` (backups and exports in the background), besides ``user.add``, ``clinic.settings``, ``audit``.


@dataclass(frozen=True)
class Actor:
    """The user a service call acts for: their id, clinic, role and name, whether they administer the
    store, and the clock of their clinic's timezone (``actor.today()`` is the clinic's today)."""

    id: int
    clinic_id: int
    role: str
    name: str
    is_admin: bool = False
    clock: Clock = field(default_factory=Clock, compare=False)

    def today(self) -> dt.date:
        """Today where the actor's clinic is."""
        return self.clock.today()

    def require(self, permission: str) -> None:
        """Raise :class:`AccessError` unless the actor's role grants ``permission`` (owners have all)."""
        if self.role == "owner" or permission in PERMISSIONS.get(self.role, frozenset()):
            return
        error = AccessError(
            f"a {self.role} may not do this ({permission})",
            field="user",
            allowed="a user whose role allows it",
        )
        raise target(error, permission.split(".")[0], None, permission=permission)


def resolve_actor(db: Db, user_id: int | None, clock: Clock | None = None) -> Actor:
    """The acting user ``user_id``, or the owner when the store holds a single clinic and none is named.

    An id that is not an id (beyond 64 bits) is an :class:`InputError`; no user named where the store
    holds several clinics, or an unknown or inactive one, is an :class:`UnauthenticatedError` (field
    ``user``). ``clock`` gives the time (its own timezone is replaced by the clinic's)."""
    if user_id is None:
        clinic_id = clinic_rows.only_clinic_id(db)
        if clinic_id is None:
            raise UnauthenticatedError(
                "name the acting user",
                field="user",
                allowed="the id of an active user",
                code="acting_user_required",
            )
        user = clinic_rows.first_active_owner(db, clinic_id)
    else:
        user = clinic_rows.get_user(db, check_id(user_id, "user"))
    if user is None or not user.active:
        raise UnauthenticatedError(
            f"no active user {user_id}", field="user", allowed="the id of an active user", code="unknown_user"
        )
    base = clock or Clock()
    try:
        zone: dt.tzinfo = ZoneInfo(clinic_rows.clinic_timezone(db, user.clinic_id))
    except (ZoneInfoNotFoundError, ValueError):
        zone = base.tz
    admin = clinic_rows.store_meta(db, "admin_user_id")
    return Actor(
        user.id,
        user.clinic_id,
        user.role,
        user.name,
        is_admin=admin is not None and admin == str(user.id),
        clock=Clock(zone, base.now_utc),
    )


def system_actor(db: Db, clinic_id: int, clock: Clock | None = None) -> Actor:
    """The actor background work of clinic ``clinic_id`` acts as (the reminders the worker sends): role
    owner, the id and name of the clinic's first active owner (so its audit entries name a user who answers
    for the clinic), the clock in the clinic's timezone. A clinic with no active owner, or no clinic of
    that id, is a :class:`NotFoundError` (nothing is done in its name)."""
    owner = clinic_rows.first_active_owner(db, clinic_id)
    if owner is None:
        raise NotFoundError(
            f"clinic {clinic_id} has no active owner to act for it",
            field="clinic",
            allowed="a clinic with an active owner",
            code="no_clinic_owner",
        )
    base = clock or Clock()
    try:
        zone: dt.tzinfo = ZoneInfo(clinic_rows.clinic_timezone(db, clinic_id))
    except (ZoneInfoNotFoundError, ValueError):
        zone = base.tz
    return Actor(owner.id, clinic_id, "owner", owner.name, clock=Clock(zone, base.now_utc))


def require_admin(actor: Actor, what: str) -> None:
    """Raise :class:`AccessError` unless ``actor`` administers the store (``what``: the action refused)."""
    if not actor.is_admin:
        error = AccessError(
            f"only the store's administrator may {what}",
            field="user",
            allowed="the store administrator",
            code="not_administrator",
        )
        raise target(error, "store", None)


def rules_for(db: Db, actor: Actor, ctx: ServiceContext, name: str = "care") -> RuleSet:
    """The rules in force for the actor's clinic: the packaged set the context names, with the clinic's
    newest overrides (stored in the clinic's settings, checked against the floors when they were set)."""
    packaged = ctx.care_rules if name == "care" else ctx.pigment_rules
    stored = clinic_rows.latest_rules(db, actor.clinic_id)
    if stored is None:
        return packaged
    return load_rules(packaged.name, RuleOverrides.from_toml(stored.body, tag=f"clinic-v{stored.version}"))


def target(error: E, entity: str, entity_id: int | str | None, **detail: str) -> E:
    """Mark ``error`` with what was asked for (the entity, its id, codes), for the audit entry of the
    refused attempt that :func:`transact` writes; returns ``error`` to be raised."""
    error.audit_target = (entity, entity_id, detail)  # type: ignore[attr-defined]
    return error


def transact(ctx: ServiceContext, action: Callable[[Db, Actor], T]) -> T:
    """Run ``action(db, actor)`` for the context's acting user in one write transaction (retried on a
    transient lock).

    An attempt that ends in an access refusal, an id not found in the actor's clinic or a safety refusal is
    rolled back, then audited in a short transaction of its own (action ``refuse``: the entity and id asked
    for, the error's kind and code, never client data), and the error raised as it was.
    """
    acting: list[Actor] = []

    def run(db: Db) -> T:
        actor = resolve_actor(db, ctx.user_id, ctx.clock)
        acting[:] = [actor]
        return action(db, actor)

    try:
        return ctx.db.write(run)
    except AUDITED_ERRORS as exc:
        if acting:
            _audit_refusal(ctx, acting[0], exc)
        raise


def _audit_refusal(ctx: ServiceContext, actor: Actor, exc: SmpError) -> None:
    """Append the audit entry of a refused attempt; a failure to write it never hides the refusal."""
    entity, entity_id, extra = getattr(exc, "audit_target", (exc.field or "request", None, {}))
    detail = {"code": exc.code, "kind": exc.kind, **extra}
    with contextlib.suppress(SmpError, SQLAlchemyError):  # a busy store: the refusal still reaches the user
        ctx.db.write(lambda db: log(db, actor, "refuse", entity, entity_id, **detail))


def log(
    db: Db, actor: Actor | None, action: str, entity: str, entity_id: int | str | None, **detail: Any
) -> None:
    """Append the audit entry of what ``actor`` did to ``entity`` (ids and codes only, no client data)."""
    audit.append(
        db,
        actor_id=actor.id if actor else None,
        clinic_id=actor.clinic_id if actor else None,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=detail,
    )


def not_in_clinic(
    entity: str, entity_id: int | str, *, noun: str, field: str, allowed: str, code: str | None = None
) -> NotFoundError:
    """The answer to an id that names nothing in the actor's clinic (another clinic's answers the same),
    marked with the audit target the refusal is recorded under; code ``no_<entity>`` unless given."""
    error = NotFoundError(
        f"no {noun} {entity_id} in this clinic", field=field, allowed=allowed, code=code or f"no_{entity}"
    )
    return target(error, entity, entity_id)


def get_client(db: Db, actor: Actor, client_id: int, *, for_update: bool = False) -> Client:
    """The client ``client_id`` of the actor's clinic; ``for_update`` also refuses an erased client.

    A client of another clinic answers like one that does not exist (:class:`NotFoundError`); an id
    beyond 64 bits is an :class:`InputError` (no query is made).
    """
    client = client_rows.get_client(db, check_id(client_id, "client"))
    if client is None or client.clinic_id != actor.clinic_id:
        raise not_in_clinic("client", client_id, noun="client", field="client", allowed="a client id")
    if client.erased_at is not None and for_update:
        raise InputError(f"client {client_id} was erased", field="client", allowed="a client on record")
    return client


def client_session(db: Db, client: Client, session_id: int | None) -> Session | None:
    """The client's session ``session_id`` (None when none is named; an id beyond 64 bits is an
    :class:`InputError`)."""
    if session_id is None:
        return None
    sess = client_rows.get_session(db, check_id(session_id, "session"))
    if sess is None or sess.client_id != client.id:
        error = NotFoundError(
            f"no session {session_id} of this client",
            field="session",
            allowed="a session id",
            code="no_session",
        )
        raise target(error, "session", session_id)
    return sess


def get_user(db: Db, actor: Actor, user_id: int, field: str = "user") -> User:
    """The user ``user_id`` of the actor's clinic (another clinic's user answers as not found; an id
    beyond 64 bits is an :class:`InputError` naming ``field``)."""
    user = clinic_rows.get_user(db, check_id(user_id, field))
    if user is None or user.clinic_id != actor.clinic_id:
        raise not_in_clinic("user", user_id, noun="user", field=field, allowed="a user id of this clinic")
    return user
