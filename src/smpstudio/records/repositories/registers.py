"""Queries of the clinic's registers: follow-ups and touch-up reminders due, symptom reports and adverse
events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as Db

from smpstudio.records.models import AdverseEvent, Client, FollowUp, Lot, Reminder, Session, SymptomReport

__all__ = [
    "add_adverse_event",
    "add_symptom_report",
    "adverse_events_due",
    "close_followup",
    "followups_due",
    "get_followup",
    "session_lots",
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


def get_followup(db: Db, followup_id: int) -> FollowUp | None:
    """The follow-up ``followup_id`` (the caller checks that its client is in the actor's clinic)."""
    return db.get(FollowUp, followup_id)


def close_followup(followup: FollowUp, when: dt.datetime, outcome: str) -> None:
    """Mark a follow-up done at ``when`` with its outcome."""
    followup.done_at, followup.outcome = when, outcome


def add_symptom_report(db: Db, **values: Any) -> SymptomReport:
    """Insert a symptom report (``values``: :class:`~smpstudio.records.models.SymptomReport` attributes)."""
    row = SymptomReport(**values)
    db.add(row)
    db.flush()
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
