"""The owner's reports as JSON: sessions per practitioner and month, lots used and remaining, adverse events
by lot and by pigment product (with the lot signals), follow-up completion and the touch-ups due next
quarter. A window is ``?from=YYYY-MM&to=YYYY-MM`` (the last 12 months to this one by default)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from smpstudio.errors import InputError
from smpstudio.services import report_signals, reports
from smpstudio.services.context import ServiceContext
from smpstudio.services.report_signals import AdverseEventsReport
from smpstudio.services.reports import (
    FollowUpsReport,
    LotsReport,
    ReportWindowRequest,
    SessionsReport,
    TouchUpsReport,
    TouchUpsRequest,
)
from smpstudio.web.api import API_PREFIX
from smpstudio.web.errors import ErrorBody
from smpstudio.web.state import service_context

__all__ = ["From", "To", "router", "window"]

router = APIRouter(prefix=API_PREFIX, tags=["reports"])

Context = Annotated[ServiceContext, Depends(service_context)]
From = Annotated[
    str | None, Query(alias="from", max_length=7, description="YYYY-MM (11 months before `to` by default).")
]
To = Annotated[str | None, Query(alias="to", max_length=7, description="YYYY-MM (this month by default).")]
_REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "Reports are for owners."}
}


#: The window's fields as the query names them.
_QUERY_NAMES = {"first_month": "from", "last_month": "to"}


@contextmanager
def _as_query() -> Iterator[None]:
    """An input error about the window names the query parameter (``from``, ``to``) the caller sent."""
    try:
        yield
    except InputError as error:
        error.field = _QUERY_NAMES.get(error.field or "", error.field)
        raise


def window(first: str | None, last: str | None) -> ReportWindowRequest:
    """The window the query names (blank values are the defaults)."""
    with _as_query():
        return ReportWindowRequest.of(first_month=first or None, last_month=last or None)


@router.get(
    "/reports/sessions",
    response_model=SessionsReport,
    summary="Sessions per practitioner and month (historical ones counted apart)",
    responses=_REFUSED,
)
def sessions_report(ctx: Context, first: From = None, last: To = None) -> SessionsReport:
    with _as_query():
        return reports.sessions_report(ctx, window(first, last))


@router.get(
    "/reports/lots",
    response_model=LotsReport,
    summary="Lots used in the window and remaining now",
    responses=_REFUSED,
)
def lots_report(ctx: Context, first: From = None, last: To = None) -> LotsReport:
    with _as_query():
        return reports.lots_report(ctx, window(first, last))


@router.get(
    "/reports/adverse-events",
    response_model=AdverseEventsReport,
    summary="Adverse events by lot and by pigment product, with lot signals",
    responses=_REFUSED,
)
def adverse_events_report(ctx: Context, first: From = None, last: To = None) -> AdverseEventsReport:
    with _as_query():
        return report_signals.adverse_events_report(ctx, window(first, last))


@router.get(
    "/reports/follow-ups",
    response_model=FollowUpsReport,
    summary="Follow-ups due per month: done on time, done late, still open",
    responses=_REFUSED,
)
def followups_report(ctx: Context, first: From = None, last: To = None) -> FollowUpsReport:
    with _as_query():
        return reports.followups_report(ctx, window(first, last))


@router.get(
    "/reports/touch-ups",
    response_model=TouchUpsReport,
    summary="The clients whose touch-up falls in a quarter (the next one by default)",
    responses=_REFUSED,
)
def touch_ups_report(
    ctx: Context,
    quarter: Annotated[str | None, Query(max_length=7, description="YYYY-Qn (the next quarter).")] = None,
) -> TouchUpsReport:
    return reports.touch_ups_report(ctx, TouchUpsRequest.of(quarter=quarter or None))
