"""Queries of data protection: what a client's export holds beyond the record view, and a client's erasure.

Erasure keeps the skeleton of every session (dates, lots, practitioner) so lot recalls and sterilisation
traces stay whole; everything that identifies the client or describes their health goes. Each column that
can hold a client's data, and what erasure does to it:

=====================================  =====================================================================
table: columns                         on erasure
=====================================  =====================================================================
clients: name                          ``erased client ID``
clients: birth date, contact, skin,    blanked (None)
hair, notes
screenings: answers, result            emptied (the outcome code, date and rules version stay)
consents: signed_name, signature       ``erased``; the drawn signature's file is deleted (kind, text
                                       version, times and witness stay: consent was given)
patch_tests: record, site              emptied (lot code, times and result stay: a lot's reactions)
designs                                deleted (documents hold free text); sessions and plans keep no
                                       link to them
photos                                 deleted, with their files (view and landmarks go with the row)
repair_maps                            deleted (dot maps and plans of the client's close-ups)
treatment_plans: notes                 blanked
sessions: notes, override_reason       blanked (lots, times, zones, ink fraction, cycle and the
                                       overridden check codes stay)
followups: outcome                     ``erased`` (the due date and the rules' purpose stay)
followup_outcomes: outcome             ``erased`` (who recorded it and when stay)
symptom_reports: symptoms, triage,     emptied; the idempotency key blanked (disposition code stays)
idempotency_key
adverse_events: description            ``erased`` (dates, seriousness and criteria stay: reportable)
reminders: basis                       ``erased`` (a forecast's basis names the client's skin)
corrective_actions: scope              the client's name and contact replaced (the id stays)
appointments: notes                    blanked (times, kind, status and practitioner stay)
messages: to_address                   blanked (kind, subject, status and times stay: subjects carry the
                                       clinic's name and no client data)
client_links                           revoked (``revoked_at`` set): the client's own pages close; the
                                       token's hash and times stay
audit_log                              untouched: it holds ids and codes only
=====================================  =====================================================================

Clinic-wide free text (lot recall reasons, cycle items, spore test notes, corrective action resolutions)
is about stock and equipment, not a client, and stays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as Db

from smpstudio.records.clinic_day import Appointment, ClientLink, Message
from smpstudio.records.models import (
    AdverseEvent,
    Client,
    Consent,
    CorrectiveAction,
    Design,
    FollowUp,
    FollowUpOutcome,
    PatchTest,
    Photo,
    Reminder,
    RepairMap,
    Screening,
    Session,
    SymptomReport,
    TreatmentPlan,
)

__all__ = [
    "anonymise_client",
    "clinic_day_of",
    "design_documents",
    "discard_old_pages",
    "unreferenced_files",
]

#: What an erased record keeps in place of a free-text or structured field.
ERASED = "erased"


def design_documents(db: Db, client_id: int) -> list[tuple[int, dict[str, Any]]]:
    """The client's design documents as ``(version, document)``, oldest version first."""
    rows = db.execute(
        select(Design.version, Design.document).where(Design.client_id == client_id).order_by(Design.version)
    )
    return [(version, document) for version, document in rows]


