"""The clinic records commands: clinic, user, client, consent, patch-test record, lot, session,
sterilisation, followups, symptom, adverse-event, touch-ups, audit, backup, restore.

Thin over :mod:`smpstudio.services.records`, :mod:`~smpstudio.services.treatment` and
:mod:`~smpstudio.services.protection`. The store is opened per command from ``--data-dir`` (or
``SMP_DATABASE_URL``) and the acting user comes from ``--as`` (or ``SMP_USER``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from smpstudio.cli.common import JsonFlag, emit_json, out, run, state

__all__ = ["register"]

T = TypeVar("T")

clinic = typer.Typer(help="The clinic (tenant) and its store.", no_args_is_help=True)
user = typer.Typer(help="Staff: owners, practitioners, front desk; certifications.", no_args_is_help=True)
client = typer.Typer(
    help="Clients: add, screen, show, export, erase; designs and photos.", no_args_is_help=True
)
consent = typer.Typer(help="Signed consents (treatment, photography) and their texts.", no_args_is_help=True)
lot = typer.Typer(
    help="Pigment, needle and diluent lots: stock, expiry, compliance, recalls.", no_args_is_help=True
)
session = typer.Typer(help="Treatment sessions, checked before they are recorded.", no_args_is_help=True)
steril = typer.Typer(help="Autoclave cycles and spore tests.", no_args_is_help=True)
followups = typer.Typer(help="Follow-ups booked from the aftercare plan.", no_args_is_help=True)
symptom = typer.Typer(help="Symptom reports, triaged and kept.", no_args_is_help=True)
adverse = typer.Typer(help="Adverse events and their reporting deadlines.", no_args_is_help=True)
touchups = typer.Typer(help="Touch-up reminders.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)

ClientId = Annotated[int, typer.Option("--client", help="Client id.")]
DateOption = Annotated[str | None, typer.Option("--date", help="The day to ask about (YYYY-MM-DD; today).")]


def _with_store(action: Callable[[Any, int | None], T], *, create: bool = False) -> T:
    from smpstudio.records.store import open_store

    def go() -> T:
        store = open_store(state["data_dir"], create=create)
        try:
            return action(store, state["as"])
        finally:
            store.close()

    return run(go)


def _emit(result: dict[str, Any], as_json: bool, text: str) -> None:
    if as_json:
        emit_json(result)
    else:
        out.print(text, highlight=False)
    for w in result.get("warnings", []) if isinstance(result, dict) else []:
        if not as_json:
            out.print(f"[yellow]warning:[/] {w}", highlight=False)


def _rows(items: list[dict[str, Any]], as_json: bool, columns: list[str], title: str, key: str) -> None:
    if as_json:
        emit_json({key: items})
        return
    if not items:
        out.print(f"no {title}")
        return
    table = Table(*columns, title=title)
    for item in items:
        table.add_row(*[_cell(item, c) for c in columns])
    out.print(table)


def _cell(item: dict[str, Any], column: str) -> str:
    value: Any = item
    for part in column.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)


# ---------------------------------------------------------------------------------------------- clinic


@clinic.command("init")
def clinic_init(
    name: Annotated[str, typer.Option(help="The clinic's name.")],
    owner_name: Annotated[str | None, typer.Option(help="The owner's name.")] = None,
    retention_years: Annotated[int, typer.Option(help="Years records are kept after the last session.")] = 6,
    jurisdiction: Annotated[
        str, typer.Option(help="Label of the retention policy's jurisdiction.")
    ] = "default",
    as_json: JsonFlag = False,
) -> None:
    """Create the store (if needed), the clinic and its owner."""
    from smpstudio.services.records import init_clinic

    result = _with_store(
        lambda store, _: init_clinic(
            store,
            name=name,
            owner_name=owner_name,
            retention_years=retention_years,
            jurisdiction=jurisdiction,
        ),
        create=True,
    )
    _emit(result, as_json, f"clinic {result['clinic_id']} created; owner user id {result['owner_id']}")


# ------------------------------------------------------------------------------------------------ users


@user.command("add")
def user_add(
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[str, typer.Option(help="owner, practitioner or front-desk.")],
    certified_until: Annotated[
        str | None, typer.Option(help="Expiry of the SMP training and bloodborne-pathogen certificates.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a staff member."""
    from smpstudio.services.records import add_user

    result = _with_store(lambda s, a: add_user(s, a, name=name, role=role, certified_until=certified_until))
    _emit(result, as_json, f"user {result['id']} added")


