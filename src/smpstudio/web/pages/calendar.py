"""The calendar: a week (or a day) of appointments, the clinic's or one practitioner's, with what is due to
be booked on each day; booking (prefilled from a due item in one step), and one appointment with its
pre-session checklist, each failed check linking to the page that fixes it, where it is moved, cancelled or
marked. Today's appointments as a fragment the dashboard loads. With HTMX a form swaps only its own
section; without it the pages work as plain forms (POST, then redirect).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from smpstudio.errors import InputError, SmpError
from smpstudio.services import appointment_booking, calendar, registers
from smpstudio.services import appointments as ap
from smpstudio.services.appointment_checks import ChecklistItem
from smpstudio.services.context import ServiceContext
from smpstudio.web.pages.client_forms import can, who_does
from smpstudio.web.pages.clinic_forms import Context, attempt, field_error, see_other
from smpstudio.web.pages.rendering import page
from smpstudio.web.state import principal_of

__all__ = ["KIND_WORDS", "fix_link", "fixes_for", "router"]

router = APIRouter(include_in_schema=False)

#: Each kind of appointment in plain words.
KIND_WORDS = {
    "consultation": "Consultation",
    "session": "Session",
    "touch-up": "Touch-up",
    "follow-up-call": "Follow-up call",
    "patch-test-read": "Patch test reading",
}
#: Each status in plain words, and its badge's tone.
STATUS_WORDS = {
    "booked": ("Booked", "info"),
    "attended": ("Attended", "ok"),
    "no-show": ("Did not come", "warning"),
    "cancelled": ("Cancelled", "danger"),
}
#: What the link of each failed check says.
FIX_WORDS = {
    "client": "Check the date of birth",
    "screening": "Screen the client",
    "consent": "Sign the treatment consent",
    "patch_test": "Open the patch tests",
    "practitioner": "Open the practitioner's certificates",
    "appointment": "Move the appointment",
    "lots": "Open the inventory",
}
Short = Annotated[str, Form(max_length=40)]
OptionalDay = Annotated[str | None, Query(max_length=10)]
OptionalNumber = Annotated[str | None, Query(max_length=20)]


#: The page that fixes each failed check, as a route (a path template); the client's record otherwise.
FIX_ROUTES = {
    "client": "/clients/{client_id}/edit",
    "screening": "/clients/{client_id}/screening",
    "consent": "/clients/{client_id}/consent",
    "patch_test": "/clients/{client_id}/patch-tests",
    "practitioner": "/users/{user_id}",
    "appointment": "/calendar/appointments/{appointment_id}",
    "lots": "/lots",
}
RECORD_ROUTE = "/clients/{client_id}"


def fix_link(item: ChecklistItem, entry: ap.AppointmentEntry) -> str:
    """The page that fixes a failed check of ``entry``'s checklist."""
    route = FIX_ROUTES.get(item.fix or "", RECORD_ROUTE)
    path = route.format(client_id=entry.client.id, user_id=entry.practitioner.id, appointment_id=entry.id)
    return path + ("#move" if item.fix == "appointment" else "")


def fixes_for(request: Request) -> Callable[[ChecklistItem, ap.AppointmentEntry], tuple[str | None, str]]:
    """For the signed-in user: a failed check's link and its words, or no link and who fixes it when their
    role may not open the page that does."""

    def fix(item: ChecklistItem, entry: ap.AppointmentEntry) -> tuple[str | None, str]:
        route = FIX_ROUTES.get(item.fix or "", RECORD_ROUTE)
        if can(request, "GET", route):
            return fix_link(item, entry), FIX_WORDS.get(item.fix or "", "Open the record")
        return None, who_does("GET", route)

    return fix


def _number(value: str | None) -> int | None:
    """A query's id, or None when it is empty or not a whole number (the service checks the rest)."""
    return int(value) if value and value.isdigit() and len(value) <= 19 else None


def _day(value: str | None) -> dt.date | None:
    """A query's ISO day, or None when it is empty or not a day."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _clock(value: str) -> dt.time | None:
    """A query's ``HH:MM``, or None when it is not a time of day."""
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        return None


def _words(request: Request) -> dict[str, Any]:
    return {"kinds": KIND_WORDS, "statuses": STATUS_WORDS, "fix": fixes_for(request)}


# --- the week and the day -----------------------------------------------------------------------------------


@router.get("/calendar")
def calendar_page(
    request: Request,
    ctx: Context,
    day: OptionalDay = None,
    week: OptionalDay = None,
    practitioner: OptionalNumber = None,
) -> Response:
    view = calendar.calendar_view(
        ctx,
        calendar.CalendarRequest.of(
            day=day or None, week=week or None, practitioner_id=_number(practitioner)
        ),
    )
    step = dt.timedelta(days=1 if view.mode == "day" else 7)
    key = "day" if view.mode == "day" else "week"
    who = f"&practitioner={view.practitioner_id}" if view.practitioner_id else ""
    return page(
        request,
        "calendar/index.html",
        json_twin=f"/api/v1/appointments?from={view.start_on}&to={view.end_on}",
        view=view,
        previous=f"/calendar?{key}={view.start_on - step}{who}",
        following=f"/calendar?{key}={view.start_on + step}{who}",
        this_week=f"/calendar?week={view.today}{who}",
        today_link=f"/calendar?day={view.today}{who}",
        who=who,
        **_words(request),
    )


