"""Who saw or changed a client's record: the audit trail's entries about one client, newest first.

The entries are the clinic's (:func:`smpstudio.records.repositories.client_audit.client_entries`): who
(the user's id and name), when, what verb, on which entity; the detail is left out but for the names of
fields changed, refusal codes and the kind of thing done, so no value of the record is shown. Owners only
(the ``audit`` permission); the read of the trail is itself audited.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy.orm import Session as Db

from smpstudio.records.repositories import client_audit as rows
from smpstudio.services.access import Actor, get_client, log, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id, in_range
from smpstudio.services.models import Request, Result

__all__ = ["ClientAuditEntry", "ClientAuditRequest", "ClientAuditTrail", "client_audit"]

#: The detail keys shown: names of fields, codes and flags, never a value of the record.
SHOWN_DETAIL = ("fields", "codes", "code", "kind", "search", "checks", "handout", "erase", "withdrawn", "via")


class ClientAuditRequest(Request):
    """A client, and which page of the entries about them (newest first)."""

    client_id: Id
    page: Annotated[int, in_range(1, 1_000_000)] = 1
    per_page: Annotated[int, in_range(1, 200)] = 50


class ClientAuditEntry(Result):
    """One entry: its sequence number, when (UTC), who, the verb and the entity it was about."""

    seq: int
    at: str = Field(description="When, ISO 8601 in UTC.")
    user_id: int | None
    user_name: str | None
    action: str = Field(description="create, read, update, export, erase, override, refuse ...")
    entity: str = Field(description="client, screening, consent, session, photo ...")
    entity_id: str | None
    detail: dict[str, Any] = Field(description="Field names, codes and flags only; never a value.")


class ClientAuditTrail(Result):
    """One page of the entries about the client, newest first, and how many there are in all."""

    client_id: int
    total: int
    page: int
    per_page: int
    entries: list[ClientAuditEntry]


def _shown(detail: str) -> dict[str, Any]:
    """The detail's keys that carry no value of the record."""
    try:
        data = json.loads(detail)
    except ValueError:
        return {}
    return {k: data[k] for k in SHOWN_DETAIL if isinstance(data, dict) and k in data}


def client_audit(ctx: ServiceContext, request: ClientAuditRequest) -> ClientAuditTrail:
    """The audit entries about a client of the acting owner's clinic, newest first, one page at a time."""
    r = request

    def action(db: Db, actor: Actor) -> ClientAuditTrail:
        actor.require("audit")
        client = get_client(db, actor, r.client_id)
        found = rows.client_entries(db, actor.clinic_id, client.id)
        first = (r.page - 1) * r.per_page
        entries = [
            ClientAuditEntry(
                seq=entry.seq,
                at=entry.at,
                user_id=entry.actor_id,
                user_name=name,
                action=entry.action,
                entity=entry.entity,
                entity_id=entry.entity_id,
                detail=_shown(entry.detail),
            )
            for entry, name in found[first : first + r.per_page]
        ]
        log(db, actor, "read", "audit", None, client=client.id)
        return ClientAuditTrail(
            client_id=client.id, total=len(found), page=r.page, per_page=r.per_page, entries=entries
        )

    return transact(ctx, action)
