"""Sterilisation: autoclave cycles, spore tests, what a load reached, and the corrective actions a failed
spore test opened."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from smpstudio.services import sterilisation, sterilisation_log
from smpstudio.services.context import ServiceContext
from smpstudio.services.sterilisation import (
    CycleAdded,
    CycleRequest,
    CycleSessions,
    SporeTestRecorded,
    SporeTestRequest,
)
from smpstudio.services.sterilisation_log import (
    CloseCorrectiveActionRequest,
    CorrectiveActionList,
    CorrectiveActionsRequest,
    CorrectiveActionSummary,
    CycleList,
    LogPageRequest,
    SporeTestList,
)
from smpstudio.web.api import API_PREFIX
from smpstudio.web.state import service_context

__all__ = ["CloseBody", "router"]

router = APIRouter(prefix=API_PREFIX, tags=["sterilisation"])

Context = Annotated[ServiceContext, Depends(service_context)]
Limit = Annotated[int, Query(ge=1, le=500, description="Entries on the page.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Entries skipped, newest first.")]


class CloseBody(BaseModel):
    """What was done: loads reprocessed, clients contacted."""

    model_config = ConfigDict(extra="forbid")

    resolution: str = Field(max_length=2000)


@router.get("/sterilisation/cycles", response_model=CycleList, summary="The autoclave log, newest first")
def list_cycles(ctx: Context, limit: Limit = 100, offset: Offset = 0) -> CycleList:
    return sterilisation_log.list_cycles(ctx, LogPageRequest.of(limit=limit, offset=offset))


@router.post(
    "/sterilisation/cycles", response_model=CycleAdded, status_code=201, summary="Log an autoclave cycle"
)
def add_cycle(body: CycleRequest, ctx: Context) -> CycleAdded:
    return sterilisation.add_cycle(ctx, body)


@router.get(
    "/sterilisation/cycles/{cycle_id}/sessions",
    response_model=CycleSessions,
    summary="The sessions and clients one load reached",
)
def cycle_sessions(cycle_id: int, ctx: Context) -> CycleSessions:
    return sterilisation.sessions_for_cycle(ctx, cycle_id)


@router.get("/sterilisation/spore-tests", response_model=SporeTestList, summary="Spore tests, newest first")
def list_spore_tests(ctx: Context, limit: Limit = 100, offset: Offset = 0) -> SporeTestList:
    return sterilisation_log.list_spore_tests(ctx, LogPageRequest.of(limit=limit, offset=offset))


@router.post(
    "/sterilisation/spore-tests",
    response_model=SporeTestRecorded,
    status_code=201,
    summary="Log a spore test (a failure opens a corrective action)",
)
def record_spore_test(body: SporeTestRequest, ctx: Context) -> SporeTestRecorded:
    return sterilisation.record_spore_test(ctx, body)


@router.get(
    "/sterilisation/corrective-actions",
    response_model=CorrectiveActionList,
    summary="Corrective actions (open ones; closed ones too when asked)",
)
def list_corrective_actions(ctx: Context, include_closed: bool = False) -> CorrectiveActionList:
    request = CorrectiveActionsRequest.of(include_closed=include_closed)
    return sterilisation_log.list_corrective_actions(ctx, request)


@router.post(
    "/sterilisation/corrective-actions/{action_id}/close",
    response_model=CorrectiveActionSummary,
    summary="Close a corrective action once a repeat spore test has passed",
)
def close_corrective_action(action_id: int, body: CloseBody, ctx: Context) -> CorrectiveActionSummary:
    request = CloseCorrectiveActionRequest.of(action_id=action_id, **body.model_dump(exclude_unset=True))
    return sterilisation_log.close_corrective_action(ctx, request)
