"""The stateless care answers, under the clinic's rules in force: screening (and its questionnaire),
triage, the aftercare plan in every format, the pigment check and the removal estimate. Nothing is kept."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from smpstudio.services import clinic_care
from smpstudio.services.care import (
    AftercareRequest,
    PigmentCheckRequest,
    PigmentCheckResult,
    RemovalRequest,
    RemovalResult,
    ScreenRequest,
    ScreenResult,
    TriageRequest,
    TriageResult,
)
from smpstudio.services.clinic_care import ScreeningQuestions
from smpstudio.services.context import ServiceContext
from smpstudio.web.api import API_PREFIX
from smpstudio.web.state import service_context

__all__ = ["Questionnaire", "router"]

router = APIRouter(prefix=API_PREFIX, tags=["care"])

Context = Annotated[ServiceContext, Depends(service_context)]

#: Handouts served as files (a download), and the others shown as they are.
_FILES = {"ics": "aftercare.ics", "pdf": "aftercare.pdf"}


class Questionnaire(BaseModel):
    """A client's screening answers: the date of birth and ``{question: true|false}`` (the keys of
    ``GET /care/screening/questions``); a question left out stays open."""

    model_config = ConfigDict(extra="forbid")

    date_of_birth: str = Field(max_length=10, description="YYYY-MM-DD.")
    answers: dict[Annotated[str, Field(max_length=60)], StrictBool] = Field(default_factory=dict)


@router.post(
    "/care/screening",
    response_model=ScreenResult,
    summary="The screening outcome and reasons for a set of answers (nothing kept)",
)
def screening(body: Questionnaire, ctx: Context) -> ScreenResult:
    return clinic_care.clinic_screening(ctx, ScreenRequest.of(answers=body.model_dump()))


@router.get(
    "/care/screening/questions",
    response_model=ScreeningQuestions,
    summary="The screening questionnaire of the clinic's rules",
)
def screening_questions(ctx: Context) -> ScreeningQuestions:
    return clinic_care.screening_questions(ctx)


@router.post(
    "/care/triage", response_model=TriageResult, summary="What to do about a symptom report (nothing kept)"
)
def triage(body: TriageRequest, ctx: Context) -> TriageResult:
    return clinic_care.clinic_triage(ctx, body)


@router.post(
    "/care/aftercare",
    response_class=Response,
    summary="The aftercare plan for a session date: text, json, ics (calendar) or pdf (handout)",
    responses={
        200: {
            "description": "The plan in the format asked for (ics and pdf as a download).",
            "content": {
                "text/plain": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
                "text/calendar": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def aftercare(body: AftercareRequest, ctx: Context) -> Response:
    result = clinic_care.clinic_aftercare(ctx, body)
    headers = {}
    if result.format in _FILES:
        headers["Content-Disposition"] = f'attachment; filename="{_FILES[result.format]}"'
    return Response(result.content, media_type=result.media_type, headers=headers)


@router.post(
    "/care/pigment-check",
    response_model=PigmentCheckResult,
    summary="Check a pigment product document against the clinic's pigment rules",
)
def pigment_check(body: PigmentCheckRequest, ctx: Context) -> PigmentCheckResult:
    return clinic_care.clinic_pigment_check(ctx, body)


@router.post(
    "/care/removal",
    response_model=RemovalResult,
    summary="Score and plan a laser removal (Kirby-Desai and the SMP expectation)",
)
def removal(body: RemovalRequest, ctx: Context) -> RemovalResult:
    return clinic_care.clinic_removal(ctx, body)
