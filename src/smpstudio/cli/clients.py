"""Clients and their consent: `smp client ...`, `smp consent ...`, `smp patch-test record`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smpstudio.cli.common import JsonFlag, emit_json, out, run, with_context
from smpstudio.cli.files import DESIGN_LIMIT, IMAGE_LIMIT, read_input, read_json_input, read_text_input
from smpstudio.cli.output import ClientId, IdArgument, emit, plain, rows

__all__ = ["register"]

client = typer.Typer(
    help="Clients: add, screen, show, export, erase; designs and photos.", no_args_is_help=True
)
consent = typer.Typer(help="Signed consents (treatment, photography) and their texts.", no_args_is_help=True)


def read_file(path: Path, field: str, allowed: str) -> bytes:
    """The bytes of the image the user named (at most :data:`IMAGE_LIMIT`), or an error naming ``field``."""
    return read_input(path, field, limit=IMAGE_LIMIT, allowed=allowed)


# ---------------------------------------------------------------------------------------------- clients

#: The lots a session line of ``client show`` names, in order.
_SESSION_LOTS = ("pigment_lot", "needle_lot", "diluent_lot")


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
    from smpstudio.services.clients import AddClientRequest, add_client

    request = run(
        lambda: AddClientRequest.of(
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
    result = with_context(lambda ctx: add_client(ctx, request))
    emit(result, as_json, f"client {result.id} added")


@client.command("find")
def client_find(
    query: Annotated[str, typer.Argument(help="Part of a name.")], as_json: JsonFlag = False
) -> None:
    """Find clients by name."""
    from smpstudio.services.clients import FindClientsRequest, find_clients

    request = run(lambda: FindClientsRequest.of(query=query))
    result = with_context(lambda ctx: find_clients(ctx, request))
    rows(result, as_json, ["id", "name", "date_of_birth"], "clients")


@client.command("screen")
def client_screen(
    client_id: Annotated[int, typer.Argument(metavar="ID")],
    answers: Annotated[Path, typer.Argument(metavar="ANSWERS.json", help="The care rules' questionnaire.")],
    as_json: JsonFlag = False,
) -> None:
    """Screen a client and keep the answers, outcome and rules version."""
    from smpstudio.services.clients import ScreenClientRequest, screen_client

    request = run(
        lambda: ScreenClientRequest.of(client_id=client_id, answers=read_json_input(answers, "answers"))
    )
    result = with_context(lambda ctx: screen_client(ctx, request))
    text = f"screening {result.id}: outcome {result.outcome} (rules {result.rules_version})"
    if result.patch_test_recommended:
        text += "; a patch test is required before the first session"
    emit(result, as_json, text)


@client.command("show")
def client_show(client_id: IdArgument, as_json: JsonFlag = False) -> None:
    """The client's whole record."""
    from smpstudio.services.clients import client_record

    record = with_context(lambda ctx: client_record(ctx, client_id))
    if as_json:
        emit_json(record.to_json())
        return
    c = record.client
    out.print(
        f"[bold]{plain(c.name, multiline=False)}[/] (client {c.id}), born {c.date_of_birth}, "
        f"skin type {plain(c.skin_type or '-')}",
        highlight=False,
    )
    contact = f"{plain(c.email or '-', multiline=False)} / {plain(c.phone or '-', multiline=False)}"
    out.print(f"contact: {contact}", highlight=False)
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
        out.print(f"{key.replace('_', ' ')}: {len(getattr(record, key))}")
    for s in record.to_json()["sessions"]:
        lots = [plain((s[k] or {}).get("lot", "-"), multiline=False) for k in _SESSION_LOTS]
        out.print(
            f"  session {s['id']} {s['started_at']}: pigment {lots[0]}, needle {lots[1]}, diluent "
            f"{lots[2]}, ink fraction {s['ink_fraction']}",
            highlight=False,
        )


