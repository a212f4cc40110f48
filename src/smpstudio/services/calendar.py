"""The calendar: a day or a week of appointments (the clinic's or one practitioner's), with what is due to
be booked on each day, and the choices of the booking form.

Due to be booked, each with the appointment that books it in one step: open follow-ups (a follow-up call),
open touch-up reminders (a touch-up), and patch tests applied and not read yet (a reading, due the care
rules' first reading time after the application: ``[patch_test] read_at_hours``, 48 h, [clinic-patch-test]
in docs/references.md). An item already booked (an appointment not cancelled names it) is not due; one
whose day has passed is overdue.

One calendar view is one transaction with a fixed number of queries, whatever the number of appointments
(the checklists are read for all of them at once).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator
from sqlalchemy.orm import Session as Db

from smpstudio.errors import InputError
from smpstudio.records.clinic_day import APPOINTMENT_KINDS
from smpstudio.records.repositories import appointments as repo
from smpstudio.services.access import Actor, log, rules_for, transact
from smpstudio.services.appointments import (
    MAX_WINDOW_DAYS,
    AppointmentEntry,
    AppointmentsRequest,
    Person,
    Timestamp,
    appointment_rows,
    entries,
    window,
)
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import IsoDate, OptionalId
from smpstudio.services.models import Request, Result
from smpstudio.services.patch_tests import read_due_at

__all__ = [
    "DEFAULT_MINUTES",
    "BookingChoices",
    "BookingChoicesRequest",
    "CalendarDay",
    "CalendarRequest",
    "CalendarView",
    "DueItem",
    "DueList",
    "DueRequest",
    "booking_choices",
    "calendar_view",
    "due_items",
    "first_free_time",
]

DueKind = Literal["follow-up", "touch-up", "patch-test-read"]
#: The length the booking form offers for each kind of appointment, a clinic's usual slot. [minutes]
DEFAULT_MINUTES: dict[str, int] = {
    "consultation": 30,
    "session": 180,
    "touch-up": 120,
    "follow-up-call": 15,
    "patch-test-read": 15,
}


class DueItem(Result):
    """Something due to be booked: what it is (its id), whose, when it falls due, and the appointment that
    books it (``book_kind``, with the follow-up, reminder or patch test named)."""

    kind: DueKind
    id: int
    client: Person
    due_on: dt.date
    due_at: Timestamp | None = Field(description="The time it falls due (a patch test's reading), if any.")
    what: str = Field(description="In plain words: the follow-up's purpose, the touch-up's basis, the lot.")
    book_kind: str = Field(description="The kind of appointment that books it.")
    overdue: bool = Field(description="Its day has passed.")
    practitioner_id: OptionalId = Field(
        default=None, description="The practitioner of the session it came from, when it came from one."
    )


def _due(db: Db, actor: Actor, ctx: ServiceContext, end_on: dt.date) -> list[DueItem]:
    """Every item due on or before ``end_on`` and not booked, soonest first."""
    tz, today = actor.clock.tz, actor.today()
    rules = rules_for(db, actor, ctx)
    items = [
        DueItem(
            kind="follow-up",
            id=f.id,
            client=Person(id=f.client_id, name=name),
            due_on=f.due_on,
            due_at=None,
            what=f.purpose,
            book_kind="follow-up-call",
            overdue=f.due_on < today,
            practitioner_id=by,
        )
        for f, name, by in repo.followups_unbooked(db, actor.clinic_id, end_on)
    ]
    items += [
        DueItem(
            kind="touch-up",
            id=t.id,
            client=Person(id=t.client_id, name=name),
            due_on=t.due_on,
            due_at=None,
            what=f"Touch-up due: {t.basis}",
            book_kind="touch-up",
            overdue=t.due_on < today,
            practitioner_id=by,
        )
        for t, name, by in repo.reminders_unbooked(db, actor.clinic_id, end_on)
    ]
    _, end = window(actor, end_on, end_on)
    lead = read_due_at(end, rules) - end  # the first reading time: a test due by ``end`` was applied before
    for test, name in repo.patch_tests_pending(db, actor.clinic_id, end - lead):
        due = read_due_at(test.applied_at, rules).astimezone(tz)
        items.append(
            DueItem(
                kind="patch-test-read",
                id=test.id,
                client=Person(id=test.client_id, name=name),
                due_on=due.date(),
                due_at=due,
                what=f"Read the patch test of lot {test.lot_code} ({test.site}), applied "
                f"{test.applied_at.astimezone(tz):%Y-%m-%d %H:%M}",
                book_kind="patch-test-read",
                overdue=due.date() < today,
            )
        )
    items.sort(key=lambda i: (i.due_on, i.kind, i.id))
    log(db, actor, "read", "client", None, via="calendar_due", clients=sorted({i.client.id for i in items}))
    return items


class DueRequest(Request):
    """Items due up to the last day of a window (both days included), overdue ones too."""

    start_on: IsoDate
    end_on: IsoDate

    @model_validator(mode="after")
    def _window(self) -> DueRequest:
        AppointmentsRequest.of(start_on=self.start_on, end_on=self.end_on)
        return self


class DueList(Result):
    """What is due to be booked by the window's end and is not booked, soonest first (overdue first)."""

    start_on: dt.date
    end_on: dt.date
    items: list[DueItem]


