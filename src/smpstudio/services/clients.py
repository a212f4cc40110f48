"""Clients: adding and finding them, their screening, designs, treatment plans, photos and whole record."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session as Db

from smpstudio.care.screening import parse_answers, screen
from smpstudio.errors import InputError, check_choice, parse_date, read_json_file
from smpstudio.records.files import strip_image_metadata
from smpstudio.records.models import (
    PHOTO_KINDS,
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
from smpstudio.services.access import Actor, client_session, get_client, log, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import SKIN_TYPES, date_or_none, iso, text_field

__all__ = [
    "add_client",
    "add_design",
    "add_photo",
    "add_plan",
    "client_record",
    "find_clients",
    "record_of",
    "screen_client",
]


def add_client(
    ctx: ServiceContext,
    *,
    name: str,
    date_of_birth: str,
    email: str | None = None,
    phone: str | None = None,
    address: str | None = None,
    skin_type: str | None = None,
    hair_colour: str | None = None,
    hair_loss_pattern: str | None = None,
) -> dict[str, Any]:
    client_name = text_field(name, "name")
    born = parse_date(date_of_birth, "date-of-birth")
    if born > ctx.today() or born.year < 1900:
        raise InputError(f"{born}", field="date-of-birth", allowed="a past date after 1900")
    if skin_type is not None:
        check_choice("skin-type", skin_type, SKIN_TYPES)
    if email is not None and ("@" not in email or len(email) > 200 or " " in email.strip()):
        raise InputError("not an e-mail address", field="email", allowed="name@example.org")
    if phone is not None and not any(c.isdigit() for c in phone):
        raise InputError("not a phone number", field="phone", allowed="digits, spaces, + and -")

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("client.write")
        client = Client(
            clinic_id=actor.clinic_id,
            name=client_name,
            date_of_birth=born,
            email=text_field(email, "email", required=False),
            phone=text_field(phone, "phone", required=False, max_len=60),
            address=text_field(address, "address", required=False, max_len=500),
            skin_type=skin_type,
            hair_colour=text_field(hair_colour, "hair-colour", required=False, max_len=40),
            hair_loss_pattern=text_field(hair_loss_pattern, "hair-loss-pattern", required=False, max_len=60),
        )
        db.add(client)
        db.flush()
        log(db, actor, "create", "client", client.id)
        return {"id": client.id}

    return transact(ctx, action)


def find_clients(ctx: ServiceContext, query: str) -> list[dict[str, Any]]:
    needle = text_field(query, "query")
    assert needle is not None

    def action(db: Db, actor: Actor) -> list[dict[str, Any]]:
        actor.require("client.read")
        rows = db.scalars(
            select(Client)
            .where(Client.clinic_id == actor.clinic_id, Client.erased_at.is_(None))
            .where(func.lower(Client.name).contains(needle.lower()))
            .order_by(Client.name)
            .limit(50)
        ).all()
        log(db, actor, "read", "client", None, search=True, ids=[c.id for c in rows])
        return [{"id": c.id, "name": c.name, "date_of_birth": iso(c.date_of_birth)} for c in rows]

    return transact(ctx, action)


def screen_client(ctx: ServiceContext, client_id: int, answers_path: str | Path) -> dict[str, Any]:
    """Screen a client on the care rules' questionnaire; the answers, outcome and rules version are kept."""
    obj = read_json_file(answers_path, "answers")
    rules = ctx.care_rules

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("screening")
        client = get_client(db, actor, client_id, for_update=True)
        payload = dict(obj) if isinstance(obj, dict) else obj
        if isinstance(payload, dict) and client.date_of_birth:
            given = payload.setdefault("date_of_birth", client.date_of_birth.isoformat())
            if given != client.date_of_birth.isoformat():
                raise InputError(
                    f"{given} differs from the record's {client.date_of_birth}",
                    field="date_of_birth",
                    allowed="the client's date of birth on file (or leave it out)",
                )
        born, answers = parse_answers(payload, rules.data["screening"]["questions"])
        result = screen(born, answers, rules).to_dict()
        defer = result.get("defer_until")
        recommended = any(answers.get(q) for q in rules.data["patch_test"]["recommended_when"])
        row = Screening(
            client_id=client.id,
            answered_on=ctx.today(),
            answers={k: v for k, v in answers.items()},
            outcome=result["outcome"],
            defer_until=date_or_none(defer),
            patch_test_recommended=recommended,
            result=result,
            rules_version=rules.version,
            by_user_id=actor.id,
        )
        db.add(row)
        db.flush()
        log(db, actor, "create", "screening", row.id, client=client.id)
        return {"id": row.id, **result, "patch_test_recommended": recommended}

    return transact(ctx, action)


