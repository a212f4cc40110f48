"""Queries of the audit trail about one client: who saw or changed their record, and when.

An entry is about a client when it names the client as its entity (``client`` with the client's id), names
the client in its detail (``"client": ID``: their screenings, consents, sessions ...), or lists them among
the clients a read showed (a search's ``ids``, the dashboard's ``clients``). The detail is canonical JSON
(:func:`smpstudio.records.audit.canonical_detail`), so the database narrows the entries by text and each
candidate is then checked exactly.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session as Db

from smpstudio.records.models import AuditEntry, User

__all__ = ["client_entries", "mentions"]

#: The detail keys that list the clients a read showed.
LIST_KEYS = ("ids", "clients")


def mentions(entity: str, entity_id: str | None, detail: str, client_id: int) -> bool:
    """Whether an entry (its entity, entity id and detail text) is about the client ``client_id``."""
    if entity == "client" and entity_id == str(client_id):
        return True
    try:
        data: Any = json.loads(detail)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    if data.get("client") == client_id:
        return True
    return any(isinstance(data.get(k), list) and client_id in data[k] for k in LIST_KEYS)


def client_entries(db: Db, clinic_id: int, client_id: int) -> list[tuple[AuditEntry, str | None]]:
    """The clinic's audit entries about the client, newest first, each with its actor's name (None: no
    user, or one of no name on file)."""
    n = str(client_id)
    about = or_(
        and_(AuditEntry.entity == "client", AuditEntry.entity_id == n),
        AuditEntry.detail.contains(f'"client":{n},'),
        AuditEntry.detail.contains(f'"client":{n}}}'),
        and_(AuditEntry.entity == "client", AuditEntry.entity_id.is_(None), AuditEntry.detail.contains(n)),
    )
    found = db.execute(
        select(AuditEntry, User.name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.clinic_id == clinic_id, about)
        .order_by(AuditEntry.seq.desc())
    ).all()
    return [
        (entry, name)
        for entry, name in found
        if mentions(entry.entity, entry.entity_id, entry.detail, client_id)
    ]