def due_items(ctx: ServiceContext, request: DueRequest) -> DueList:
    """Follow-ups, touch-ups and patch-test readings due by the window's end and not booked yet."""

    def action(db: Db, actor: Actor) -> DueList:
        actor.require("appointment")
        return DueList(
            start_on=request.start_on, end_on=request.end_on, items=_due(db, actor, ctx, request.end_on)
        )

    return transact(ctx, action)


# --- the day and week views ---------------------------------------------------------------------------


class CalendarRequest(Request):
    """A day (``day``) or the week (Monday to Sunday) holding ``week``; this week by default; optionally one
    practitioner's appointments."""

    day: IsoDate | None = None
    week: IsoDate | None = None
    practitioner_id: OptionalId = None

    @model_validator(mode="after")
    def _one(self) -> CalendarRequest:
        if self.day is not None and self.week is not None:
            raise InputError("a day or a week, not both", field="week", allowed="day or week")
        return self


class CalendarDay(Result):
    """One day: its appointments (earliest first) and what falls due on it (not overdue)."""

    on: dt.date
    appointments: list[AppointmentEntry]
    due: list[DueItem]


#: Overdue items a day or week view lists (the longest overdue); the rest are counted, and all of them are in
#: ``GET /api/v1/appointments/due`` and the dashboard.
OVERDUE_SHOWN = 20


class CalendarView(Result):
    """A day or a week of the calendar, the items overdue, and the practitioners one may choose."""

    mode: Literal["day", "week"]
    start_on: dt.date
    end_on: dt.date
    today: dt.date
    practitioner_id: int | None
    days: list[CalendarDay]
    overdue: list[DueItem] = Field(description=f"The {OVERDUE_SHOWN} longest overdue, oldest first.")
    overdue_total: int = Field(description="How many items are overdue in all.")
    practitioners: list[Person]


def calendar_view(ctx: ServiceContext, request: CalendarRequest) -> CalendarView:
    """A day or a week of appointments with the day's due items; booked sessions with their checklists."""
    r = request

    def action(db: Db, actor: Actor) -> CalendarView:
        actor.require("appointment")
        today = actor.today()
        if r.day is not None:
            mode: Literal["day", "week"] = "day"
            start_on = end_on = r.day
        else:
            mode = "week"
            anchor = r.week or today
            start_on = anchor - dt.timedelta(days=anchor.weekday())
            end_on = start_on + dt.timedelta(days=6)
        rows = appointment_rows(
            db,
            actor,
            AppointmentsRequest.of(start_on=start_on, end_on=end_on, practitioner_id=r.practitioner_id),
        )
        shown = entries(db, actor, ctx, rows)
        due = _due(db, actor, ctx, end_on)
        days = []
        for n in range((end_on - start_on).days + 1):
            on = start_on + dt.timedelta(days=n)
            days.append(
                CalendarDay(
                    on=on,
                    appointments=[e for e in shown if e.starts_at.date() == on],
                    due=[i for i in due if i.due_on == on and not i.overdue],
                )
            )
        staff = [Person(id=u.id, name=u.name) for u in repo.practitioners(db, actor.clinic_id)]
        overdue = [i for i in due if i.overdue]
        return CalendarView(
            mode=mode,
            start_on=start_on,
            end_on=end_on,
            today=today,
            practitioner_id=r.practitioner_id,
            days=days,
            overdue=overdue[:OVERDUE_SHOWN],
            overdue_total=len(overdue),
            practitioners=staff,
        )

    return transact(ctx, action)