@user.command("certify")
def user_certify(
    user_id: Annotated[int, typer.Argument(metavar="UID")],
    kind: Annotated[str, typer.Option(help="smp-training or bloodborne-pathogens.")],
    expires: Annotated[str, typer.Option(help="Expiry date.")],
    as_json: JsonFlag = False,
) -> None:
    """Record a certification with its expiry."""
    from smpstudio.services.records import add_certification

    result = _with_store(lambda s, a: add_certification(s, a, user_id=user_id, kind=kind, expires=expires))
    _emit(result, as_json, f"certification {result['id']} recorded")


@user.command("list")
def user_list(as_json: JsonFlag = False) -> None:
    """Staff with roles and certification expiries."""
    from smpstudio.services.records import list_users

    _rows(_with_store(list_users), as_json, ["id", "name", "role", "certifications"], "users", "users")


# ---------------------------------------------------------------------------------------------- clients


@client.command("add")
def client_add(
    name: Annotated[str, typer.Option(help="Full name.")],
    date_of_birth: Annotated[str, typer.Option(help="YYYY-MM-DD.")],
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    phone: Annotated[str | None, typer.Option(help="Phone number.")] = None,
    address: Annotated[str | None, typer.Option(help="Postal address.")] = None,
    skin_type: Annotated[str | None, typer.Option(help="Fitzpatrick skin type I-VI.")] = None,
    hair_colour: Annotated[str | None, typer.Option(help="Natural hair colour.")] = None,
    hair_loss_pattern: Annotated[str | None, typer.Option(help="e.g. norwood-5, ludwig-2, scar.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a client."""
    from smpstudio.services.records import add_client

    result = _with_store(
        lambda s, a: add_client(
            s,
            a,
            name=name,
            date_of_birth=date_of_birth,
            email=email,
            phone=phone,
            address=address,
            skin_type=skin_type,
            hair_colour=hair_colour,
            hair_loss_pattern=hair_loss_pattern,
        )
    )
    _emit(result, as_json, f"client {result['id']} added")


@client.command("find")
def client_find(
    query: Annotated[str, typer.Argument(help="Part of a name.")], as_json: JsonFlag = False
) -> None:
    """Find clients by name."""
    from smpstudio.services.records import find_clients

    _rows(
        _with_store(lambda s, a: find_clients(s, a, query)),
        as_json,
        ["id", "name", "date_of_birth"],
        "clients",
        "clients",
    )


@client.command("screen")
def client_screen(
    client_id: Annotated[int, typer.Argument(metavar="ID")],
    answers: Annotated[Path, typer.Argument(metavar="ANSWERS.json", help="The care rules' questionnaire.")],
    as_json: JsonFlag = False,
) -> None:
    """Screen a client and keep the answers, outcome and rules version."""
    from smpstudio.services.records import screen_client

    result = _with_store(lambda s, a: screen_client(s, a, client_id, answers))
    text = f"screening {result['id']}: outcome {result['outcome']} (rules {result['rules_version']})"
    if result["patch_test_recommended"]:
        text += "; a patch test is required before the first session"
    _emit(result, as_json, text)


@client.command("show")
def client_show(client_id: Annotated[int, typer.Argument(metavar="ID")], as_json: JsonFlag = False) -> None:
    """The client's whole record."""
    from smpstudio.services.records import client_record

    record = _with_store(lambda s, a: client_record(s, a, client_id))
    if as_json:
        emit_json(record)
        return
    c = record["client"]
    out.print(
        f"[bold]{c['name']}[/] (client {c['id']}), born {c['date_of_birth']}, skin type {c['skin_type']}",
        highlight=False,
    )
    out.print(f"contact: {c['email'] or '-'} / {c['phone'] or '-'}", highlight=False)
    for key in (
        "screenings",
        "consents",
        "patch_tests",
        "designs",
        "photos",
        "sessions",
        "follow_ups",
        "symptom_reports",
        "adverse_events",
        "reminders",
    ):
        out.print(f"{key.replace('_', ' ')}: {len(record[key])}")
    for s in record["sessions"]:
        out.print(
            f"  session {s['id']} {s['started_at']}: pigment {s['pigment_lot']['lot']}, needle "
            f"{s['needle_lot']['lot']}, diluent {(s['diluent_lot'] or {}).get('lot', '-')}, "
            f"dilution {s['dilution']}",
            highlight=False,
        )


@client.command("export")
def client_export(
    client_id: Annotated[int, typer.Argument(metavar="ID")],
    out_path: Annotated[Path, typer.Option("--out", help="Zip file to write.")],
    as_json: JsonFlag = False,
) -> None:
    """Export the client's whole record: JSON plus photos, signatures and designs, zipped."""
    from smpstudio.services.protection import export_client

    result = _with_store(lambda s, a: export_client(s, a, client_id, out_path))
    _emit(result, as_json, f"wrote {result['out']} ({result['sessions']} sessions, {result['files']} files)")


@client.command("erase")
def client_erase(client_id: Annotated[int, typer.Argument(metavar="ID")], as_json: JsonFlag = False) -> None:
    """Anonymise the client when the retention period allows; otherwise say until when it is kept."""
    from smpstudio.services.protection import erase_client

    result = _with_store(lambda s, a: erase_client(s, a, client_id))
    if as_json:
        emit_json(result)
    elif result["erased"]:
        out.print(f"client {client_id} erased")
    else:
        out.print(
            f"[red]not erased:[/] kept until {result['retained_until']}: {result['reason']}", highlight=False
        )
    if not result["erased"]:
        raise typer.Exit(2)


@client.command("design")
def client_design(
    client_id: Annotated[int, typer.Argument(metavar="ID")],
    design_file: Annotated[Path, typer.Argument(metavar="DESIGN.json")],
    as_json: JsonFlag = False,
) -> None:
    """Store a design as the client's next design version."""
    from smpstudio.services.records import add_design

    result = _with_store(lambda s, a: add_design(s, a, client_id=client_id, path=design_file))
    _emit(result, as_json, f"design version {result['version']} stored")


@client.command("plan")
def client_plan(
    client_id: Annotated[int, typer.Argument(metavar="ID")],
    sessions: Annotated[int, typer.Option(help="Sessions planned (usually 2-4).")] = 3,
    interval_days: Annotated[
        int, typer.Option(help="Days between sessions (at least the rules' minimum).")
    ] = 14,
    design_version: Annotated[int | None, typer.Option(help="The design version the plan follows.")] = None,
    notes: Annotated[str | None, typer.Option(help="Notes.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a treatment plan; later sessions of the client belong to it."""
    from smpstudio.services.records import add_plan

    result = _with_store(
        lambda s, a: add_plan(
            s,
            a,
            client_id=client_id,
            sessions=sessions,
            interval_days=interval_days,
            design_version=design_version,
            notes=notes,
        )
    )
    _emit(result, as_json, f"plan {result['id']}: {sessions} sessions, {interval_days} days apart")


@client.command("photo")
def client_photo(
    client_id: Annotated[int, typer.Argument(metavar="ID")],
    photo_file: Annotated[Path, typer.Argument(metavar="PHOTO")],
    view: Annotated[str, typer.Option(help="front, top, left, right, back, crown, hairline ...")],
    kind: Annotated[str, typer.Option(help="before, after, progress or reference.")] = "progress",
    session_id: Annotated[int | None, typer.Option("--session", help="The session it belongs to.")] = None,
    landmarks: Annotated[Path | None, typer.Option(help="JSON of landmark name -> [x, y] pixels.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Store a photo (EXIF stripped, content-addressed); needs the client's photography consent."""
    from smpstudio.services.records import add_photo

    result = _with_store(
        lambda s, a: add_photo(
            s,
            a,
            client_id=client_id,
            path=photo_file,
            view=view,
            kind=kind,
            session_id=session_id,
            landmarks_path=landmarks,
        )
    )
    _emit(result, as_json, f"photo {result['id']} stored ({result['sha256'][:12]})")


# --------------------------------------------------------------------------------------------- consent


@consent.command("sign")
def consent_sign(
    client_id: ClientId,
    signed_name: Annotated[str, typer.Option(help="The name as the client typed it.")],
    kind: Annotated[str, typer.Option(help="treatment or photography.")] = "treatment",
    version: Annotated[str | None, typer.Option(help="Consent text version (newest by default).")] = None,
    signature: Annotated[Path | None, typer.Option(help="Image of a drawn signature.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a signed consent against the exact text version."""
    from smpstudio.services.records import sign_consent

    result = _with_store(
        lambda s, a: sign_consent(
            s,
            a,
            client_id=client_id,
            signed_name=signed_name,
            kind=kind,
            version=version,
            signature_file=signature,
        )
    )
    _emit(result, as_json, f"{kind} consent {result['id']} signed (text version {result['text_version']})")


@consent.command("withdraw")
def consent_withdraw(
    client_id: ClientId,
    kind: Annotated[str, typer.Option(help="treatment or photography.")] = "treatment",
    as_json: JsonFlag = False,
) -> None:
    """Withdraw a client's consent."""
    from smpstudio.services.records import withdraw_consent

    result = _with_store(lambda s, a: withdraw_consent(s, a, client_id=client_id, kind=kind))
    _emit(result, as_json, f"withdrawn: {result['withdrawn']}")


@consent.command("text")
def consent_text(
    kind: Annotated[str, typer.Option(help="treatment or photography.")],
    version: Annotated[str, typer.Option(help="The new version's label.")],
    text_file: Annotated[Path, typer.Argument(metavar="FILE.md")],
    as_json: JsonFlag = False,
) -> None:
    """Add the clinic's own version of a consent text (owner)."""
    from smpstudio.services.records import add_consent_text

    result = _with_store(lambda s, a: add_consent_text(s, a, kind=kind, version=version, path=text_file))
    _emit(result, as_json, f"consent text {kind} {version} stored")


def patch_record(
    client_id: ClientId,
    lot_code: Annotated[str, typer.Option("--lot", help="The pigment lot tested.")],
    applied: Annotated[str, typer.Option(help="When applied (YYYY-MM-DD or YYYY-MM-DDTHH:MM).")],
    read: Annotated[str, typer.Option(help="When read.")],
    result: Annotated[str, typer.Option(help="negative, positive or equivocal.")],
    site: Annotated[str, typer.Option(help="Test site.")] = "behind the ear",
    as_json: JsonFlag = False,
) -> None:
    """Record a patch test's result (with its limited predictive value)."""
    from smpstudio.services.records import record_patch_test

    res = _with_store(
        lambda s, a: record_patch_test(
            s, a, client_id=client_id, lot=lot_code, applied=applied, read=read, result=result, site=site
        )
    )
    _emit(res, as_json, f"patch test {res['id']} recorded: {res['result']}. {res['limited_value']}")


# ------------------------------------------------------------------------------------------------- lots


@lot.command("add")
def lot_add(
    kind: Annotated[str, typer.Option(help="pigment, needle or diluent.")],
    product: Annotated[str, typer.Option(help="Brand and product name.")],
    lot_code: Annotated[str, typer.Option("--lot", help="The lot or batch code on the label.")],
    expires: Annotated[str, typer.Option(help="Expiry date.")],
    quantity: Annotated[int, typer.Option(help="Units received (cartridges, bottles).")],
    product_file: Annotated[
        Path | None, typer.Option(help="Product JSON for the pigment compliance check (`smp pigment check`).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Receive a lot into stock."""
    from smpstudio.services.treatment import add_lot

    result = _with_store(
        lambda s, a: add_lot(
            s,
            a,
            kind=kind,
            product=product,
            lot=lot_code,
            expires=expires,
            quantity=quantity,
            product_file=product_file,
        )
    )
    _emit(result, as_json, f"lot {result['id']} added (compliance {result['compliance']})")


@lot.command("adjust")
def lot_adjust(
    lot_id: Annotated[int, typer.Argument(metavar="LOT_ID")],
    delta: Annotated[int, typer.Option(help="Units to add (negative to remove).")],
    reason: Annotated[str, typer.Option(help="Why: stock count, damaged, returned ...")],
    as_json: JsonFlag = False,
) -> None:
    """Correct a lot's stock, with the reason kept in the ledger."""
    from smpstudio.services.treatment import adjust_lot

    result = _with_store(lambda s, a: adjust_lot(s, a, lot_id=lot_id, delta=delta, reason=reason))
    _emit(result, as_json, f"lot {result['id']}: {result['quantity']} in stock")


@lot.command("list")
def lot_list(as_json: JsonFlag = False) -> None:
    """Every lot with stock, expiry, compliance and recall status."""
    from smpstudio.services.treatment import list_lots

    _rows(
        _with_store(list_lots),
        as_json,
        ["id", "kind", "product", "lot", "expires_on", "quantity", "compliance", "recalled"],
        "lots",
        "lots",
    )


@lot.command("expiring")
def lot_expiring(
    days: Annotated[int, typer.Option(help="Window in days.")] = 30, as_json: JsonFlag = False
) -> None:
    """Lots in stock that expire within the window (or have expired)."""
    from smpstudio.services.treatment import lots_expiring

    _rows(
        _with_store(lambda s, a: lots_expiring(s, a, within_days=days)),
        as_json,
        ["id", "kind", "product", "lot", "expires_on", "quantity"],
        f"lots expiring within {days} days",
        "lots",
    )


def _print_exposed(result: dict[str, Any], as_json: bool, verb: str) -> None:
    if as_json:
        emit_json(result)
        return
    out.print(f"lot {result['lot']} {verb}: {len(result['clients'])} clients", highlight=False)
    table = Table("client", "name", "phone", "email", "sessions")
    for c in result["clients"]:
        table.add_row(
            str(c["id"]),
            c["name"],
            c["contact"]["phone"] or "",
            c["contact"]["email"] or "",
            ", ".join(s["date"] for s in c["sessions"]) or "patch test",
        )
    if result["clients"]:
        out.print(table)


@lot.command("recall")
def lot_recall(
    lot_code: Annotated[str, typer.Argument(metavar="LOT")],
    reason: Annotated[str | None, typer.Option(help="The recall notice's reason.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Mark a lot recalled and list every client who received it, with contacts and sessions."""
    from smpstudio.services.treatment import lot_clients

    _print_exposed(
        _with_store(lambda s, a: lot_clients(s, a, lot_code, recall=True, reason=reason)), as_json, "recalled"
    )


@lot.command("clients")
def lot_clients_cmd(
    lot_code: Annotated[str, typer.Argument(metavar="LOT")], as_json: JsonFlag = False
) -> None:
    """List the clients who received a lot, without recalling it."""
    from smpstudio.services.treatment import lot_clients

    _print_exposed(_with_store(lambda s, a: lot_clients(s, a, lot_code)), as_json, "was used on")


# --------------------------------------------------------------------------------------------- sessions


@session.command("record")
def session_record(
    client_id: ClientId,
    practitioner: Annotated[int, typer.Option(help="The practitioner's user id.")],
    pigment_lot: Annotated[str, typer.Option(help="Pigment lot code (or #id).")],
    needle_lot: Annotated[str, typer.Option(help="Needle cartridge lot code (or #id).")],
    diluent_lot: Annotated[str | None, typer.Option(help="Diluent lot code (or #id).")] = None,
    dilution: Annotated[float, typer.Option(help="Fraction of undiluted ink, 0-1.")] = 1.0,
    zones: Annotated[
        list[str] | None, typer.Option(help="Zone treated (repeatable): hairline, crown ...")
    ] = None,
    started: Annotated[
        str | None, typer.Option(help="Start (YYYY-MM-DDTHH:MM, UTC; now by default).")
    ] = None,
    ended: Annotated[str | None, typer.Option(help="End.")] = None,
    design_version: Annotated[int | None, typer.Option(help="The client's design version used.")] = None,
    anaesthetic: Annotated[str | None, typer.Option(help="Anaesthetic product.")] = None,
    anaesthetic_strength: Annotated[float | None, typer.Option(help="Its strength [%].")] = None,
    sterilisation_cycle: Annotated[
        int | None, typer.Option(help="Autoclave cycle of reusable items.")
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
    from smpstudio.services.treatment import record_session

    result = _with_store(
        lambda s, a: record_session(
            s,
            a,
            client_id=client_id,
            practitioner_id=practitioner,
            pigment_lot=pigment_lot,
            needle_lot=needle_lot,
            diluent_lot=diluent_lot,
            dilution=dilution,
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
        )
    )
    if result["refused"]:
        if as_json:
            emit_json({"refused": True, "reasons": result["reasons"], "override": result["override"]})
        else:
            out.print("[bold red]session refused:[/]")
            for r in result["reasons"]:
                out.print(f"  {r['code']}: {r['message']}", highlight=False)
            if result["override"]:
                out.print(f"  (override: {result['override']})", highlight=False)
        raise typer.Exit(2)
    text = f"session {result['id']} recorded; needle lot has {result['needle_lot_left']} left; touch-up due "
    text += f"{result['touch_up']['due_on']}"
    if result["overridden"]:
        text += f" [yellow](overridden: {', '.join(result['overridden'])})[/]"
    _emit(result, as_json, text)


# ---------------------------------------------------------------------------------------- sterilisation


@steril.command("add")
def steril_add(
    load: Annotated[str, typer.Option(help="Load number or label.")],
    temperature: Annotated[float, typer.Option(help="Temperature [°C].")],
    pressure: Annotated[float, typer.Option(help="Pressure [kPa].")],
    minutes: Annotated[float, typer.Option(help="Hold time [min].")],
    indicator: Annotated[str, typer.Option(help="Chemical indicator: pass or fail.")],
    run_at: Annotated[str | None, typer.Option(help="When it ran (now by default).")] = None,
    items: Annotated[str | None, typer.Option(help="What the load held.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Log an autoclave cycle."""
    from smpstudio.services.treatment import add_cycle

    result = _with_store(
        lambda s, a: add_cycle(
            s,
            a,
            load=load,
            temperature_c=temperature,
            pressure_kpa=pressure,
            minutes=minutes,
            indicator=indicator,
            run_at=run_at,
            items=items,
        )
    )
    _emit(result, as_json, f"cycle {result['id']} logged")


@steril.command("spore-test")
def steril_spore(
    result_: Annotated[str, typer.Option("--result", help="pass or fail.")],
    date: DateOption = None,
    notes: Annotated[str | None, typer.Option(help="Notes.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Log a spore test; a failure opens a corrective action listing loads, sessions and clients."""
    from smpstudio.services.treatment import record_spore_test

    result = _with_store(lambda s, a: record_spore_test(s, a, result=result_, tested_on=date, notes=notes))
    if as_json:
        emit_json(result)
        return
    out.print(f"spore test {result['id']}: {result['result']}")
    action = result["corrective_action"]
    if action:
        out.print(
            f"[bold red]corrective action {action['id']}[/]: cycles {action['cycles']}, "
            f"{len(action['sessions'])} sessions, {len(action['clients'])} clients"
        )
        for c in action["clients"]:
            out.print(f"  client {c['id']} {c['name']} {c['contact']['phone'] or ''}", highlight=False)
        for step in action["steps"]:
            out.print(f"  - {step}")


@steril.command("sessions")
def steril_sessions(
    cycle_id: Annotated[int, typer.Argument(metavar="CYCLE")], as_json: JsonFlag = False
) -> None:
    """The sessions and clients one load reached."""
    from smpstudio.services.treatment import sessions_for_cycle

    result = _with_store(lambda s, a: sessions_for_cycle(s, a, cycle_id))
    if as_json:
        emit_json(result)
        return
    _rows(result["sessions"], False, ["id", "date", "client"], f"sessions of cycle {cycle_id}", "sessions")


# ------------------------------------------------------------------------------- follow-ups and events


@followups.command("due")
def followups_due_cmd(date: DateOption = None, as_json: JsonFlag = False) -> None:
    """Follow-ups due today (or on --date) and overdue ones."""
    from smpstudio.services.treatment import followups_due

    _rows(
        _with_store(lambda s, a: followups_due(s, a, on=date)),
        as_json,
        ["id", "due_on", "client.name", "client.phone", "purpose"],
        "follow-ups due",
        "followups",
    )


@followups.command("done")
def followups_done(
    followup_id: Annotated[int, typer.Argument(metavar="ID")],
    outcome: Annotated[str, typer.Option(help="What was found or agreed.")],
    as_json: JsonFlag = False,
) -> None:
    """Close a follow-up with its outcome."""
    from smpstudio.services.treatment import complete_followup

    _emit(
        _with_store(lambda s, a: complete_followup(s, a, followup_id, outcome)), as_json, "follow-up closed"
    )


@symptom.command("report")
def symptom_report(
    client_id: ClientId,
    day: Annotated[float, typer.Option(help="Days since the session.")],
    symptom_: Annotated[
        list[str], typer.Option("--symptom", help="A symptom (repeatable), as `smp triage`.")
    ],
    session_id: Annotated[int | None, typer.Option("--session", help="The session concerned.")] = None,
    spreading: Annotated[bool, typer.Option("--spreading")] = False,
    worsening: Annotated[bool, typer.Option("--worsening")] = False,
    size_cm: Annotated[float | None, typer.Option(help="Size [cm].")] = None,
    duration_days: Annotated[float | None, typer.Option(help="Duration [days].")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a client's symptoms with the triage result."""
    from smpstudio.services.treatment import report_symptoms

    result = _with_store(
        lambda s, a: report_symptoms(
            s,
            a,
            client_id=client_id,
            day=day,
            symptoms=symptom_,
            session_id=session_id,
            spreading=spreading,
            worsening=worsening,
            size_cm=size_cm,
            duration_days=duration_days,
        )
    )
    _emit(result, as_json, f"report {result['id']}: {result['disposition']}. {result['client_message']}")


@adverse.command("add")
def adverse_add(
    client_id: ClientId,
    description: Annotated[str, typer.Option(help="What happened.")],
    received: Annotated[str | None, typer.Option(help="When the clinic learnt of it (today).")] = None,
    serious: Annotated[
        list[str] | None, typer.Option(help="Serious criterion (repeatable): infection ...")
    ] = None,
    session_id: Annotated[int | None, typer.Option("--session", help="The session concerned.")] = None,
    brand_notified: Annotated[str | None, typer.Option(help="When the brand was told.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Log an adverse event (serious ones get the brand's 15-business-day deadline)."""
    from smpstudio.services.treatment import add_adverse_event

    result = _with_store(
        lambda s, a: add_adverse_event(
            s,
            a,
            client_id=client_id,
            description=description,
            received_on=received,
            serious=serious,
            session_id=session_id,
            brand_notified_on=brand_notified,
        )
    )
    text = f"adverse event {result['id']} logged"
    if result["serious"]:
        text += f"; serious: the brand must report by {result['report_deadline_on']}"
    _emit(result, as_json, text)


@adverse.command("due")
def adverse_due(
    days: Annotated[int, typer.Option(help="Window in days.")] = 7,
    date: DateOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Serious events whose reporting deadline falls within the window and that the brand has not had."""
    from smpstudio.services.treatment import adverse_events_due

    _rows(
        _with_store(lambda s, a: adverse_events_due(s, a, within_days=days, on=date)),
        as_json,
        ["id", "client.name", "received_on", "report_deadline_on", "days_left"],
        "reporting deadlines",
        "events",
    )


@touchups.command("due")
def touchups_due(
    month: Annotated[str | None, typer.Option(help="YYYY-MM (this month).")] = None, as_json: JsonFlag = False
) -> None:
    """Touch-ups due this month (or --month) and overdue ones."""
    from smpstudio.services.treatment import touch_ups_due

    _rows(
        _with_store(lambda s, a: touch_ups_due(s, a, month=month)),
        as_json,
        ["id", "due_on", "client.name", "client.phone", "basis"],
        "touch-ups due",
        "touch_ups",
    )


# ------------------------------------------------------------------------------------ audit and backup


@audit_app.command("verify")
def audit_verify(as_json: JsonFlag = False) -> None:
    """Check the audit chain; exit 1 when an entry was altered, removed or reordered."""
    from smpstudio.services.protection import verify_audit

    result = _with_store(verify_audit)
    if as_json:
        emit_json({k: result[k] for k in ("ok", "entries", "first_bad_entry", "last_hash")})
    elif result["ok"]:
        out.print(
            f"[green]audit trail intact[/]: {result['entries']} entries, last hash {result['last_hash'][:16]}"
        )
    else:
        out.print(f"[bold red]audit trail broken[/] at entry {result['first_bad_entry']}")
    if not result["ok"]:
        raise typer.Exit(1)


def backup_cmd(
    out_path: Annotated[Path, typer.Option("--out", help="Backup file to write (.zip).")],
    as_json: JsonFlag = False,
) -> None:
    """Back up the store (SQLite online backup or pg_dump) and its files into one file."""
    from smpstudio.services.protection import backup

    result = _with_store(lambda s, a: backup(s, a, out_path))
    _emit(
        result,
        as_json,
        f"wrote {result['out']} ({result['audit_entries']} audit entries, {result['files']} files)",
    )


def restore_cmd(
    backup_file: Annotated[Path, typer.Argument(metavar="FILE")], as_json: JsonFlag = False
) -> None:
    """Restore the store from a backup (checked first; the replaced SQLite file is kept)."""
    from smpstudio.services.protection import restore

    result = run(lambda: restore(state["data_dir"], backup_file, state["as"]))
    _emit(result, as_json, f"restored ({result['audit_entries']} audit entries)")


def register(app: typer.Typer) -> None:
    from smpstudio.cli.care import patch

    patch.command("record")(patch_record)
    app.add_typer(clinic, name="clinic")
    app.add_typer(user, name="user")
    app.add_typer(client, name="client")
    app.add_typer(consent, name="consent")
    app.add_typer(lot, name="lot")
    app.add_typer(session, name="session")
    app.add_typer(steril, name="sterilisation")
    app.add_typer(followups, name="followups")
    app.add_typer(symptom, name="symptom")
    app.add_typer(adverse, name="adverse-event")
    app.add_typer(touchups, name="touch-ups")
    app.add_typer(audit_app, name="audit")
    app.command("backup")(backup_cmd)
    app.command("restore")(restore_cmd)
