"""The clinic and its staff: `smp clinic init|show|set`, `smp clinic rules set|show`,
`smp user add|certify|deactivate|list`, and their logins: `smp user password|token|token-revoke|tokens`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from smpstudio.cli.common import JsonFlag, emit_json, err, id_type, out, run, with_context
from smpstudio.cli.files import read_text_input
from smpstudio.cli.output import emit, rows

__all__ = ["register"]

clinic = typer.Typer(help="The clinic (tenant) and its store.", no_args_is_help=True)
rules = typer.Typer(
    help="The clinic's own rules over the packaged care and pigment rules (a clinic setting).",
    no_args_is_help=True,
)
clinic.add_typer(rules, name="rules")
user = typer.Typer(
    help="Staff: owners, practitioners, front desk; certifications; passwords and API tokens.",
    no_args_is_help=True,
)

# ---------------------------------------------------------------------------------------------- clinic


@clinic.command("init")
def clinic_init(
    name: Annotated[str, typer.Option(help="The clinic's name.")],
    owner_name: Annotated[str | None, typer.Option(help="The owner's name.")] = None,
    owner_email: Annotated[
        str | None, typer.Option(help="The owner's login e-mail (unique in the store).")
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(help="The clinic's IANA timezone, e.g. Europe/London. [default: SMP_TIMEZONE]"),
    ] = None,
    retention_years: Annotated[int, typer.Option(help="Years records are kept after the last session.")] = 6,
    jurisdiction: Annotated[
        str, typer.Option(help="Label of the retention policy's jurisdiction.")
    ] = "default",
    as_json: JsonFlag = False,
) -> None:
    """Create the store (if needed), the clinic and its owner.

    The first clinic's owner administers the store; every later clinic needs the administrator (--as).
    """
    from smpstudio.services.clinics import InitClinicRequest, init_clinic

    request = run(
        lambda: InitClinicRequest.of(
            name=name,
            owner_name=owner_name,
            owner_email=owner_email,
            timezone=timezone,
            retention_years=retention_years,
            jurisdiction=jurisdiction,
        )
    )
    result = with_context(lambda ctx: init_clinic(ctx, request), create=True)
    emit(
        result,
        as_json,
        f"clinic {result.clinic_id} created; owner user id {result.owner_id}; "
        f"store administrator user id {result.admin_id}",
    )


@clinic.command("show")
def clinic_show(as_json: JsonFlag = False) -> None:
    """The acting user's clinic: name, timezone, contact details, retention policy."""
    from smpstudio.services.clinic_settings import show_clinic

    result = with_context(show_clinic)
    emit(result, as_json, _details_text(result))