@router.get("/calendar/today")
def today_fragment(request: Request, ctx: Context) -> Response:
    """Today's appointments, for the dashboard (a fragment)."""
    view = calendar.calendar_view(ctx, calendar.CalendarRequest.of(day=ctx.today().isoformat()))
    return page(request, "calendar/_today.html", view=view, **_words(request))


# --- booking ------------------------------------------------------------------------------------------------


def _book_page(
    request: Request,
    ctx: ServiceContext,
    values: dict[str, Any],
    *,
    error: SmpError | None = None,
    status_code: int = 200,
    choices: calendar.BookingChoices | None = None,
) -> Response:
    choices = choices or calendar.booking_choices(ctx)
    partial = request.headers.get("hx-request") == "true" and request.method == "POST"
    clash = (error.detail or {}).get("clash") if error is not None else None
    return page(
        request,
        "calendar/_book.html" if partial else "calendar/book.html",
        status_code=200 if partial else status_code,
        choices=choices,
        values=values,
        error=error,
        clash=clash,
        field_error=field_error,
        **_words(request),
    )


@router.get("/calendar/book")
def book_page(
    request: Request,
    ctx: Context,
    client_id: OptionalNumber = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    day: OptionalDay = None,
    time: Annotated[str | None, Query(max_length=5)] = None,
    practitioner: OptionalNumber = None,
    followup_id: OptionalNumber = None,
    reminder_id: OptionalNumber = None,
    patch_test_id: OptionalNumber = None,
) -> Response:
    """The booking form, prefilled from the query. A due item's "book" link is one step: the form comes
    filled in full, with a practitioner (the one named, else the signed-in user where they may be booked,
    else the first), on a day and time not yet past."""
    kind = kind if kind in KIND_WORDS else "consultation"
    named = _number(practitioner)
    me = principal_of(request).user_id
    from_due = any(_number(x) for x in (followup_id, reminder_id, patch_test_id))
    on = _day(day) or ctx.today() + dt.timedelta(days=1)
    if from_due and on < ctx.today():
        on = ctx.today() + dt.timedelta(days=1)  # overdue: from the next day
    if from_due and named is None:
        named = me
    ask = calendar.BookingChoicesRequest.of(
        practitioner_id=named, day=on.isoformat(), minutes=calendar.DEFAULT_MINUTES[kind]
    )
    choices = calendar.booking_choices(ctx, ask)
    bookable = [p.id for p in choices.practitioners]
    if from_due and named not in bookable:
        named = me if me in bookable else (bookable[0] if bookable else None)
        if named is not None:
            choices = calendar.booking_choices(ctx, ask.model_copy(update={"practitioner_id": named}))
    if time and _clock(time):
        at = time  # the time asked for (a patch test's reading is due at its hour)
    elif choices.suggested_time is not None:
        at = choices.suggested_time.strftime("%H:%M")  # the practitioner's first free time that day
    else:
        at = "10:00"
    if from_due and dt.datetime.combine(on, _clock(at) or dt.time(10), ctx.clock.tz) <= ctx.clock.now():
        on = ctx.today() + dt.timedelta(days=1)  # later today than now: the next day
    values = {
        "client_id": _number(client_id),
        "practitioner_id": named,
        "kind": kind,
        "date": on.isoformat(),
        "time": at,
        "minutes": calendar.DEFAULT_MINUTES[kind],
        "followup_id": _number(followup_id),
        "reminder_id": _number(reminder_id),
        "patch_test_id": _number(patch_test_id),
        "notes": "",
    }
    return _book_page(request, ctx, values, choices=choices)


@router.post("/calendar/book")
def book(
    request: Request,
    ctx: Context,
    client_id: Short = "",
    practitioner_id: Short = "",
    kind: Short = "",
    date: Short = "",
    time: Short = "",
    minutes: Short = "",
    notes: Annotated[str, Form(max_length=2000)] = "",
    followup_id: Short = "",
    reminder_id: Short = "",
    patch_test_id: Short = "",
) -> Response:
    values: dict[str, Any] = {
        "client_id": _number(client_id),
        "practitioner_id": _number(practitioner_id),
        "kind": kind,
        "date": date,
        "time": time,
        "minutes": minutes,
        "notes": notes,
        "followup_id": _number(followup_id),
        "reminder_id": _number(reminder_id),
        "patch_test_id": _number(patch_test_id),
    }

    def call() -> ap.AppointmentEntry:
        request_ = appointment_booking.BookAppointmentRequest.of(
            client_id=client_id,
            practitioner_id=practitioner_id,
            kind=kind,
            starts_at=f"{date}T{time}" if date and time else date,
            minutes=minutes,
            notes=notes or None,
            followup_id=followup_id or None,
            reminder_id=reminder_id or None,
            patch_test_id=patch_test_id or None,
        )
        return appointment_booking.book_appointment(ctx, request_)

    booked, error = attempt(call)
    if booked is not None:
        target = f"/calendar?day={booked.starts_at.date()}#appointment-{booked.id}"
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": target})
        return see_other(target)
    status = error.http_status if error else 422
    return _book_page(request, ctx, values, error=error, status_code=status)


