"""Sessions and sterilisation: `smp session record`, `smp sterilisation add|spore-test|sessions`.

Each command calls one :mod:`smpstudio.services.sessions` or :mod:`smpstudio.services.sterilisation` use
case and prints its result (``--json``: exactly the result model's JSON). A refused session is a result,
printed like any other, and the command exits with the code of the ``refused`` error kind.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from smpstudio.cli.common import JsonFlag, emit_json, id_type, out, run, with_context
from smpstudio.cli.files import ink_fraction as given_ink_fraction
from smpstudio.cli.output import ClientId, DateOption, emit, id_argument, rows
from smpstudio.errors import EXIT_CODES

__all__ = ["register"]

session = typer.Typer(help="Treatment sessions, checked before they are recorded.", no_args_is_help=True)
steril = typer.Typer(help="Autoclave cycles and spore tests.", no_args_is_help=True)

# --------------------------------------------------------------------------------------------- sessions


@session.command("record")
def session_record(
    client_id: ClientId,
    practitioner: Annotated[
        int, typer.Option(help="The practitioner's user id.", parser=id_type("practitioner"))
    ],
    pigment_lot: Annotated[str, typer.Option(help="Pigment lot code (or #id).")],
    needle_lot: Annotated[str, typer.Option(help="Needle cartridge lot code (or #id).")],
    diluent_lot: Annotated[str | None, typer.Option(help="Diluent lot code (or #id).")] = None,
    ink_fraction: Annotated[
        float | None, typer.Option(help="Fraction of undiluted ink, 0-1 (0.5 = diluted 50 %; 1 by default).")
    ] = None,
    dilution: Annotated[
        float | None, typer.Option(help="Deprecated: the former name of --ink-fraction.", hidden=True)
    ] = None,
    zones: Annotated[
        list[str] | None, typer.Option(help="Zone treated (repeatable): hairline, crown ...")
    ] = None,
    started: Annotated[
        str | None,
        typer.Option(
            help="Start (YYYY-MM-DDTHH:MM in the clinic's timezone, or with an offset; now by default)."
        ),
    ] = None,
    ended: Annotated[str | None, typer.Option(help="End.")] = None,
    historical: Annotated[
        bool,
        typer.Option(
            "--historical",
            help="Owner only: a session before today, recorded after the fact (takes no stock, books nothing "
            "in the past).",
        ),
    ] = False,
    design_version: Annotated[
        int | None,
        typer.Option(help="The client's design version used.", parser=id_type("design_version")),
    ] = None,
    anaesthetic: Annotated[str | None, typer.Option(help="Anaesthetic product.")] = None,
    anaesthetic_strength: Annotated[float | None, typer.Option(help="Its strength [%].")] = None,
    sterilisation_cycle: Annotated[
        int | None,
        typer.Option(help="Autoclave cycle of reusable items.", parser=id_type("sterilisation_cycle")),
    ] = None,
    notes: Annotated[str | None, typer.Option(help="Notes.")] = None,
    override_reason: Annotated[
        str | None, typer.Option(help="Owner only: why the checks are overridden.")
    ] = None,
    touch_up_years: Annotated[
        float | None, typer.Option(help="Touch-up forecast in years (`smp simulate`).")
    ] = None,
    forecast: Annotated[
        bool, typer.Option("--forecast", help="Forecast the touch-up with the healing model.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Record a session after the safety checks; a refusal lists every reason and exits with code 2."""
    from smpstudio.services.sessions import SessionRefused, SessionRequest, record_session

    fraction = run(lambda: given_ink_fraction(ink_fraction, dilution, 1.0))
    request = run(
        lambda: SessionRequest.of(
            client_id=client_id,
            practitioner_id=practitioner,
            pigment_lot=pigment_lot,
            needle_lot=needle_lot,
            diluent_lot=diluent_lot,
            ink_fraction=fraction,
            zones=zones,
            started=started,
            ended=ended,
            design_version=design_version,
            anaesthetic=anaesthetic,
            anaesthetic_strength_pct=anaesthetic_strength,
            sterilisation_cycle=sterilisation_cycle,
            notes=notes,
            override_reason=override_reason,
            touch_up_years=touch_up_years,
            forecast=forecast,
            historical=historical,
        )
    )
    result = with_context(lambda ctx: record_session(ctx, request))
    if isinstance(result, SessionRefused):
        if as_json:
            emit_json(result.to_json())
        else:
            out.print("[bold red]session refused:[/]")
            for r in result.reasons:
                mark = "" if r.overridable else " (cannot be overridden)"
                out.print(f"  {r.code}: {r.message}{mark}", highlight=False)
            if result.override:
                out.print(f"  (override: {result.override})", highlight=False)
        raise typer.Exit(EXIT_CODES["refused"])
    text = f"session {result.id} recorded" + (" (historical)" if result.historical else "")
    text += f"; needle lot has {result.needle_lot_left} left"
    text += (
        f"; touch-up due {result.touch_up.due_on}"
        if result.touch_up
        else "; no touch-up reminder (in the past)"
    )
    if result.overridden:
        text += f" [yellow](overridden: {', '.join(result.overridden)})[/]"
    emit(result, as_json, text)