@client.command("design")
def client_design(
    client_id: Annotated[int, typer.Argument(metavar="ID")],
    design_file: Annotated[Path, typer.Argument(metavar="DESIGN.json")],
    as_json: JsonFlag = False,
) -> None:
    """Store a design as the client's next design version."""
    from smpstudio.services.clients import AddDesignRequest, add_design

    request = run(
        lambda: AddDesignRequest.of(
            client_id=client_id, document=read_json_input(design_file, "design", limit=DESIGN_LIMIT)
        )
    )
    result = with_context(lambda ctx: add_design(ctx, request))
    emit(result, as_json, f"design version {result.version} stored")


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
    from smpstudio.services.clients import AddPlanRequest, add_plan

    request = run(
        lambda: AddPlanRequest.of(
            client_id=client_id,
            sessions=sessions,
            interval_days=interval_days,
            design_version=design_version,
            notes=notes,
        )
    )
    result = with_context(lambda ctx: add_plan(ctx, request))
    emit(result, as_json, f"plan {result.id}: {sessions} sessions, {interval_days} days apart")


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
    from smpstudio.services.clients import AddPhotoRequest, add_photo

    request = run(
        lambda: AddPhotoRequest.of(
            client_id=client_id,
            image=read_file(photo_file, "photo", "a JPEG, PNG or WebP file"),
            view=view,
            kind=kind,
            session_id=session_id,
            landmarks=read_json_input(landmarks, "landmarks") if landmarks else None,
        )
    )
    result = with_context(lambda ctx: add_photo(ctx, request))
    emit(result, as_json, f"photo {result.id} stored ({result.sha256[:12]})")


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
    from smpstudio.services.consent import SignConsentRequest, sign_consent

    request = run(
        lambda: SignConsentRequest.of(
            client_id=client_id,
            signed_name=signed_name,
            kind=kind,
            version=version,
            signature=read_file(signature, "signature", "an image of the drawn signature")
            if signature
            else None,
        )
    )
    result = with_context(lambda ctx: sign_consent(ctx, request))
    emit(result, as_json, f"{kind} consent {result.id} signed (text version {plain(result.text_version)})")


@consent.command("withdraw")
def consent_withdraw(
    client_id: ClientId,
    kind: Annotated[str, typer.Option(help="treatment or photography.")] = "treatment",
    as_json: JsonFlag = False,
) -> None:
    """Withdraw a client's consent."""
    from smpstudio.services.consent import WithdrawConsentRequest, withdraw_consent

    request = run(lambda: WithdrawConsentRequest.of(client_id=client_id, kind=kind))
    result = with_context(lambda ctx: withdraw_consent(ctx, request))
    emit(result, as_json, f"withdrawn: {result.withdrawn}")


@consent.command("text")
def consent_text(
    kind: Annotated[str, typer.Option(help="treatment or photography.")],
    version: Annotated[str, typer.Option(help="The new version's label.")],
    text_file: Annotated[Path, typer.Argument(metavar="FILE.md")],
    as_json: JsonFlag = False,
) -> None:
    """Add the clinic's own version of a consent text (owner); its clients sign it from now on."""
    from smpstudio.services.consent import AddConsentTextRequest, add_consent_text

    def request() -> AddConsentTextRequest:
        body = read_text_input(text_file, "file", allowed="a UTF-8 text or Markdown file")
        return AddConsentTextRequest.of(kind=kind, version=version, body=body)

    req = run(request)
    result = with_context(lambda ctx: add_consent_text(ctx, req))
    emit(result, as_json, f"consent text {kind} {plain(req.version)} stored")


def patch_record(
    client_id: ClientId,
    lot_code: Annotated[str, typer.Option("--lot", help="The pigment lot tested: its code or #id.")],
    applied: Annotated[
        str,
        typer.Option(help="When applied (YYYY-MM-DD or YYYY-MM-DDTHH:MM, the clinic's time; not future)."),
    ],
    read: Annotated[str, typer.Option(help="When read (after applied; not in the future).")],
    result: Annotated[str, typer.Option(help="negative, positive or doubtful.")],
    site: Annotated[str, typer.Option(help="Test site.")] = "behind the ear",
    as_json: JsonFlag = False,
) -> None:
    """Record a patch test's result (with its limited predictive value)."""
    from smpstudio.services.patch_tests import PatchTestRecordRequest, record_patch_test

    request = run(
        lambda: PatchTestRecordRequest.of(
            client_id=client_id, lot=lot_code, applied=applied, read=read, result=result, site=site
        )
    )
    res = with_context(lambda ctx: record_patch_test(ctx, request))
    emit(res, as_json, f"patch test {res.id} recorded: {res.result}. {res.limited_value}")


def register(app: typer.Typer) -> None:
    """Add the ``client`` and ``consent`` command groups and ``patch-test record`` to ``app``."""
    from smpstudio.cli.care import patch

    patch.command("record")(patch_record)
    app.add_typer(client, name="client")
    app.add_typer(consent, name="consent")
