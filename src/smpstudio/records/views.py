"""Hand-built views of the records: a client's whole record as plain data.

The view reads only the client's own rows (and the lots their sessions used), in a fixed order, and gives
staff as ids, not names. It is what ``client show`` prints and what a client's export file holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as Db

from smpstudio.records.models import (
    AdverseEvent,
    Client,
    Consent,
    ConsentText,
    Design,
    FollowUp,
    Lot,
    PatchTest,
    Photo,
    Reminder,
    Screening,
    Session,
    SymptomReport,
    TreatmentPlan,
)

__all__ = ["client_record_view", "iso"]


def iso(value: dt.date | dt.datetime | None) -> str | None:
    """ISO 8601 text of a date, or of a time to the second (None stays None)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def _lot_refs(db: Db, sessions: list[Session]) -> dict[int, dict[str, Any]]:
    """The lots the sessions used, by id, as the record shows them."""
    lot_ids = {
        i for r in sessions for i in (r.pigment_lot_id, r.needle_lot_id, r.diluent_lot_id) if i is not None
    }
    if not lot_ids:
        return {}
    return {
        lot.id: {
            "id": lot.id,
            "kind": lot.kind,
            "product": lot.product,
            "lot": lot.lot_code,
            "expires_on": lot.expires_on.isoformat(),
        }
        for lot in db.scalars(select(Lot).where(Lot.id.in_(lot_ids)))
    }


def _client(client: Client) -> dict[str, Any]:
    return {
        "id": client.id,
        "name": client.name,
        "date_of_birth": iso(client.date_of_birth),
        "email": client.email,
        "phone": client.phone,
        "address": client.address,
        "skin_type": client.skin_type,
        "hair_colour": client.hair_colour,
        "hair_loss_pattern": client.hair_loss_pattern,
        "notes": client.notes,
        "created_at": iso(client.created_at),
        "erased_at": iso(client.erased_at),
    }


def _consents(db: Db, cid: int) -> list[dict[str, Any]]:
    consents = list(db.scalars(select(Consent).where(Consent.client_id == cid).order_by(Consent.id)))
    if not consents:
        return []
    versions: dict[int, str] = {
        tid: version
        for tid, version in db.execute(
            select(ConsentText.id, ConsentText.version).where(
                ConsentText.id.in_({c.consent_text_id for c in consents})
            )
        )
    }
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "text_version": versions[r.consent_text_id],
            "signed_name": r.signed_name,
            "signature": r.signature_kind,
            "signature_sha256": r.signature_sha256,
            "signed_at": iso(r.signed_at),
            "withdrawn_at": iso(r.withdrawn_at),
            "witness": r.witness_id,
        }
        for r in consents
    ]


def _session(r: Session, lots: dict[int, dict[str, Any]]) -> dict[str, Any]:
    def lot_ref(lot_id: int | None) -> dict[str, Any] | None:
        return None if lot_id is None else lots[lot_id]

    return {
        "id": r.id,
        "started_at": iso(r.started_at),
        "ended_at": iso(r.ended_at),
        "practitioner": r.practitioner_id,
        "plan": r.plan_id,
        "zones": r.zones,
        "design": r.design_id,
        "pigment_lot": lot_ref(r.pigment_lot_id),
        "needle_lot": lot_ref(r.needle_lot_id),
        "diluent_lot": lot_ref(r.diluent_lot_id),
        "ink_fraction": r.ink_fraction,
        "anaesthetic": {"product": r.anaesthetic_product, "strength_pct": r.anaesthetic_strength_pct},
        "sterilisation_cycle": r.sterilisation_cycle_id,
        "notes": r.notes,
        "override_reason": r.override_reason,
        "overridden_checks": r.overridden_checks,
        "rules_version": r.rules_version,
    }


