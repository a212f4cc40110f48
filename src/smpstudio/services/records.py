"""Clinic records as services: clinics, users, clients, screening, consent, patch tests, designs, photos.

Every function takes an open :class:`~smpstudio.records.store.Store` and the acting user's id, runs in one
transaction, checks the actor's role and clinic, and appends to the audit trail in that same transaction
(a change and its audit entry commit together or not at all). Results are plain dicts, the shape the CLI
prints with ``--json``. Sessions, lots and the clinic's registers are in :mod:`smpstudio.services.treatment`;
export, erasure and backups in :mod:`smpstudio.services.protection`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session as Db

from smpstudio.care.patch_test import patch_test_record
from smpstudio.care.rules import RuleSet, load_rules
from smpstudio.care.screening import parse_answers, screen
from smpstudio.errors import InputError, SmpError, check_choice, parse_date, read_json_file
from smpstudio.records import audit
from smpstudio.records.files import strip_image_metadata
from smpstudio.records.models import (
    CERTIFICATION_KINDS,
    CONSENT_KINDS,
    PHOTO_KINDS,
    ROLES,
    AdverseEvent,
    Certification,
    Client,
    Clinic,
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
    User,
    utc_now,
)
from smpstudio.records.store import Store

__all__ = [
    "AccessError",
    "Actor",
    "add_certification",
    "add_client",
    "add_design",
    "add_photo",
    "add_user",
    "client_record",
    "init_clinic",
    "record_patch_test",
    "screen_client",
    "sign_consent",
    "withdraw_consent",
]

T = TypeVar("T")
SKIN_TYPES = ("I", "II", "III", "IV", "V", "VI")

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


class AccessError(SmpError):
    exit_code = 4


@dataclass(frozen=True)
class Actor:
    id: int
    clinic_id: int
    role: str
    name: str

    def require(self, permission: str) -> None:
        if self.role == "owner" or permission in PERMISSIONS.get(self.role, frozenset()):
            return
        raise AccessError(
            f"a {self.role} may not do this ({permission})", field="as", allowed="a user whose role allows it"
        )


def resolve_actor(db: Db, user_id: int | None) -> Actor:
    """The acting user: ``--as``/``SMP_USER``, or the owner when the store holds a single clinic."""
    if user_id is None:
        clinics = db.scalars(select(Clinic.id).limit(2)).all()
        if len(clinics) != 1:
            raise InputError("name the acting user", field="as", allowed="--as USER_ID or SMP_USER")
        user = db.scalars(
            select(User)
            .where(User.clinic_id == clinics[0], User.role == "owner", User.active)
            .order_by(User.id)
        ).first()
    else:
        user = db.get(User, user_id)
    if user is None or not user.active:
        raise InputError(f"no active user {user_id}", field="as", allowed="the id of an active user")
    return Actor(user.id, user.clinic_id, user.role, user.name)


def transact(store: Store, user_id: int | None, action: Callable[[Db, Actor], T]) -> T:
    """Run ``action(db, actor)`` in one write transaction (retried on a transient lock)."""
    return store.write(lambda db: action(db, resolve_actor(db, user_id)))


def log(
    db: Db, actor: Actor | None, action: str, entity: str, entity_id: int | str | None, **detail: Any
) -> None:
    audit.append(
        db,
        actor_id=actor.id if actor else None,
        clinic_id=actor.clinic_id if actor else None,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=detail,
    )


def care_rules() -> RuleSet:
    import os

    from smpstudio.care.rules import RULES_ENV

    return load_rules("care", os.environ.get(RULES_ENV) or None)


def text_field(value: str | None, field: str, *, required: bool = True, max_len: int = 200) -> str | None:
    if value is None or not value.strip():
        if required:
            raise InputError("missing", field=field, allowed="a non-empty text")
        return None
    value = value.strip()
    if len(value) > max_len:
        raise InputError(f"{len(value)} characters", field=field, allowed=f"at most {max_len} characters")
    return value


def get_client(db: Db, actor: Actor, client_id: int, *, for_update: bool = False) -> Client:
    client = db.get(Client, client_id)
    if client is None or client.clinic_id != actor.clinic_id:
        raise InputError(f"no client {client_id} in this clinic", field="client", allowed="a client id")
    if client.erased_at is not None and for_update:
        raise InputError(f"client {client_id} was erased", field="client", allowed="a client on record")
    return client


def client_session(db: Db, client: Client, session_id: int | None) -> Session | None:
    """The client's session ``session_id`` (None when none is named)."""
    if session_id is None:
        return None
    sess = db.get(Session, session_id)
    if sess is None or sess.client_id != client.id:
        raise InputError(f"no session {session_id} of this client", field="session", allowed="a session id")
    return sess


