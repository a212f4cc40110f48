"""Booking an appointment, moving it, marking its outcome and cancelling it.

Each use case is one call ``f(ctx, request) -> result``; the queries are in
:mod:`smpstudio.records.repositories.appointments`, and the entries answered are those of
:mod:`smpstudio.services.appointments`. Times come as ISO 8601: with an offset they are that instant,
without one they are the clinic's local time. A practitioner is never double-booked: the clash check and
the insert (or the move) run under a lock of the practitioner's row, so two bookings of the same
practitioner at once cannot both pass it; a clash is a :class:`~smpstudio.errors.ConflictError` (code
``appointment_clash``) whose ``detail`` names the appointment in the way. A cancelled appointment is kept
(status ``cancelled``) and no longer clashes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator
from sqlalchemy.orm import Session as Db

from smpstudio.errors import ConflictError, InputError
from smpstudio.records.clinic_day import APPOINTMENT_KINDS, Appointment
from smpstudio.records.models import FollowUp, PatchTest, Reminder, User
from smpstudio.records.repositories import appointments as repo
from smpstudio.services.access import PERMISSIONS, Actor, get_client, get_user, log, not_in_clinic, transact
from smpstudio.services.appointments import (
    AppointmentEntry,
    appointment_row,
    entries,
    entry,
    shown_entry,
)
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id, LocalDateTime, OptionalId, choice, in_range
from smpstudio.services.models import Request

__all__ = [
    "BookAppointmentRequest",
    "CancelAppointmentRequest",
    "UpdateAppointmentRequest",
    "book_appointment",
    "cancel_appointment",
    "update_appointment",
]

Kind = Annotated[str, choice(APPOINTMENT_KINDS)]
Minutes = Annotated[int, in_range(5, 480, "minutes")]
Notes = Annotated[str | None, Field(max_length=2000)]


def _aware(when: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """A time without an offset is the clinic's local time."""
    return when if when.tzinfo is not None else when.replace(tzinfo=tz)


def _not_past(actor: Actor, start: dt.datetime) -> None:
    now = actor.clock.now()
    if start < now:
        raise InputError(
            f"{start.astimezone(actor.clock.tz).isoformat(timespec='minutes')} is in the past",
            field="starts_at",
            allowed=f"a time from now ({now.isoformat(timespec='minutes')}) on",
        )


def _practitioner(db: Db, actor: Actor, user_id: int) -> User:
    """The clinic's active practitioner or owner ``user_id``, locked for the clash check and the write."""
    user = get_user(db, actor, user_id, field="practitioner_id")
    if not user.active or user.role not in ("practitioner", "owner"):
        why = "is not active" if not user.active else f"is a {user.role}"
        raise InputError(
            f"user {user.id} {why}: only an active practitioner or owner is booked",
            field="practitioner_id",
            allowed="an active practitioner or owner of this clinic",
        )
    repo.lock_practitioner(db, user)
    return user


def _may_read_clients(actor: Actor) -> bool:
    return actor.role == "owner" or "client.read" in PERMISSIONS.get(actor.role, frozenset())


def _check_free(
    db: Db, actor: Actor, practitioner: User, start: dt.datetime, end: dt.datetime, exclude: int | None = None
) -> None:
    """Refuse a time that overlaps another appointment of the practitioner, naming it."""
    other = repo.clash(db, practitioner.id, start, end, exclude_id=exclude)
    if other is None:
        return
    tz = actor.clock.tz
    client = get_client(db, actor, other.client_id).name if _may_read_clients(actor) else "a client"
    clashing = entry(other, client, practitioner.name, tz)
    at = f"{other.starts_at.astimezone(tz):%Y-%m-%d %H:%M}-{other.ends_at.astimezone(tz):%H:%M}"
    raise ConflictError(
        f"{practitioner.name} is already booked then: {other.kind} {at} (appointment {other.id})",
        field="starts_at",
        allowed="a time when the practitioner is free",
        code="appointment_clash",
        detail={"clash": clashing.to_json()},
    )


