"""A client's whole record, typed: what ``client show`` prints and what a client's export holds.

The rows are read by :func:`smpstudio.records.views.client_record_view`; :class:`ClientRecord` is the
same data as a typed result, whose JSON is exactly the view's (dates and times as ISO 8601 text, staff
as ids).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field, PlainSerializer
from sqlalchemy.orm import Session as Db

from smpstudio.records.models import Client
from smpstudio.records.views import client_record_view, iso
from smpstudio.services.access import Actor, get_client, log, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.models import Result

__all__ = [
    "AdverseEventEntry",
    "ClientDetails",
    "ClientRecord",
    "ConsentEntry",
    "DesignEntry",
    "FollowUpEntry",
    "LotRef",
    "PatchTestEntry",
    "PhotoEntry",
    "PlanEntry",
    "ReminderEntry",
    "ScreeningEntry",
    "SessionEntry",
    "SymptomReportEntry",
    "client_record",
    "record_of",
]

#: A time, printed as ISO 8601 to the second with its offset (as the records view gives it).
Timestamp = Annotated[dt.datetime, PlainSerializer(iso, return_type=str)]


class _Entry(Result):
    """An entry of a client's record."""


class ClientDetails(_Entry):
    id: int
    name: str
    date_of_birth: dt.date | None
    email: str | None
    phone: str | None
    address: str | None
    skin_type: str | None
    hair_colour: str | None
    hair_loss_pattern: str | None
    notes: str | None
    created_at: Timestamp | None
    erased_at: Timestamp | None


class ScreeningEntry(_Entry):
    id: int
    answered_on: dt.date | None
    outcome: str
    defer_until: dt.date | None
    patch_test_recommended: bool
    answers: dict[str, Any]
    unanswered: list[str] = Field(default_factory=list, description="Required questions left unanswered.")
    rules_version: str
    by: int


class ConsentEntry(_Entry):
    id: int
    kind: str
    text_version: str
    signed_name: str
    signature: str
    signature_sha256: str | None
    signed_at: Timestamp | None
    withdrawn_at: Timestamp | None
    witness: int


class PatchTestEntry(_Entry):
    id: int
    lot: str
    site: str
    applied_at: Timestamp | None
    read_at: Timestamp | None = Field(description="None while the test is not read yet (pending).")
    result: str | None = Field(description="None while the test is not read yet (pending).")
    limited_value: Any
    rules_version: str


class PlanEntry(_Entry):
    id: int
    sessions: int
    interval_days: int
    design: int | None
    notes: str | None
    created_at: Timestamp | None


class DesignEntry(_Entry):
    id: int
    version: int
    sha256: str
    created_at: Timestamp | None


class PhotoEntry(_Entry):
    id: int
    kind: str
    view: str
    sha256: str
    media_type: str
    session: int | None
    landmarks: dict[str, Any] | None
    created_at: Timestamp | None


class LotRef(_Entry):
    id: int
    kind: str
    product: str
    lot: str
    expires_on: dt.date


class Anaesthetic(_Entry):
    product: str | None
    strength_pct: float | None


class SessionEntry(_Entry):
    id: int
    started_at: Timestamp | None
    ended_at: Timestamp | None
    practitioner: int
    plan: int | None
    zones: list[Any]
    design: int | None
    pigment_lot: LotRef | None
    needle_lot: LotRef | None
    diluent_lot: LotRef | None
    ink_fraction: float = Field(description="Fraction of undiluted ink (0.5 = diluted 50 %).")
    anaesthetic: Anaesthetic
    sterilisation_cycle: int | None
    notes: str | None
    override_reason: str | None
    overridden_checks: list[Any] | None
    rules_version: str


class FollowUpEntry(_Entry):
    id: int
    due_on: dt.date | None
    purpose: str
    done_at: Timestamp | None
    outcome: str | None
    session: int | None


class SymptomReportEntry(_Entry):
    id: int
    reported_at: Timestamp | None
    symptoms: Any
    disposition: str
    rules_version: str


class AdverseEventEntry(_Entry):
    id: int
    received_on: dt.date | None
    description: str
    serious: bool
    serious_criteria: list[Any]
    report_deadline_on: dt.date | None
    brand_notified_on: dt.date | None
    session: int | None


class ReminderEntry(_Entry):
    id: int
    kind: str
    due_on: dt.date | None
    basis: str
    done_at: Timestamp | None


class ClientRecord(Result):
    """A client's whole record: details, then each kind of entry in the order it was kept."""

    client: ClientDetails
    screenings: list[ScreeningEntry]
    consents: list[ConsentEntry]
    patch_tests: list[PatchTestEntry]
    treatment_plans: list[PlanEntry]
    designs: list[DesignEntry]
    photos: list[PhotoEntry]
    sessions: list[SessionEntry]
    follow_ups: list[FollowUpEntry]
    symptom_reports: list[SymptomReportEntry]
    adverse_events: list[AdverseEventEntry]
    reminders: list[ReminderEntry]


def record_of(db: Db, client: Client) -> dict[str, Any]:
    """The client's whole record as plain data (what an export file holds); no access check, no audit."""
    return client_record_view(db, client)


def client_record(ctx: ServiceContext, client_id: int) -> ClientRecord:
    """A client's full record (the read is audited)."""

    def action(db: Db, actor: Actor) -> ClientRecord:
        actor.require("client.read")
        client = get_client(db, actor, client_id)
        log(db, actor, "read", "client", client.id)
        return ClientRecord.model_validate(client_record_view(db, client))

    return transact(ctx, action)
