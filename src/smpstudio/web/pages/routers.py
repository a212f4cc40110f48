"""Every router of the studio's pages."""

from __future__ import annotations

from fastapi import APIRouter

from smpstudio.web.pages import admin as clinic_admin
from smpstudio.web.pages import calendar as clinic_calendar
from smpstudio.web.pages import care as clinic_care
from smpstudio.web.pages import client_links as client_link_pages
from smpstudio.web.pages import client_portal, session
from smpstudio.web.pages import clients as client_pages
from smpstudio.web.pages import consent as client_consent
from smpstudio.web.pages import consultation as client_consultation
from smpstudio.web.pages import dashboard as clinic_dashboard
from smpstudio.web.pages import events as clinic_events
from smpstudio.web.pages import inventory as clinic_inventory
from smpstudio.web.pages import jobs as clinic_jobs
from smpstudio.web.pages import mail as clinic_mail
from smpstudio.web.pages import record as client_record
from smpstudio.web.pages import repair as client_repair
from smpstudio.web.pages import reports as clinic_reports
from smpstudio.web.pages import sessions as client_sessions
from smpstudio.web.pages import sterilisation as clinic_sterilisation

__all__ = ["PAGE_ROUTERS"]

PAGE_ROUTERS: list[APIRouter] = [session.router]
# the clinic's pages: dashboard, inventory, sterilisation, adverse events, administration, care answers
PAGE_ROUTERS += [clinic_dashboard.router, clinic_inventory.router, clinic_sterilisation.router]
PAGE_ROUTERS += [clinic_events.router, clinic_admin.router, clinic_care.router]
# the clients' pages (the list router first: /clients/new before /clients/{client_id})
PAGE_ROUTERS += [client_pages.router, client_record.router, client_consent.router, client_sessions.router]
# background jobs: backups and exports, their state and results
PAGE_ROUTERS += [clinic_jobs.router]
# clients' own links: the record's panel, and the client's own pages
PAGE_ROUTERS += [client_link_pages.router, client_portal.router]
# the clinic's mail server, the public unsubscribe page, a client's reminders back on
PAGE_ROUTERS += [clinic_mail.router]
# the calendar: appointments, booking, what is due to be booked
PAGE_ROUTERS += [clinic_calendar.router]
# the owner's reports and their CSV files
PAGE_ROUTERS += [clinic_reports.router]
# the consultation on the client's photo, and the repair consultation on a close-up
PAGE_ROUTERS += [client_consultation.router, client_repair.router]