@clinic.command("set")
def clinic_set(
    name: Annotated[str | None, typer.Option(help="The clinic's name.")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA timezone, e.g. Europe/London.")] = None,
    phone: Annotated[str | None, typer.Option(help="Phone number printed on handouts.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address printed on handouts.")] = None,
    address: Annotated[str | None, typer.Option(help="Postal address printed on handouts.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Change the clinic's details (owner)."""
    from smpstudio.services.clinic_settings import UpdateClinicRequest, update_clinic

    request = run(
        lambda: UpdateClinicRequest.of(
            name=name, timezone=timezone, phone=phone, email=email, address=address
        )
    )
    result = with_context(lambda ctx: update_clinic(ctx, request))
    emit(result, as_json, _details_text(result))


def _details_text(result: Any) -> str:
    return (
        f"clinic {result.id}: {escape(result.name)}, timezone {result.timezone}; "
        f"records kept {result.retention_years} years ({result.jurisdiction})"
    )


@rules.command("set")
def rules_set(
    rules_file: Annotated[Path, typer.Argument(metavar="FILE.toml", help="[care] and [pigments] tables.")],
    as_json: JsonFlag = False,
) -> None:
    """Store a new version of the clinic's rules (owner); rules that lower a safety floor are refused."""
    from smpstudio.services.clinic_settings import SetClinicRulesRequest, set_clinic_rules

    def request() -> SetClinicRulesRequest:
        body = read_text_input(rules_file, "file", allowed="a UTF-8 TOML file")
        return SetClinicRulesRequest.of(body=body)

    req = run(request)
    result = with_context(lambda ctx: set_clinic_rules(ctx, req))
    emit(
        result, as_json, f"clinic rules version {result.version} in force: {_versions(result.rules_versions)}"
    )


@rules.command("show")
def rules_show(as_json: JsonFlag = False) -> None:
    """The clinic's rules: the stored version, its text, and the rules versions records report."""
    from smpstudio.services.clinic_settings import show_clinic_rules

    result = with_context(show_clinic_rules)
    if as_json:
        emit_json(result.to_json())
        return
    if result.version is None:
        out.print("the clinic has no rules of its own: the packaged rules apply", highlight=False)
    else:
        out.print(f"clinic rules version {result.version} (set by user {result.set_by} at {result.set_at})")
        out.print(result.text or "", markup=False, highlight=False)
    out.print(f"in force: {_versions(result.rules_versions)}", highlight=False)


def _versions(versions: dict[str, str]) -> str:
    return ", ".join(versions.values())


# ------------------------------------------------------------------------------------------------ users


@user.command("add")
def user_add(
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[str, typer.Option(help="owner, practitioner or front-desk.")],
    certified_until: Annotated[
        str | None, typer.Option(help="Expiry of the SMP training and bloodborne-pathogen certificates.")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="The user's login e-mail for the web studio (unique in the store).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a staff member (give --email, then `smp user password UID`, for the web studio)."""
    from smpstudio.services.clinics import AddUserRequest, add_user

    request = run(
        lambda: AddUserRequest.of(name=name, role=role, certified_until=certified_until, email=email)
    )
    result = with_context(lambda ctx: add_user(ctx, request))
    emit(result, as_json, f"user {result.id} added")


@user.command("certify")
def user_certify(
    user_id: Annotated[int, typer.Argument(metavar="UID", parser=id_type("user_id"))],
    kind: Annotated[str, typer.Option(help="smp-training or bloodborne-pathogens.")],
    expires: Annotated[str, typer.Option(help="Expiry date.")],
    as_json: JsonFlag = False,
) -> None:
    """Record a certification with its expiry."""
    from smpstudio.services.clinics import AddCertificationRequest, add_certification

    request = run(lambda: AddCertificationRequest.of(user_id=user_id, kind=kind, expires=expires))
    result = with_context(lambda ctx: add_certification(ctx, request))
    emit(result, as_json, f"certification {result.id} recorded")


@user.command("deactivate")
def user_deactivate(
    user_id: Annotated[int, typer.Argument(metavar="UID", parser=id_type("user_id"))],
    as_json: JsonFlag = False,
) -> None:
    """Lock a user out (owners): they are refused as the acting user from then on; their records stay."""
    from smpstudio.services.clinics import DeactivateUserRequest, deactivate_user

    request = run(lambda: DeactivateUserRequest.of(user_id=user_id))
    result = with_context(lambda ctx: deactivate_user(ctx, request))
    emit(result, as_json, f"user {result.id} deactivated")


@user.command("list")
def user_list(as_json: JsonFlag = False) -> None:
    """Staff with roles and certification expiries."""
    from smpstudio.services.clinics import list_users

    result = with_context(list_users)
    rows(result, as_json, ["id", "name", "role", "certifications"], "users")


# ------------------------------------------------------------------------------------ passwords, tokens

#: The most characters read from a piped standard input for a password (a longer one is refused).
_MAX_PASSWORD_LINE = 4096


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _read_password() -> str:
    """The new password: asked twice with hidden input on a terminal, else one line of standard input
    (without its line ending)."""
    if _stdin_is_terminal():
        return str(typer.prompt("New password", hide_input=True, confirmation_prompt=True, err=True))
    line = sys.stdin.readline(_MAX_PASSWORD_LINE)
    return line.removesuffix("\n").removesuffix("\r")


@user.command("password")
def user_password(
    user_id: Annotated[int, typer.Argument(metavar="UID", parser=id_type("user_id"))],
    as_json: JsonFlag = False,
) -> None:
    """Set a user's web login password (yourself, or an owner for their clinic's staff); it ends the
    user's web sessions. The password is read from standard input (asked twice on a terminal)."""
    from smpstudio.services.accounts import SetPasswordRequest, set_password

    request = run(lambda: SetPasswordRequest.of(user_id=user_id, password=_read_password()))
    result = with_context(lambda ctx: set_password(ctx, request))
    emit(result, as_json, f"password set for user {result.user_id}")


@user.command("token")
def user_token(
    user_id: Annotated[int, typer.Argument(metavar="UID", parser=id_type("user_id"))],
    name: Annotated[
        str, typer.Option(help="A label for the token (which machine or script uses it).")
    ] = "api",
    as_json: JsonFlag = False,
) -> None:
    """Issue an API token to a user and print it as the only line of standard output (shown this once)."""
    from smpstudio.services.api_tokens import IssueTokenRequest, issue_token

    request = run(lambda: IssueTokenRequest.of(user_id=user_id, name=name))
    result = with_context(lambda ctx: issue_token(ctx, request))
    if as_json:
        emit_json(result.to_json())
        return
    err.print(
        f"API token {result.id} issued to user {result.user_id}; it is shown only now: keep it secret",
        highlight=False,
        markup=False,
    )
    sys.stdout.write(result.token + "\n")


@user.command("token-revoke")
def user_token_revoke(
    token_id: Annotated[int, typer.Argument(metavar="TOKEN_ID", parser=id_type("token_id"))],
    as_json: JsonFlag = False,
) -> None:
    """Revoke an API token (its user, or an owner for their clinic's staff)."""
    from smpstudio.services.api_tokens import RevokeTokenRequest, revoke_token

    request = run(lambda: RevokeTokenRequest.of(token_id=token_id))
    result = with_context(lambda ctx: revoke_token(ctx, request))
    emit(result, as_json, f"API token {result.id} of user {result.user_id} revoked")


@user.command("tokens")
def user_tokens(
    user_id: Annotated[int, typer.Argument(metavar="UID", parser=id_type("user_id"))],
    as_json: JsonFlag = False,
) -> None:
    """A user's API tokens, revoked ones too (never the tokens themselves)."""
    from smpstudio.services.api_tokens import list_tokens

    result = with_context(lambda ctx: list_tokens(ctx, user_id))
    rows(result, as_json, ["id", "name", "created_at", "last_used_at", "revoked"], "API tokens")


def register(app: typer.Typer) -> None:
    """Add the ``clinic`` and ``user`` command groups to ``app``."""
    app.add_typer(clinic, name="clinic")
    app.add_typer(user, name="user")