def get_user(db: Db, actor: Actor, user_id: int, field: str = "user") -> User:
    user = db.get(User, user_id)
    if user is None or user.clinic_id != actor.clinic_id:
        raise InputError(f"no user {user_id} in this clinic", field=field, allowed="a user id of this clinic")
    return user


# ------------------------------------------------------------------------------------------ clinic, users


def _seed_consent_texts(db: Db) -> None:
    for kind in CONSENT_KINDS:
        body = resources.files("smpstudio.data").joinpath("consent", f"{kind}-1.md").read_text()
        exists = db.scalar(select(ConsentText.id).where(ConsentText.kind == kind, ConsentText.version == "1"))
        if exists is None:
            db.add(
                ConsentText(
                    kind=kind, version="1", body=body, sha256=hashlib.sha256(body.encode()).hexdigest()
                )
            )


def init_clinic(
    store: Store,
    *,
    name: str,
    owner_name: str | None = None,
    retention_years: int = 6,
    jurisdiction: str = "default",
) -> dict[str, Any]:
    """Create a clinic and its owner (the store itself is created by :func:`open_store`)."""
    clinic_name = text_field(name, "name")
    if not 1 <= retention_years <= 100:
        raise InputError(f"{retention_years}", field="retention-years", allowed="1 to 100 years")

    def action(db: Db) -> dict[str, Any]:
        _seed_consent_texts(db)
        clinic = Clinic(name=clinic_name, retention_years=retention_years, jurisdiction=jurisdiction)
        db.add(clinic)
        db.flush()
        owner = User(
            clinic_id=clinic.id,
            name=text_field(owner_name, "owner-name", required=False) or "Owner",
            role="owner",
        )
        db.add(owner)
        db.flush()
        actor = Actor(owner.id, clinic.id, "owner", owner.name)
        log(db, actor, "create", "clinic", clinic.id)
        log(db, actor, "create", "user", owner.id, role="owner")
        return {"clinic_id": clinic.id, "owner_id": owner.id}

    return store.write(action)


def add_user(
    store: Store, actor_id: int | None, *, name: str, role: str, certified_until: str | None = None
) -> dict[str, Any]:
    check_choice("role", role, ROLES)
    user_name = text_field(name, "name")
    until = parse_date(certified_until, "certified-until") if certified_until else None

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("user.add")
        user = User(clinic_id=actor.clinic_id, name=user_name, role=role)
        db.add(user)
        db.flush()
        log(db, actor, "create", "user", user.id, role=role)
        if until is not None:
            for kind in CERTIFICATION_KINDS:
                db.add(Certification(user_id=user.id, kind=kind, expires_on=until))
            log(db, actor, "create", "certification", user.id, expires_on=until.isoformat())
        return {"id": user.id}

    return transact(store, actor_id, action)


def add_certification(
    store: Store, actor_id: int | None, *, user_id: int, kind: str, expires: str
) -> dict[str, Any]:
    check_choice("kind", kind, CERTIFICATION_KINDS)
    until = parse_date(expires, "expires")

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("user.add")
        get_user(db, actor, user_id)
        cert = Certification(user_id=user_id, kind=kind, expires_on=until)
        db.add(cert)
        db.flush()
        log(db, actor, "create", "certification", cert.id, user=user_id, kind=kind)
        return {"id": cert.id}

    return transact(store, actor_id, action)