def _when(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def clinic_day_of(db: Db, client_id: int) -> dict[str, list[dict[str, Any]]]:
    """The client's appointments, the e-mails sent to them and their own links, for their export: what
    each holds about the client, never a token or a token's hash."""
    appointments = [
        {
            "id": a.id,
            "kind": a.kind,
            "starts_at": _when(a.starts_at),
            "ends_at": _when(a.ends_at),
            "minutes": a.minutes,
            "status": a.status,
            "notes": a.notes,
            "practitioner_id": a.practitioner_id,
            "cancelled_at": _when(a.cancelled_at),
        }
        for a in db.scalars(
            select(Appointment).where(Appointment.client_id == client_id).order_by(Appointment.id)
        )
    ]
    messages = [
        {
            "id": m.id,
            "kind": m.kind,
            "to_address": m.to_address,
            "subject": m.subject,
            "status": m.status,
            "queued_at": _when(m.queued_at),
            "sent_at": _when(m.sent_at),
        }
        for m in db.scalars(select(Message).where(Message.client_id == client_id).order_by(Message.id))
    ]
    links = [
        {
            "id": link.id,
            "created_at": _when(link.created_at),
            "expires_at": _when(link.expires_at),
            "revoked_at": _when(link.revoked_at),
            "last_used_at": _when(link.last_used_at),
        }
        for link in db.scalars(
            select(ClientLink).where(ClientLink.client_id == client_id).order_by(ClientLink.id)
        )
    ]
    return {"appointments": appointments, "messages": messages, "links": links}


def _erase_scopes(db: Db, client: Client) -> None:
    """Replace the client's name and contact in the clinic's corrective actions' scopes (ids stay)."""
    for action in db.scalars(select(CorrectiveAction).where(CorrectiveAction.clinic_id == client.clinic_id)):
        scope = action.scope or {}
        listed = scope.get("clients") or []
        if not any(isinstance(c, dict) and c.get("id") == client.id for c in listed):
            continue
        anonymous = {"id": client.id, "name": client.name, "contact": {"phone": None, "email": None}}
        action.scope = {
            **scope,
            "clients": [anonymous if isinstance(c, dict) and c.get("id") == client.id else c for c in listed],
        }


def anonymise_client(db: Db, client: Client, erased_at: dt.datetime) -> list[str]:
    """Remove the client's identity, contact, health answers, photos, signatures, designs and free text
    from every table that holds them (see the module's table).

    Returns the SHA-256 names of the stored files (photos, drawn signatures) the client's rows referred to;
    :func:`unreferenced_files` says which of them nothing else refers to any more. On SQLite, freed space is
    overwritten (``secure_delete``) so the old values do not linger in the file.
    """
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("PRAGMA secure_delete = ON"))
    cid = client.id
    shas = list(db.scalars(select(Photo.sha256).where(Photo.client_id == cid)))
    shas += [
        sha
        for sha in db.scalars(select(Consent.signature_sha256).where(Consent.client_id == cid))
        if sha is not None
    ]
    db.execute(delete(RepairMap).where(RepairMap.client_id == cid))
    db.execute(update(Session).where(Session.client_id == cid).values(design_id=None))
    db.execute(update(TreatmentPlan).where(TreatmentPlan.client_id == cid).values(design_id=None, notes=None))
    db.execute(delete(Design).where(Design.client_id == cid))
    db.execute(delete(Photo).where(Photo.client_id == cid))
    for screening in db.scalars(select(Screening).where(Screening.client_id == cid)):
        screening.answers, screening.result = {}, {ERASED: True}
    for consent in db.scalars(select(Consent).where(Consent.client_id == cid)):
        consent.signed_name, consent.signature_sha256 = ERASED, None
    for report in db.scalars(select(SymptomReport).where(SymptomReport.client_id == cid)):
        report.symptoms, report.triage, report.idempotency_key = {}, {ERASED: True}, None
    db.execute(update(AdverseEvent).where(AdverseEvent.client_id == cid).values(description=ERASED))
    for test in db.scalars(select(PatchTest).where(PatchTest.client_id == cid)):
        test.record, test.site = {ERASED: True}, ERASED
    db.execute(update(Session).where(Session.client_id == cid).values(notes=None, override_reason=None))
    followups = select(FollowUp.id).where(FollowUp.client_id == cid).scalar_subquery()
    db.execute(
        update(FollowUp)
        .where(FollowUp.client_id == cid, FollowUp.outcome.is_not(None))
        .values(outcome=ERASED)
    )
    db.execute(
        update(FollowUpOutcome).where(FollowUpOutcome.followup_id.in_(followups)).values(outcome=ERASED)
    )
    db.execute(update(Reminder).where(Reminder.client_id == cid).values(basis=ERASED))
    db.execute(update(Appointment).where(Appointment.client_id == cid).values(notes=None))
    db.execute(update(Message).where(Message.client_id == cid).values(to_address=None))
    db.execute(
        update(ClientLink)
        .where(ClientLink.client_id == cid, ClientLink.revoked_at.is_(None))
        .values(revoked_at=erased_at)
    )
    client.name = f"erased client {cid}"
    client.date_of_birth = client.email = client.phone = client.address = None
    client.hair_colour = client.hair_loss_pattern = client.notes = client.skin_type = None
    client.erased_at = erased_at
    _erase_scopes(db, client)
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


def discard_old_pages(engine: Engine) -> None:
    """On SQLite, copy the write-ahead log into the database file and empty it, so the pages that held
    values an erasure overwrote are not left in the log (call it once the erasure committed). Best effort:
    a reader holding an old snapshot keeps the log until it is done. Nothing to do on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()  # autocommit: a checkpoint cannot run inside a transaction
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.fetchall()
        cursor.close()
    finally:
        raw.close()
