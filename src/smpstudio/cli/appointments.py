"""`smp appointment`: book, list, move and cancel appointments.

Each command calls one :mod:`smpstudio.services.appointments` use case and prints its result (``--json``:
exactly the result model's JSON). Times are ISO 8601 (``2026-12-02T10:00``: the clinic's local time; with
an offset, that instant). A double booking exits 2 and names the appointment in the way.
"""

from __future__ import annotations

from typing import Annotated

import typer

from smpstudio.cli.common import JsonFlag, id_type, run, with_context
from smpstudio.cli.output import ClientId, emit, id_argument, plain, rows

__all__ = ["register"]

appointment = typer.Typer(help="Appointments: book, list, move, cancel.", no_args_is_help=True)

AppointmentId = Annotated[int, id_argument("appointment_id")]
At = Annotated[str, typer.Option("--at", help="Start, ISO 8601 (without an offset: the clinic's time).")]


def _line(verb: str, result: object) -> str:
    data = result.to_json()  # type: ignore[attr-defined]
    return plain(
        f"{verb} appointment {data['id']}: {data['kind']} {data['starts_at']} to {data['ends_at'][11:16]}, "
        f"{data['client']['name']} with {data['practitioner']['name']} ({data['status']})",
        multiline=False,
    )


@appointment.command("book")
def book(
    client_id: ClientId,
    practitioner: Annotated[
        int,
        typer.Option("--practitioner", help="The practitioner's user id.", parser=id_type("practitioner_id")),
    ],
    kind: Annotated[
        str, typer.Option(help="consultation, session, touch-up, follow-up-call or patch-test-read.")
    ],
    at: At,
    minutes: Annotated[int, typer.Option(help="Length. [minutes] (5-480)")],
    notes: Annotated[str | None, typer.Option(help="Notes for the day.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Book an appointment (refused when the practitioner is booked then, naming that appointment)."""
    from smpstudio.services.appointment_booking import BookAppointmentRequest, book_appointment

    request = run(
        lambda: BookAppointmentRequest.of(
            client_id=client_id,
            practitioner_id=practitioner,
            kind=kind,
            starts_at=at,
            minutes=minutes,
            notes=notes,
        )
    )
    result = with_context(lambda ctx: book_appointment(ctx, request))
    emit(result, as_json, _line("booked", result))


@appointment.command("list")
def list_(
    from_: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    to: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD), at most 62 days on.")],
    practitioner: Annotated[
        int | None,
        typer.Option("--practitioner", help="Only this practitioner's.", parser=id_type("practitioner_id")),
    ] = None,
    cancelled: Annotated[bool, typer.Option("--cancelled", help="Include cancelled ones.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """The appointments starting in a window of days, earliest first."""
    from smpstudio.services.appointments import AppointmentsRequest, list_appointments

    request = run(
        lambda: AppointmentsRequest.of(
            start_on=from_, end_on=to, practitioner_id=practitioner, include_cancelled=cancelled
        )
    )
    rows(
        with_context(lambda ctx: list_appointments(ctx, request)),
        as_json,
        [
            "id",
            "starts_at",
            "minutes",
            "kind",
            "client.name",
            "practitioner.name",
            "status",
            "checklist.ready",
        ],
        "appointments",
    )


@appointment.command("move")
def move(
    appointment_id: AppointmentId,
    at: Annotated[str | None, typer.Option("--at", help="New start, ISO 8601.")] = None,
    minutes: Annotated[int | None, typer.Option(help="New length. [minutes]")] = None,
    practitioner: Annotated[
        int | None,
        typer.Option("--practitioner", help="Another practitioner.", parser=id_type("practitioner_id")),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Move an appointment (the practitioner must be free then)."""
    from smpstudio.services.appointment_booking import UpdateAppointmentRequest, update_appointment

    request = run(
        lambda: UpdateAppointmentRequest.of(
            appointment_id=appointment_id, starts_at=at, minutes=minutes, practitioner_id=practitioner
        )
    )
    result = with_context(lambda ctx: update_appointment(ctx, request))
    emit(result, as_json, _line("moved", result))


@appointment.command("cancel")
def cancel(appointment_id: AppointmentId, as_json: JsonFlag = False) -> None:
    """Cancel an appointment (kept on record as cancelled; the time is free again)."""
    from smpstudio.services.appointment_booking import CancelAppointmentRequest, cancel_appointment

    request = run(lambda: CancelAppointmentRequest.of(appointment_id=appointment_id))
    result = with_context(lambda ctx: cancel_appointment(ctx, request))
    emit(result, as_json, _line("cancelled", result))


def register(app: typer.Typer) -> None:
    app.add_typer(appointment, name="appointment")
