"""Adverse events: logging one (a serious one gets the brand's reporting deadline), the deadlines due, and
the "brand notified" step."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from smpstudio.services import adverse_events
from smpstudio.services.adverse_events import (
    AdverseEventAdded,
    AdverseEventList,
    AdverseEventMarked,
    AdverseEventRequest,
    AdverseEventsDueRequest,
    MarkAdverseEventRequest,
)
from smpstudio.services.context import ServiceContext
from smpstudio.web.api import API_PREFIX
from smpstudio.web.errors import ErrorBody
from smpstudio.web.state import service_context

__all__ = ["BrandNotifiedBody", "router"]

router = APIRouter(prefix=API_PREFIX, tags=["adverse events"])

Context = Annotated[ServiceContext, Depends(service_context)]


class BrandNotifiedBody(BaseModel):
    """The day the brand had the event (today by default)."""

    model_config = ConfigDict(extra="forbid")

    brand_notified_on: str | None = Field(None, max_length=10, description="YYYY-MM-DD.")


@router.post(
    "/adverse-events",
    response_model=AdverseEventAdded,
    status_code=201,
    summary="Log an adverse event (a serious one gets the brand's deadline)",
    responses={404: {"model": ErrorBody, "description": "No such client (or session) in the user's clinic."}},
)
def add_adverse_event(body: AdverseEventRequest, ctx: Context) -> AdverseEventAdded:
    return adverse_events.add_adverse_event(ctx, body)


@router.get(
    "/adverse-events/due",
    response_model=AdverseEventList,
    summary="Serious events not yet sent to the brand, their deadline within a window",
)
def adverse_events_due(
    ctx: Context,
    within_days: Annotated[int, Query(ge=0, le=3650, description="Window from the day. [days]")] = 7,
    on: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD (today by default).")] = None,
) -> AdverseEventList:
    request = AdverseEventsDueRequest.of(within_days=within_days, on=on)
    return adverse_events.adverse_events_due(ctx, request)


@router.post(
    "/adverse-events/{event_id}/brand-notified",
    response_model=AdverseEventMarked,
    summary="Record that the brand had the event",
)
def brand_notified(event_id: int, ctx: Context, body: BrandNotifiedBody | None = None) -> AdverseEventMarked:
    values = body.model_dump(exclude_unset=True) if body is not None else {}
    return adverse_events.mark_adverse_event(ctx, MarkAdverseEventRequest.of(event_id=event_id, **values))