# --- one appointment ----------------------------------------------------------------------------------------


def _appointment_page(
    request: Request,
    ctx: ServiceContext,
    appointment_id: int,
    *,
    error: SmpError | None = None,
    failed: str | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
    outcome: str = "",
) -> Response:
    entry = ap.appointment_detail(ctx, ap.AppointmentRequest.of(appointment_id=appointment_id))
    local = entry.starts_at
    choices = calendar.booking_choices(ctx)
    shown = values or {
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "minutes": entry.minutes,
        "practitioner_id": entry.practitioner.id,
        "notes": entry.notes or "",
    }
    return page(
        request,
        "calendar/appointment.html",
        status_code=status_code,
        json_twin=f"/api/v1/appointments/{entry.id}",
        entry=entry,
        practitioners=choices.practitioners,
        values=shown,
        error=error,
        failed=failed,
        clash=(error.detail or {}).get("clash") if error is not None else None,
        started=local <= ctx.clock.now(),
        field_error=field_error,
        outcome=outcome,
        **_words(request),
    )


@router.get("/calendar/appointments/{appointment_id}")
def appointment_page(request: Request, ctx: Context, appointment_id: int) -> Response:
    return _appointment_page(request, ctx, appointment_id)


@router.post("/calendar/appointments/{appointment_id}/move")
def move(
    request: Request,
    ctx: Context,
    appointment_id: int,
    date: Short = "",
    time: Short = "",
    minutes: Short = "",
    practitioner_id: Short = "",
    notes: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    values = {"date": date, "time": time, "minutes": minutes, "practitioner_id": _number(practitioner_id)}
    values["notes"] = notes

    def call() -> ap.AppointmentEntry:
        change = appointment_booking.UpdateAppointmentRequest.of(
            appointment_id=appointment_id,
            starts_at=f"{date}T{time}" if date and time else None,
            minutes=minutes or None,
            practitioner_id=practitioner_id or None,
            notes=notes,
        )
        return appointment_booking.update_appointment(ctx, change)

    moved, error = attempt(call)
    if moved is not None:
        return see_other(f"/calendar/appointments/{moved.id}?done=moved")
    status = error.http_status if error else 422
    return _appointment_page(
        request, ctx, appointment_id, error=error, failed="move", values=values, status_code=status
    )


@router.post("/calendar/appointments/{appointment_id}/cancel")
def cancel(request: Request, ctx: Context, appointment_id: int) -> Response:
    call = appointment_booking.CancelAppointmentRequest.of(appointment_id=appointment_id)
    gone, error = attempt(lambda: appointment_booking.cancel_appointment(ctx, call))
    if gone is not None:
        return see_other(f"/calendar?day={gone.starts_at.date()}")
    status = error.http_status if error else 422
    return _appointment_page(request, ctx, appointment_id, error=error, failed="cancel", status_code=status)


@router.post("/calendar/appointments/{appointment_id}/call-outcome")
def call_outcome(
    request: Request, ctx: Context, appointment_id: int, outcome: Annotated[str, Form(max_length=4000)] = ""
) -> Response:
    """A follow-up call's outcome, recorded from its appointment: it closes the follow-up it was booked
    for (the same service as the dashboard's follow-up list)."""
    entry = ap.appointment_detail(ctx, ap.AppointmentRequest.of(appointment_id=appointment_id))

    def close() -> registers.FollowUpClosed:
        if entry.kind != "follow-up-call" or entry.followup_id is None:
            raise InputError(
                "this appointment was not booked for a follow-up",
                field="appointment",
                allowed="a follow-up call booked from a follow-up due",
            )
        call = registers.CompleteFollowUpRequest.of(followup_id=entry.followup_id, outcome=outcome)
        return registers.complete_followup(ctx, call)

    closed, error = attempt(close)
    if closed is not None:
        return see_other(f"/calendar/appointments/{entry.id}?done=call")
    code = error.http_status if error else 422
    return _appointment_page(
        request, ctx, appointment_id, error=error, failed="call", status_code=code, outcome=outcome
    )


@router.post("/calendar/appointments/{appointment_id}/status")
def mark(request: Request, ctx: Context, appointment_id: int, status: Short = "") -> Response:
    def call() -> ap.AppointmentEntry:
        change = appointment_booking.UpdateAppointmentRequest.of(
            appointment_id=appointment_id, status=status or None
        )
        return appointment_booking.update_appointment(ctx, change)

    marked, error = attempt(call)
    if marked is not None:
        return see_other(f"/calendar/appointments/{marked.id}?done=marked")
    code = error.http_status if error else 422
    return _appointment_page(request, ctx, appointment_id, error=error, failed="status", status_code=code)
