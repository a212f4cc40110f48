"""Queries of the owner's reports: sessions per practitioner and month, lots used and remaining, adverse
events by lot and by pigment product, follow-up completion per month and the touch-ups of a quarter.

Every query counts in SQL (``GROUP BY``) and is scoped to one clinic. Months and days are the clinic's own:
the caller turns them into UTC instants (:data:`MonthSpan`, :data:`DaySpan`) and each query joins them as
a small calendar table (a ``VALUES`` common table expression, which SQLite and PostgreSQL both read), so a
session at 23:30 UTC on the last day of June counts in July for a clinic an hour ahead of UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import CTE, Date, String, and_, case, column, func, or_, select, union_all, values
from sqlalchemy.orm import Session as Db

from smpstudio.records.models import (
    AdverseEvent,
    Client,
    FollowUp,
    Lot,
    Reminder,
    Session,
    StockMove,
    User,
    UtcDateTime,
)

__all__ = [
    "BrandEvents",
    "DaySpan",
    "FollowUpMonth",
    "LotEvents",
    "LotUse",
    "MonthSpan",
    "PractitionerMonth",
    "TouchUpRow",
    "adverse_events_by_brand",
    "adverse_events_by_lot",
    "followups_per_month",
    "lots_used",
    "sessions_per_month",
    "touch_ups_between",
    "unlinked_adverse_events",
]

#: A month of the clinic: its label (``YYYY-MM``) and the UTC instants it starts and ends (exclusive).
MonthSpan = tuple[str, dt.datetime, dt.datetime]
#: A day of the clinic: the date, the label of its month (``YYYY-MM``) and the UTC instant it ends.
DaySpan = tuple[dt.date, str, dt.datetime]

#: Lots listed in this order of kind (then product and lot code).
_KIND_ORDER = case((Lot.kind == "pigment", 0), (Lot.kind == "needle", 1), else_=2)


def _count_if(condition: Any) -> Any:
    """``SUM(CASE WHEN condition THEN 1 ELSE 0 END)``: how many rows of the group meet ``condition``."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _months(months: Sequence[MonthSpan]) -> CTE:
    return (
        values(
            column("label", String),
            column("starts", UtcDateTime()),
            column("ends", UtcDateTime()),
            name="months",
        )
        .data(list(months))
        .cte("report_months")
    )


def _window(start: dt.datetime, end: dt.datetime) -> Any:
    return and_(Session.started_at >= start, Session.started_at < end)


class PractitionerMonth(NamedTuple):
    month: str
    practitioner_id: int
    practitioner: str
    sessions: int
    historical: int


