"""Clients: the list page by page, the search (names in the body, never the URL), adding and changing a
client, the whole record, its export and erasure, the audit entries about a client, and the consent text a
client signs.

A refusal the service answers as a result (an erasure the retention period does not allow yet) is HTTP
409 in the one error shape, the result in its ``detail``.
"""

from __future__ import annotations

import io
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from smpstudio.errors import RefusedError
from smpstudio.services import client_audit, client_details, clients, consent, protection
from smpstudio.services.client_audit import ClientAuditRequest, ClientAuditTrail
from smpstudio.services.client_details import (
    ClientPage,
    ClientUpdated,
    ListClientsRequest,
    UpdateClientRequest,
)
from smpstudio.services.clients import AddClientRequest, ClientAdded, ClientRecord
from smpstudio.services.consent import ConsentTextRequest, ConsentTextShown
from smpstudio.services.context import ServiceContext
from smpstudio.services.models import Request
from smpstudio.services.protection import Erased, EraseRequest
from smpstudio.web.api import API_PREFIX
from smpstudio.web.state import service_context

__all__ = ["Context", "SearchBody", "UpdateClientBody", "attachment", "router", "with_path"]

router = APIRouter(prefix=API_PREFIX, tags=["clients"])

Context = Annotated[ServiceContext, Depends(service_context)]
R = TypeVar("R", bound=Request)

#: The query parameters of a page of a list.
Page = Annotated[int, Query(ge=1, le=1_000_000, description="The page, from 1.")]


def with_path(model: type[R], body: BaseModel, **path: Any) -> R:
    """The service's request: the fields the body gave, with the ids from the path (checked again)."""
    return model.of(**body.model_dump(exclude_unset=True, exclude=set(path)), **path)


def attachment(content: bytes, media_type: str, filename: str) -> Response:
    """A file to save (``filename`` holds ids, never a client's name)."""
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


class SearchBody(BaseModel):
    """Part of a client's name, and which page of the matches."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(max_length=200, description="Part of the name (any case).")
    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(25, ge=1, le=100)


class UpdateClientBody(UpdateClientRequest):
    """The details to change: only the fields given change (an optional one given as null is cleared)."""

    client_id: SkipJsonSchema[None] = Field(None, exclude=True)  # type: ignore[assignment]


@router.get("/clients", response_model=ClientPage, summary="The clinic's clients, by name, page by page")
def list_clients(
    ctx: Context,
    page: Page = 1,
    per_page: Annotated[int, Query(ge=1, le=100, description="Clients per page.")] = 25,
) -> ClientPage:
    return client_details.list_clients(ctx, ListClientsRequest.of(page=page, per_page=per_page))


@router.post(
    "/clients/search",
    response_model=ClientPage,
    summary="Clients whose name contains the query (in the body: names never go in a URL)",
)
def search_clients(body: SearchBody, ctx: Context) -> ClientPage:
    return client_details.list_clients(ctx, ListClientsRequest.of(**body.model_dump()))


@router.post("/clients", response_model=ClientAdded, status_code=201, summary="Add a client")
def add_client(body: AddClientRequest, ctx: Context) -> ClientAdded:
    return clients.add_client(ctx, body)


@router.get("/clients/{client_id}", response_model=ClientRecord, summary="A client's whole record")
def client_record(client_id: int, ctx: Context) -> ClientRecord:
    return clients.client_record(ctx, client_id)


@router.patch(
    "/clients/{client_id}", response_model=ClientUpdated, summary="Change a client's details (fields given)"
)
def update_client(client_id: int, body: UpdateClientBody, ctx: Context) -> ClientUpdated:
    return client_details.update_client(ctx, with_path(UpdateClientRequest, body, client_id=client_id))


@router.get(
    "/clients/{client_id}/export",
    response_class=Response,
    summary="The client's whole record as a zip archive (JSON, photos, signatures, designs)",
    responses={200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}},
)
def export_client(client_id: int, ctx: Context) -> Response:
    out = io.BytesIO()
    protection.export_client(ctx, client_id, out)
    return attachment(out.getvalue(), "application/zip", f"client-{client_id}-export.zip")


@router.post(
    "/clients/{client_id}/erase",
    response_model=Erased,
    summary="Erase (anonymise) a client; 409 with the retention answer when the period has not passed",
    description="A refusal is HTTP 409, code `erasure_refused`, its `detail` the ErasureRefused answer: "
    "`retained_until` (the first day the record may be erased) and the `reason`.",
)
def erase_client(client_id: int, ctx: Context) -> Erased:
    result = protection.erase_client(ctx, EraseRequest.of(client_id=client_id))
    if isinstance(result, Erased):
        return result
    raise RefusedError(
        f"the record is kept until {result.retained_until}",
        field="client",
        allowed=f"erasure from {result.retained_until}",
        code="erasure_refused",
        detail=result.to_json(),
    )


@router.get(
    "/clients/{client_id}/audit",
    response_model=ClientAuditTrail,
    summary="Who saw or changed the client's record, newest first",
)
def client_audit_trail(
    client_id: int,
    ctx: Context,
    page: Page = 1,
    per_page: Annotated[int, Query(ge=1, le=200, description="Entries per page.")] = 50,
) -> ClientAuditTrail:
    request = ClientAuditRequest.of(client_id=client_id, page=page, per_page=per_page)
    return client_audit.client_audit(ctx, request)


@router.get(
    "/consent-texts/{kind}",
    response_model=ConsentTextShown,
    summary="The consent text a client of the clinic signs, in full (treatment or photography)",
)
def consent_text(
    kind: str,
    ctx: Context,
    version: Annotated[
        str | None, Query(max_length=40, description="A version (the current one if none).")
    ] = None,
) -> ConsentTextShown:
    return consent.show_consent_text(ctx, ConsentTextRequest.of(kind=kind, version=version))