# --- booking ----------------------------------------------------------------------------------------------


class BookAppointmentRequest(Request):
    """An appointment to book: who, with whom, what, when (ISO 8601; without an offset the clinic's local
    time) and for how long, and optionally the follow-up, touch-up reminder or patch test it is for."""

    client_id: Id
    practitioner_id: Id
    kind: Kind
    starts_at: LocalDateTime
    minutes: Minutes = Field(description="Length. [minutes] (5-480)")
    notes: Notes = None
    followup_id: OptionalId = None
    reminder_id: OptionalId = None
    patch_test_id: OptionalId = None


def _source(db: Db, actor: Actor, client_id: int, r: BookAppointmentRequest) -> None:
    """The follow-up, reminder or patch test named must be the client's (else answered as not found)."""
    for field, model, entity, noun in (
        ("followup_id", FollowUp, "followup", "follow-up"),
        ("reminder_id", Reminder, "reminder", "touch-up reminder"),
        ("patch_test_id", PatchTest, "patch_test", "patch test"),
    ):
        row_id = getattr(r, field)
        if row_id is not None and not repo.source_of_clinic(db, actor.clinic_id, client_id, model, row_id):
            raise not_in_clinic(entity, row_id, noun=noun, field=field, allowed=f"a {noun} of this client")


def book_appointment(ctx: ServiceContext, request: BookAppointmentRequest) -> AppointmentEntry:
    """Book an appointment from now on; a practitioner already booked at an overlapping time is a
    conflict naming that appointment (code ``appointment_clash``)."""
    r = request

    def action(db: Db, actor: Actor) -> AppointmentEntry:
        actor.require("appointment")
        start = _aware(r.starts_at, actor.clock.tz)
        end = start + dt.timedelta(minutes=r.minutes)
        client = get_client(db, actor, r.client_id, for_update=True)
        _source(db, actor, client.id, r)
        _not_past(actor, start)
        practitioner = _practitioner(db, actor, r.practitioner_id)
        _check_free(db, actor, practitioner, start, end)
        now = actor.clock.now()
        row = repo.add_appointment(
            db,
            clinic_id=actor.clinic_id,
            client_id=client.id,
            practitioner_id=practitioner.id,
            kind=r.kind,
            starts_at=start,
            ends_at=end,
            minutes=r.minutes,
            status="booked",
            notes=r.notes or None,
            followup_id=r.followup_id,
            reminder_id=r.reminder_id,
            patch_test_id=r.patch_test_id,
            created_by=actor.id,
            created_at=now,
            updated_at=now,
        )
        log(db, actor, "create", "appointment", row.id, client=client.id, practitioner=practitioner.id)
        return entries(db, actor, ctx, [(row, client.name, practitioner.name)])[0]

    return transact(ctx, action)


# --- one appointment: move or mark, cancel ----------------------------------------------------------------


class UpdateAppointmentRequest(Request):
    """What changes: the start (ISO 8601), the length, the practitioner, the notes (an empty text clears
    them), or the outcome once it started (``attended`` or ``no-show``). What is not given stays."""

    appointment_id: Id
    starts_at: LocalDateTime | None = None
    minutes: Minutes | None = Field(None, description="Length. [minutes] (5-480)")
    practitioner_id: OptionalId = None
    notes: Notes = None
    status: Literal["attended", "no-show"] | None = None

    @model_validator(mode="after")
    def _something(self) -> UpdateAppointmentRequest:
        given = (self.starts_at, self.minutes, self.practitioner_id, self.notes, self.status)
        if all(v is None for v in given):
            raise InputError(
                "nothing to change",
                field="appointment",
                allowed="starts_at, minutes, practitioner_id, notes or status",
            )
        return self


