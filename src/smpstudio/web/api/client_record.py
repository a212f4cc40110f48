"""The parts of a client's record: each ``GET`` answers that part (the read is audited as a read of the
record), each ``POST`` records a new entry through its service. Sessions answer 201 when recorded and 409
in the one error shape when refused (every reason in ``detail``); ``sessions/check`` runs the same checks
without recording anything; a recorded session's aftercare handout is a PDF to save or print.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from pydantic.json_schema import SkipJsonSchema

from smpstudio.errors import InputError, RefusedError
from smpstudio.services import clients, consent, handout, session_checks, sessions
from smpstudio.services import patch_tests as patch_test_svc
from smpstudio.services.client_record import (
    ConsentEntry,
    DesignEntry,
    FollowUpEntry,
    PatchTestEntry,
    PhotoEntry,
    ScreeningEntry,
    SessionEntry,
)
from smpstudio.services.clients import (
    AddDesignRequest,
    AddPhotoRequest,
    DesignStored,
    PhotoStored,
    ScreenClientRequest,
    ScreeningRecorded,
)
from smpstudio.services.consent import (
    ConsentSigned,
    ConsentWithdrawn,
    SignConsentRequest,
    WithdrawConsentRequest,
)
from smpstudio.services.context import ServiceContext
from smpstudio.services.handout import HandoutRequest
from smpstudio.services.models import Result
from smpstudio.services.patch_tests import PatchTestRecorded, PatchTestRecordRequest
from smpstudio.services.session_checks import SessionChecklist
from smpstudio.services.sessions import SessionRecorded, SessionRefused, SessionRequest
from smpstudio.web.api import API_PREFIX
from smpstudio.web.api.clients import Context, attachment, with_path

__all__ = ["ConsentBody", "PatchTestBody", "ScreeningBody", "SessionBody", "router", "signature_bytes"]

router = APIRouter(prefix=API_PREFIX, tags=["client record"])

_PDF = {200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}
#: The media types a drawn signature may come as in a ``data:`` URL.
_SIGNATURE_TYPES = ("image/png", "image/jpeg", "image/webp")

# --- the parts of the record, as lists ----------------------------------------------------------------------


class Screenings(Result):
    client_id: int
    screenings: list[ScreeningEntry]


class Consents(Result):
    client_id: int
    consents: list[ConsentEntry]


class PatchTests(Result):
    client_id: int
    patch_tests: list[PatchTestEntry]


class Designs(Result):
    client_id: int
    designs: list[DesignEntry]


class Photos(Result):
    client_id: int
    photos: list[PhotoEntry]


class Sessions(Result):
    client_id: int
    sessions: list[SessionEntry]


class FollowUps(Result):
    client_id: int
    follow_ups: list[FollowUpEntry]


# --- bodies: the service's request without the client's id (it comes from the path) -----------------------


class ScreeningBody(BaseModel):
    """The questionnaire's answers (question: true or false); the record's date of birth is used unless
    one is given (a different one is refused)."""

    model_config = ConfigDict(extra="forbid")

    answers: dict[str, StrictBool] = Field(max_length=200)
    date_of_birth: str | None = Field(None, max_length=10, description="YYYY-MM-DD.")


class ConsentBody(BaseModel):
    """A signed consent: the name the client typed, the kind, the text version (the current one if
    none) and a drawn signature as a ``data:image/png;base64,...`` URL or plain base64 (optional)."""

    model_config = ConfigDict(extra="forbid")

    signed_name: str = Field(max_length=200)
    kind: str = Field("treatment", max_length=20, description="treatment or photography.")
    version: str | None = Field(None, max_length=40)
    signature_png: str | None = Field(None, description="The drawn signature's image, base64 or a data: URL.")


class PatchTestBody(PatchTestRecordRequest):
    """A patch test's result (the client comes from the path)."""

    client_id: SkipJsonSchema[None] = Field(None, exclude=True)  # type: ignore[assignment]


class DesignBody(AddDesignRequest):
    """A design document to keep as the client's next version (the client comes from the path)."""

    client_id: SkipJsonSchema[None] = Field(None, exclude=True)  # type: ignore[assignment]