def add_design(ctx: ServiceContext, *, client_id: int, path: str | Path) -> dict[str, Any]:
    """Store a design document as the client's next design version (validated like `smp design` output)."""
    from smpstudio.design.document import load_design

    doc = read_json_file(path, "design")
    load_design(json.dumps(doc))  # the same validation as every design command
    canon = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("design")
        client = get_client(db, actor, client_id, for_update=True)
        latest = db.scalar(select(func.max(Design.version)).where(Design.client_id == client.id)) or 0
        design = Design(
            client_id=client.id, version=latest + 1, document=doc, sha256=hashlib.sha256(canon).hexdigest()
        )
        db.add(design)
        db.flush()
        log(db, actor, "create", "design", design.id, client=client.id, version=design.version)
        return {"id": design.id, "version": design.version, "sha256": design.sha256}

    return transact(ctx, action)


def add_plan(
    ctx: ServiceContext,
    *,
    client_id: int,
    sessions: int,
    interval_days: int,
    design_version: int | None = None,
    notes: str | None = None,
) -> dict[str, Any]:
    """A treatment plan: how many sessions, how far apart, on which design version."""
    if not 1 <= sessions <= 10:
        raise InputError(f"{sessions}", field="sessions", allowed="1 to 10 sessions")
    minimum = int(ctx.care_rules.data["records"]["minimum_interval_days"])
    if not minimum <= interval_days <= 365:
        raise InputError(f"{interval_days} days", field="interval-days", allowed=f"{minimum} to 365 days")

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("session")
        client = get_client(db, actor, client_id, for_update=True)
        design_id = None
        if design_version is not None:
            design_id = db.scalar(
                select(Design.id).where(Design.client_id == client.id, Design.version == design_version)
            )
            if design_id is None:
                raise InputError(
                    f"no design version {design_version}", field="design-version", allowed="a stored version"
                )
        plan = TreatmentPlan(
            client_id=client.id,
            design_id=design_id,
            sessions_planned=sessions,
            interval_days=interval_days,
            notes=text_field(notes, "notes", required=False, max_len=5000),
        )
        db.add(plan)
        db.flush()
        log(db, actor, "create", "treatment_plan", plan.id, client=client.id)
        return {"id": plan.id, "sessions": sessions, "interval_days": interval_days}

    return transact(ctx, action)


def add_photo(
    ctx: ServiceContext,
    *,
    client_id: int,
    path: str | Path,
    view: str,
    kind: str = "progress",
    session_id: int | None = None,
    landmarks_path: str | Path | None = None,
) -> dict[str, Any]:
    """Store a photo content-addressed, without its EXIF; refused without the client's photo consent."""
    check_choice("kind", kind, PHOTO_KINDS)
    view_name = text_field(view, "view", max_len=40)
    file = Path(path)
    if not file.is_file():
        raise InputError(f"no file {file}", field="photo", allowed="a JPEG, PNG or WebP file")
    data, media = strip_image_metadata(file.read_bytes())
    landmarks = read_json_file(landmarks_path, "landmarks") if landmarks_path else None
    if landmarks is not None and not isinstance(landmarks, dict):
        raise InputError("not an object", field="landmarks", allowed='{"name": [x, y], ...}')

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("photo")
        client = get_client(db, actor, client_id, for_update=True)
        if not _has_consent(db, client.id, "photography"):
            raise InputError(
                "the client has not consented to photographs",
                field="client",
                allowed="a client with `smp consent sign --kind photography`",
            )
        client_session(db, client, session_id)
        sha = ctx.db.files.put(data)
        photo = Photo(
            client_id=client.id,
            session_id=session_id,
            kind=kind,
            view=view_name,
            sha256=sha,
            media_type=media,
            landmarks=landmarks,
        )
        db.add(photo)
        db.flush()
        log(db, actor, "create", "photo", photo.id, client=client.id, sha256=sha)
        return {"id": photo.id, "sha256": sha, "media_type": media}

    return transact(ctx, action)


