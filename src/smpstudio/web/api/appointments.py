"""Appointments: booking (201), a window of them, one with its checklist, moving or marking one (PATCH),
cancelling one (DELETE: it is kept, cancelled), what is due to be booked; and the reading of a patch test
applied earlier.

Times are ISO 8601: with an offset (``2026-12-02T10:00:00+00:00``) that instant, without one the clinic's
local time; answers give the clinic's local time with its offset. A practitioner already booked at an
overlapping time is HTTP 409, code ``appointment_clash``, the clashing appointment in ``detail.clash``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from smpstudio.services import appointment_booking, appointments, calendar, patch_tests
from smpstudio.services.appointment_booking import (
    BookAppointmentRequest,
    CancelAppointmentRequest,
    UpdateAppointmentRequest,
)
from smpstudio.services.appointments import (
    AppointmentEntry,
    AppointmentList,
    AppointmentRequest,
    AppointmentsRequest,
)
from smpstudio.services.calendar import DueList, DueRequest
from smpstudio.services.context import ServiceContext
from smpstudio.services.patch_tests import PatchTestReadRequest, PatchTestRecorded
from smpstudio.web.api import API_PREFIX
from smpstudio.web.errors import ErrorBody
from smpstudio.web.state import service_context

__all__ = ["AppointmentChange", "PatchTestReading", "router"]

router = APIRouter(prefix=API_PREFIX, tags=["appointments"])

Context = Annotated[ServiceContext, Depends(service_context)]
Day = Annotated[str, Query(max_length=10, description="YYYY-MM-DD (included).")]


class AppointmentChange(BaseModel):
    """What changes (what is not given stays): the start, the length, the practitioner, the notes (an
    empty text clears them), or the outcome once it started."""

    model_config = ConfigDict(extra="forbid")

    starts_at: str | None = Field(
        None, max_length=40, description="ISO 8601 (without an offset: clinic time)."
    )
    minutes: int | None = Field(None, description="Length. [minutes] (5-480)")
    practitioner_id: int | None = None
    notes: str | None = Field(None, max_length=2000)
    status: Literal["attended", "no-show"] | None = None


class PatchTestReading(BaseModel):
    """A pending patch test's reading: its result, and when it was read (now by default)."""

    model_config = ConfigDict(extra="forbid")

    result: str = Field(max_length=20, description="negative, positive or doubtful.")
    read: str | None = Field(None, max_length=40, description="YYYY-MM-DDTHH:MM, clinic time (now).")


CLASH: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "The practitioner is booked then: `detail.clash` names it."}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such appointment in the user's clinic."}
}


@router.post(
    "/appointments",
    response_model=AppointmentEntry,
    status_code=201,
    summary="Book an appointment; 409 with the clashing appointment when the practitioner is booked",
    responses={**CLASH, 404: {"model": ErrorBody, "description": "No such client or practitioner."}},
)
def book(body: BookAppointmentRequest, ctx: Context) -> AppointmentEntry:
    return appointment_booking.book_appointment(ctx, body)


@router.get(
    "/appointments",
    response_model=AppointmentList,
    summary="The appointments starting in a window of days (at most 62), the clinic's or one practitioner's",
)
def window(
    ctx: Context,
    from_: Annotated[str, Query(alias="from", max_length=10, description="YYYY-MM-DD (included).")],
    to: Day,
    practitioner_id: Annotated[int | None, Query(ge=1)] = None,
    include_cancelled: bool = False,
) -> AppointmentList:
    request = AppointmentsRequest.of(
        start_on=from_, end_on=to, practitioner_id=practitioner_id, include_cancelled=include_cancelled
    )
    return appointments.list_appointments(ctx, request)


@router.get(
    "/appointments/due",
    response_model=DueList,
    summary="Follow-ups, touch-ups and patch-test readings due by the window's end and not booked yet",
)
def due(
    ctx: Context,
    from_: Annotated[str, Query(alias="from", max_length=10, description="YYYY-MM-DD (included).")],
    to: Day,
) -> DueList:
    return calendar.due_items(ctx, DueRequest.of(start_on=from_, end_on=to))


@router.get(
    "/appointments/{appointment_id}",
    response_model=AppointmentEntry,
    summary="An appointment; a booked session with its checklist",
    responses=NOT_FOUND,
)
def detail(appointment_id: int, ctx: Context) -> AppointmentEntry:
    return appointments.appointment_detail(ctx, AppointmentRequest.of(appointment_id=appointment_id))


@router.patch(
    "/appointments/{appointment_id}",
    response_model=AppointmentEntry,
    summary="Move an appointment, change its notes, or mark it attended or a no-show",
    responses={**NOT_FOUND, **CLASH},
)
def change(appointment_id: int, body: AppointmentChange, ctx: Context) -> AppointmentEntry:
    values = body.model_dump(exclude_unset=True)
    request = UpdateAppointmentRequest.of(appointment_id=appointment_id, **values)
    return appointment_booking.update_appointment(ctx, request)


@router.delete(
    "/appointments/{appointment_id}",
    response_model=AppointmentEntry,
    summary="Cancel an appointment (it is kept, cancelled, and frees the time)",
    responses=NOT_FOUND,
)
def cancel(appointment_id: int, ctx: Context) -> AppointmentEntry:
    return appointment_booking.cancel_appointment(
        ctx, CancelAppointmentRequest.of(appointment_id=appointment_id)
    )


@router.post(
    "/clients/{client_id}/patch-tests/{patch_test_id}/read",
    response_model=PatchTestRecorded,
    summary="Record the reading of a patch test applied earlier; 409 when it was read already",
    tags=["patch tests"],
    responses={404: {"model": ErrorBody, "description": "No such patch test of this client."}},
)
def read_patch_test(
    client_id: int, patch_test_id: int, body: PatchTestReading, ctx: Context
) -> PatchTestRecorded:
    request = PatchTestReadRequest.of(
        client_id=client_id, patch_test_id=patch_test_id, result=body.result, read=body.read
    )
    return patch_tests.read_patch_test(ctx, request)