class SessionBody(SessionRequest):
    """A session as the practitioner records it (the client comes from the path)."""

    client_id: SkipJsonSchema[None] = Field(None, exclude=True)  # type: ignore[assignment]


def signature_bytes(value: str | None) -> bytes | None:
    """The image bytes of a drawn signature sent as a ``data:`` URL or plain base64 (None: none drawn)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.startswith("data:"):
        head, _, text = text.partition(",")
        media = head[len("data:") :].split(";")[0]
        if not head.endswith(";base64") or media not in _SIGNATURE_TYPES:
            raise InputError(
                "not a base64 image data: URL", field="signature_png", allowed="data:image/png;base64,..."
            )
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(
            "not base64", field="signature_png", allowed="a PNG as base64 or a data: URL"
        ) from None


def _record(ctx: ServiceContext, client_id: int) -> clients.ClientRecord:
    """The client's whole record (the read is audited), of which a route answers one part."""
    return clients.client_record(ctx, client_id)


# --- screening, consent, patch tests -----------------------------------------------------------------------


@router.get("/clients/{client_id}/screening", response_model=Screenings, summary="The client's screenings")
def screenings(client_id: int, ctx: Context) -> Screenings:
    return Screenings(client_id=client_id, screenings=_record(ctx, client_id).screenings)


@router.post(
    "/clients/{client_id}/screening",
    response_model=ScreeningRecorded,
    status_code=201,
    summary="Screen the client on the clinic's questionnaire (the outcome is kept)",
)
def screen(client_id: int, body: ScreeningBody, ctx: Context) -> ScreeningRecorded:
    document: dict[str, Any] = {"answers": body.answers}
    if body.date_of_birth is not None:
        document["date_of_birth"] = body.date_of_birth
    return clients.screen_client(ctx, ScreenClientRequest.of(client_id=client_id, answers=document))


@router.get("/clients/{client_id}/consents", response_model=Consents, summary="The client's consents")
def consents(client_id: int, ctx: Context) -> Consents:
    return Consents(client_id=client_id, consents=_record(ctx, client_id).consents)


@router.post(
    "/clients/{client_id}/consents",
    response_model=ConsentSigned,
    status_code=201,
    summary="Record a signed consent (typed name, optionally a drawn signature)",
)
def sign_consent(client_id: int, body: ConsentBody, ctx: Context) -> ConsentSigned:
    request = SignConsentRequest.of(
        client_id=client_id,
        signed_name=body.signed_name,
        kind=body.kind,
        version=body.version,
        signature=signature_bytes(body.signature_png),
    )
    return consent.sign_consent(ctx, request)


@router.post(
    "/clients/{client_id}/consents/{consent_id}/withdraw",
    response_model=ConsentWithdrawn,
    summary="Withdraw one of the client's consents",
)
def withdraw_consent(client_id: int, consent_id: int, ctx: Context) -> ConsentWithdrawn:
    request = WithdrawConsentRequest.of(client_id=client_id, consent_id=consent_id)
    return consent.withdraw_consent(ctx, request)


@router.get("/clients/{client_id}/patch-tests", response_model=PatchTests, summary="The client's patch tests")
def patch_tests(client_id: int, ctx: Context) -> PatchTests:
    return PatchTests(client_id=client_id, patch_tests=_record(ctx, client_id).patch_tests)


@router.post(
    "/clients/{client_id}/patch-tests",
    response_model=PatchTestRecorded,
    status_code=201,
    summary="Record a patch test's result on a pigment lot",
)
def record_patch_test(client_id: int, body: PatchTestBody, ctx: Context) -> PatchTestRecorded:
    return patch_test_svc.record_patch_test(ctx, with_path(PatchTestRecordRequest, body, client_id=client_id))


# --- designs and photos ------------------------------------------------------------------------------------


@router.get("/clients/{client_id}/designs", response_model=Designs, summary="The client's design versions")
def designs(client_id: int, ctx: Context) -> Designs:
    return Designs(client_id=client_id, designs=_record(ctx, client_id).designs)


