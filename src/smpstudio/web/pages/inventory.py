"""Inventory and recall: the lots in stock, receiving a lot (the lot field takes a barcode scanner's
input), a lot's page with the clients it reached, correcting its stock and recalling it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from smpstudio.errors import SmpError
from smpstudio.services import lots
from smpstudio.services.context import ServiceContext
from smpstudio.services.lots import LotSummary
from smpstudio.web.pages.clinic_forms import Context, attempt, json_document, may, not_found, see_other
from smpstudio.web.pages.rendering import page

__all__ = ["lot_status", "router"]

router = APIRouter(include_in_schema=False)

KINDS = (("pigment", "Pigment"), ("needle", "Needle cartridge"), ("diluent", "Diluent"))
#: Days before expiry from which a lot in stock shows as expiring. [days]
EXPIRING_DAYS = 30

Form200 = Annotated[str, Form(max_length=200)]


def lot_status(lot: LotSummary, today: dt.date) -> tuple[str, str]:
    """A lot's status in words and the tone of its badge: recalled, expired, expiring, empty or in stock."""
    if lot.recalled:
        return "recalled", "danger"
    if lot.expired:
        return "expired", "danger"
    left = (lot.expires_on - today).days
    if lot.quantity == 0:
        return "used up", "info"
    if left <= EXPIRING_DAYS:
        return f"expires in {left} day{'s' if left != 1 else ''}", "warning"
    return "in stock", "ok"


def _rows(stock: list[LotSummary], today: dt.date) -> list[dict[str, Any]]:
    rows = []
    for lot in stock:
        status, tone = lot_status(lot, today)
        rows.append({"lot": lot, "status": status, "tone": tone})
    return rows


def _list_page(
    request: Request,
    ctx: ServiceContext,
    *,
    status_code: int = 200,
    error: SmpError | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    today = ctx.today()
    stock = lots.list_lots(ctx).lots
    return page(
        request,
        "inventory/list.html",
        status_code=status_code,
        json_twin="/api/v1/lots",
        rows=_rows(stock, today),
        kinds=KINDS,
        may_add=may(request, "POST", "/lots"),
        error=error,
        values=values or {"kind": "pigment"},
    )


@router.get("/lots")
def lots_page(request: Request, ctx: Context) -> Response:
    return _list_page(request, ctx)


@router.post("/lots")
def add_lot(
    request: Request,
    ctx: Context,
    kind: Annotated[str, Form(max_length=40)] = "",
    product: Form200 = "",
    lot: Form200 = "",
    expires: Annotated[str, Form(max_length=40)] = "",
    quantity: Annotated[str, Form(max_length=40)] = "",
    product_document: Annotated[str, Form(max_length=200_000)] = "",
) -> Response:
    def receive() -> lots.LotAdded:
        document = json_document(product_document, "product_document")
        call = lots.AddLotRequest.of(
            kind=kind,
            product=product,
            lot=lot,
            expires=expires,
            quantity=quantity,
            product_document=document,
        )
        return lots.add_lot(ctx, call)

    added, error = attempt(receive)
    if added is not None or error is None:
        return see_other(f"/lots/{added.id}" if added else "/lots")
    values = {
        "kind": kind,
        "product": product,
        "lot": lot,
        "expires": expires,
        "quantity": quantity,
        "product_document": product_document,
    }
    return _list_page(request, ctx, status_code=error.http_status, error=error, values=values)


def _lot_page(
    request: Request,
    ctx: ServiceContext,
    lot_id: int,
    *,
    status_code: int = 200,
    error: SmpError | None = None,
    form: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    summary = next((lot for lot in lots.list_lots(ctx).lots if lot.id == lot_id), None)
    if summary is None:
        raise not_found("lot", lot_id, "lot_id")
    exposure = lots.lot_clients(ctx, f"#{lot_id}")
    status, tone = lot_status(summary, ctx.today())
    return page(
        request,
        "inventory/lot.html",
        status_code=status_code,
        json_twin=f"/api/v1/lots/{lot_id}/clients",
        lot=summary,
        status=status,
        tone=tone,
        exposure=exposure,
        may_adjust=may(request, "POST", "/lots/{lot_id}/adjust"),
        may_recall=may(request, "POST", "/lots/{lot_id}/recall"),
        error=error,
        form=form,
        values=values or {},
    )


@router.get("/lots/{lot_id}")
def lot_page(request: Request, ctx: Context, lot_id: int) -> Response:
    return _lot_page(request, ctx, lot_id)


@router.post("/lots/{lot_id}/adjust")
def adjust_lot(
    request: Request,
    ctx: Context,
    lot_id: int,
    delta: Annotated[str, Form(max_length=40)] = "",
    reason: Form200 = "",
) -> Response:
    def adjust() -> lots.LotAdjusted:
        call = lots.AdjustLotRequest.of(lot_id=lot_id, delta=delta, reason=reason)
        return lots.adjust_lot(ctx, call)

    _, error = attempt(adjust)
    if error is None:
        return see_other(f"/lots/{lot_id}")
    values = {"delta": delta, "reason": reason}
    return _lot_page(
        request, ctx, lot_id, status_code=error.http_status, error=error, form="adjust", values=values
    )


@router.post("/lots/{lot_id}/recall")
def recall_lot(request: Request, ctx: Context, lot_id: int, reason: Form200 = "") -> Response:
    def recall() -> lots.LotExposure:
        return lots.recall_lot(ctx, lots.RecallRequest.of(lot=f"#{lot_id}", reason=reason or None))

    _, error = attempt(recall)
    if error is None:
        return see_other(f"/lots/{lot_id}#clients")
    values = {"reason": reason}
    return _lot_page(
        request, ctx, lot_id, status_code=error.http_status, error=error, form="recall", values=values
    )
