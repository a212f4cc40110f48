"""Every router of the JSON API, in the order the OpenAPI document lists them."""

from __future__ import annotations

from fastapi import APIRouter

from smpstudio.web.api import (
    admin,
    appointments,
    care,
    client_links,
    client_record,
    clients,
    consultation,
    dashboard,
    events,
    jobs,
    lots,
    mail,
    registers,
    repair,
    reports,
    session,
    sterilisation,
)

__all__ = ["API_ROUTERS"]

API_ROUTERS: list[APIRouter] = [
    session.router,
    # the clinic's registers, inventory, sterilisation, events, users, settings, care
    dashboard.router,
    lots.router,
    sterilisation.router,
    registers.router,
    events.router,
    admin.router,
    care.router,
    # clients and their records
    clients.router,
    client_record.router,
    # appointments and the calendar
    appointments.router,
    # clients' own links (staff side)
    client_links.router,
    # background jobs (the worker's)
    jobs.router,
    # the clinic's mail server and clients' e-mail reminders
    mail.router,
    # the owner's reports
    reports.router,
    # the consultation on the client's photo
    consultation.router,
    # the repair consultation on a close-up
    repair.router,
]
