"""Pigment, needle and diluent lots: stock, receiving, corrections, expiry, recall and the clients a lot
reached. A lot is named by its id in the path (the services take ``#id`` for one lot)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from smpstudio.services import lots
from smpstudio.services.context import ServiceContext
from smpstudio.services.lots import (
    AddLotRequest,
    AdjustLotRequest,
    LotAdded,
    LotAdjusted,
    LotExposure,
    LotList,
    LotsExpiringRequest,
    RecallRequest,
)
from smpstudio.web.api import API_PREFIX
from smpstudio.web.state import service_context

__all__ = ["AdjustBody", "RecallBody", "router"]

router = APIRouter(prefix=API_PREFIX, tags=["lots"])

Context = Annotated[ServiceContext, Depends(service_context)]


class AdjustBody(BaseModel):
    """A correction of a lot's stock and why."""

    model_config = ConfigDict(extra="forbid")

    delta: int = Field(description="Units to add (negative to remove).")
    reason: str = Field(max_length=200, description="Stock count, damaged, returned ...")


class RecallBody(BaseModel):
    """The recall notice's reason (optional)."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=200)


@router.get("/lots", response_model=LotList, summary="Every lot with stock, expiry, compliance and recall")
def list_lots(ctx: Context) -> LotList:
    return lots.list_lots(ctx)


@router.post("/lots", response_model=LotAdded, status_code=201, summary="Receive a lot into stock")
def add_lot(body: AddLotRequest, ctx: Context) -> LotAdded:
    return lots.add_lot(ctx, body)


@router.get("/lots/expiring", response_model=LotList, summary="Lots in stock expiring within a window")
def lots_expiring(
    ctx: Context,
    days: Annotated[int, Query(ge=0, le=3650, description="Window from today. [days]")] = 30,
) -> LotList:
    return lots.lots_expiring(ctx, LotsExpiringRequest.of(within_days=days))


@router.post("/lots/{lot_id}/adjust", response_model=LotAdjusted, summary="Correct a lot's stock")
def adjust_lot(lot_id: int, body: AdjustBody, ctx: Context) -> LotAdjusted:
    return lots.adjust_lot(ctx, AdjustLotRequest.of(lot_id=lot_id, **body.model_dump(exclude_unset=True)))


@router.post(
    "/lots/{lot_id}/recall",
    response_model=LotExposure,
    summary="Recall a lot: no session may use it; the clients it reached",
)
def recall_lot(lot_id: int, ctx: Context, body: Annotated[RecallBody | None, Body()] = None) -> LotExposure:
    reason = body.reason if body is not None else None
    return lots.recall_lot(ctx, RecallRequest.of(lot=f"#{lot_id}", reason=reason))


@router.get("/lots/{lot_id}/clients", response_model=LotExposure, summary="The clients a lot reached")
def lot_clients(lot_id: int, ctx: Context) -> LotExposure:
    return lots.lot_clients(ctx, f"#{lot_id}")