def list_users(store: Store, actor_id: int | None) -> list[dict[str, Any]]:
    def action(db: Db, actor: Actor) -> list[dict[str, Any]]:
        users = db.scalars(select(User).where(User.clinic_id == actor.clinic_id).order_by(User.id)).all()
        out = []
        for u in users:
            certs = db.execute(
                select(Certification.kind, func.max(Certification.expires_on))
                .where(Certification.user_id == u.id)
                .group_by(Certification.kind)
            ).all()
            out.append(
                {
                    "id": u.id,
                    "name": u.name,
                    "role": u.role,
                    "active": u.active,
                    "certifications": {k: d.isoformat() for k, d in certs},
                }
            )
        return out

    return transact(store, actor_id, action)


# ------------------------------------------------------------------------------------------------ clients


def add_client(
    store: Store,
    actor_id: int | None,
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
    if born > dt.date.today() or born.year < 1900:
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

    return transact(store, actor_id, action)


def find_clients(store: Store, actor_id: int | None, query: str) -> list[dict[str, Any]]:
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
        return [{"id": c.id, "name": c.name, "date_of_birth": _iso(c.date_of_birth)} for c in rows]

    return transact(store, actor_id, action)


def screen_client(
    store: Store, actor_id: int | None, client_id: int, answers_path: str | Path
) -> dict[str, Any]:
    """Screen a client on the care rules' questionnaire; the answers, outcome and rules version are kept."""
    obj = read_json_file(answers_path, "answers")
    rules = care_rules()

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
            answered_on=dt.date.today(),
            answers={k: v for k, v in answers.items()},
            outcome=result["outcome"],
            defer_until=_date_or_none(defer),
            patch_test_recommended=recommended,
            result=result,
            rules_version=rules.version,
            by_user_id=actor.id,
        )
        db.add(row)
        db.flush()
        log(db, actor, "create", "screening", row.id, client=client.id)
        return {"id": row.id, **result, "patch_test_recommended": recommended}

    return transact(store, actor_id, action)


def sign_consent(
    store: Store,
    actor_id: int | None,
    *,
    client_id: int,
    signed_name: str,
    kind: str = "treatment",
    version: str | None = None,
    signature_file: str | Path | None = None,
) -> dict[str, Any]:
    """Record a signed consent: the exact text version, a typed name, and optionally a drawn signature."""
    check_choice("kind", kind, CONSENT_KINDS)
    name = text_field(signed_name, "signed-name")
    drawing: bytes | None = None
    if signature_file is not None:
        path = Path(signature_file)
        if not path.is_file():
            raise InputError(f"no file {path}", field="signature", allowed="an image of the drawn signature")
        drawing, _ = strip_image_metadata(path.read_bytes(), field="signature")

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("consent")
        client = get_client(db, actor, client_id, for_update=True)
        q = select(ConsentText).where(ConsentText.kind == kind)
        text = (
            db.scalars(q.where(ConsentText.version == version)).first()
            if version
            else db.scalars(q.order_by(ConsentText.id.desc())).first()
        )
        if text is None:
            raise InputError(
                f"no {kind} consent text {version!r}", field="version", allowed="a stored version"
            )
        sha = store.files.put(drawing) if drawing is not None else None
        consent = Consent(
            client_id=client.id,
            consent_text_id=text.id,
            kind=kind,
            signed_name=name,
            signature_kind="drawn" if sha else "typed",
            signature_sha256=sha,
            signed_at=utc_now(),
            witness_id=actor.id,
        )
        db.add(consent)
        db.flush()
        log(db, actor, "create", "consent", consent.id, client=client.id, kind=kind, version=text.version)
        warnings = []
        if name is not None and name.casefold() != client.name.casefold():
            warnings.append("the signed name differs from the client's name on file (a guardian or a typo?)")
        return {
            "id": consent.id,
            "kind": kind,
            "text_version": text.version,
            "text_sha256": text.sha256,
            "signature": consent.signature_kind,
            "warnings": warnings,
        }

    return transact(store, actor_id, action)


