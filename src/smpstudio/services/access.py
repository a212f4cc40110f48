"""Who acts and may they: the acting user, role permissions, one transaction per call, the audit entry,
and the lookups that keep every query inside the actor's clinic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session as Db

from smpstudio.errors import AccessError, InputError, NotFoundError
from smpstudio.records import audit
from smpstudio.records.models import Client, Session, User
from smpstudio.records.repositories import clients as client_rows
from smpstudio.records.repositories import clinics as clinic_rows
from smpstudio.services.context import ServiceContext

__all__ = [
    "PERMISSIONS",
    "Actor",
    "client_session",
    "get_client",
    "get_user",
    "log",
    "resolve_actor",
    "transact",
]


T = TypeVar("T")


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
        }
    ),
    "front-desk": frozenset({"client.read", "client.write", "consent", "followup", "lot.read", "registers"}),
}


@dataclass(frozen=True)
class Actor:
    """The user a service call acts for: their id, clinic, role and name."""

    id: int
    clinic_id: int
    role: str
    name: str

    def require(self, permission: str) -> None:
        """Raise :class:`AccessError` unless the actor's role grants ``permission`` (owners have all)."""
        if self.role == "owner" or permission in PERMISSIONS.get(self.role, frozenset()):
            return
        raise AccessError(
            f"a {self.role} may not do this ({permission})",
            field="user",
            allowed="a user whose role allows it",
        )


def resolve_actor(db: Db, user_id: int | None) -> Actor:
    """The acting user ``user_id``, or the owner when the store holds a single clinic and none is named."""
    if user_id is None:
        clinic_id = clinic_rows.only_clinic_id(db)
        if clinic_id is None:
            raise InputError("name the acting user", field="user", allowed="the id of an active user")
        user = clinic_rows.first_active_owner(db, clinic_id)
    else:
        user = clinic_rows.get_user(db, user_id)
    if user is None or not user.active:
        raise InputError(f"no active user {user_id}", field="user", allowed="the id of an active user")
    return Actor(user.id, user.clinic_id, user.role, user.name)


def transact(ctx: ServiceContext, action: Callable[[Db, Actor], T]) -> T:
    """Run ``action(db, actor)`` for the context's acting user in one write transaction (retried on a
    transient lock)."""
    return ctx.db.write(lambda db: action(db, resolve_actor(db, ctx.user_id)))


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


def get_client(db: Db, actor: Actor, client_id: int, *, for_update: bool = False) -> Client:
    """The client ``client_id`` of the actor's clinic; ``for_update`` also refuses an erased client.

    A client of another clinic answers like one that does not exist (:class:`NotFoundError`).
    """
    client = client_rows.get_client(db, client_id)
    if client is None or client.clinic_id != actor.clinic_id:
        raise NotFoundError(
            f"no client {client_id} in this clinic", field="client", allowed="a client id", code="no_client"
        )
    if client.erased_at is not None and for_update:
        raise InputError(f"client {client_id} was erased", field="client", allowed="a client on record")
    return client


def client_session(db: Db, client: Client, session_id: int | None) -> Session | None:
    """The client's session ``session_id`` (None when none is named)."""
    if session_id is None:
        return None
    sess = client_rows.get_session(db, session_id)
    if sess is None or sess.client_id != client.id:
        raise NotFoundError(
            f"no session {session_id} of this client",
            field="session",
            allowed="a session id",
            code="no_session",
        )
    return sess


def get_user(db: Db, actor: Actor, user_id: int, field: str = "user") -> User:
    """The user ``user_id`` of the actor's clinic (another clinic's user answers as not found)."""
    user = clinic_rows.get_user(db, user_id)
    if user is None or user.clinic_id != actor.clinic_id:
        raise NotFoundError(
            f"no user {user_id} in this clinic",
            field=field,
            allowed="a user id of this clinic",
            code="no_user",
        )
    return user