# ---------------------------------------------------------------------------------------- sterilisation


@steril.command("add")
def steril_add(
    load: Annotated[str, typer.Option(help="Load number or label.")],
    temperature: Annotated[float, typer.Option(help="Temperature [°C].")],
    pressure: Annotated[float, typer.Option(help="Pressure [kPa].")],
    minutes: Annotated[float, typer.Option(help="Hold time [min].")],
    indicator: Annotated[str, typer.Option(help="Chemical indicator: pass or fail.")],
    run_at: Annotated[
        str | None,
        typer.Option(help="When it ran (the clinic's time unless an offset is given; now by default)."),
    ] = None,
    items: Annotated[str | None, typer.Option(help="What the load held.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Log an autoclave cycle."""
    from smpstudio.services.sterilisation import CycleRequest, add_cycle

    request = run(
        lambda: CycleRequest.of(
            load=load,
            temperature_c=temperature,
            pressure_kpa=pressure,
            minutes=minutes,
            indicator=indicator,
            run_at=run_at,
            items=items,
        )
    )
    result = with_context(lambda ctx: add_cycle(ctx, request))
    text = f"cycle {result.id} logged"
    if result.failed:
        text = f"[bold red]cycle {result.id} logged as failed[/]: {escape(result.failure_reason or '')}"
    emit(result, as_json, text)


@steril.command("spore-test")
def steril_spore(
    result_: Annotated[str, typer.Option("--result", help="pass or fail.")],
    date: DateOption = None,
    notes: Annotated[str | None, typer.Option(help="Notes.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Log a spore test; a failure opens a corrective action listing loads, sessions and clients."""
    from smpstudio.services.sterilisation import SporeTestRequest, record_spore_test

    request = run(lambda: SporeTestRequest.of(result=result_, tested_on=date, notes=notes))
    result = with_context(lambda ctx: record_spore_test(ctx, request))
    if as_json:
        emit_json(result.to_json())
        return
    out.print(f"spore test {result.id}: {result.result}")
    action = result.corrective_action
    if action:
        out.print(
            f"[bold red]corrective action {action.id}[/]: cycles {action.cycles}, "
            f"{len(action.sessions)} sessions, {len(action.clients)} clients"
        )
        for c in action.clients:
            out.print(f"  client {c.id} {escape(c.name)} {escape(c.contact.phone or '')}", highlight=False)
        for step in action.steps:
            out.print(f"  - {step}")


@steril.command("sessions")
def steril_sessions(
    cycle_id: Annotated[int, id_argument("cycle", "CYCLE")], as_json: JsonFlag = False
) -> None:
    """The sessions and clients one load reached."""
    from smpstudio.services.sterilisation import sessions_for_cycle

    result = with_context(lambda ctx: sessions_for_cycle(ctx, cycle_id))
    if as_json:
        emit_json(result.to_json())
        return
    rows(result, False, ["id", "date", "client"], f"sessions of cycle {cycle_id}", field="sessions")


def register(app: typer.Typer) -> None:
    app.add_typer(session, name="session")
    app.add_typer(steril, name="sterilisation")
