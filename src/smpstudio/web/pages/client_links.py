"""The "Client's own link" panel of a client's record: make a link (its address shown once, with a copy
button and its expiry), withdraw one, and mark a report the client sent through a link reviewed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from smpstudio.errors import SmpError
from smpstudio.services import client_links
from smpstudio.services.client_links import (
    DEFAULT_LINK_DAYS,
    ClientLinkList,
    ClientLinksRequest,
    IssueLinkRequest,
    LinkIssued,
    LinkRequest,
    ReviewReportRequest,
)
from smpstudio.services.client_record import client_record
from smpstudio.services.context import ServiceContext
from smpstudio.web.pages.client_forms import Context, can, client_path
from smpstudio.web.pages.clinic_forms import attempt, see_other
from smpstudio.web.pages.rendering import page

__all__ = ["DISPOSITION_LABELS", "link_panel", "router"]

router = APIRouter(include_in_schema=False)

#: The advice a client's report got, in the words staff read on the record.
DISPOSITION_LABELS: dict[str, tuple[str, str]] = {
    "expected": ("normal healing", "ok"),
    "monitor": ("keep watching", "info"),
    "contact_practitioner": ("contact the clinic", "warning"),
    "see_doctor": ("see a doctor", "danger"),
    "urgent": ("urgent: medical care today", "danger"),
}


def link_panel(request: Request, ctx: ServiceContext, client_id: int) -> dict[str, Any]:
    """What the record's "Client's own link" panel shows to the signed-in user: the client's links and
    the reports made through them (only for roles that may manage links), and the actions they may take."""
    may_links = can(request, "POST", "/clients/{client_id}/links")
    listed: ClientLinkList | None = None
    if may_links:
        listed = client_links.client_links(ctx, ClientLinksRequest.of(client_id=client_id))
    return {
        "links": listed,
        "may_links": may_links,
        "may_review": can(request, "POST", "/symptom-reports/{report_id}/reviewed"),
        "disposition_labels": DISPOSITION_LABELS,
        "default_link_days": DEFAULT_LINK_DAYS,
    }


def _record(
    request: Request,
    ctx: ServiceContext,
    client_id: int,
    *,
    status_code: int = 200,
    new_link: LinkIssued | None = None,
    link_error: SmpError | None = None,
) -> Response:
    from smpstudio.web.pages.record import record_context  # the record page's own context

    record = client_record(ctx, client_id)
    return page(
        request,
        "clients/record.html",
        status_code=status_code,
        json_twin=f"/api/v1/clients/{client_id}",
        new_link=new_link,
        link_error=link_error,
        **record_context(request, ctx, record),
    )


@router.post("/clients/{client_id}/links")
def issue_link(
    request: Request, ctx: Context, client_id: int, days: Annotated[str, Form(max_length=6)] = ""
) -> Response:
    def issue() -> LinkIssued:
        call = IssueLinkRequest.of(client_id=client_id, days=days.strip() or DEFAULT_LINK_DAYS)
        return client_links.issue_client_link(ctx, call)

    made, error = attempt(issue)
    if made is None:
        status = error.http_status if error else 422
        return _record(request, ctx, client_id, status_code=status, link_error=error)
    return _record(request, ctx, client_id, new_link=made)


@router.post("/clients/{client_id}/links/{link_id}/revoke")
def revoke_link(request: Request, ctx: Context, client_id: int, link_id: int) -> Response:
    client_links.revoke_client_link(ctx, LinkRequest.of(client_id=client_id, link_id=link_id))
    return see_other(f"{client_path(client_id)}?done=link_revoked#client-link")


@router.post("/symptom-reports/{report_id}/reviewed")
def report_reviewed(request: Request, ctx: Context, report_id: int) -> Response:
    done = client_links.mark_report_reviewed(ctx, ReviewReportRequest.of(report_id=report_id))
    return see_other(f"{client_path(done.client_id)}?done=reviewed#client-link")
