"""Read-only queries of the dashboard: today's sessions, recalls, patch tests whose reads are still coming,
open corrective actions and failed sterilisation cycles of one clinic.

The other things the dashboard shows (lots expiring, follow-ups, adverse events, certifications) come from
the queries of their own area.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session as Db
from sqlalchemy.orm import aliased

from smpstudio.records.models import (
    Client,
    CorrectiveAction,
    Lot,
    PatchTest,
    Session,
    SporeTest,
    SterilisationCycle,
    User,
)

__all__ = [
    "failed_cycles_since",
    "open_corrective_actions",
    "patch_tests_applied_since",
    "recalled_lots_since",
    "sessions_between",
]


def sessions_between(
    db: Db, clinic_id: int, start: dt.datetime, end: dt.datetime
) -> list[tuple[Session, str, str]]:
    """The clinic's sessions started from ``start`` up to (not including) ``end`` (aware times), of
    clients on record, by start: each with the client's name and the practitioner's name."""
    practitioner = aliased(User)
    rows = db.execute(
        select(Session, Client.name, practitioner.name)
        .join(Client, Client.id == Session.client_id)
        .join(practitioner, practitioner.id == Session.practitioner_id)
        .where(
            Session.clinic_id == clinic_id,
            Client.clinic_id == clinic_id,
            Client.erased_at.is_(None),
            Session.started_at >= start,
            Session.started_at < end,
        )
        .order_by(Session.started_at, Session.id)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def recalled_lots_since(db: Db, clinic_id: int, since: dt.datetime) -> list[Lot]:
    """The clinic's lots recalled at or after ``since`` (aware), newest recall first."""
    return list(
        db.scalars(
            select(Lot)
            .where(Lot.clinic_id == clinic_id, Lot.recalled_at.is_not(None), Lot.recalled_at >= since)
            .order_by(Lot.recalled_at.desc(), Lot.id)
        )
    )


def patch_tests_applied_since(db: Db, clinic_id: int, since: dt.datetime) -> list[tuple[PatchTest, str]]:
    """Patch tests of the clinic's clients on record applied at or after ``since`` (aware), each read a
    row of its own, with the client's name; by client, then application, then read."""
    rows = db.execute(
        select(PatchTest, Client.name)
        .join(Client, Client.id == PatchTest.client_id)
        .where(
            Client.clinic_id == clinic_id,
            Client.erased_at.is_(None),
            PatchTest.applied_at >= since,
            PatchTest.read_at.is_not(None),  # a pending test (not read yet) is on the calendar's due reads
        )
        .order_by(PatchTest.client_id, PatchTest.applied_at, PatchTest.read_at, PatchTest.id)
    ).all()
    return [(r[0], r[1]) for r in rows]


def open_corrective_actions(db: Db, clinic_id: int) -> list[tuple[CorrectiveAction, dt.date]]:
    """The clinic's corrective actions not closed, each with the day its failed spore test was read,
    oldest test first."""
    rows = db.execute(
        select(CorrectiveAction, SporeTest.tested_on)
        .join(SporeTest, SporeTest.id == CorrectiveAction.spore_test_id)
        .where(CorrectiveAction.clinic_id == clinic_id, CorrectiveAction.closed_at.is_(None))
        .order_by(SporeTest.tested_on, CorrectiveAction.id)
    ).all()
    return [(r[0], r[1]) for r in rows]


def failed_cycles_since(db: Db, clinic_id: int, since: dt.datetime) -> list[SterilisationCycle]:
    """The clinic's sterilisation cycles recorded as failed that ran at or after ``since`` (aware),
    newest first."""
    return list(
        db.scalars(
            select(SterilisationCycle)
            .where(
                SterilisationCycle.clinic_id == clinic_id,
                SterilisationCycle.failure_reason.is_not(None),
                SterilisationCycle.run_at >= since,
            )
            .order_by(SterilisationCycle.run_at.desc(), SterilisationCycle.id)
        )
    )
