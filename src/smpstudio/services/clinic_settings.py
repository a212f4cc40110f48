"""A clinic's settings: its own rule overrides and its details (timezone, contact details for handouts).

Rule overrides are a clinic setting, not a per-call option: an owner stores a new version (TOML text,
checked against the safety floors for both rule sets before it is kept), every records answer reports the
version in force (:func:`smpstudio.services.access.rules_for`), and the change is audited. Each use case is
``f(ctx, request) -> result``; the face reads the rules file and passes its text.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
import zoneinfo
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints, ValidationInfo
from sqlalchemy.orm import Session as Db

from smpstudio.care.rules import RuleOverrides, load_rules
from smpstudio.errors import InputError, NotFoundError, echo
from smpstudio.records.models import Clinic
from smpstudio.records.repositories import clinics as rows
from smpstudio.services.access import Actor, log, rules_for, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import in_range, optional_text, text
from smpstudio.services.models import Request, Result

__all__ = [
    "EMAIL_PATTERN",
    "ClinicDetails",
    "ClinicName",
    "ClinicRulesInForce",
    "ClinicRulesSet",
    "Email",
    "OptionalClinicName",
    "SetClinicRulesRequest",
    "Timezone",
    "UpdateClinicRequest",
    "check_email",
    "check_one_line",
    "check_timezone",
    "set_clinic_rules",
    "show_clinic",
    "show_clinic_rules",
    "update_clinic",
]

#: Longest rules text kept (the packaged care rules are about 20 000 characters).
MAX_RULES_CHARS = 100_000
#: An e-mail address as one mailbox: no white space, control characters, or the characters that split or
#: comment an address list in a mail header (``,;<>"()[]\``), so it can only ever name one recipient.
_ADDRESS_PART = r"[^@\s,;<>\"()\[\]\\\x00-\x1f\x7f]+"
EMAIL_PATTERN = re.compile(rf"{_ADDRESS_PART}@{_ADDRESS_PART}\.{_ADDRESS_PART}")


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_timezone(value: object, field: str = "timezone") -> str:
    """An IANA timezone name (``Europe/London``), or an :class:`InputError` naming ``field``."""
    name = value.strip() if isinstance(value, str) else ""
    if name not in _zones():
        raise InputError(
            f"{echo(value)} is not a timezone", field=field, allowed="an IANA timezone such as Europe/London"
        )
    return name


def check_email(value: object, field: str = "email") -> str:
    """An e-mail address, stripped and in lower case, or an :class:`InputError` naming ``field``."""
    address = value.strip().lower() if isinstance(value, str) else ""
    if len(address) > 200 or not EMAIL_PATTERN.fullmatch(address):
        raise InputError(f"{echo(value)} is not an e-mail address", field=field, allowed="an e-mail address")
    return address


def check_one_line(value: object, info: ValidationInfo) -> object:
    """Refuse a text with a control character (a line break, a tab) or a line separator: such a text
    (a clinic's name) goes into e-mail headers, where a line break would start a header of its own."""
    if isinstance(value, str) and any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value):
        raise InputError(
            "a line break, tab or other control character",
            field=info.field_name or "name",
            allowed="one line of text without tabs or control characters",
        )
    return value


#: A clinic's name: one line, at most 200 characters.
ClinicName = Annotated[str, text(), BeforeValidator(check_one_line)]
#: An optional clinic name (None: unchanged).
OptionalClinicName = Annotated[str | None, optional_text(), BeforeValidator(check_one_line)]


def _optional(check: Any) -> Any:
    def validate(value: object, info: ValidationInfo) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return check(value, info.field_name or "value")  # type: ignore[no-any-return]

    return BeforeValidator(validate)


#: An optional IANA timezone name; blank is None.
Timezone = Annotated[str | None, _optional(check_timezone)]
#: An optional e-mail address, kept in lower case; blank is None.
Email = Annotated[str | None, _optional(check_email)]


# --- rule overrides ----------------------------------------------------------------------------------------


class SetClinicRulesRequest(Request):
    """The clinic's rule overrides: TOML with ``[care]`` and ``[pigments]`` tables (empty: the packaged
    rules alone)."""

    body: Annotated[str, StringConstraints(strip_whitespace=False, max_length=MAX_RULES_CHARS)] = Field(
        repr=False, description="The rules text (TOML), kept exactly as given."
    )


class ClinicRulesSet(Result):
    """The version stored, the SHA-256 of its text and the rules versions now in force."""

    version: int
    sha256: str
    rules_versions: dict[str, str] = Field(description="The version each rule set now reports.")


