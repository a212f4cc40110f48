"""Appointments as the clinic reads them: one, or a window of them, in the clinic's time.

Each use case is one call ``f(ctx, request) -> result``; the queries are in
:mod:`smpstudio.records.repositories.appointments`. Times are stored in UTC and answered in the clinic's
time. Booking, moving, marking and cancelling are in :mod:`smpstudio.services.appointment_booking`.

A booked session appointment carries its pre-session checklist
(:func:`smpstudio.services.appointment_checks.checklists`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, PlainSerializer, model_validator
from sqlalchemy.orm import Session as Db

from smpstudio.errors import InputError
from smpstudio.records.clinic_day import Appointment
from smpstudio.records.repositories import appointments as repo
from smpstudio.services.access import Actor, get_client, get_user, log, not_in_clinic, rules_for, transact
from smpstudio.services.appointment_checks import AppointmentChecklist, checklists
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id, IsoDate, OptionalId, iso
from smpstudio.services.models import Request, Result

__all__ = [
    "MAX_WINDOW_DAYS",
    "AppointmentEntry",
    "AppointmentList",
    "AppointmentRequest",
    "AppointmentsRequest",
    "Person",
    "appointment_detail",
    "entries",
    "list_appointments",
]

#: The longest window one list or calendar asks for: two months. [days]
MAX_WINDOW_DAYS = 62
#: A time, printed as ISO 8601 to the second with its offset (the clinic's).
Timestamp = Annotated[dt.datetime, PlainSerializer(iso, return_type=str)]


class Person(Result):
    """A client or a member of staff, by id and name."""

    id: int
    name: str


class AppointmentEntry(Result):
    """An appointment in the clinic's time, with what it was booked from and, for a booked session, its
    pre-session checklist."""

    id: int
    kind: str
    status: str
    client: Person
    practitioner: Person
    starts_at: Timestamp
    ends_at: Timestamp
    minutes: int
    notes: str | None
    followup_id: int | None
    reminder_id: int | None
    patch_test_id: int | None
    checklist: AppointmentChecklist | None = Field(
        None, description="A booked session's checks ahead of the day (None for other appointments)."
    )


def entry(
    a: Appointment,
    client: str,
    practitioner: str,
    tz: dt.tzinfo,
    checklist: AppointmentChecklist | None = None,
) -> AppointmentEntry:
    return AppointmentEntry(
        id=a.id,
        kind=a.kind,
        status=a.status,
        client=Person(id=a.client_id, name=client),
        practitioner=Person(id=a.practitioner_id, name=practitioner),
        starts_at=a.starts_at.astimezone(tz),
        ends_at=a.ends_at.astimezone(tz),
        minutes=a.minutes,
        notes=a.notes,
        followup_id=a.followup_id,
        reminder_id=a.reminder_id,
        patch_test_id=a.patch_test_id,
        checklist=checklist,
    )


def entries(
    db: Db, actor: Actor, ctx: ServiceContext, rows: list[tuple[Appointment, str, str]]
) -> list[AppointmentEntry]:
    """The rows as entries in the clinic's time, each booked session with its checklist (read at once)."""
    lists = checklists(db, actor, rules_for(db, actor, ctx), [a for a, _, _ in rows])
    return [entry(a, c, p, actor.clock.tz, lists.get(a.id)) for a, c, p in rows]


# --- one appointment -------------------------------------------------------------------------------------


class AppointmentRequest(Request):
    """The appointment to show."""

    appointment_id: Id


def appointment_row(db: Db, actor: Actor, appointment_id: int, *, for_update: bool = False) -> Appointment:
    """The clinic's appointment ``appointment_id`` (another clinic's answers as a missing one)."""
    row = repo.get_appointment(db, actor.clinic_id, appointment_id, for_update=for_update)
    if row is None:
        raise not_in_clinic(
            "appointment",
            appointment_id,
            noun="appointment",
            field="appointment_id",
            allowed="an appointment of this clinic",
        )
    return row


def shown_entry(db: Db, actor: Actor, ctx: ServiceContext, row: Appointment) -> AppointmentEntry:
    """The appointment as answered: its client's and practitioner's names, a booked session's checklist."""
    client = get_client(db, actor, row.client_id)
    practitioner = get_user(db, actor, row.practitioner_id, field="practitioner_id")
    return entries(db, actor, ctx, [(row, client.name, practitioner.name)])[0]


def appointment_detail(ctx: ServiceContext, request: AppointmentRequest) -> AppointmentEntry:
    """An appointment of the clinic, a booked session with its checklist (the read is audited)."""

    def action(db: Db, actor: Actor) -> AppointmentEntry:
        actor.require("appointment")
        row = appointment_row(db, actor, request.appointment_id)
        log(db, actor, "read", "appointment", row.id, client=row.client_id)
        return shown_entry(db, actor, ctx, row)

    return transact(ctx, action)


# --- a window ----------------------------------------------------------------------------------------------


class AppointmentsRequest(Request):
    """A window of days (both included, at most :data:`MAX_WINDOW_DAYS`), optionally one practitioner's."""

    start_on: IsoDate
    end_on: IsoDate
    practitioner_id: OptionalId = None
    include_cancelled: bool = False

    @model_validator(mode="after")
    def _window(self) -> AppointmentsRequest:
        days = (self.end_on - self.start_on).days + 1
        if days < 1:
            raise InputError(
                "the window ends before it starts", field="to", allowed=f"{self.start_on} or later"
            )
        if days > MAX_WINDOW_DAYS:
            raise InputError(
                f"{days} days", field="to", allowed=f"at most {MAX_WINDOW_DAYS} days from {self.start_on}"
            )
        return self


class AppointmentList(Result):
    """The appointments starting in the window, earliest first, in the clinic's time."""

    start_on: dt.date
    end_on: dt.date
    appointments: list[AppointmentEntry]


def window(actor: Actor, start_on: dt.date, end_on: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The clinic-time instants from the start of ``start_on`` to the end of ``end_on``."""
    tz = actor.clock.tz
    return (
        dt.datetime.combine(start_on, dt.time(), tzinfo=tz),
        dt.datetime.combine(end_on + dt.timedelta(days=1), dt.time(), tzinfo=tz),
    )


def appointment_rows(db: Db, actor: Actor, r: AppointmentsRequest) -> list[tuple[Appointment, str, str]]:
    """The window's rows (a practitioner named must be the clinic's); the read of the clients is audited."""
    if r.practitioner_id is not None:
        get_user(db, actor, r.practitioner_id, field="practitioner_id")
    start, end = window(actor, r.start_on, r.end_on)
    rows = repo.appointments_between(
        db,
        actor.clinic_id,
        start,
        end,
        practitioner_id=r.practitioner_id,
        include_cancelled=r.include_cancelled,
    )
    log(
        db,
        actor,
        "read",
        "client",
        None,
        via="appointments",
        clients=sorted({a.client_id for a, _, _ in rows}),
    )
    return rows


def list_appointments(ctx: ServiceContext, request: AppointmentsRequest) -> AppointmentList:
    """The clinic's (or one practitioner's) appointments starting in the window; booked sessions with their
    checklists."""

    def action(db: Db, actor: Actor) -> AppointmentList:
        actor.require("appointment")
        rows = appointment_rows(db, actor, request)
        return AppointmentList(
            start_on=request.start_on, end_on=request.end_on, appointments=entries(db, actor, ctx, rows)
        )

    return transact(ctx, action)