def sessions_per_month(db: Db, clinic_id: int, months: Sequence[MonthSpan]) -> list[PractitionerMonth]:
    """The clinic's sessions started in each month, per practitioner, with how many of them are historical
    (recorded after the fact); only the months and practitioners with a session, by month then name."""
    if not months:
        return []
    cal = _months(months)
    rows = db.execute(
        select(
            cal.c.label,
            Session.practitioner_id,
            User.name,
            func.count(Session.id),
            _count_if(Session.historical.is_(True)),
        )
        .select_from(cal)
        .join(Session, and_(Session.started_at >= cal.c.starts, Session.started_at < cal.c.ends))
        .join(User, User.id == Session.practitioner_id)
        .where(Session.clinic_id == clinic_id, _window(months[0][1], months[-1][2]))
        .group_by(cal.c.label, Session.practitioner_id, User.name)
        .order_by(cal.c.label, User.name, Session.practitioner_id)
    ).all()
    return [PractitionerMonth(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in rows]


def _session_lots(clinic_id: int, start: dt.datetime, end: dt.datetime) -> Any:
    """(session id, lot id) for each lot each of the clinic's sessions in the window used: its pigment, its
    needle and its diluent when it had one."""
    where = (Session.clinic_id == clinic_id, _window(start, end))
    return union_all(
        select(Session.id.label("session_id"), Session.pigment_lot_id.label("lot_id")).where(*where),
        select(Session.id.label("session_id"), Session.needle_lot_id.label("lot_id")).where(*where),
        select(Session.id.label("session_id"), Session.diluent_lot_id.label("lot_id")).where(
            *where, Session.diluent_lot_id.is_not(None)
        ),
    ).subquery("session_lots")


class LotUse(NamedTuple):
    lot: Lot
    sessions: int
    units_used: int


def lots_used(db: Db, clinic_id: int, start: dt.datetime, end: dt.datetime) -> list[LotUse]:
    """Each of the clinic's lots with stock left or used in the window: the sessions in the window that used
    it and the units its ledger gave to those same sessions (single-use needle cartridges; a historical
    session takes no stock), both by when the session started, so a session recorded late counts in its
    own month for both; pigments, needles, diluents, each by product and lot code."""
    pairs = _session_lots(clinic_id, start, end)
    per_lot = (
        select(pairs.c.lot_id, func.count(pairs.c.session_id).label("sessions"))
        .group_by(pairs.c.lot_id)
        .subquery("per_lot")
    )
    moves = (
        select(StockMove.lot_id, func.sum(-StockMove.delta).label("units"))
        .join(Lot, Lot.id == StockMove.lot_id)
        .join(Session, Session.id == StockMove.session_id)
        .where(Lot.clinic_id == clinic_id, StockMove.reason == "session", _window(start, end))
        .group_by(StockMove.lot_id)
        .subquery("moves")
    )
    sessions = func.coalesce(per_lot.c.sessions, 0)
    units = func.coalesce(moves.c.units, 0)
    rows = db.execute(
        select(Lot, sessions, units)
        .outerjoin(per_lot, per_lot.c.lot_id == Lot.id)
        .outerjoin(moves, moves.c.lot_id == Lot.id)
        .where(Lot.clinic_id == clinic_id, or_(Lot.quantity > 0, sessions > 0, units != 0))
        .order_by(_KIND_ORDER, Lot.product, Lot.lot_code, Lot.id)
    ).all()
    return [LotUse(r[0], int(r[1]), int(r[2])) for r in rows]


def _events_per_session() -> Any:
    return (
        select(AdverseEvent.session_id, func.count(AdverseEvent.id).label("events"))
        .where(AdverseEvent.session_id.is_not(None))
        .group_by(AdverseEvent.session_id)
        .subquery("session_events")
    )


class LotEvents(NamedTuple):
    lot_id: int
    kind: str
    product: str
    lot_code: str
    sessions: int
    sessions_with_event: int
    events: int


def adverse_events_by_lot(db: Db, clinic_id: int, start: dt.datetime, end: dt.datetime) -> list[LotEvents]:
    """Each lot the clinic's sessions in the window used: those sessions, how many of them have an adverse
    event on record (at any date) and how many events they have; by kind, product and lot code."""
    pairs = _session_lots(clinic_id, start, end)
    events = _events_per_session()
    rows = db.execute(
        select(
            Lot.id,
            Lot.kind,
            Lot.product,
            Lot.lot_code,
            func.count(pairs.c.session_id),
            _count_if(events.c.events > 0),
            func.coalesce(func.sum(events.c.events), 0),
        )
        .select_from(pairs)
        .join(Lot, Lot.id == pairs.c.lot_id)
        .outerjoin(events, events.c.session_id == pairs.c.session_id)
        .where(Lot.clinic_id == clinic_id)
        .group_by(Lot.id, Lot.kind, Lot.product, Lot.lot_code)
        .order_by(_KIND_ORDER, Lot.product, Lot.lot_code, Lot.id)
    ).all()
    return [LotEvents(r[0], r[1], r[2], r[3], int(r[4]), int(r[5]), int(r[6])) for r in rows]


class BrandEvents(NamedTuple):
    product: str
    lots: int
    sessions: int
    sessions_with_event: int
    events: int


def adverse_events_by_brand(
    db: Db, clinic_id: int, start: dt.datetime, end: dt.datetime
) -> list[BrandEvents]:
    """Each pigment product (brand and product name) the clinic's sessions in the window used: its lots
    used, the sessions, how many have an adverse event on record and how many events; by product."""
    events = _events_per_session()
    rows = db.execute(
        select(
            Lot.product,
            func.count(func.distinct(Lot.id)),
            func.count(Session.id),
            _count_if(events.c.events > 0),
            func.coalesce(func.sum(events.c.events), 0),
        )
        .select_from(Session)
        .join(Lot, Lot.id == Session.pigment_lot_id)
        .outerjoin(events, events.c.session_id == Session.id)
        .where(Session.clinic_id == clinic_id, Lot.clinic_id == clinic_id, _window(start, end))
        .group_by(Lot.product)
        .order_by(Lot.product)
    ).all()
    return [BrandEvents(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]


def unlinked_adverse_events(db: Db, clinic_id: int, first: dt.date, last: dt.date) -> int:
    """The clinic's adverse events learnt of from ``first`` to ``last`` (dates, inclusive) that name no
    session, so no lot."""
    count = db.scalar(
        select(func.count(AdverseEvent.id))
        .join(Client, Client.id == AdverseEvent.client_id)
        .where(
            Client.clinic_id == clinic_id,
            AdverseEvent.session_id.is_(None),
            AdverseEvent.received_on >= first,
            AdverseEvent.received_on <= last,
        )
    )
    return int(count or 0)


class FollowUpMonth(NamedTuple):
    month: str
    due: int
    on_time: int
    late: int
    open: int
    not_yet_due: int


def followups_per_month(
    db: Db, clinic_id: int, days: Sequence[DaySpan], now: dt.datetime
) -> list[FollowUpMonth]:
    """Per month of the days given, the clinic's follow-ups due on those days: done by the end of the day
    they were due (in the clinic's time), done later, still open, and of those still open the ones whose
    day has not ended at ``now`` (not due yet: neither on time nor late so far); only months with one due.

    An open follow-up of a client erased from the record is left out (it can no longer be done).
    """
    if not days:
        return []
    cal = (
        values(column("day", Date), column("label", String), column("ends", UtcDateTime()), name="days")
        .data(list(days))
        .cte("report_days")
    )
    rows = db.execute(
        select(
            cal.c.label,
            func.count(FollowUp.id),
            _count_if(FollowUp.done_at < cal.c.ends),
            _count_if(FollowUp.done_at >= cal.c.ends),
            _count_if(FollowUp.done_at.is_(None)),
            _count_if(and_(FollowUp.done_at.is_(None), cal.c.ends > now)),
        )
        .select_from(cal)
        .join(FollowUp, FollowUp.due_on == cal.c.day)
        .join(Client, Client.id == FollowUp.client_id)
        .where(
            Client.clinic_id == clinic_id,
            FollowUp.due_on >= days[0][0],
            FollowUp.due_on <= days[-1][0],
            or_(FollowUp.done_at.is_not(None), Client.erased_at.is_(None)),
        )
        .group_by(cal.c.label)
        .order_by(cal.c.label)
    ).all()
    return [FollowUpMonth(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows]


class TouchUpRow(NamedTuple):
    reminder_id: int
    client_id: int
    name: str
    due_on: dt.date
    last_session_at: dt.datetime | None


def touch_ups_between(db: Db, clinic_id: int, first: dt.date, end: dt.date) -> list[TouchUpRow]:
    """Open touch-up reminders due from ``first`` up to (not including) ``end``, of clients on record, each
    with the client's name and when their last session started; by due date, then name."""
    last = (
        select(Session.client_id, func.max(Session.started_at).label("last_at"))
        .where(Session.clinic_id == clinic_id)
        .group_by(Session.client_id)
        .subquery("last_sessions")
    )
    rows = db.execute(
        select(Reminder.id, Reminder.client_id, Client.name, Reminder.due_on, last.c.last_at)
        .join(Client, Client.id == Reminder.client_id)
        .outerjoin(last, last.c.client_id == Reminder.client_id)
        .where(
            Client.clinic_id == clinic_id,
            Client.erased_at.is_(None),
            Reminder.kind == "touch-up",
            Reminder.done_at.is_(None),
            Reminder.due_on >= first,
            Reminder.due_on < end,
        )
        .order_by(Reminder.due_on, Client.name, Reminder.id)
    ).all()
    return [TouchUpRow(r[0], r[1], r[2], r[3], _aware(r[4])) for r in rows]


def _aware(value: dt.datetime | str | None) -> dt.datetime | None:
    """A computed time as an aware UTC datetime (SQLite may hand a ``MAX`` back as text, or naive)."""
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
