"""Queries of treatment sessions: the facts the pre-session checks read, and what a session writes
(the session, its needle's stock move, its follow-ups and its touch-up reminder).

A historical session (``Session.historical``: recorded after the fact by an owner) counts for the
client's retention period from the day it was recorded (``Session.created_at``), not from its start:
:func:`retention_start` is the start of the retention period (the one query an erasure asks).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session as Db

from smpstudio.records.checks import CycleFacts, LotFacts, SessionFacts
from smpstudio.records.models import (
    Certification,
    Client,
    Clinic,
    Consent,
    Design,
    FollowUp,
    Lot,
    PatchTest,
    Reminder,
    Screening,
    Session,
    TreatmentPlan,
    User,
)

__all__ = [
    "add_follow_up",
    "add_session",
    "add_touch_up_reminder",
    "clinic_jurisdiction",
    "design_of_version",
    "later_session_exists",
    "latest_plan_id",
    "lock",
    "lock_client",
    "retention_start",
    "session_facts",
]


def clinic_jurisdiction(db: Db, clinic_id: int) -> str:
    """The clinic's jurisdiction label (a jurisdiction may set a higher minimum age)."""
    return db.scalar(select(Clinic.jurisdiction).where(Clinic.id == clinic_id)) or "default"


def lock_client(db: Db, client: Client) -> None:
    """Lock the client's row for the rest of the transaction, so the checks before a session and its insert
    are atomic: a second session of the same client waits here and then reads the first one.

    PostgreSQL takes a row lock (``SELECT ... FOR UPDATE``); on SQLite the write transaction's ``BEGIN
    IMMEDIATE`` already serialises writers and the clause is left out.
    """
    db.refresh(client, with_for_update=True)


def lock(db: Db, rows: list[Lot]) -> None:
    """Reload ``rows`` with a row lock for the rest of the transaction (stock is checked and moved)."""
    for row in rows:
        db.refresh(row, with_for_update=True)


def session_facts(
    db: Db,
    client: Client,
    practitioner: User,
    lots: list[tuple[str, Lot]],
    *,
    started: dt.datetime,
    now: dt.datetime,
    historical: bool,
    minimum_interval_days: int,
    minimum_age_years: int,
    cycle: CycleFacts | None,
) -> SessionFacts:
    """What the checks before a session starting at ``started`` need to know, read from the client's
    record; ``now`` is the clinic's now (aware, in the clinic's timezone), which gives the session's date.
    The client's sessions are read under the client's row lock (:func:`lock_client`)."""
    on = started.astimezone(now.tzinfo).date()
    screening = db.scalars(
        select(Screening).where(Screening.client_id == client.id).order_by(Screening.id.desc()).limit(1)
    ).first()
    consents = db.scalars(
        select(Consent).where(Consent.client_id == client.id, Consent.kind == "treatment")
    ).all()
    # The latest application, its newest row (a later read of the same application is a row of its own); a
    # test applied and not read yet (read_at None) is pending: no result.
    patch = db.scalars(
        select(PatchTest)
        .where(PatchTest.client_id == client.id)
        .order_by(PatchTest.applied_at.desc(), PatchTest.id.desc())
        .limit(1)
    ).first()
    certs = db.execute(
        select(Certification.kind, func.max(Certification.expires_on))
        .where(Certification.user_id == practitioner.id)
        .group_by(Certification.kind)
    ).all()
    # The nearest other sessions on both sides: a historical session may be dated before one on file.
    previous = db.scalar(
        select(func.max(Session.started_at)).where(
            Session.client_id == client.id, Session.started_at <= started
        )
    )
    following = db.scalar(
        select(func.min(Session.started_at)).where(
            Session.client_id == client.id, Session.started_at > started
        )
    )
    return SessionFacts(
        on=on,
        screening_outcome=screening.outcome if screening else None,
        screening_defer_until=screening.defer_until if screening else None,
        screening_unanswered=tuple(str(q) for q in (screening.result or {}).get("unanswered", []))
        if screening
        else (),
        consent_valid=any(c.withdrawn_at is None for c in consents),
        consent_withdrawn=bool(consents),
        patch_test_required=bool(screening and screening.patch_test_recommended),
        patch_test_result=patch.result if patch else None,
        patch_test_pending=patch is not None and patch.read_at is None,
        practitioner_role=practitioner.role,
        certifications=[(k, d) for k, d in certs],
        previous_session_on=previous.astimezone(now.tzinfo).date() if previous else None,
        next_session_on=following.astimezone(now.tzinfo).date() if following else None,
        minimum_interval_days=minimum_interval_days,
        date_of_birth=client.date_of_birth,
        minimum_age_years=minimum_age_years,
        started=started,
        now=now,
        today=now.date(),
        historical=historical,
        lots=[
            LotFacts(
                role, r.lot_code, r.kind, r.expires_on, r.quantity, r.compliance, r.recalled_at is not None
            )
            for role, r in lots
        ],
        cycle=cycle,
    )


def later_session_exists(db: Db, client_id: int, started: dt.datetime) -> bool:
    """Whether the client has a session that started after ``started`` (a historical session recorded
    late must not replace that session's touch-up reminder)."""
    later = select(Session.id).where(Session.client_id == client_id, Session.started_at > started)
    return db.scalar(later.limit(1)) is not None


def retention_start(db: Db, client_id: int) -> dt.datetime | None:
    """When the client's retention period starts: their last session, where a historical session (recorded
    after the fact) counts from the day it was recorded (``Session.created_at``), never from its past
    start, so recording an old session never brings the end of the retention period forward."""
    anchor = case((Session.historical.is_(True), Session.created_at), else_=Session.started_at)
    start: dt.datetime | None = db.scalar(select(func.max(anchor)).where(Session.client_id == client_id))
    if start is not None and start.tzinfo is None:  # a computed column may come back naive
        start = start.replace(tzinfo=dt.UTC)
    return start


def design_of_version(db: Db, client_id: int, version: int) -> Design | None:
    """The client's design version ``version`` (None when there is none)."""
    return db.scalars(select(Design).where(Design.client_id == client_id, Design.version == version)).first()


def latest_plan_id(db: Db, client_id: int) -> int | None:
    """The client's latest treatment plan, which a new session belongs to."""
    return db.scalar(
        select(TreatmentPlan.id).where(TreatmentPlan.client_id == client_id).order_by(TreatmentPlan.id.desc())
    )


def add_session(db: Db, **values: Any) -> Session:
    """Insert a session (``values`` are :class:`~smpstudio.records.models.Session` attributes)."""
    row = Session(**values)
    db.add(row)
    db.flush()
    return row


def add_follow_up(db: Db, session: Session, due_on: dt.date, purpose: str) -> FollowUp:
    """Book a follow-up of ``session``."""
    row = FollowUp(client_id=session.client_id, session_id=session.id, due_on=due_on, purpose=purpose)
    db.add(row)
    return row


def add_touch_up_reminder(
    db: Db, session: Session, due_on: dt.date, basis: str, now: dt.datetime
) -> Reminder:
    """The client's touch-up reminder from ``session``; any open one before it is closed at ``now``."""
    for old in db.scalars(
        select(Reminder).where(
            Reminder.client_id == session.client_id, Reminder.kind == "touch-up", Reminder.done_at.is_(None)
        )
    ):
        old.done_at = now  # superseded by this session's reminder
    row = Reminder(
        client_id=session.client_id, session_id=session.id, kind="touch-up", due_on=due_on, basis=basis
    )
    db.add(row)
    db.flush()
    return row
