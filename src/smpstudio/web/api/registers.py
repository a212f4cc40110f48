"""The clinic's registers: follow-ups due and closing them, a client's symptom reports (kept, triaged, with
an idempotency key) and touch-ups due."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from smpstudio.errors import InputError
from smpstudio.services import registers
from smpstudio.services.care import TriageRequest
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import OptionalId
from smpstudio.services.registers import (
    CompleteFollowUpRequest,
    FollowUpClosed,
    FollowUpDetail,
    FollowUpList,
    FollowUpRequest,
    FollowUpsDueRequest,
    SymptomReported,
    SymptomReportRequest,
    TouchUpList,
    TouchUpsDueRequest,
)
from smpstudio.web.api import API_PREFIX
from smpstudio.web.state import service_context

__all__ = ["CompleteBody", "SymptomReportBody", "router"]

router = APIRouter(prefix=API_PREFIX, tags=["registers"])

Context = Annotated[ServiceContext, Depends(service_context)]
Day = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD (the clinic's today by default).")]


class CompleteBody(BaseModel):
    """What was found or agreed."""

    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(max_length=2000)


class SymptomReportBody(TriageRequest):
    """A client's symptom report (as for triage), the session it is about, and optionally the caller's
    idempotency key (or send it in the ``Idempotency-Key`` header)."""

    session_id: OptionalId = None
    idempotency_key: str | None = Field(None, max_length=64)


@router.get("/follow-ups/due", response_model=FollowUpList, summary="Open follow-ups due on or before a day")
def followups_due(ctx: Context, on: Day = None) -> FollowUpList:
    return registers.followups_due(ctx, FollowUpsDueRequest.of(on=on))


@router.get(
    "/follow-ups/{followup_id}", response_model=FollowUpDetail, summary="A follow-up and its outcomes"
)
def followup(followup_id: int, ctx: Context) -> FollowUpDetail:
    return registers.followup_detail(ctx, FollowUpRequest.of(followup_id=followup_id))


@router.post("/follow-ups/{followup_id}/complete", response_model=FollowUpClosed, summary="Close a follow-up")
def complete_followup(followup_id: int, body: CompleteBody, ctx: Context) -> FollowUpClosed:
    request = CompleteFollowUpRequest.of(followup_id=followup_id, **body.model_dump(exclude_unset=True))
    return registers.complete_followup(ctx, request)


@router.post(
    "/clients/{client_id}/symptom-reports",
    response_model=SymptomReported,
    status_code=201,
    summary="Keep and triage a client's symptom report",
    responses={200: {"model": SymptomReported, "description": "The report kept earlier under this key."}},
)
def report_symptoms(
    client_id: int,
    body: SymptomReportBody,
    ctx: Context,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=64)] = None,
) -> SymptomReported:
    values = body.model_dump(exclude_unset=True)
    sent = values.get("idempotency_key")
    if idempotency_key is not None and sent is not None and sent != idempotency_key:
        raise InputError(
            "the Idempotency-Key header and the body's idempotency_key differ",
            field="idempotency_key",
            allowed="one key, in the header or the body",
        )
    if idempotency_key is not None:
        values["idempotency_key"] = idempotency_key
    result = registers.report_symptoms(ctx, SymptomReportRequest.of(client_id=client_id, **values))
    if result.replayed:  # the report kept the first time under this key: nothing new was created
        response.status_code = 200
    return result


@router.get("/touch-ups/due", response_model=TouchUpList, summary="Touch-ups due in a month or earlier")
def touch_ups_due(
    ctx: Context,
    month: Annotated[str | None, Query(max_length=7, description="YYYY-MM (this month by default).")] = None,
) -> TouchUpList:
    return registers.touch_ups_due(ctx, TouchUpsDueRequest.of(month=month))
