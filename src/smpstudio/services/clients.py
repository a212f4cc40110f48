"""Clients: adding and finding them, their screening, designs, treatment plans and photos.

Each use case is ``f(ctx, request) -> result``. Documents come in parsed (the questionnaire, the design)
and images as bytes: the faces read files. A client's whole record is :mod:`.client_record`
(:func:`client_record` and :func:`record_of` are importable from here too).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from sqlalchemy.orm import Session as Db

from smpstudio.care.screening import parse_answers, screen
from smpstudio.errors import InputError, check_range, echo
from smpstudio.records.models import PHOTO_KINDS
from smpstudio.records.repositories import clients as rows
from smpstudio.records.repositories import consent as consent_rows
from smpstudio.services.access import Actor, client_session, get_client, log, rules_for, transact
from smpstudio.services.client_record import ClientRecord, client_record, record_of
from smpstudio.services.clinic_settings import EMAIL_PATTERN
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import (
    SKIN_TYPES,
    Id,
    IsoDate,
    OptionalId,
    Text,
    check_landmarks,
    choice,
    clean_image,
    date_or_none,
    in_range,
    nested_at_most,
    optional_text,
    text,
)
from smpstudio.services.models import Request, Result

__all__ = [
    "AddClientRequest",
    "AddDesignRequest",
    "AddPhotoRequest",
    "AddPlanRequest",
    "ClientAdded",
    "ClientList",
    "ClientRecord",
    "ClientSummary",
    "DesignStored",
    "FindClientsRequest",
    "PhotoStored",
    "PlanAdded",
    "ScreenClientRequest",
    "ScreeningRecorded",
    "add_client",
    "add_design",
    "add_photo",
    "add_plan",
    "check_email",
    "check_phone",
    "client_record",
    "find_clients",
    "record_of",
    "screen_client",
]

#: A Fitzpatrick skin type.
SkinType = Literal["I", "II", "III", "IV", "V", "VI"]
PhotoKind = Literal["before", "after", "progress", "reference", "consultation", "closeup"]

# --- adding and finding ------------------------------------------------------------------------------------


def check_email(value: object) -> object:
    """A client's e-mail address as given (None stays None), or an :class:`InputError` naming ``email``:
    one mailbox, without white space, control characters or ``,;<>"()[]\\`` (which would add recipients
    or headers to a reminder)."""
    if isinstance(value, str) and (len(value) > 200 or not EMAIL_PATTERN.fullmatch(value.strip())):
        raise InputError("not an e-mail address", field="email", allowed="name@example.org")
    return value


def check_phone(value: object) -> object:
    """A client's phone number as given (None stays None), or an :class:`InputError` naming ``phone``."""
    if isinstance(value, str) and not any(c.isdigit() for c in value):
        raise InputError("not a phone number", field="phone", allowed="digits, spaces, + and -")
    return value


class AddClientRequest(Request):
    """A new client: name and date of birth, contact details, skin and hair."""

    name: Text
    date_of_birth: IsoDate
    email: Annotated[str | None, optional_text()] = None
    phone: Annotated[str | None, optional_text(60)] = None
    address: Annotated[str | None, optional_text(500)] = None
    skin_type: Annotated[SkinType | None, choice(SKIN_TYPES)] = Field(None, description="Fitzpatrick I-VI.")
    hair_colour: Annotated[str | None, optional_text(40)] = None
    hair_loss_pattern: Annotated[str | None, optional_text(60)] = Field(
        None, description="e.g. norwood-5, ludwig-2, scar."
    )

    @field_validator("email", mode="before")
    @classmethod
    def _check_email(cls, value: object) -> object:
        return check_email(value)

    @field_validator("phone", mode="before")
    @classmethod
    def _check_phone(cls, value: object) -> object:
        return check_phone(value)


class ClientAdded(Result):
    """The new client's id."""

    id: int


def add_client(ctx: ServiceContext, request: AddClientRequest) -> ClientAdded:
    """Add a client to the acting user's clinic (born in the past, after 1900, on the clinic's today)."""
    born = request.date_of_birth

    def action(db: Db, actor: Actor) -> ClientAdded:
        actor.require("client.write")
        if born > actor.today() or born.year < 1900:
            raise InputError(
                f"{born} is not a past date", field="date_of_birth", allowed="a past date after 1900"
            )
        client = rows.add_client(db, actor.clinic_id, **request.model_dump())
        log(db, actor, "create", "client", client.id)
        return ClientAdded(id=client.id)

    return transact(ctx, action)