def withdraw_consent(
    store: Store, actor_id: int | None, *, client_id: int, kind: str = "treatment"
) -> dict[str, Any]:
    check_choice("kind", kind, CONSENT_KINDS)

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("consent")
        client = get_client(db, actor, client_id)
        open_ = db.scalars(
            select(Consent).where(
                Consent.client_id == client.id, Consent.kind == kind, Consent.withdrawn_at.is_(None)
            )
        ).all()
        if not open_:
            raise InputError(
                f"no {kind} consent to withdraw", field="client", allowed="a client with consent"
            )
        now = utc_now()
        for c in open_:
            c.withdrawn_at = now
            log(db, actor, "update", "consent", c.id, client=client.id, withdrawn=True)
        return {"withdrawn": [c.id for c in open_]}

    return transact(store, actor_id, action)


def add_consent_text(
    store: Store, actor_id: int | None, *, kind: str, version: str, path: str | Path
) -> dict[str, Any]:
    check_choice("kind", kind, CONSENT_KINDS)
    ver = text_field(version, "version", max_len=40)
    file = Path(path)
    if not file.is_file():
        raise InputError(f"no file {file}", field="file", allowed="a UTF-8 text or Markdown file")
    body = file.read_text(encoding="utf-8")

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("consent_text")
        if db.scalar(select(ConsentText.id).where(ConsentText.kind == kind, ConsentText.version == ver)):
            raise InputError(f"{kind} version {ver} exists", field="version", allowed="a new version")
        text = ConsentText(
            kind=kind, version=ver, body=body, sha256=hashlib.sha256(body.encode()).hexdigest()
        )
        db.add(text)
        db.flush()
        log(db, actor, "create", "consent_text", text.id, kind=kind, version=ver)
        return {"id": text.id, "sha256": text.sha256}

    return transact(store, actor_id, action)


def record_patch_test(
    store: Store,
    actor_id: int | None,
    *,
    client_id: int,
    lot: str,
    applied: str,
    read: str,
    result: str,
    site: str = "behind the ear",
) -> dict[str, Any]:
    rules = care_rules()
    applied_at = _datetime(applied, "applied")
    read_at = _datetime(read, "read")
    record = patch_test_record(
        site=site, lot=lot, applied_at=applied_at, read_at=read_at, result=result, rules=rules
    )

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("patch_test")
        client = get_client(db, actor, client_id, for_update=True)
        lot_row = db.scalars(select(Lot).where(Lot.clinic_id == actor.clinic_id, Lot.lot_code == lot)).first()
        row = PatchTest(
            client_id=client.id,
            lot_code=lot,
            lot_id=lot_row.id if lot_row else None,
            site=site,
            applied_at=applied_at.replace(tzinfo=dt.UTC),
            read_at=read_at.replace(tzinfo=dt.UTC),
            result=result,
            record=record,
            rules_version=rules.version,
        )
        db.add(row)
        db.flush()
        log(db, actor, "create", "patch_test", row.id, client=client.id, result=result)
        return {"id": row.id, **record}

    return transact(store, actor_id, action)


def add_design(store: Store, actor_id: int | None, *, client_id: int, path: str | Path) -> dict[str, Any]:
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

    return transact(store, actor_id, action)