# --- the booking form's choices -------------------------------------------------------------------------


#: The working day a booking is suggested in, and the step between suggested times: defaults of the form,
#: not rules (any time may be booked). [clinic time; min]
DAY_OPENS, DAY_CLOSES, SLOT_STEP_MIN = dt.time(9), dt.time(18), 15


class BookingChoicesRequest(Request):
    """For a suggested time: the practitioner, the day and the length of the appointment to fit in."""

    practitioner_id: OptionalId = None
    day: IsoDate | None = None
    minutes: int | None = Field(default=None, ge=5, le=8 * 60, description="The appointment's length. [min]")


class BookingChoices(Result):
    """What the booking form offers: the clinic's clients on record, its practitioners, the kinds of
    appointment with their usual length, the clinic's today and, when a practitioner and a day were given,
    the first time that day the practitioner is free for the appointment (None: no free time that day)."""

    clients: list[Person]
    practitioners: list[Person]
    kinds: list[str]
    default_minutes: dict[str, int]
    today: dt.date
    longest_window_days: int = MAX_WINDOW_DAYS
    suggested_time: dt.time | None = None


def first_free_time(
    busy: list[tuple[dt.datetime, dt.datetime]],
    day: dt.date,
    minutes: int,
    tz: dt.tzinfo,
    not_before: dt.datetime,
) -> dt.time | None:
    """The first start on ``day``, on a :data:`SLOT_STEP_MIN` step within the working day
    (:data:`DAY_OPENS` to :data:`DAY_CLOSES`, clinic time), not before ``not_before``, at which an
    appointment of ``minutes`` overlaps none of the ``busy`` intervals; None when there is none.

    >>> tz = dt.UTC
    >>> at = lambda h, m=0: dt.datetime(2030, 1, 2, h, m, tzinfo=tz)
    >>> first_free_time([(at(9), at(10)), (at(10, 30), at(11))], dt.date(2030, 1, 2), 30, tz, at(0))
    datetime.time(10, 0)
    """
    length = dt.timedelta(minutes=minutes)
    start = dt.datetime.combine(day, DAY_OPENS, tzinfo=tz)
    closes = dt.datetime.combine(day, DAY_CLOSES, tzinfo=tz)
    while start + length <= closes:
        end = start + length
        if start >= not_before and not any(b0 < end and start < b1 for b0, b1 in busy):
            return start.timetz().replace(tzinfo=None)
        start += dt.timedelta(minutes=SLOT_STEP_MIN)
    return None


def booking_choices(ctx: ServiceContext, request: BookingChoicesRequest | None = None) -> BookingChoices:
    """The booking form's choices (the read of the clients' names is audited), with the first free time of
    the practitioner on the day when the request names both."""
    r = request or BookingChoicesRequest()

    def action(db: Db, actor: Actor) -> BookingChoices:
        actor.require("appointment")
        clients = repo.clients_of_clinic(db, actor.clinic_id)
        log(db, actor, "read", "client", None, via="booking_form", count=len(clients))
        practitioners = repo.practitioners(db, actor.clinic_id)
        suggested = None
        if r.practitioner_id in {u.id for u in practitioners} and r.day is not None:
            start, end = window(actor, r.day, r.day)
            rows = repo.appointments_between(
                db, actor.clinic_id, start, end, practitioner_id=r.practitioner_id
            )
            busy = [(a.starts_at, a.ends_at) for a, _, _ in rows]
            tz = actor.clock.tz
            suggested = first_free_time(busy, r.day, r.minutes or 30, tz, actor.clock.now().astimezone(tz))
        return BookingChoices(
            clients=[Person(id=i, name=n) for i, n in clients],
            practitioners=[Person(id=u.id, name=u.name) for u in practitioners],
            kinds=list(APPOINTMENT_KINDS),
            default_minutes=DEFAULT_MINUTES,
            today=actor.today(),
            suggested_time=suggested,
        )

    return transact(ctx, action)