@router.post(
    "/clients/{client_id}/designs",
    response_model=DesignStored,
    status_code=201,
    summary="Keep a design document as the client's next version",
)
def add_design(client_id: int, body: DesignBody, ctx: Context) -> DesignStored:
    return clients.add_design(ctx, with_path(AddDesignRequest, body, client_id=client_id))


@router.get("/clients/{client_id}/photos", response_model=Photos, summary="The client's photos (metadata)")
def photos(client_id: int, ctx: Context) -> Photos:
    return Photos(client_id=client_id, photos=_record(ctx, client_id).photos)


@router.post(
    "/clients/{client_id}/photos",
    response_model=PhotoStored,
    status_code=201,
    summary="Upload a photo (JPEG, PNG or WebP; needs the client's photography consent)",
)
def add_photo(
    client_id: int,
    ctx: Context,
    file: Annotated[UploadFile, File(description="The image file.")],
    view: Annotated[str, Form(max_length=40, description="front, top, left, right, back, crown ...")],
    kind: Annotated[
        str, Form(max_length=20, description="before, after, progress or reference.")
    ] = "progress",
    session_id: Annotated[int | None, Form(description="The session it was taken at.")] = None,
    landmarks: Annotated[str | None, Form(max_length=20_000, description='JSON {"name": [x, y]}.')] = None,
) -> PhotoStored:
    marks = None
    if landmarks:
        try:
            marks = json.loads(landmarks)
        except ValueError:
            raise InputError("not JSON", field="landmarks", allowed='{"name": [x, y], ...}') from None
    request = AddPhotoRequest.of(
        client_id=client_id,
        image=file.file.read(),
        view=view,
        kind=kind,
        session_id=session_id,
        landmarks=marks,
    )
    return clients.add_photo(ctx, request)


# --- sessions and follow-ups -------------------------------------------------------------------------------


@router.get(
    "/clients/{client_id}/sessions", response_model=Sessions, summary="The client's sessions with lots"
)
def client_sessions(client_id: int, ctx: Context) -> Sessions:
    return Sessions(client_id=client_id, sessions=_record(ctx, client_id).sessions)


@router.post(
    "/clients/{client_id}/sessions",
    response_model=SessionRecorded,
    status_code=201,
    summary="Record a session after every check; 409 with every reason when refused",
    description="A refusal is HTTP 409, code `session_refused`; its `detail` is the SessionRefused answer: "
    "`reasons` (each with `code`, `message` in plain words, `overridable`) and `override` (why a "
    "justification given was not enough). An owner overrides the overridable reasons with "
    "`override_reason`.",
)
def record_session(client_id: int, body: SessionBody, ctx: Context) -> SessionRecorded:
    result = sessions.record_session(ctx, with_path(SessionRequest, body, client_id=client_id))
    if isinstance(result, SessionRefused):
        raise RefusedError(
            "the session was not recorded: " + "; ".join(r.message for r in result.reasons),
            field="session",
            allowed="a session every check allows (or an owner's override where allowed)",
            code="session_refused",
            detail=result.to_json(),
        )
    return result


@router.post(
    "/clients/{client_id}/sessions/check",
    response_model=SessionChecklist,
    summary="Every check the session would run, passed or failed; nothing is recorded",
)
def check_session(client_id: int, body: SessionBody, ctx: Context) -> SessionChecklist:
    return session_checks.check_session(ctx, with_path(SessionRequest, body, client_id=client_id))


@router.get(
    "/clients/{client_id}/sessions/{session_id}/handout.pdf",
    response_class=Response,
    responses=_PDF,  # type: ignore[arg-type]
    summary="The aftercare handout of a recorded session (PDF)",
)
def session_handout(client_id: int, session_id: int, ctx: Context) -> Response:
    result = handout.session_handout(ctx, HandoutRequest.of(client_id=client_id, session_id=session_id))
    return attachment(result.content, result.media_type, result.filename)


@router.get("/clients/{client_id}/follow-ups", response_model=FollowUps, summary="The client's follow-ups")
def follow_ups(client_id: int, ctx: Context) -> FollowUps:
    return FollowUps(client_id=client_id, follow_ups=_record(ctx, client_id).follow_ups)