def add_plan(
    store: Store,
    actor_id: int | None,
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
    minimum = int(care_rules().data["records"]["minimum_interval_days"])
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

    return transact(store, actor_id, action)


def add_photo(
    store: Store,
    actor_id: int | None,
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
        sha = store.files.put(data)
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

    return transact(store, actor_id, action)


def _has_consent(db: Db, client_id: int, kind: str) -> bool:
    return (
        db.scalar(
            select(Consent.id)
            .where(Consent.client_id == client_id, Consent.kind == kind, Consent.withdrawn_at.is_(None))
            .limit(1)
        )
        is not None
    )


# ------------------------------------------------------------------------------------------ the record


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def _date_or_none(value: object) -> dt.date | None:
    """A defer date when the rules give one ("after pregnancy and breastfeeding" is not a date)."""
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _datetime(value: str, field: str) -> dt.datetime:
    """A date or a date and time (``2026-11-21`` or ``2026-11-21T09:30``), naive, as the user wrote it."""
    try:
        out = dt.datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError) as exc:
        raise InputError(
            f"{value!r} is not a date", field=field, allowed="YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        ) from exc
    return out.replace(tzinfo=None) if out.tzinfo is None else out.astimezone(dt.UTC).replace(tzinfo=None)


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
            "date_of_birth": _iso(client.date_of_birth),
            "email": client.email,
            "phone": client.phone,
            "address": client.address,
            "skin_type": client.skin_type,
            "hair_colour": client.hair_colour,
            "hair_loss_pattern": client.hair_loss_pattern,
            "notes": client.notes,
            "created_at": _iso(client.created_at),
            "erased_at": _iso(client.erased_at),
        },
        "screenings": [
            {
                "id": r.id,
                "answered_on": _iso(r.answered_on),
                "outcome": r.outcome,
                "defer_until": _iso(r.defer_until),
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
                "signed_at": _iso(r.signed_at),
                "withdrawn_at": _iso(r.withdrawn_at),
                "witness": r.witness_id,
            }
            for r in consents
        ],
        "patch_tests": [
            {
                "id": r.id,
                "lot": r.lot_code,
                "site": r.site,
                "applied_at": _iso(r.applied_at),
                "read_at": _iso(r.read_at),
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
                "created_at": _iso(r.created_at),
            }
            for r in rows(TreatmentPlan, TreatmentPlan.id)
        ],
        "designs": [
            {"id": r.id, "version": r.version, "sha256": r.sha256, "created_at": _iso(r.created_at)}
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
                "created_at": _iso(r.created_at),
            }
            for r in rows(Photo, Photo.id)
        ],
        "sessions": [
            {
                "id": r.id,
                "started_at": _iso(r.started_at),
                "ended_at": _iso(r.ended_at),
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
                "due_on": _iso(r.due_on),
                "purpose": r.purpose,
                "done_at": _iso(r.done_at),
                "outcome": r.outcome,
                "session": r.session_id,
            }
            for r in rows(FollowUp, FollowUp.due_on)
        ],
        "symptom_reports": [
            {
                "id": r.id,
                "reported_at": _iso(r.reported_at),
                "symptoms": r.symptoms,
                "disposition": r.disposition,
                "rules_version": r.rules_version,
            }
            for r in rows(SymptomReport, SymptomReport.id)
        ],
        "adverse_events": [
            {
                "id": r.id,
                "received_on": _iso(r.received_on),
                "description": r.description,
                "serious": r.serious,
                "serious_criteria": r.serious_criteria,
                "report_deadline_on": _iso(r.report_deadline_on),
                "brand_notified_on": _iso(r.brand_notified_on),
                "session": r.session_id,
            }
            for r in rows(AdverseEvent, AdverseEvent.id)
        ],
        "reminders": [
            {
                "id": r.id,
                "kind": r.kind,
                "due_on": _iso(r.due_on),
                "basis": r.basis,
                "done_at": _iso(r.done_at),
            }
            for r in rows(Reminder, Reminder.due_on)
        ],
    }


def client_record(store: Store, actor_id: int | None, client_id: int) -> dict[str, Any]:
    """A client's full record (the read is audited)."""

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("client.read")
        client = get_client(db, actor, client_id)
        log(db, actor, "read", "client", client.id)
        return record_of(db, client)

    return transact(store, actor_id, action)
