"""Every router of the studio's pages."""

from __future__ import annotations

from fastapi import APIRouter

from smpstudio.web.pages import admin as clinic_admin
from smpstudio.web.pages import care as clinic_care
from smpstudio.web.pages import clients as client_pages
from smpstudio.web.pages import consent as client_consent
from smpstudio.web.pages import dashboard as clinic_dashboard
from smpstudio.web.pages import events as clinic_events
from smpstudio.web.pages import inventory as clinic_inventory
from smpstudio.web.pages import record as client_record
from smpstudio.web.pages import session
from smpstudio.web.pages import sessions as client_sessions
from smpstudio.web.pages import sterilisation as clinic_sterilisation

__all__ = ["PAGE_ROUTERS"]

PAGE_ROUTERS: list[APIRouter] = [session.router]
# the clinic's pages: dashboard, inventory, sterilisation, adverse events, administration, care answers
PAGE_ROUTERS += [clinic_dashboard.router, clinic_inventory.router, clinic_sterilisation.router]
PAGE_ROUTERS += [clinic_events.router, clinic_admin.router, clinic_care.router]
# the clients' pages (the list router first: /clients/new before /clients/{client_id})
PAGE_ROUTERS += [client_pages.router, client_record.router, client_consent.router, client_sessions.router]
