"""``smp screen``, ``triage``, ``aftercare``, ``pigment check``, ``patch-test plan``, ``removal estimate``.

Each command reads its files, calls one :mod:`smpstudio.services.care` use case and prints its result
(``--json``: exactly the result model's JSON).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from smpstudio.cli.common import JsonFlag, SkinTypeOption, context, emit_json, out, run
from smpstudio.cli.files import check_output, read_json_input, write_atomic
from smpstudio.cli.output import plain

if TYPE_CHECKING:
    from smpstudio.services.care import PatchTestResult

__all__ = ["register"]

OUTCOME_STYLE = {
    "proceed": "green", "counsel": "cyan", "doctor_clearance": "yellow", "defer": "yellow", "stop": "red",
    "expected": "green", "monitor": "cyan", "contact_practitioner": "yellow", "see_doctor": "red",
    "urgent": "bold red",
}  # fmt: skip


def _badge(value: str) -> str:
    return f"[{OUTCOME_STYLE.get(value, 'white')}]{value.replace('_', ' ')}[/]"


def screen(
    answers: Annotated[Path, typer.Argument(metavar="ANSWERS.json", help="The client's questionnaire.")],
    as_json: JsonFlag = False,
) -> None:
    """Screen a client: each answer's outcome with its reason and source; the worst wins."""
    from smpstudio.services.care import ScreenRequest, screen_client

    ctx = context()
    result = run(lambda: screen_client(ctx, ScreenRequest.of(answers=read_json_input(answers, "answers"))))
    if as_json:
        emit_json(result.to_json())
        return
    out.print(f"outcome: {_badge(result.outcome)}  (rules {result.rules_version})")
    table = Table("question", "outcome", "reason", "source")
    for f in result.findings:
        table.add_row(
            plain(f["question"]),
            _badge(f["outcome"]),
            plain(f["reason"] + (f" Until {f['until']}." if "until" in f else "")),
            plain(f["source"]),
        )
    if result.findings:
        out.print(table)


