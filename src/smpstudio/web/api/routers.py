"""Every router of the JSON API, in the order the OpenAPI document lists them."""

from __future__ import annotations

from fastapi import APIRouter

from smpstudio.web.api import (
    admin,
    care,
    client_record,
    clients,
    dashboard,
    events,
    lots,
    registers,
    session,
    sterilisation,
)

__all__ = ["API_ROUTERS"]

API_ROUTERS: list[APIRouter] = [
    session.router,
    # helper C2: the clinic's registers, inventory, sterilisation, events, users, settings, care
    dashboard.router,
    lots.router,
    sterilisation.router,
    registers.router,
    events.router,
    admin.router,
    care.router,
    # helper C1: clients and their records
    clients.router,
    client_record.router,
]