def client_record_view(db: Db, client: Client) -> dict[str, Any]:
    """The client's whole record as plain data (ids, not names, for the staff who touched it).

    Keys: ``client``, ``screenings``, ``consents``, ``patch_tests``, ``treatment_plans``, ``designs``
    (without their documents), ``photos``, ``sessions`` (with the lots they used), ``follow_ups``,
    ``symptom_reports``, ``adverse_events``, ``reminders``; dates and times as ISO 8601 text.
    """
    cid = client.id
    sessions = list(db.scalars(select(Session).where(Session.client_id == cid).order_by(Session.started_at)))
    lots = _lot_refs(db, sessions)

    def rows(model: Any, order: Any) -> list[Any]:
        return list(db.scalars(select(model).where(model.client_id == cid).order_by(order)))

    return {
        "client": _client(client),
        "screenings": [
            {
                "id": r.id,
                "answered_on": iso(r.answered_on),
                "outcome": r.outcome,
                "defer_until": iso(r.defer_until),
                "patch_test_recommended": r.patch_test_recommended,
                "answers": r.answers,
                "unanswered": list((r.result or {}).get("unanswered", [])),
                "rules_version": r.rules_version,
                "by": r.by_user_id,
            }
            for r in rows(Screening, Screening.id)
        ],
        "consents": _consents(db, cid),
        "patch_tests": [
            {
                "id": r.id,
                "lot": r.lot_code,
                "site": r.site,
                "applied_at": iso(r.applied_at),
                "read_at": iso(r.read_at),
                "result": r.result,
                "limited_value": r.record.get("limited_value"),
                "rules_version": r.rules_version,
            }
            for r in rows(PatchTest, PatchTest.id)
        ],
        "treatment_plans": [
            {
                "id": r.id,
                "sessions": r.sessions_planned,
                "interval_days": r.interval_days,
                "design": r.design_id,
                "notes": r.notes,
                "created_at": iso(r.created_at),
            }
            for r in rows(TreatmentPlan, TreatmentPlan.id)
        ],
        "designs": [
            {"id": r.id, "version": r.version, "sha256": r.sha256, "created_at": iso(r.created_at)}
            # Columns only: a design document holds every dot and can be megabytes.
            for r in db.execute(
                select(Design.id, Design.version, Design.sha256, Design.created_at)
                .where(Design.client_id == cid)
                .order_by(Design.version)
            )
        ],
        "photos": [
            {
                "id": r.id,
                "kind": r.kind,
                "view": r.view,
                "sha256": r.sha256,
                "media_type": r.media_type,
                "session": r.session_id,
                "landmarks": r.landmarks,
                "created_at": iso(r.created_at),
            }
            for r in rows(Photo, Photo.id)
        ],
        "sessions": [_session(r, lots) for r in sessions],
        "follow_ups": [
            {
                "id": r.id,
                "due_on": iso(r.due_on),
                "purpose": r.purpose,
                "done_at": iso(r.done_at),
                "outcome": r.outcome,
                "session": r.session_id,
            }
            for r in rows(FollowUp, FollowUp.due_on)
        ],
        "symptom_reports": [
            {
                "id": r.id,
                "reported_at": iso(r.reported_at),
                "symptoms": r.symptoms,
                "disposition": r.disposition,
                "rules_version": r.rules_version,
            }
            for r in rows(SymptomReport, SymptomReport.id)
        ],
        "adverse_events": [
            {
                "id": r.id,
                "received_on": iso(r.received_on),
                "description": r.description,
                "serious": r.serious,
                "serious_criteria": r.serious_criteria,
                "report_deadline_on": iso(r.report_deadline_on),
                "brand_notified_on": iso(r.brand_notified_on),
                "session": r.session_id,
            }
            for r in rows(AdverseEvent, AdverseEvent.id)
        ],
        "reminders": [
            {"id": r.id, "kind": r.kind, "due_on": iso(r.due_on), "basis": r.basis, "done_at": iso(r.done_at)}
            for r in rows(Reminder, Reminder.due_on)
        ],
    }