def triage_cmd(
    day: Annotated[float, typer.Option(help="Days since the session.")],
    symptom: Annotated[
        list[str], typer.Option(help="A symptom (repeatable): redness, swelling, itch, ... pus, fever.")
    ],
    spreading: Annotated[bool, typer.Option("--spreading", help="It is spreading.")] = False,
    worsening: Annotated[bool, typer.Option("--worsening", help="It is getting worse.")] = False,
    size_cm: Annotated[float | None, typer.Option(help="Size of a swelling or gland [cm].")] = None,
    duration_days: Annotated[float | None, typer.Option(help="How long it has lasted [days].")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Triage a client's symptoms after a session: what to do, why, and what to watch for."""
    from smpstudio.services.care import TriageRequest, triage_report

    ctx = context()
    result = run(
        lambda: triage_report(
            ctx,
            TriageRequest.of(
                day=day,
                symptoms=symptom,
                spreading=spreading,
                worsening=worsening,
                size_cm=size_cm,
                duration_days=duration_days,
            ),
        )
    )
    if as_json:
        emit_json(result.to_json())
        return
    out.print(f"{_badge(result.disposition)}: {plain(result.explanation)}")
    out.print(f"watch for: {plain('; '.join(result.watch_for))}")
    sources = plain("; ".join(result.sources))
    out.print(f"[dim]{plain(result.note)} Sources: {sources}. Rules {result.rules_version}.[/]")


def aftercare(
    session_date: Annotated[str, typer.Option(help="Date of the session, YYYY-MM-DD.")],
    fmt: Annotated[
        str, typer.Option("--format", help="text, json, ics (calendar reminders) or pdf (handout).")
    ],
    out_path: Annotated[Path, typer.Option("--out", help="File to write.")],
    as_json: JsonFlag = False,
) -> None:
    """Write the day-by-day aftercare plan for a session: text, JSON, calendar reminders or a PDF handout."""
    from smpstudio.services.care import AftercareRequest
    from smpstudio.services.care import aftercare as make

    run(lambda: check_output(out_path, "out", what="an aftercare plan"))
    ctx = context()
    made = run(lambda: make(ctx, AftercareRequest.of(session_date=session_date, format=fmt)))
    result = made.stored_at(str(run(lambda: write_atomic(out_path, made.content))))
    if as_json:
        emit_json(result.to_json())
    else:
        out.print(
            f"wrote {plain(result.out)} ({result.format}, {result.days} days, rules {result.rules_version})"
        )


pigment = typer.Typer(help="Pigment products: compliance with a jurisdiction's rules.", no_args_is_help=True)


@pigment.command("check")
def pigment_check(
    product: Annotated[Path, typer.Argument(metavar="PRODUCT.json", help="The product and lot.")],
    jurisdiction: Annotated[str, typer.Option(help="eu (REACH entry 75), coe (ResAP(2008)1) or us.")] = "eu",
    as_json: JsonFlag = False,
) -> None:
    """Check a pigment lot: limits, bans, label, expiry; warns of laser darkening and missing PAH data."""
    from smpstudio.services.care import PigmentCheckRequest, check_pigment

    ctx = context()
    result = run(
        lambda: check_pigment(
            ctx,
            PigmentCheckRequest.of(product=read_json_input(product, "product"), jurisdiction=jurisdiction),
        )
    )
    if as_json:
        emit_json(result.to_json())
    else:
        verdict = "[green]compliant[/]" if result.compliant else "[red]not compliant[/]"
        out.print(f"{verdict} ({jurisdiction}, rules {result.rules_version})")
        for v in result.violations:
            measured = (
                ""
                if v["measured_mg_per_kg"] is None
                else f" {v['measured_mg_per_kg']:g} mg/kg >= {v['limit_mg_per_kg']:g}:"
            )
            out.print(
                f"  [red]violation[/] {plain(v['substance'] or 'label')}:{measured} {plain(v['rule'])}",
                highlight=False,
            )
        for w in result.warnings:
            out.print(f"  [yellow]warning[/] {plain(w)}", highlight=False)


patch = typer.Typer(help="Patch tests before a first session.", no_args_is_help=True)


@patch.command("plan")
def patch_plan(
    first_session: Annotated[str, typer.Option(help="Date of the first session, YYYY-MM-DD.")],
    answers: Annotated[
        Path | None,
        typer.Option(help="The client's screening answers (ANSWERS.json), to see if it is advised."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Whether a patch test is advised, when to apply it and read it, and what its record must hold."""
    from smpstudio.services.care import PatchTestRequest, patch_test

    ctx = context()

    def action() -> PatchTestResult:
        document = None if answers is None else read_json_input(answers, "answers")
        return patch_test(ctx, PatchTestRequest.of(first_session=first_session, answers=document))

    result = run(action)
    if as_json:
        emit_json(result.to_json())
        return
    advised = "recommended" if result.recommended else "optional"
    out.print(f"patch test {advised}; apply on {result.apply_on}, read at {', '.join(result.read_at)}")
    out.print(f"record: {', '.join(result.record)}")
    for w in result.warnings:
        out.print(f"[yellow]warning[/] {plain(w)}", highlight=False)
    out.print(f"[dim]{plain(result.limited_value)} ({plain(result.source)})[/]")


removal = typer.Typer(help="Removal and repair planning.", no_args_is_help=True)


@removal.command("estimate")
def removal_estimate(
    location: Annotated[
        str, typer.Option(help="head-neck, upper-trunk, lower-trunk, proximal-extremity, distal-extremity.")
    ],
    colour: Annotated[str, typer.Option(help="black, black-red, black-red-other, multicolour.")],
    ink_amount: Annotated[str, typer.Option(help="amateur, minimal, moderate, significant.")],
    scarring: Annotated[str, typer.Option(help="none, minimal, moderate, significant.")],
    layering: Annotated[str, typer.Option(help="none or cover-up.")],
    skin_type: SkinTypeOption = "III",
    pigment_contains: Annotated[
        list[str] | None,
        typer.Option(help="iron-oxide or titanium-dioxide (repeatable): laser darkening risk."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Estimate laser removal: Kirby-Desai score, SMP sessions, wavelength, interval, warnings."""
    from smpstudio.services.care import RemovalRequest
    from smpstudio.services.care import removal_estimate as estimate

    ctx = context()
    request = run(
        lambda: RemovalRequest.of(
            skin_type=skin_type,
            location=location,
            colour=colour,
            ink_amount=ink_amount,
            scarring=scarring,
            layering=layering,
            pigment_contains=list(pigment_contains or ()),
        )
    )
    result = run(lambda: estimate(ctx, request))
    if as_json:
        emit_json(result.to_json())
        return
    low, high = result.sessions_expected_smp_range
    out.print(
        f"Kirby-Desai score {result.kirby_desai_score} (up to {result.sessions_kirby_desai} sessions); "
        f"SMP expected {result.sessions_expected_smp} ({low}-{high}) at {result.wavelength_nm} nm every "
        f"{result.interval_weeks} weeks"
    )
    out.print(plain(result.recommendation), highlight=False)
    for w in result.warnings:
        out.print(f"[yellow]warning[/] {plain(w)}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(screen)
    app.command("triage")(triage_cmd)
    app.command()(aftercare)
    app.add_typer(pigment, name="pigment")
    app.add_typer(removal, name="removal")
    app.add_typer(patch, name="patch-test")
