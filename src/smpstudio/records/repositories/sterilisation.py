"""Queries of sterilisation: autoclave cycles, spore tests, corrective actions and what a load reached."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session as Db

from smpstudio.records.models import Client, CorrectiveAction, Session, SporeTest, SterilisationCycle

__all__ = [
    "add_corrective_action",
    "add_cycle",
    "add_spore_test",
    "corrective_actions",
    "cycle_ids_between",
    "cycle_scope",
    "cycles_of_clinic",
    "get_corrective_action",
    "get_cycle",
    "last_pass_on",
    "spore_hold",
    "spore_tests_of_clinic",
]


def add_cycle(db: Db, **values: Any) -> SterilisationCycle:
    """Insert a cycle (``values`` are :class:`~smpstudio.records.models.SterilisationCycle` attributes)."""
    row = SterilisationCycle(**values)
    db.add(row)
    db.flush()
    return row


def get_cycle(db: Db, clinic_id: int, cycle_id: int) -> SterilisationCycle | None:
    """The clinic's cycle ``cycle_id`` (None when it does not exist or belongs to another clinic)."""
    row = db.get(SterilisationCycle, cycle_id)
    return row if row is not None and row.clinic_id == clinic_id else None


def spore_hold(db: Db, clinic_id: int, run_at: dt.datetime) -> dt.date | None:
    """The day of a failed spore test that holds a cycle run at ``run_at`` (None when none does).

    A failure holds every cycle run after the day of the last passed test before it (the loads its
    corrective action lists) and every cycle run after it until a repeat test passes: cycles run on the
    day the repeat passed are usable again. Days are UTC days, as :func:`cycle_ids_between` counts them.
    """
    day = run_at.astimezone(dt.UTC).date()
    tests = db.execute(
        select(SporeTest.tested_on, SporeTest.result)
        .where(SporeTest.clinic_id == clinic_id)
        .order_by(SporeTest.tested_on, SporeTest.id)
    ).all()
    last_pass: dt.date | None = None
    failed_on: dt.date | None = None  # the first failure since the last pass
    for tested_on, result in tests:
        if result == "pass":
            if failed_on is not None and day < tested_on and (last_pass is None or day > last_pass):
                return failed_on  # held by a failure that a later pass has cleared
            last_pass, failed_on = tested_on, None
        elif failed_on is None:
            failed_on = tested_on
    if failed_on is not None and (last_pass is None or day > last_pass):
        return failed_on  # no repeat has passed yet
    return None


def add_spore_test(db: Db, clinic_id: int, tested_on: dt.date, result: str, notes: str | None) -> SporeTest:
    """Insert a spore test."""
    row = SporeTest(clinic_id=clinic_id, tested_on=tested_on, result=result, notes=notes)
    db.add(row)
    db.flush()
    return row


def last_pass_on(db: Db, clinic_id: int, day: dt.date) -> dt.date | None:
    """The day of the clinic's last passed spore test on or before ``day``."""
    return db.scalar(
        select(func.max(SporeTest.tested_on)).where(
            SporeTest.clinic_id == clinic_id, SporeTest.result == "pass", SporeTest.tested_on <= day
        )
    )


def cycle_ids_between(db: Db, clinic_id: int, after: dt.date | None, through: dt.date) -> list[int]:
    """The clinic's cycles run after the day ``after`` (from the start when None) through ``through``,
    in the order they ran."""
    q = select(SterilisationCycle.id).where(
        SterilisationCycle.clinic_id == clinic_id,
        SterilisationCycle.run_at <= dt.datetime.combine(through, dt.time.max, dt.UTC),
    )
    if after is not None:
        q = q.where(SterilisationCycle.run_at > dt.datetime.combine(after, dt.time.max, dt.UTC))
    return list(db.scalars(q.order_by(SterilisationCycle.run_at)))


def cycle_scope(db: Db, cycle_ids: list[int]) -> dict[str, Any]:
    """What the loads ``cycle_ids`` reached: ``{"cycles", "sessions": [{"id", "date", "client",
    "cycle"}], "clients": [{"id", "name", "contact": {"phone", "email"}}]}``, sessions by start."""
    rows = db.execute(
        select(
            Session.id,
            Session.started_at,
            Session.client_id,
            Session.sterilisation_cycle_id,
            Client.name,
            Client.phone,
            Client.email,
        )
        .join(Client, Client.id == Session.client_id)
        .where(Session.sterilisation_cycle_id.in_(cycle_ids))
        .order_by(Session.started_at)
    ).all()
    clients: dict[int, dict[str, Any]] = {}
    for _sid, _started, cid, _cyc, name, phone, email in rows:
        clients.setdefault(cid, {"id": cid, "name": name, "contact": {"phone": phone, "email": email}})
    return {
        "cycles": cycle_ids,
        "sessions": [
            {"id": r[0], "date": r[1].date().isoformat(), "client": r[2], "cycle": r[3]} for r in rows
        ],
        "clients": list(clients.values()),
    }


def add_corrective_action(
    db: Db, clinic_id: int, spore_test_id: int, scope: dict[str, Any]
) -> CorrectiveAction:
    """Open a corrective action over ``scope`` (the cycles, sessions and clients a failure reaches)."""
    row = CorrectiveAction(clinic_id=clinic_id, spore_test_id=spore_test_id, scope=scope)
    db.add(row)
    db.flush()
    return row


# --- the sterilisation log ------------------------------------------------------------------------------


def cycles_of_clinic(db: Db, clinic_id: int, limit: int, offset: int = 0) -> list[SterilisationCycle]:
    """The clinic's cycles, newest run first (``limit`` of them from ``offset``)."""
    return list(
        db.scalars(
            select(SterilisationCycle)
            .where(SterilisationCycle.clinic_id == clinic_id)
            .order_by(SterilisationCycle.run_at.desc(), SterilisationCycle.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def spore_tests_of_clinic(db: Db, clinic_id: int, limit: int, offset: int = 0) -> list[SporeTest]:
    """The clinic's spore tests, newest first (``limit`` of them from ``offset``)."""
    return list(
        db.scalars(
            select(SporeTest)
            .where(SporeTest.clinic_id == clinic_id)
            .order_by(SporeTest.tested_on.desc(), SporeTest.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def corrective_actions(db: Db, clinic_id: int, *, open_only: bool) -> list[tuple[CorrectiveAction, dt.date]]:
    """The clinic's corrective actions (only those not closed with ``open_only``), each with the day its
    failed spore test was read, oldest test first."""
    q = (
        select(CorrectiveAction, SporeTest.tested_on)
        .join(SporeTest, SporeTest.id == CorrectiveAction.spore_test_id)
        .where(CorrectiveAction.clinic_id == clinic_id)
    )
    if open_only:
        q = q.where(CorrectiveAction.closed_at.is_(None))
    rows = db.execute(q.order_by(SporeTest.tested_on, CorrectiveAction.id)).all()
    return [(r[0], r[1]) for r in rows]


def get_corrective_action(
    db: Db, clinic_id: int, action_id: int, *, for_update: bool = False
) -> tuple[CorrectiveAction, dt.date] | None:
    """The clinic's corrective action ``action_id`` with the day its failed spore test was read (None when
    it does not exist or belongs to another clinic)."""
    row = db.get(CorrectiveAction, action_id, with_for_update=for_update)
    if row is None or row.clinic_id != clinic_id:
        return None
    test = db.get(SporeTest, row.spore_test_id)
    return (row, test.tested_on) if test is not None else None
