"""The clinic record as SQLAlchemy 2 models: one class per thing a clinic must keep.

Times are stored timezone-aware in UTC (``UtcDateTime``); dates are calendar dates in the clinic's own
reckoning. Quantities carry their unit in the column name. Every table belongs to a clinic (the tenant),
directly or through its client, so every query can be scoped to the acting user's clinic.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import false
from sqlalchemy.types import TypeDecorator

__all__ = [
    "AdverseEvent",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Certification",
    "Client",
    "Clinic",
    "ClinicRules",
    "Consent",
    "ConsentText",
    "CorrectiveAction",
    "Design",
    "FollowUp",
    "FollowUpOutcome",
    "LoginFailure",
    "Lot",
    "PatchTest",
    "Photo",
    "Reminder",
    "Screening",
    "Session",
    "SporeTest",
    "SterilisationCycle",
    "StockMove",
    "StoreMeta",
    "SymptomReport",
    "TreatmentPlan",
    "User",
    "WebSession",
    "fk_column",
    "utc_now",
]

ROLES = ("owner", "practitioner", "front-desk")
LOT_KINDS = ("pigment", "needle", "diluent")
CERTIFICATION_KINDS = ("smp-training", "bloodborne-pathogens")
PHOTO_KINDS = ("before", "after", "progress", "reference", "consultation", "closeup")
CONSENT_KINDS = ("treatment", "photography")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, dt.datetime: UtcDateTime}  # noqa: RUF012


def fk_column(target: str, *, nullable: bool = False, index: bool = True) -> Any:
    return mapped_column(ForeignKey(target, ondelete="RESTRICT"), nullable=nullable, index=index)


class StoreMeta(Base):
    """Facts about the store itself: its identity (``store_id``) and its administrator (``admin_user_id``)."""

    __tablename__ = "store_meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Clinic(Base):
    __tablename__ = "clinics"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The retention policy's jurisdiction label and years after the last session (UK premises record
    #: guidance [uk-premises-records] in docs/references.md: at least 6 years, [M]; a clinic sets its own
    #: regulator's figure).
    jurisdiction: Mapped[str] = mapped_column(String(40), default="default")
    retention_years: Mapped[int] = mapped_column(Integer, default=6)
    #: The clinic's IANA timezone: what "today" means for its due dates, deadlines and retention.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    #: Details printed on handouts.
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class ClinicRules(Base):
    """One version of a clinic's own rule overrides (TOML text, checked against the floors when set)."""

    __tablename__ = "clinic_rules"
    __table_args__ = (UniqueConstraint("clinic_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = fk_column("clinics.id")
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int] = fk_column("users.id", index=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = fk_column("clinics.id")
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    #: The login name (lower case), unique in the store; optional for users who never log in.
    email: Mapped[str | None] = mapped_column(String(200), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The argon2id hash of the user's password (None: the user cannot log in).
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class WebSession(Base):
    """A login to the web studio: the SHA-256 of its cookie token (never the token), when it was last
    used, and when and why it ended (``logout``, ``idle``, ``password``, ``deactivated``)."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = fk_column("users.id")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    ended_at: Mapped[dt.datetime | None] = mapped_column()
    end_reason: Mapped[str | None] = mapped_column(String(20))


class ApiToken(Base):
    """A bearer token of the JSON API: the SHA-256 of the token (shown once, when issued), its label."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = fk_column("users.id")
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    last_used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()


class LoginFailure(Base):
    """A failed login, kept a day for throttling: the e-mail tried (lower case, maybe no user's) and the
    caller's network address. Staff logins only, never a client's data."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(index=True)


class Certification(Base):
    __tablename__ = "certifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = fk_column("users.id")
    kind: Mapped[str] = mapped_column(String(40))
    expires_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Client(Base):
    __tablename__ = "clients"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = fk_column("clinics.id")
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(60))
    address: Mapped[str | None] = mapped_column(Text)
    skin_type: Mapped[str | None] = mapped_column(String(4))
    hair_colour: Mapped[str | None] = mapped_column(String(40))
    hair_loss_pattern: Mapped[str | None] = mapped_column(String(60))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    erased_at: Mapped[dt.datetime | None] = mapped_column()
    #: When the client asked for no more e-mail reminders (an unsubscribe link, or the clinic for them).
    email_opt_out_at: Mapped[dt.datetime | None] = mapped_column()


class Screening(Base):
    __tablename__ = "screenings"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = fk_column("clients.id")
    answered_on: Mapped[dt.date] = mapped_column(Date)
    answers: Mapped[dict[str, Any]] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(30))
    defer_until: Mapped[dt.date | None] = mapped_column(Date)
    patch_test_recommended: Mapped[bool] = mapped_column(Boolean, default=False)
    result: Mapped[dict[str, Any]] = mapped_column()
    rules_version: Mapped[str] = mapped_column(String(120))
    by_user_id: Mapped[int] = fk_column("users.id", index=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class ConsentText(Base):
    """A consent form's wording, versioned per clinic (``clinic_id`` None: the packaged text); a
    signature points at the exact text signed."""

    __tablename__ = "consent_texts"
    __table_args__ = (UniqueConstraint("clinic_id", "kind", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int | None] = fk_column("clinics.id", nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Consent(Base):
    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = fk_column("clients.id")
    consent_text_id: Mapped[int] = fk_column("consent_texts.id", index=False)
    kind: Mapped[str] = mapped_column(String(20))
    signed_name: Mapped[str] = mapped_column(String(200))
    signature_kind: Mapped[str] = mapped_column(String(10))
    signature_sha256: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column()
    witness_id: Mapped[int] = fk_column("users.id", index=False)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column()


class PatchTest(Base):
    __tablename__ = "patch_tests"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = fk_column("clients.id")
    lot_code: Mapped[str] = mapped_column(String(80))
    lot_id: Mapped[int | None] = fk_column("lots.id", nullable=True)
    site: Mapped[str] = mapped_column(String(80))
    applied_at: Mapped[dt.datetime] = mapped_column()
    #: None until the test is read (applied now, read at a later visit).
    read_at: Mapped[dt.datetime | None] = mapped_column()
    result: Mapped[str | None] = mapped_column(String(20))
    record: Mapped[dict[str, Any]] = mapped_column()
    rules_version: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Design(Base):
    __tablename__ = "designs"
    __table_args__ = (UniqueConstraint("client_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = fk_column("clients.id")
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    #: The consultation photo the design was placed on (its anchors are the photo's landmarks), if any.
    #: (Created after both tables: photos refer to sessions, sessions to designs.)
    photo_id: Mapped[int | None] = mapped_column(
        ForeignKey("photos.id", ondelete="RESTRICT", use_alter=True), nullable=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Photo(Base):
    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = fk_column("clients.id")
    session_id: Mapped[int | None] = fk_column("sessions.id", nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    view: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(40))
    landmarks: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class RepairMap(Base):
    """A repair consultation on a close-up photo: the photo's scale, the dot map with each dot's class (as
    detected, then as the practitioner corrected it), and the removal-and-add plan, as one JSON document."""

    __tablename__ = "repair_maps"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = fk_column("clients.id")
    photo_id: Mapped[int] = fk_column("photos.id")
    design_id: Mapped[int | None] = fk_column("designs.id", nullable=True, index=False)
    mm_per_px: Mapped[float] = mapped_column(Float)
    document: Mapped[dict[str, Any]] = mapped_column()
    created_by: Mapped[int] = fk_column("users.id", index=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class TreatmentPlan(Base):
    __tablename__ = "treatment_plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = fk_column("clients.id")
    design_id: Mapped[int | None] = fk_column("designs.id", nullable=True, index=False)
    sessions_planned: Mapped[int] = mapped_column(Integer)
    interval_days: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Lot(Base):
    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("clinic_id", "kind", "product", "lot_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = fk_column("clinics.id")
    kind: Mapped[str] = mapped_column(String(20))
    product: Mapped[str] = mapped_column(String(200))
    lot_code: Mapped[str] = mapped_column(String(80), index=True)
    expires_on: Mapped[dt.date] = mapped_column(Date, index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    #: "pass", "fail" or "unchecked", from the pigment compliance rules when a product file is given.
    compliance: Mapped[str] = mapped_column(String(20), default="unchecked")
    compliance_report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    recalled_at: Mapped[dt.datetime | None] = mapped_column()
    recall_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class StockMove(Base):
    """The stock ledger: a lot's quantity is always the sum of its moves."""

    __tablename__ = "stock_moves"
    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = fk_column("lots.id")
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(40))
    session_id: Mapped[int | None] = fk_column("sessions.id", nullable=True, index=False)
    at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class SterilisationCycle(Base):
    __tablename__ = "sterilisation_cycles"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = fk_column("clinics.id")
    load: Mapped[str] = mapped_column(String(80))
    run_at: Mapped[dt.datetime] = mapped_column(index=True)
    temperature_c: Mapped[float] = mapped_column(Float)
    pressure_kpa: Mapped[float] = mapped_column(Float)
    hold_minutes: Mapped[float] = mapped_column(Float)
    indicator: Mapped[str] = mapped_column(String(10))
    items: Mapped[str | None] = mapped_column(Text)
    operator_id: Mapped[int] = fk_column("users.id", index=False)
    #: Why the cycle counts as failed (indicator, or time/temperature/pressure below the rules); None: passed.
    failure_reason: Mapped[str | None] = mapped_column(Text)


class SporeTest(Base):
    __tablename__ = "spore_tests"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = fk_column("clinics.id")
    tested_on: Mapped[dt.date] = mapped_column(Date, index=True)
    result: Mapped[str] = mapped_column(String(10))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class CorrectiveAction(Base):
    __tablename__ = "corrective_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = fk_column("clinics.id")
    spore_test_id: Mapped[int] = fk_column("spore_tests.id")
    opened_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    #: Cycle, session and client ids the failure reaches (ids only: names are read through the audit).
    scope: Mapped[dict[str, Any]] = mapped_column()
    resolution: Mapped[str | None] = mapped_column(Text)


class Session(Base):
    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = fk_column("clinics.id")
    client_id: Mapped[int] = fk_column("clients.id")
    practitioner_id: Mapped[int] = fk_column("users.id", index=False)
    plan_id: Mapped[int | None] = fk_column("treatment_plans.id", nullable=True, index=False)
    design_id: Mapped[int | None] = fk_column("designs.id", nullable=True, index=False)
    started_at: Mapped[dt.datetime] = mapped_column()
    ended_at: Mapped[dt.datetime | None] = mapped_column()
    zones: Mapped[list[Any]] = mapped_column()
    pigment_lot_id: Mapped[int] = fk_column("lots.id")
    needle_lot_id: Mapped[int] = fk_column("lots.id")
    diluent_lot_id: Mapped[int | None] = fk_column("lots.id", nullable=True)
    #: Fraction of undiluted ink, 0-1 (0.5 = "diluted 50 %"); the column keeps its first name.
    ink_fraction: Mapped[float] = mapped_column("dilution", Float)
    #: Recorded after the fact by an owner: took no stock, booked no follow-ups.
    historical: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    anaesthetic_product: Mapped[str | None] = mapped_column(String(200))
    anaesthetic_strength_pct: Mapped[float | None] = mapped_column(Float)
    sterilisation_cycle_id: Mapped[int | None] = fk_column("sterilisation_cycles.id", nullable=True)
    notes: Mapped[str | None] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden_checks: Mapped[list[Any] | None] = mapped_column(JSON)
    rules_version: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


Index("ix_sessions_client_started", Session.client_id, Session.started_at)
Index("ix_sessions_clinic_started", Session.clinic_id, Session.started_at)


class FollowUp(Base):
    __tablename__ = "followups"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = fk_column("clients.id")
    session_id: Mapped[int | None] = fk_column("sessions.id", nullable=True)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    purpose: Mapped[str] = mapped_column(Text)
    done_at: Mapped[dt.datetime | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(Text)


#: The open ones by due day: the dashboard, the calendar and the reminders ask for these on every view.
Index(
    "ix_followups_open_due",
    FollowUp.due_on,
    sqlite_where=FollowUp.done_at.is_(None),
    postgresql_where=FollowUp.done_at.is_(None),
)


class FollowUpOutcome(Base):
    """Each outcome written on a follow-up, kept in order (a later one never overwrites an earlier one)."""

    __tablename__ = "followup_outcomes"
    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = fk_column("followups.id")
    outcome: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int] = fk_column("users.id", index=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class SymptomReport(Base):
    __tablename__ = "symptom_reports"
    __table_args__ = (UniqueConstraint("client_id", "idempotency_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = fk_column("clients.id")
    session_id: Mapped[int | None] = fk_column("sessions.id", nullable=True)
    reported_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    symptoms: Mapped[dict[str, Any]] = mapped_column()
    disposition: Mapped[str] = mapped_column(String(30))
    triage: Mapped[dict[str, Any]] = mapped_column()
    rules_version: Mapped[str] = mapped_column(String(120))
    #: The caller's key for this report: a retry with the same key returns the stored report.
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    #: Who reported it: ``staff`` (in the studio) or ``client`` (through the client's own link).
    via: Mapped[str] = mapped_column(String(10), default="staff", server_default="staff")
    link_id: Mapped[int | None] = fk_column("client_links.id", nullable=True, index=False)
    #: When a member of staff looked at a client's own report (it leaves the dashboard's top then).
    reviewed_at: Mapped[dt.datetime | None] = mapped_column()
    reviewed_by: Mapped[int | None] = fk_column("users.id", nullable=True, index=False)


#: The reports a client made through their own link and no one has looked at yet (the dashboard's top).
Index("ix_symptom_reports_via_reviewed", SymptomReport.via, SymptomReport.reviewed_at)


class AdverseEvent(Base):
    __tablename__ = "adverse_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = fk_column("clients.id")
    session_id: Mapped[int | None] = fk_column("sessions.id", nullable=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    serious: Mapped[bool] = mapped_column(Boolean)
    serious_criteria: Mapped[list[Any]] = mapped_column()
    #: 15 business days after received_on for serious events (MoCRA [mocra2022] [A/B]).
    report_deadline_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    brand_notified_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Reminder(Base):
    __tablename__ = "reminders"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = fk_column("clients.id")
    session_id: Mapped[int | None] = fk_column("sessions.id", nullable=True, index=False)
    kind: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    basis: Mapped[str] = mapped_column(Text)
    done_at: Mapped[dt.datetime | None] = mapped_column()


Index(
    "ix_reminders_open_due",
    Reminder.due_on,
    sqlite_where=Reminder.done_at.is_(None),
    postgresql_where=Reminder.done_at.is_(None),
)


class AuditEntry(Base):
    """One line of the append-only, hash-chained audit trail (ids only, never a client's data)."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    #: UTC ISO 8601 with microseconds, stored as text exactly as hashed (it sorts by time).
    at: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    clinic_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    #: Canonical JSON (sorted keys, compact), stored as text exactly as hashed.
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


Index("ix_audit_entity", AuditEntry.entity, AuditEntry.entity_id)


# The clinic day's tables (appointments, mail, messages, client links, jobs) share this metadata.
from smpstudio.records import clinic_day as _clinic_day  # noqa: E402, F401
