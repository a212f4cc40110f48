"""Queries of the clinic's registers: follow-ups (with each outcome kept in order) and touch-up reminders
due, symptom reports (found again by the caller's idempotency key) and adverse events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as Db

from smpstudio.records.models import (
    AdverseEvent,
    Client,
    FollowUp,
    FollowUpOutcome,
    Lot,
    Reminder,
    Session,
    SymptomReport,
)

__all__ = [
    "add_adverse_event",
    "add_symptom_report",
    "adverse_events_due",
    "close_followup",
    "followup_outcomes",
    "followups_due",
    "get_adverse_event",
    "get_followup",
    "session_lots",
    "symptom_report_by_key",
    "touch_ups_before",
]

OpenItem = tuple[Any, str, str | None, str | None]


def _open_items(db: Db, clinic_id: int, model: Any, *where: Any) -> list[OpenItem]:
    """Open (not done) follow-ups or reminders of the clinic's clients on record, oldest due first, each
    with the client's name, phone and email."""
    rows = db.execute(
        select(model, Client.name, Client.phone, Client.email)
        .join(Client, Client.id == model.client_id)
        .where(Client.clinic_id == clinic_id, Client.erased_at.is_(None), model.done_at.is_(None), *where)
        .order_by(model.due_on, model.id)
    ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def followups_due(db: Db, clinic_id: int, day: dt.date) -> list[tuple[FollowUp, str, str | None, str | None]]:
    """Open follow-ups due on or before ``day``, with the client's name, phone and email."""
    return _open_items(db, clinic_id, FollowUp, FollowUp.due_on <= day)


def touch_ups_before(
    db: Db, clinic_id: int, end: dt.date
) -> list[tuple[Reminder, str, str | None, str | None]]:
    """Open touch-up reminders due before ``end``, with the client's name, phone and email."""
    return _open_items(db, clinic_id, Reminder, Reminder.kind == "touch-up", Reminder.due_on < end)


def get_followup(db: Db, followup_id: int, clinic_id: int) -> FollowUp | None:
    """The follow-up ``followup_id`` of a client of the clinic (None when there is none: another clinic's
    follow-up is not found either)."""
    return db.scalar(
        select(FollowUp)
        .join(Client, Client.id == FollowUp.client_id)
        .where(FollowUp.id == followup_id, Client.clinic_id == clinic_id)
    )


def followup_outcomes(db: Db, followup_id: int) -> list[FollowUpOutcome]:
    """Every outcome written on the follow-up, oldest first."""
    return list(
        db.scalars(
            select(FollowUpOutcome)
            .where(FollowUpOutcome.followup_id == followup_id)
            .order_by(FollowUpOutcome.recorded_at, FollowUpOutcome.id)
        )
    )


def close_followup(
    db: Db, followup: FollowUp, when: dt.datetime, outcome: str, by_user_id: int
) -> FollowUpOutcome:
    """Add an outcome to the follow-up's history; the follow-up shows it as its latest and is done from
    the first outcome on."""
    row = FollowUpOutcome(followup_id=followup.id, outcome=outcome, recorded_by=by_user_id, recorded_at=when)
    db.add(row)
    if followup.done_at is None:
        followup.done_at = when
    followup.outcome = outcome
    db.flush()
    return row


def symptom_report_by_key(db: Db, client_id: int, key: str) -> SymptomReport | None:
    """The client's symptom report kept under the caller's idempotency key (None when there is none)."""
    return db.scalar(
        select(SymptomReport).where(
            SymptomReport.client_id == client_id, SymptomReport.idempotency_key == key
        )
    )


def add_symptom_report(db: Db, **values: Any) -> SymptomReport | None:
    """Insert a symptom report (``values``: :class:`~smpstudio.records.models.SymptomReport` attributes).

    None when its idempotency key was taken meanwhile by a concurrent writer (the insert is undone alone,
    in a savepoint): the caller reads the report kept under that key instead.
    """
    row = SymptomReport(**values)
    if values.get("idempotency_key") is None:
        db.add(row)
        db.flush()
        return row
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        return None
    return row


def add_adverse_event(db: Db, **values: Any) -> AdverseEvent:
    """Insert an adverse event (``values``: :class:`~smpstudio.records.models.AdverseEvent` attributes)."""
    row = AdverseEvent(**values)
    db.add(row)
    db.flush()
    return row


def session_lots(db: Db, session: Session) -> list[Lot]:
    """The pigment, diluent and needle lots of ``session``, in that order (the diluent when there is one)."""
    ids = [session.pigment_lot_id, session.diluent_lot_id, session.needle_lot_id]
    lots = [db.get(Lot, i) for i in ids if i is not None]
    return [lot for lot in lots if lot is not None]


def adverse_events_due(db: Db, clinic_id: int, until: dt.date) -> list[tuple[AdverseEvent, str]]:
    """Serious events of the clinic not yet sent to the brand whose deadline is on or before ``until``,
    soonest first, with the client's name."""
    rows = db.execute(
        select(AdverseEvent, Client.name)
        .join(Client, Client.id == AdverseEvent.client_id)
        .where(
            Client.clinic_id == clinic_id,
            AdverseEvent.serious,
            AdverseEvent.brand_notified_on.is_(None),
            AdverseEvent.report_deadline_on <= until,
        )
        .order_by(AdverseEvent.report_deadline_on)
    ).all()
    return [(r[0], r[1]) for r in rows]


def get_adverse_event(
    db: Db, clinic_id: int, event_id: int, *, for_update: bool = False
) -> AdverseEvent | None:
    """The adverse event ``event_id`` of a client of the clinic (None when there is none: another clinic's
    event is not found either)."""
    q = (
        select(AdverseEvent)
        .join(Client, Client.id == AdverseEvent.client_id)
        .where(AdverseEvent.id == event_id, Client.clinic_id == clinic_id)
    )
    return db.scalar(q.with_for_update(of=AdverseEvent) if for_update else q)
