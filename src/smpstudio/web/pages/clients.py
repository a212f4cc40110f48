"""The clients: the list with its paging and search (names are posted, never put in a URL), adding and
editing a client, erasing a record with its retention answer, and who saw or changed a record."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from smpstudio.errors import InputError
from smpstudio.services import client_audit, client_details, clients, protection
from smpstudio.services.client_record import ClientDetails, client_record
from smpstudio.web.pages.client_forms import Context, can, client_path, filled
from smpstudio.web.pages.record import record_context
from smpstudio.web.pages.rendering import page

__all__ = ["CLIENT_FIELDS", "SKIN_TYPES", "router"]

router = APIRouter(include_in_schema=False)

#: The fields of the client form, as ``smp client add`` names them.
CLIENT_FIELDS = (
    "name",
    "date_of_birth",
    "email",
    "phone",
    "address",
    "skin_type",
    "hair_colour",
    "hair_loss_pattern",
)
#: The fields a client always has (a blank one is refused, not cleared).
REQUIRED_FIELDS = ("name", "date_of_birth")
#: The Fitzpatrick skin types, with words for the select.
SKIN_TYPES = (
    ("", "Not set"),
    ("I", "I: always burns, never tans"),
    ("II", "II: usually burns, tans minimally"),
    ("III", "III: sometimes burns, tans uniformly"),
    ("IV", "IV: burns minimally, always tans"),
    ("V", "V: very rarely burns, tans very easily"),
    ("VI", "VI: never burns"),
)
#: Clients on one page of the list, and audit entries on one page of a record's trail.
PER_PAGE = 25
AUDIT_PER_PAGE = 50
#: The audit trail's verbs in plain words.
AUDIT_VERBS = {
    "create": "added",
    "read": "looked at",
    "update": "changed",
    "export": "exported",
    "erase": "erased",
    "override": "overrode a refusal on",
    "refuse": "was refused",
}


def _list_page(
    request: Request,
    listing: client_details.ClientPage | None,
    *,
    query: str = "",
    error: InputError | None = None,
    status_code: int = 200,
) -> Response:
    pages = 1 if listing is None else max(1, -(-listing.total // listing.per_page))
    return page(
        request,
        "clients/list.html",
        status_code=status_code,
        json_twin="/api/v1/clients",
        listing=listing,
        pages=pages,
        query=query,
        error=error,
        may_add=can(request, "GET", "/clients/new"),
    )


@router.get("/clients")
def client_list(
    request: Request,
    ctx: Context,
    page_number: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
) -> Response:
    wanted = client_details.ListClientsRequest.of(page=page_number, per_page=PER_PAGE)
    return _list_page(request, client_details.list_clients(ctx, wanted))


@router.post("/clients/search")
async def client_search(request: Request, ctx: Context) -> Response:
    form = filled(await request.form())
    query = form.get("query", "")
    try:
        wanted = client_details.ListClientsRequest.of(
            query=query or None, page=form.get("page", "1"), per_page=PER_PAGE
        )
        listing = await run_in_threadpool(client_details.list_clients, ctx, wanted)
    except InputError as exc:
        return _list_page(request, None, query=query, error=exc, status_code=422)
    return _list_page(request, listing, query=query)


# --- adding and editing ---------------------------------------------------------------------------------


def _form_page(
    request: Request,
    *,
    values: dict[str, Any],
    client: ClientDetails | None = None,
    error: InputError | None = None,
    status_code: int = 200,
) -> Response:
    cid = client.id if client else None
    return page(
        request,
        "clients/form.html",
        status_code=status_code,
        json_twin=f"/api/v1/clients/{cid}" if cid else "/api/v1/clients",
        values=values,
        client=client,
        action=f"{client_path(cid)}/edit" if cid else "/clients/new",
        error=error,
        skin_types=SKIN_TYPES,
    )


@router.get("/clients/new")
def new_client_form(request: Request) -> Response:
    return _form_page(request, values={})


@router.post("/clients/new")
async def new_client(request: Request, ctx: Context) -> Response:
    values = {k: v for k, v in filled(await request.form()).items() if k in CLIENT_FIELDS}
    try:
        added = await run_in_threadpool(clients.add_client, ctx, clients.AddClientRequest.of(**values))
    except InputError as exc:
        return _form_page(request, values=values, error=exc, status_code=422)
    return RedirectResponse(f"{client_path(added.id)}?done=created", status_code=303)


@router.get("/clients/{client_id}/edit")
def edit_client_form(request: Request, client_id: int, ctx: Context) -> Response:
    details = client_record(ctx, client_id).client
    values = {k: getattr(details, k) for k in CLIENT_FIELDS}
    return _form_page(request, values=values, client=details)


@router.post("/clients/{client_id}/edit")
async def edit_client(request: Request, client_id: int, ctx: Context) -> Response:
    form = await request.form()
    # Every field posted is given: a blank optional one is cleared (None), a blank name or date is refused.
    values = {k: str(form.get(k) or "").strip() for k in CLIENT_FIELDS if k in form}
    given = {k: v if v or k in REQUIRED_FIELDS else None for k, v in values.items()}

    def work() -> Response:
        try:
            changes = client_details.UpdateClientRequest.of(client_id=client_id, **given)
            client_details.update_client(ctx, changes)
        except InputError as exc:
            details = client_record(ctx, client_id).client
            return _form_page(request, values=values, client=details, error=exc, status_code=422)
        return RedirectResponse(f"{client_path(client_id)}?done=updated", status_code=303)

    return await run_in_threadpool(work)


# --- erasing and the audit trail ------------------------------------------------------------------------


@router.post("/clients/{client_id}/erase")
def erase_client(request: Request, client_id: int, ctx: Context) -> Response:
    result = protection.erase_client(ctx, protection.EraseRequest.of(client_id=client_id))
    if isinstance(result, protection.Erased):
        return RedirectResponse(f"{client_path(client_id)}?done=erased", status_code=303)
    record = client_record(ctx, client_id)
    return page(
        request,
        "clients/record.html",
        status_code=409,
        json_twin=f"/api/v1/clients/{client_id}",
        erase_refused=result,
        **record_context(request, ctx, record),
    )


@router.get("/clients/{client_id}/audit")
def audit_page(
    request: Request,
    client_id: int,
    ctx: Context,
    page_number: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
) -> Response:
    wanted = client_audit.ClientAuditRequest.of(
        client_id=client_id, page=page_number, per_page=AUDIT_PER_PAGE
    )
    trail = client_audit.client_audit(ctx, wanted)
    details = client_record(ctx, client_id).client
    return page(
        request,
        "clients/audit.html",
        json_twin=f"/api/v1/clients/{client_id}/audit",
        client=details,
        path=client_path(client_id),
        trail=trail,
        pages=max(1, -(-trail.total // trail.per_page)),
        verbs=AUDIT_VERBS,
    )
