"""Queries of data protection: what a client's export holds beyond the record view, and a client's erasure.

Erasure keeps the skeleton of every session (dates, lots, practitioner) so lot recalls and sterilisation
traces stay whole; everything that identifies the client or describes their health goes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as Db

from smpstudio.records.models import (
    AdverseEvent,
    Client,
    Consent,
    Design,
    PatchTest,
    Photo,
    Screening,
    Session,
    SymptomReport,
)

__all__ = ["anonymise_client", "design_documents", "last_session_start", "unreferenced_files"]

#: What an erased record keeps in place of a free-text or structured field.
ERASED = "erased"


def design_documents(db: Db, client_id: int) -> list[tuple[int, dict[str, Any]]]:
    """The client's design documents as ``(version, document)``, oldest version first."""
    rows = db.execute(
        select(Design.version, Design.document).where(Design.client_id == client_id).order_by(Design.version)
    )
    return [(version, document) for version, document in rows]


def last_session_start(db: Db, client_id: int) -> dt.datetime | None:
    """When the client's latest session started (None when they had none)."""
    return db.scalar(select(func.max(Session.started_at)).where(Session.client_id == client_id))


def anonymise_client(db: Db, client: Client, erased_at: dt.datetime) -> list[str]:
    """Remove the client's identity, contact, health answers, photos, signatures, designs and free text.

    Returns the SHA-256 names of the stored files (photos, drawn signatures) the client's rows referred to;
    :func:`unreferenced_files` says which of them nothing else refers to any more.
    """
    cid = client.id
    shas = list(db.scalars(select(Photo.sha256).where(Photo.client_id == cid)))
    shas += [
        sha
        for sha in db.scalars(select(Consent.signature_sha256).where(Consent.client_id == cid))
        if sha is not None
    ]
    db.execute(delete(Photo).where(Photo.client_id == cid))
    db.execute(delete(Design).where(Design.client_id == cid))
    for screening in db.scalars(select(Screening).where(Screening.client_id == cid)):
        screening.answers, screening.result = {}, {ERASED: True}
    for consent in db.scalars(select(Consent).where(Consent.client_id == cid)):
        consent.signed_name, consent.signature_sha256 = ERASED, None
    for report in db.scalars(select(SymptomReport).where(SymptomReport.client_id == cid)):
        report.symptoms, report.triage = {}, {ERASED: True}
    for event in db.scalars(select(AdverseEvent).where(AdverseEvent.client_id == cid)):
        event.description = ERASED
    for test in db.scalars(select(PatchTest).where(PatchTest.client_id == cid)):
        test.record = {ERASED: True}
    for session in db.scalars(select(Session).where(Session.client_id == cid)):
        session.notes = None
    client.name = f"erased client {cid}"
    client.date_of_birth = client.email = client.phone = client.address = None
    client.hair_colour = client.hair_loss_pattern = client.notes = client.skin_type = None
    client.erased_at = erased_at
    db.flush()
    return shas


def unreferenced_files(db: Db, shas: Iterable[str]) -> list[str]:
    """Those of ``shas`` that no photo and no consent signature refers to (sorted, each once)."""
    wanted = set(shas)
    if not wanted:
        return []
    used = set(db.scalars(select(Photo.sha256).where(Photo.sha256.in_(wanted))))
    used |= set(db.scalars(select(Consent.signature_sha256).where(Consent.signature_sha256.in_(wanted))))
    return sorted(wanted - used)
