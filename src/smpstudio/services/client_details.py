"""Listing a clinic's clients page by page, and changing a client's details.

:func:`list_clients` pages through the clients on record (searched by name in a request body, never a
URL); :func:`update_client` changes only the fields given, checked as :func:`~.clients.add_client` checks
them, and audits which fields changed, never their values.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from sqlalchemy.orm import Session as Db

from smpstudio.errors import InputError
from smpstudio.records.repositories import clients as rows
from smpstudio.services.access import Actor, get_client, log, transact
from smpstudio.services.clients import ClientList, ClientSummary, SkinType, check_email, check_phone
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import (
    SKIN_TYPES,
    Id,
    IsoDate,
    OptionalText,
    choice,
    in_range,
    optional_text,
    text,
)
from smpstudio.services.models import Request, Result

__all__ = [
    "ClientPage",
    "ClientUpdated",
    "ListClientsRequest",
    "UpdateClientRequest",
    "list_clients",
    "update_client",
]


class ListClientsRequest(Request):
    """One page of the clinic's clients, optionally those whose name contains ``query`` (any case)."""

    query: OptionalText = None
    page: Annotated[int, in_range(1, 1_000_000)] = 1
    per_page: Annotated[int, in_range(1, 100)] = 25


class ClientPage(ClientList):
    """One page of clients on record, by name: how many match in all, the page and its size."""

    total: int
    page: int
    per_page: int


def list_clients(ctx: ServiceContext, request: ListClientsRequest) -> ClientPage:
    """A page of the acting user's clinic's clients, by name, searched by name when a query is given (the
    read is audited with the ids listed, never the query)."""
    r = request

    def action(db: Db, actor: Actor) -> ClientPage:
        actor.require("client.read")
        found, total = rows.page_of_clients(
            db, actor.clinic_id, r.query, offset=(r.page - 1) * r.per_page, limit=r.per_page
        )
        log(db, actor, "read", "client", None, search=r.query is not None, ids=[c.id for c in found])
        listed = [ClientSummary(id=c.id, name=c.name, date_of_birth=c.date_of_birth) for c in found]
        return ClientPage(clients=listed, total=total, page=r.page, per_page=r.per_page)

    return transact(ctx, action)


class UpdateClientRequest(Request):
    """A client's details to change: only the fields given change (an optional one given as None or
    blank is cleared; name and date of birth cannot be cleared). Checked as when the client was added."""

    client_id: Id
    name: Annotated[str | None, text()] = None
    date_of_birth: IsoDate | None = None
    email: Annotated[str | None, optional_text()] = None
    phone: Annotated[str | None, optional_text(60)] = None
    address: Annotated[str | None, optional_text(500)] = None
    skin_type: Annotated[SkinType | None, choice(SKIN_TYPES)] = Field(None, description="Fitzpatrick I-VI.")
    hair_colour: Annotated[str | None, optional_text(40)] = None
    hair_loss_pattern: Annotated[str | None, optional_text(60)] = None

    @field_validator("email", mode="before")
    @classmethod
    def _check_email(cls, value: object) -> object:
        return check_email(value)

    @field_validator("phone", mode="before")
    @classmethod
    def _check_phone(cls, value: object) -> object:
        return check_phone(value)

    @model_validator(mode="after")
    def _required_stay(self) -> UpdateClientRequest:
        if "date_of_birth" in self.model_fields_set and self.date_of_birth is None:
            raise InputError("missing", field="date_of_birth", allowed="a past date after 1900")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields given, by name (the client's id left out)."""
        return {k: getattr(self, k) for k in sorted(self.model_fields_set - {"client_id"})}


class ClientUpdated(Result):
    """The client's id and the names of the fields whose value changed (never the values)."""

    id: int
    changed: list[str]


def update_client(ctx: ServiceContext, request: UpdateClientRequest) -> ClientUpdated:
    """Change a client's details: only the fields given, checked as :func:`add_client` checks them (a
    date of birth in the past, after 1900); the audit entry names the fields changed, never their values.
    An erased client cannot be changed."""
    born = request.date_of_birth

    def action(db: Db, actor: Actor) -> ClientUpdated:
        actor.require("client.write")
        if born is not None and (born > actor.today() or born.year < 1900):
            raise InputError(
                f"{born} is not a past date", field="date_of_birth", allowed="a past date after 1900"
            )
        client = get_client(db, actor, request.client_id, for_update=True)
        changed = [k for k, v in request.changes().items() if getattr(client, k) != v]
        for name in changed:
            setattr(client, name, getattr(request, name))
        log(db, actor, "update", "client", client.id, fields=changed)
        return ClientUpdated(id=client.id, changed=changed)

    return transact(ctx, action)