def _has_consent(db: Db, client_id: int, kind: str) -> bool:
    return (
        db.scalar(
            select(Consent.id)
            .where(Consent.client_id == client_id, Consent.kind == kind, Consent.withdrawn_at.is_(None))
            .limit(1)
        )
        is not None
    )


def record_of(db: Db, client: Client) -> dict[str, Any]:
    """The client's whole record as plain data (ids, not names, for the staff who touched it)."""
    cid = client.id
    sessions = list(db.scalars(select(Session).where(Session.client_id == cid).order_by(Session.started_at)))
    lot_ids = {
        i for r in sessions for i in (r.pigment_lot_id, r.needle_lot_id, r.diluent_lot_id) if i is not None
    }
    lots = {lot.id: lot for lot in db.scalars(select(Lot).where(Lot.id.in_(lot_ids)))} if lot_ids else {}

    def lot_ref(lot_id: int | None) -> dict[str, Any] | None:
        if lot_id is None:
            return None
        lot = lots[lot_id]
        return {
            "id": lot.id,
            "kind": lot.kind,
            "product": lot.product,
            "lot": lot.lot_code,
            "expires_on": lot.expires_on.isoformat(),
        }

    consents = list(db.scalars(select(Consent).where(Consent.client_id == cid).order_by(Consent.id)))
    versions: dict[int, str] = (
        dict(
            db.execute(  # type: ignore[arg-type]
                select(ConsentText.id, ConsentText.version).where(
                    ConsentText.id.in_({c.consent_text_id for c in consents})
                )
            ).all()
        )
        if consents
        else {}
    )

    def rows(model: Any, order: Any) -> list[Any]:
        return list(db.scalars(select(model).where(model.client_id == cid).order_by(order)))

    return {
        "client": {
            "id": cid,
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
        },
        "screenings": [
            {
                "id": r.id,
                "answered_on": iso(r.answered_on),
                "outcome": r.outcome,
                "defer_until": iso(r.defer_until),
                "patch_test_recommended": r.patch_test_recommended,
                "answers": r.answers,
                "rules_version": r.rules_version,
                "by": r.by_user_id,
            }
            for r in rows(Screening, Screening.id)
        ],
        "consents": [
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
        ],
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
        "sessions": [
            {
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
                "dilution": r.dilution,
                "anaesthetic": {"product": r.anaesthetic_product, "strength_pct": r.anaesthetic_strength_pct},
                "sterilisation_cycle": r.sterilisation_cycle_id,
                "notes": r.notes,
                "override_reason": r.override_reason,
                "overridden_checks": r.overridden_checks,
                "rules_version": r.rules_version,
            }
            for r in sessions
        ],
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
            {
                "id": r.id,
                "kind": r.kind,
                "due_on": iso(r.due_on),
                "basis": r.basis,
                "done_at": iso(r.done_at),
            }
            for r in rows(Reminder, Reminder.due_on)
        ],
    }


def client_record(ctx: ServiceContext, client_id: int) -> dict[str, Any]:
    """A client's full record (the read is audited)."""

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("client.read")
        client = get_client(db, actor, client_id)
        log(db, actor, "read", "client", client.id)
        return record_of(db, client)

    return transact(ctx, action)