def _moved(db: Db, actor: Actor, row: Appointment, r: UpdateAppointmentRequest) -> dict[str, Any]:
    """Move the appointment (time, length, practitioner) after the clash check; what changed."""
    if row.status != "booked":
        raise ConflictError(
            f"appointment {row.id} is {row.status}",
            field="appointment_id",
            allowed="a booked appointment",
            code="appointment_not_booked",
        )
    start = _aware(r.starts_at, actor.clock.tz) if r.starts_at is not None else row.starts_at
    if r.starts_at is not None:
        _not_past(actor, start)
    minutes = r.minutes if r.minutes is not None else row.minutes
    practitioner = _practitioner(db, actor, r.practitioner_id or row.practitioner_id)
    end = start + dt.timedelta(minutes=minutes)
    _check_free(db, actor, practitioner, start, end, exclude=row.id)
    row.starts_at, row.ends_at, row.minutes, row.practitioner_id = start, end, minutes, practitioner.id
    return {"moved": True, "practitioner": practitioner.id}


def _marked(actor: Actor, row: Appointment, status: str) -> dict[str, Any]:
    """Mark the outcome of an appointment that has started."""
    if row.status not in ("booked", "attended", "no-show"):
        raise ConflictError(
            f"appointment {row.id} is {row.status}",
            field="status",
            allowed="a booked appointment",
            code="appointment_not_booked",
        )
    now = actor.clock.now()
    if row.starts_at > now:
        starts = row.starts_at.astimezone(actor.clock.tz).isoformat(timespec="minutes")
        raise InputError(
            f"the appointment starts {starts}",
            field="status",
            allowed="attended or no-show once the appointment has started",
        )
    row.status = status
    return {"status": status}


def update_appointment(ctx: ServiceContext, request: UpdateAppointmentRequest) -> AppointmentEntry:
    """Move an appointment (the clash rule holds, the appointment itself aside), change its notes, or mark
    it attended or a no-show once it has started."""
    r = request

    def action(db: Db, actor: Actor) -> AppointmentEntry:
        actor.require("appointment")
        row = appointment_row(db, actor, r.appointment_id, for_update=True)
        get_client(db, actor, row.client_id)
        changed: dict[str, Any] = {}
        if r.starts_at is not None or r.minutes is not None or r.practitioner_id is not None:
            changed |= _moved(db, actor, row, r)
        if r.status is not None:
            changed |= _marked(actor, row, r.status)
        if r.notes is not None:
            row.notes = r.notes or None
            changed["notes"] = True
        row.updated_at = actor.clock.now()
        db.flush()
        log(db, actor, "update", "appointment", row.id, client=row.client_id, **changed)
        return shown_entry(db, actor, ctx, row)

    return transact(ctx, action)


class CancelAppointmentRequest(Request):
    """The appointment to cancel (it is kept, cancelled)."""

    appointment_id: Id


def cancel_appointment(ctx: ServiceContext, request: CancelAppointmentRequest) -> AppointmentEntry:
    """Cancel a booked appointment: it is kept with who cancelled it and when, and frees the time. Cancelling
    it again changes nothing; an appointment attended or missed is not cancelled (a conflict)."""

    def action(db: Db, actor: Actor) -> AppointmentEntry:
        actor.require("appointment")
        row = appointment_row(db, actor, request.appointment_id, for_update=True)
        get_client(db, actor, row.client_id)
        if row.status in ("attended", "no-show"):
            raise ConflictError(
                f"appointment {row.id} is {row.status}",
                field="appointment_id",
                allowed="a booked appointment",
                code="appointment_not_booked",
            )
        if row.status == "booked":
            now = actor.clock.now()
            row.status, row.cancelled_at, row.cancelled_by, row.updated_at = "cancelled", now, actor.id, now
            db.flush()
            log(db, actor, "update", "appointment", row.id, client=row.client_id, status="cancelled")
        return shown_entry(db, actor, ctx, row)

    return transact(ctx, action)