class FindClientsRequest(Request):
    """Part of a client's name (any case)."""

    query: Text


class ClientSummary(Result):
    """A client as a search lists them."""

    id: int
    name: str
    date_of_birth: IsoDate | None


class ClientList(Result):
    """Clients on record whose name matches, by name (at most 50)."""

    clients: list[ClientSummary]


def find_clients(ctx: ServiceContext, request: FindClientsRequest) -> ClientList:
    """Clients of the acting user's clinic whose name contains the query (the search is audited)."""
    query = request.query

    def action(db: Db, actor: Actor) -> ClientList:
        actor.require("client.read")
        found = rows.find_by_name(db, actor.clinic_id, query)
        log(db, actor, "read", "client", None, search=True, ids=[c.id for c in found])
        return ClientList(
            clients=[ClientSummary(id=c.id, name=c.name, date_of_birth=c.date_of_birth) for c in found]
        )

    return transact(ctx, action)


# --- screening ---------------------------------------------------------------------------------------------


class ScreenClientRequest(Request):
    """A client and their questionnaire ``{"date_of_birth"?: "YYYY-MM-DD", "answers": {QUESTION: bool}}``."""

    client_id: Id
    answers: Annotated[Any, nested_at_most()] = Field(
        description="The questionnaire document, parsed from JSON."
    )


class ScreeningRecorded(Result):
    """The kept screening: its id, the outcome with findings and open questions, and whether a patch
    test must come before the first session."""

    id: int
    outcome: str
    findings: list[dict[str, Any]]
    unanswered: list[str]
    defer_until: str | None
    rules_version: str
    patch_test_recommended: bool


def screen_client(ctx: ServiceContext, request: ScreenClientRequest) -> ScreeningRecorded:
    """Screen a client on the care rules' questionnaire; the answers, outcome and rules version are kept.

    The questionnaire's date of birth may be left out (the record's is used); one that differs from the
    record's is refused.
    """

    def action(db: Db, actor: Actor) -> ScreeningRecorded:
        actor.require("screening")
        today = actor.today()
        rules = rules_for(db, actor, ctx)
        client = get_client(db, actor, request.client_id, for_update=True)
        payload = dict(request.answers) if isinstance(request.answers, dict) else request.answers
        if isinstance(payload, dict) and client.date_of_birth:
            given = payload.setdefault("date_of_birth", client.date_of_birth.isoformat())
            if given != client.date_of_birth.isoformat():
                raise InputError(
                    f"{echo(given)} differs from the record's {client.date_of_birth}",
                    field="date_of_birth",
                    allowed="the client's date of birth on file (or leave it out)",
                )
        born, answers = parse_answers(payload, rules.data["screening"]["questions"])
        result = screen(born, answers, rules, today=today).to_dict()
        recommended = any(answers.get(q) for q in rules.data["patch_test"]["recommended_when"])
        row = rows.add_screening(
            db,
            client.id,
            answered_on=today,
            answers=dict(answers),
            outcome=result["outcome"],
            defer_until=date_or_none(result.get("defer_until")),
            patch_test_recommended=recommended,
            result=result,
            rules_version=rules.version,
            by_user_id=actor.id,
        )
        log(db, actor, "create", "screening", row.id, client=client.id)
        return ScreeningRecorded(id=row.id, **result, patch_test_recommended=recommended)

    return transact(ctx, action)


# --- designs and plans -------------------------------------------------------------------------------------


class AddDesignRequest(Request):
    """A design document (parsed JSON) to keep as the client's next design version."""

    client_id: Id
    document: Annotated[dict[str, Any], nested_at_most()] = Field(
        description="The design document, parsed from JSON."
    )


class DesignStored(Result):
    """The stored design version and the SHA-256 of its canonical JSON."""

    id: int
    version: int
    sha256: str


