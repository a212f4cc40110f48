"""Clients' own links, for staff: make one (its token and address are in this answer only), list a
client's links with the reports made through them, withdraw one; and mark a symptom report reviewed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from smpstudio.services import client_links
from smpstudio.services.client_links import (
    DEFAULT_LINK_DAYS,
    ClientLinkList,
    ClientLinksRequest,
    IssueLinkRequest,
    LinkIssued,
    LinkRequest,
    LinkRevoked,
    ReportReviewed,
    ReviewReportRequest,
)
from smpstudio.services.context import ServiceContext
from smpstudio.web.api import API_PREFIX
from smpstudio.web.errors import ErrorBody
from smpstudio.web.state import service_context

__all__ = ["IssueLinkBody", "router"]

router = APIRouter(prefix=API_PREFIX, tags=["client links"])

Context = Annotated[ServiceContext, Depends(service_context)]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such client (or link) in the user's clinic."}
}


class IssueLinkBody(BaseModel):
    """How long the new link works."""

    model_config = ConfigDict(extra="forbid")

    days: int = Field(DEFAULT_LINK_DAYS, description="1-90. [days]")


@router.post(
    "/clients/{client_id}/links",
    response_model=LinkIssued,
    status_code=201,
    summary="Make a client's own link (the token is shown in this answer only)",
    responses=_NOT_FOUND,
)
def issue_link(client_id: int, ctx: Context, body: IssueLinkBody | None = None) -> LinkIssued:
    days = body.days if body is not None else DEFAULT_LINK_DAYS
    return client_links.issue_client_link(ctx, IssueLinkRequest.of(client_id=client_id, days=days))


@router.get(
    "/clients/{client_id}/links",
    response_model=ClientLinkList,
    summary="A client's links (no tokens) and the reports made through them",
    responses=_NOT_FOUND,
)
def list_links(client_id: int, ctx: Context) -> ClientLinkList:
    return client_links.client_links(ctx, ClientLinksRequest.of(client_id=client_id))


@router.post(
    "/clients/{client_id}/links/{link_id}/revoke",
    response_model=LinkRevoked,
    summary="Withdraw a client's link at once",
    responses=_NOT_FOUND,
)
def revoke_link(client_id: int, link_id: int, ctx: Context) -> LinkRevoked:
    return client_links.revoke_client_link(ctx, LinkRequest.of(client_id=client_id, link_id=link_id))


@router.post(
    "/symptom-reports/{report_id}/reviewed",
    response_model=ReportReviewed,
    summary="Mark a symptom report reviewed (a client's leaves the dashboard)",
    responses={404: {"model": ErrorBody, "description": "No such symptom report in the user's clinic."}},
)
def report_reviewed(report_id: int, ctx: Context) -> ReportReviewed:
    return client_links.mark_report_reviewed(ctx, ReviewReportRequest.of(report_id=report_id))
