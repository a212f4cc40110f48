"""Adverse events: the serious events the brand has not had, with their reporting deadlines (days left,
overdue in red) and the "brand notified" step; recording an event for a client found by name."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from smpstudio.errors import SmpError
from smpstudio.services import adverse_events, client_record, clients
from smpstudio.services.adverse_events import SERIOUS_CRITERIA
from smpstudio.services.context import ServiceContext
from smpstudio.web.pages.client_forms import rules_in_force
from smpstudio.web.pages.clinic_forms import Context, attempt, may, see_other
from smpstudio.web.pages.rendering import page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: Every serious event the brand has not had: a deadline is 15 business days after the clinic learnt of
#: it, so a year's window lists them all. [days]
DUE_WINDOW_DAYS = 365
Short = Annotated[str, Form(max_length=200)]


def _due_page(
    request: Request,
    ctx: ServiceContext,
    *,
    status_code: int = 200,
    error: SmpError | None = None,
    failed: int | None = None,
    found: list[clients.ClientSummary] | None = None,
    query: str = "",
) -> Response:
    records = rules_in_force(request, ctx).care_rules.data["records"]
    rule = {
        "days": records["serious_event_report_business_days"],
        "source": f"{records['serious_event_source']} [{records['serious_event_grade']}]",
    }
    due = adverse_events.adverse_events_due(
        ctx, adverse_events.AdverseEventsDueRequest.of(within_days=DUE_WINDOW_DAYS)
    )
    return page(
        request,
        "events/due.html",
        status_code=status_code,
        json_twin="/api/v1/adverse-events/due",
        events=due.events,
        rule=rule,
        today=ctx.today(),
        error=error,
        failed=failed,
        found=found,
        query=query,
        may_search=may(request, "POST", "/adverse-events/find-client"),
    )


@router.get("/adverse-events")
def due_page(request: Request, ctx: Context) -> Response:
    return _due_page(request, ctx)


@router.post("/adverse-events/find-client")
def find_client(request: Request, ctx: Context, name: Short = "") -> Response:
    found, error = attempt(lambda: clients.find_clients(ctx, clients.FindClientsRequest.of(query=name)))
    if error is not None:
        return _due_page(request, ctx, status_code=error.http_status, error=error, failed=0, query=name)
    return _due_page(request, ctx, found=found.clients if found else [], query=name)


@router.post("/adverse-events/{event_id}/brand-notified")
def brand_notified(request: Request, ctx: Context, event_id: int, brand_notified_on: Short = "") -> Response:
    def mark() -> adverse_events.AdverseEventMarked:
        call = adverse_events.MarkAdverseEventRequest.of(
            event_id=event_id, brand_notified_on=brand_notified_on or None
        )
        return adverse_events.mark_adverse_event(ctx, call)

    _, error = attempt(mark)
    if error is None:
        return see_other("/adverse-events")
    return _due_page(request, ctx, status_code=error.http_status, error=error, failed=event_id)


def _new_page(
    request: Request,
    ctx: ServiceContext,
    client_id: int,
    *,
    status_code: int = 200,
    error: SmpError | None = None,
    values: dict[str, object] | None = None,
) -> Response:
    record = client_record.client_record(ctx, client_id)
    return page(
        request,
        "events/new.html",
        status_code=status_code,
        json_twin=f"/api/v1/clients/{client_id}",
        record=record,
        criteria=SERIOUS_CRITERIA,
        error=error,
        values=values or {"serious": []},
    )


@router.get("/adverse-events/new")
def new_event_page(request: Request, ctx: Context, client_id: Annotated[int, Query(ge=1)]) -> Response:
    return _new_page(request, ctx, client_id)


@router.post("/adverse-events")
def record_event(
    request: Request,
    ctx: Context,
    client_id: Annotated[int, Form(ge=1)],
    description: Annotated[str, Form(max_length=10_000)] = "",
    received_on: Short = "",
    session_id: Short = "",
    serious: Annotated[list[str] | None, Form()] = None,
    brand_notified_on: Short = "",
) -> Response:
    criteria = list(serious or [])

    def record() -> adverse_events.AdverseEventAdded:
        call = adverse_events.AdverseEventRequest.of(
            client_id=client_id,
            description=description,
            received_on=received_on or None,
            serious=criteria,
            session_id=session_id or None,
            brand_notified_on=brand_notified_on or None,
        )
        return adverse_events.add_adverse_event(ctx, call)

    added, error = attempt(record)
    if added is not None:
        return see_other(f"/adverse-events#event-{added.id}" if added.serious else f"/clients/{client_id}")
    values: dict[str, object] = {
        "description": description,
        "received_on": received_on,
        "session_id": session_id,
        "serious": criteria,
        "brand_notified_on": brand_notified_on,
    }
    status = error.http_status if error else 422
    return _new_page(request, ctx, client_id, status_code=status, error=error, values=values)
