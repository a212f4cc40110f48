"""The clinic and its staff: `smp clinic init`, `smp user add|certify|list`."""

from __future__ import annotations

from typing import Annotated

import typer

from smpstudio.cli.common import JsonFlag, run, with_context
from smpstudio.cli.output import emit, rows

__all__ = ["register"]

clinic = typer.Typer(help="The clinic (tenant) and its store.", no_args_is_help=True)
user = typer.Typer(help="Staff: owners, practitioners, front desk; certifications.", no_args_is_help=True)

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
    from smpstudio.services.clinics import InitClinicRequest, init_clinic

    request = run(
        lambda: InitClinicRequest.of(
            name=name, owner_name=owner_name, retention_years=retention_years, jurisdiction=jurisdiction
        )
    )
    result = with_context(lambda ctx: init_clinic(ctx, request), create=True)
    emit(result, as_json, f"clinic {result.clinic_id} created; owner user id {result.owner_id}")


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
    from smpstudio.services.clinics import AddUserRequest, add_user

    request = run(lambda: AddUserRequest.of(name=name, role=role, certified_until=certified_until))
    result = with_context(lambda ctx: add_user(ctx, request))
    emit(result, as_json, f"user {result.id} added")


@user.command("certify")
def user_certify(
    user_id: Annotated[int, typer.Argument(metavar="UID")],
    kind: Annotated[str, typer.Option(help="smp-training or bloodborne-pathogens.")],
    expires: Annotated[str, typer.Option(help="Expiry date.")],
    as_json: JsonFlag = False,
) -> None:
    """Record a certification with its expiry."""
    from smpstudio.services.clinics import AddCertificationRequest, add_certification

    request = run(lambda: AddCertificationRequest.of(user_id=user_id, kind=kind, expires=expires))
    result = with_context(lambda ctx: add_certification(ctx, request))
    emit(result, as_json, f"certification {result.id} recorded")


@user.command("list")
def user_list(as_json: JsonFlag = False) -> None:
    """Staff with roles and certification expiries."""
    from smpstudio.services.clinics import list_users

    result = with_context(list_users)
    rows(result.users, as_json, ["id", "name", "role", "certifications"], "users", "users")


def register(app: typer.Typer) -> None:
    """Add the ``clinic`` and ``user`` command groups to ``app``."""
    app.add_typer(clinic, name="clinic")
    app.add_typer(user, name="user")