def add_design(ctx: ServiceContext, request: AddDesignRequest) -> DesignStored:
    """Store a design document as the client's next design version (validated like every design)."""
    from smpstudio.design.document import load_design

    doc = request.document
    load_design(json.dumps(doc))  # the same validation as every design use case
    sha = hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    def action(db: Db, actor: Actor) -> DesignStored:
        actor.require("design")
        client = get_client(db, actor, request.client_id, for_update=True)
        version = rows.latest_design_version(db, client.id) + 1
        design = rows.add_design(db, client.id, version=version, document=doc, sha256=sha)
        log(db, actor, "create", "design", design.id, client=client.id, version=design.version)
        return DesignStored(id=design.id, version=design.version, sha256=design.sha256)

    return transact(ctx, action)


class AddPlanRequest(Request):
    """A treatment plan: how many sessions, how far apart, on which design version."""

    client_id: Id
    sessions: Annotated[int, in_range(1, 10, "sessions")] = 3
    interval_days: int = Field(14, description="Days between sessions (at least the rules' minimum). [days]")
    design_version: OptionalId = None
    notes: Annotated[str | None, optional_text(5000)] = None


class PlanAdded(Result):
    """The new plan's id, sessions and interval."""

    id: int
    sessions: int
    interval_days: int


def add_plan(ctx: ServiceContext, request: AddPlanRequest) -> PlanAdded:
    """Record a treatment plan; the interval is at least the minimum of the clinic's care rules."""

    def action(db: Db, actor: Actor) -> PlanAdded:
        actor.require("session")
        minimum = int(rules_for(db, actor, ctx).data["records"]["minimum_interval_days"])
        check_range("interval_days", request.interval_days, minimum, 365, "days")
        client = get_client(db, actor, request.client_id, for_update=True)
        design_id = None
        if request.design_version is not None:
            design_id = rows.design_id(db, client.id, request.design_version)
            if design_id is None:
                raise InputError(
                    f"no design version {request.design_version}",
                    field="design_version",
                    allowed="a stored version",
                )
        plan = rows.add_plan(
            db,
            client.id,
            design_id=design_id,
            sessions_planned=request.sessions,
            interval_days=request.interval_days,
            notes=request.notes,
        )
        log(db, actor, "create", "treatment_plan", plan.id, client=client.id)
        return PlanAdded(id=plan.id, sessions=request.sessions, interval_days=request.interval_days)

    return transact(ctx, action)


# --- photos ------------------------------------------------------------------------------------------------


class AddPhotoRequest(Request):
    """A photo of a client (the image's bytes), its view and kind, and optional landmarks in pixels."""

    client_id: Id
    image: bytes = Field(repr=False, description="The image file's bytes: JPEG, PNG or WebP.")
    view: Annotated[str, text(40)] = Field(description="front, top, left, right, back, crown, hairline ...")
    kind: Annotated[PhotoKind, choice(PHOTO_KINDS)] = "progress"
    session_id: OptionalId = None
    landmarks: Any = Field(None, description='Landmark name -> [x, y] pixels: {"name": [x, y], ...}.')

    @field_validator("landmarks", mode="before")
    @classmethod
    def _landmarks_object(cls, value: Any) -> dict[str, list[float]] | None:
        return None if value is None else check_landmarks(value, "landmarks")


class PhotoStored(Result):
    """The photo's id, the SHA-256 it is stored under and its media type."""

    id: int
    sha256: str
    media_type: str


def add_photo(ctx: ServiceContext, request: AddPhotoRequest) -> PhotoStored:
    """Store a photo content-addressed, without its metadata; refused without the client's photo consent.

    The image's header is checked against the pixel limit before any pixel is decoded; a truncated,
    corrupt or unknown file is refused before anything is stored.
    """
    data, media = clean_image(request.image, ctx.max_image_pixels, "photo")

    def action(db: Db, actor: Actor) -> PhotoStored:
        actor.require("photo")
        client = get_client(db, actor, request.client_id, for_update=True)
        if not consent_rows.has_open_consent(db, client.id, "photography"):
            raise InputError(
                "the client has not consented to photographs",
                field="client",
                allowed="a client who signed the photography consent",
                code="photo_consent_missing",
            )
        client_session(db, client, request.session_id)
        sha = ctx.db.files.put(data)
        photo = rows.add_photo(
            db,
            client.id,
            session_id=request.session_id,
            kind=request.kind,
            view=request.view,
            sha256=sha,
            media_type=media,
            landmarks=request.landmarks,
        )
        log(db, actor, "create", "photo", photo.id, client=client.id, sha256=sha)
        return PhotoStored(id=photo.id, sha256=sha, media_type=media)

    return transact(ctx, action)