class ClinicRulesInForce(Result):
    """The clinic's newest rule overrides (all None when it never set any) and the rules versions in
    force."""

    version: int | None
    text: str | None
    sha256: str | None
    set_by: int | None
    set_at: dt.datetime | None
    rules_versions: dict[str, str]


def _versions(db: Db, actor: Actor, ctx: ServiceContext) -> dict[str, str]:
    return {name: rules_for(db, actor, ctx, name).version for name in ("care", "pigments")}


def set_clinic_rules(ctx: ServiceContext, request: SetClinicRulesRequest) -> ClinicRulesSet:
    """Store a new version of the clinic's rule overrides (owner), once both rule sets load with it: a text
    that lowers a safety floor or leaves a number's published range is refused naming the rule."""

    def action(db: Db, actor: Actor) -> ClinicRulesSet:
        actor.require("clinic.settings")
        overrides = RuleOverrides.from_toml(request.body)
        for packaged in (ctx.care_rules, ctx.pigment_rules):
            load_rules(packaged.name, overrides)
        row = rows.add_rules(db, actor.clinic_id, body=request.body, created_by=actor.id)
        log(db, actor, "update", "clinic_rules", row.id, version=row.version, sha256=row.sha256)
        return ClinicRulesSet(
            version=row.version, sha256=row.sha256, rules_versions=_versions(db, actor, ctx)
        )

    return transact(ctx, action)


def show_clinic_rules(ctx: ServiceContext) -> ClinicRulesInForce:
    """The clinic's newest rule overrides and the rules versions every records answer now reports."""

    def action(db: Db, actor: Actor) -> ClinicRulesInForce:
        row = rows.latest_rules(db, actor.clinic_id)
        return ClinicRulesInForce(
            version=row.version if row else None,
            text=row.body if row else None,
            sha256=row.sha256 if row else None,
            set_by=row.created_by if row else None,
            set_at=row.created_at if row else None,
            rules_versions=_versions(db, actor, ctx),
        )

    return transact(ctx, action)


# --- details -----------------------------------------------------------------------------------------------


class UpdateClinicRequest(Request):
    """What to change of the clinic's details (None: unchanged)."""

    name: OptionalClinicName = None
    timezone: Timezone = Field(None, description="The IANA timezone that sets the clinic's today.")
    phone: Annotated[str | None, optional_text(60)] = None
    email: Email = None
    address: Annotated[str | None, optional_text(500)] = None
    retention_years: Annotated[int | None, in_range(1, 100, "years")] = Field(
        None, description="Years records are kept after a client's last session. [years]"
    )
    jurisdiction: Annotated[str | None, optional_text(40)] = Field(None, description="The policy's label.")


class ClinicDetails(Result):
    """The clinic's details and retention policy."""

    id: int
    name: str
    timezone: str
    phone: str | None
    email: str | None
    address: str | None
    retention_years: int
    jurisdiction: str


def _details(clinic: Clinic) -> ClinicDetails:
    return ClinicDetails(
        id=clinic.id,
        name=clinic.name,
        timezone=clinic.timezone,
        phone=clinic.phone,
        email=clinic.email,
        address=clinic.address,
        retention_years=clinic.retention_years,
        jurisdiction=clinic.jurisdiction,
    )


def _clinic(db: Db, actor: Actor, *, for_update: bool = False) -> Clinic:
    clinic = rows.get_clinic(db, actor.clinic_id, for_update=for_update)
    if clinic is None:  # the actor's own clinic: only a store changed underneath gets here
        raise NotFoundError("no clinic of the acting user", field="user", code="no_clinic")
    return clinic


def update_clinic(ctx: ServiceContext, request: UpdateClinicRequest) -> ClinicDetails:
    """Change the clinic's name, timezone, contact details or retention policy (owner); the change is
    audited (field names, and the retention it replaced)."""
    changes = request.model_dump(exclude_none=True)

    def action(db: Db, actor: Actor) -> ClinicDetails:
        actor.require("clinic.settings")
        clinic = _clinic(db, actor, for_update=True)
        before = clinic.retention_years
        for key, value in changes.items():
            setattr(clinic, key, value)
        db.flush()
        retention = {"retention_years_from": before} if "retention_years" in changes else {}
        log(db, actor, "update", "clinic", clinic.id, fields=sorted(changes), **retention)
        return _details(clinic)

    return transact(ctx, action)


def show_clinic(ctx: ServiceContext) -> ClinicDetails:
    """The acting user's clinic's details."""
    return transact(ctx, lambda db, actor: _details(_clinic(db, actor)))
