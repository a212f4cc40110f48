"""How a client's link opens their pages: the token is resolved to a live link (its client and clinic),
and every use of it, or refusal, is recorded.

An unknown, expired or revoked token, or one of an erased client or of a clinic with no active owner,
answers with one and the same :class:`NotFoundError` (``link_gone``), so nobody learns which. Every use of a
live link updates ``last_used_at`` and appends an audit entry with no acting user (``client_link``, the
link's id; ids only), as does every refused use of a known link.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session as Db

from smpstudio.errors import AccessError, NotFoundError, RateLimitedError, RefusedError, SmpError
from smpstudio.records import audit
from smpstudio.records.clinic_day import ClientLink
from smpstudio.records.models import Client, Clinic
from smpstudio.records.repositories import client_links as repo
from smpstudio.records.repositories import clinics as clinic_rows
from smpstudio.services.access import Actor, system_actor, target
from smpstudio.services.accounts import token_digest
from smpstudio.services.client_links import link_status
from smpstudio.services.context import ServiceContext

__all__ = ["LiveLink", "audit_link_use", "with_live_link"]

T = TypeVar("T")

#: What a token may look like; anything else is unknown without a query.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


def _gone() -> NotFoundError:
    """The one answer to a token that opens nothing (unknown, expired, withdrawn, or an erased client's)."""
    return NotFoundError("this link has expired or was withdrawn", field="link", code="link_gone")


@dataclass(frozen=True)
class LiveLink:
    """A live link, its client and clinic, and who acts for the clinic (the clinic's clock and rules; the
    audit entries of a link's use name no actor)."""

    link: ClientLink
    client: Client
    clinic: Clinic
    actor: Actor


def audit_link_use(db: Db, link: ClientLink, action: str, entity: str, entity_id: int, **detail: Any) -> None:
    """An audit entry of a link's use: no acting user, the link's clinic, ids and codes only."""
    audit.append(
        db,
        actor_id=None,
        clinic_id=link.clinic_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail={"link": link.id, **detail},
    )


def with_live_link(
    ctx: ServiceContext, token: str, use: str, work: Callable[[Db, LiveLink], T], *, lock: bool = False
) -> T:
    """Run ``work`` for the live link ``token`` names, in one write transaction that records the use.

    A token that opens nothing raises :func:`_gone`; a refused use of a known link (expired, withdrawn,
    an erased client, a bad form, too many reports) is audited after the rollback. ``lock`` holds the
    link's row (PostgreSQL; SQLite has one writer at a time) for the transaction, so concurrent uses that
    count what the link did (the daily report limit) see each other's rows."""
    known: list[tuple[int, int]] = []  # the link's id and clinic (its row is gone with the rollback)

    def run(db: Db) -> T:
        digest = token_digest(token) if _TOKEN.fullmatch(token) else None
        found = repo.link_by_hash(db, digest, for_update=lock) if digest is not None else None
        if found is None:
            raise _gone()
        link, client = found
        known[:] = [(link.id, link.clinic_id)]
        now = ctx.clock.now_utc()
        clinic = clinic_rows.get_clinic(db, link.clinic_id)
        if link_status(link, now) != "active" or client.erased_at is not None or clinic is None:
            raise target(_gone(), "client_link", link.id, status=link_status(link, now))
        try:  # the clinic's rules and timezone are read as the clinic acts (no user's permission is used)
            actor = system_actor(db, link.clinic_id, ctx.clock)
        except NotFoundError:  # a clinic with no active owner: its links open nothing
            raise target(_gone(), "client_link", link.id, status="no_owner") from None
        link.last_used_at = now
        audit_link_use(db, link, "read", "client_link", link.id, client=client.id, use=use)
        return work(db, LiveLink(link, client, clinic, actor))

    try:
        return ctx.db.write(run)
    except (AccessError, NotFoundError, RefusedError, RateLimitedError) as exc:
        if known:
            _audit_refusal(ctx, *known[0], use, exc)
        raise


def _audit_refusal(ctx: ServiceContext, link_id: int, clinic_id: int, use: str, exc: SmpError) -> None:
    """The audit entry of a refused use of a known link; a failure to write it never hides the refusal."""
    detail = {"link": link_id, "use": use, "code": exc.code, "kind": exc.kind}
    with contextlib.suppress(SmpError, SQLAlchemyError):
        ctx.db.write(
            lambda db: audit.append(
                db,
                actor_id=None,
                clinic_id=clinic_id,
                action="refuse",
                entity="client_link",
                entity_id=link_id,
                detail=detail,
            )
        )
