"""The registers: `smp followups`, `smp symptom report`, `smp adverse-event`, `smp touch-ups due`.

Each command calls one :mod:`smpstudio.services.registers` (or :mod:`~smpstudio.services.adverse_events`)
use case and prints its result (``--json``:
exactly the result model's JSON; a list's rows under the same key as the result's list field).
"""

from __future__ import annotations

from typing import Annotated

import typer

from smpstudio.cli.common import JsonFlag, id_type, out, run, with_context
from smpstudio.cli.output import ClientId, DateOption, emit, id_argument, plain, rows

__all__ = ["register"]

followups = typer.Typer(help="Follow-ups booked from the aftercare plan.", no_args_is_help=True)
symptom = typer.Typer(help="Symptom reports, triaged and kept.", no_args_is_help=True)
adverse = typer.Typer(help="Adverse events and their reporting deadlines.", no_args_is_help=True)
touchups = typer.Typer(help="Touch-up reminders.", no_args_is_help=True)

FollowUpId = Annotated[int, id_argument("followup")]
SessionOption = Annotated[
    int | None, typer.Option("--session", help="The session concerned.", parser=id_type("session"))
]

# ------------------------------------------------------------------------------- follow-ups and events


@followups.command("due")
def followups_due_cmd(date: DateOption = None, as_json: JsonFlag = False) -> None:
    """Follow-ups due today (or on --date) and overdue ones."""
    from smpstudio.services.registers import FollowUpsDueRequest, followups_due

    request = run(lambda: FollowUpsDueRequest.of(on=date))
    rows(
        with_context(lambda ctx: followups_due(ctx, request)),
        as_json,
        ["id", "due_on", "client.name", "client.phone", "purpose"],
        "follow-ups due",
    )


@followups.command("done")
def followups_done(
    followup_id: FollowUpId,
    outcome: Annotated[str, typer.Option(help="What was found or agreed.")],
    as_json: JsonFlag = False,
) -> None:
    """Close a follow-up with its outcome (a later outcome is added to its history)."""
    from smpstudio.services.registers import CompleteFollowUpRequest, complete_followup

    request = run(lambda: CompleteFollowUpRequest.of(followup_id=followup_id, outcome=outcome))
    emit(with_context(lambda ctx: complete_followup(ctx, request)), as_json, "follow-up closed")


@followups.command("show")
def followups_show(followup_id: FollowUpId, as_json: JsonFlag = False) -> None:
    """A follow-up with its latest outcome and every outcome written on it."""
    from smpstudio.services.registers import FollowUpRequest, followup_detail

    request = run(lambda: FollowUpRequest.of(followup_id=followup_id))
    result = with_context(lambda ctx: followup_detail(ctx, request))
    if as_json:
        emit(result, as_json, "")
        return
    state = f"done {result.done_at:%Y-%m-%d}" if result.done_at else "open"
    out.print(
        f"follow-up {result.id} (client {result.client}), due {result.due_on}, {state}: "
        f"{plain(result.purpose, multiline=False)}",
        highlight=False,
    )
    for o in result.outcomes:
        out.print(
            f"  {o.recorded_at:%Y-%m-%d %H:%M} user {o.recorded_by}: {plain(o.outcome)}", highlight=False
        )


@symptom.command("report")
def symptom_report(
    client_id: ClientId,
    day: Annotated[float, typer.Option(help="Days since the session.")],
    symptom_: Annotated[
        list[str], typer.Option("--symptom", help="A symptom (repeatable), as `smp triage`.")
    ],
    session_id: SessionOption = None,
    spreading: Annotated[bool, typer.Option("--spreading")] = False,
    worsening: Annotated[bool, typer.Option("--worsening")] = False,
    size_cm: Annotated[float | None, typer.Option(help="Size [cm].")] = None,
    duration_days: Annotated[float | None, typer.Option(help="Duration [days].")] = None,
    idempotency_key: Annotated[
        str | None,
        typer.Option(help="Your key for this report: sent again with the same key, it is kept once."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a client's symptoms with the triage result (retry with the same --idempotency-key)."""
    from smpstudio.services.registers import SymptomReportRequest, report_symptoms

    request = run(
        lambda: SymptomReportRequest.of(
            client_id=client_id,
            day=day,
            symptoms=symptom_,
            session_id=session_id,
            spreading=spreading,
            worsening=worsening,
            size_cm=size_cm,
            duration_days=duration_days,
            idempotency_key=idempotency_key,
        )
    )
    result = with_context(lambda ctx: report_symptoms(ctx, request))
    again = " (kept earlier under this key)" if result.replayed else ""
    emit(result, as_json, f"report {result.id}{again}: {result.disposition}. {plain(result.explanation)}")


@adverse.command("add")
def adverse_add(
    client_id: ClientId,
    description: Annotated[str, typer.Option(help="What happened.")],
    received: Annotated[str | None, typer.Option(help="When the clinic learnt of it (today).")] = None,
    serious: Annotated[
        list[str] | None, typer.Option(help="Serious criterion (repeatable): infection ...")
    ] = None,
    session_id: SessionOption = None,
    brand_notified: Annotated[str | None, typer.Option(help="When the brand was told.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Log an adverse event (serious ones get the brand's 15-business-day deadline)."""
    from smpstudio.services.adverse_events import AdverseEventRequest, add_adverse_event

    request = run(
        lambda: AdverseEventRequest.of(
            client_id=client_id,
            description=description,
            received_on=received,
            serious=serious,
            session_id=session_id,
            brand_notified_on=brand_notified,
        )
    )
    result = with_context(lambda ctx: add_adverse_event(ctx, request))
    text = f"adverse event {result.id} logged"
    if result.serious:
        text += f"; serious: the brand must report by {result.report_deadline_on}"
    emit(result, as_json, text)


@adverse.command("due")
def adverse_due(
    days: Annotated[int, typer.Option(help="Window in days.")] = 7,
    date: DateOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Serious events whose reporting deadline falls within the window and that the brand has not had."""
    from smpstudio.services.adverse_events import AdverseEventsDueRequest, adverse_events_due

    request = run(lambda: AdverseEventsDueRequest.of(within_days=days, on=date))
    rows(
        with_context(lambda ctx: adverse_events_due(ctx, request)),
        as_json,
        ["id", "client.name", "received_on", "report_deadline_on", "days_left"],
        "reporting deadlines",
    )


@touchups.command("due")
def touchups_due(
    month: Annotated[str | None, typer.Option(help="YYYY-MM (this month).")] = None, as_json: JsonFlag = False
) -> None:
    """Touch-ups due this month (or --month) and overdue ones."""
    from smpstudio.services.registers import TouchUpsDueRequest, touch_ups_due

    request = run(lambda: TouchUpsDueRequest.of(month=month))
    rows(
        with_context(lambda ctx: touch_ups_due(ctx, request)),
        as_json,
        ["id", "due_on", "client.name", "client.phone", "basis"],
        "touch-ups due",
    )


def register(app: typer.Typer) -> None:
    app.add_typer(followups, name="followups")
    app.add_typer(symptom, name="symptom")
    app.add_typer(adverse, name="adverse-event")
    app.add_typer(touchups, name="touch-ups")
