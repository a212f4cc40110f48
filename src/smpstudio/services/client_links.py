"""Clients' own links, the staff side: a long random token the clinic gives a client (no account), expiring
and revocable, that opens the client's own pages (:mod:`smpstudio.services.client_portal`).

Use cases (permission ``client_link``): :func:`issue_client_link` (the token is shown once; only its
SHA-256 is kept), :func:`revoke_client_link`, :func:`client_links` (no tokens). Marking a client's report
reviewed needs ``symptom`` (:func:`mark_report_reviewed`); the reports no one has reviewed yet are the
dashboard's alerts (:func:`client_report_alerts`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated, Any, Literal

from pydantic import Field
from sqlalchemy.orm import Session as Db

from smpstudio.records.clinic_day import ClientLink
from smpstudio.records.models import SymptomReport
from smpstudio.records.repositories import client_links as repo
from smpstudio.services.access import Actor, get_client, log, not_in_clinic, transact
from smpstudio.services.accounts import token_digest
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id, in_range
from smpstudio.services.models import Request, Result
from smpstudio.services.registers import Timestamp

__all__ = [
    "DEFAULT_LINK_DAYS",
    "ClientLinkList",
    "ClientLinksRequest",
    "ClientReportEntry",
    "IssueLinkRequest",
    "LinkEntry",
    "LinkIssued",
    "LinkRequest",
    "LinkRevoked",
    "ReportReviewed",
    "ReviewReportRequest",
    "client_link_path",
    "client_links",
    "client_report_alerts",
    "issue_client_link",
    "mark_report_reviewed",
    "revoke_client_link",
]

#: How long a new link works unless the clinic says otherwise, and the longest it may. [days]
DEFAULT_LINK_DAYS = 30
MAX_LINK_DAYS = 90
#: Random bytes in a token (``secrets.token_urlsafe``: 43 characters); a guess is hopeless. [bytes]
TOKEN_BYTES = 32
#: The dispositions in plain words, for staff reading a client's report.
_DISPOSITION_WORDS = {
    "expected": "normal healing",
    "monitor": "keep watching",
    "contact_practitioner": "contact the clinic",
    "see_doctor": "see a doctor",
    "urgent": "urgent: medical care today",
}
_SEVERITY = {
    "expected": "info",
    "monitor": "info",
    "contact_practitioner": "warning",
    "see_doctor": "danger",
    "urgent": "danger",
}


def client_link_path(token: str) -> str:
    """The path of a client's own page."""
    return f"/c/{token}"


def link_status(link: ClientLink, now: dt.datetime) -> Literal["active", "expired", "revoked"]:
    """Whether the link opens anything at ``now``."""
    if link.revoked_at is not None:
        return "revoked"
    return "expired" if link.expires_at <= now else "active"


class IssueLinkRequest(Request):
    """The client to give a link to, and for how many days it works."""

    client_id: Id
    days: Annotated[int, in_range(1, MAX_LINK_DAYS, "days")] = Field(
        default=DEFAULT_LINK_DAYS, description="How long the link works. [days]"
    )


class LinkIssued(Result):
    """The new link. The token and the address are shown this once: only the token's hash is kept."""

    id: int
    client_id: int
    token: str = Field(description="The link's secret; shown once.")
    url: str = Field(description="The address to give the client.")
    expires_at: Timestamp


def issue_client_link(ctx: ServiceContext, request: IssueLinkRequest) -> LinkIssued:
    """Make a link for the client (not an erased one) that works for ``days`` days."""

    def action(db: Db, actor: Actor) -> LinkIssued:
        actor.require("client_link")
        client = get_client(db, actor, request.client_id, for_update=True)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = actor.clock.now_utc()
        link = repo.add_link(
            db,
            clinic_id=actor.clinic_id,
            client_id=client.id,
            token_hash=str(token_digest(token)),
            created_by=actor.id,
            created_at=now,
            expires_at=now + dt.timedelta(days=request.days),
        )
        log(db, actor, "create", "client_link", link.id, client=client.id, days=request.days)
        return LinkIssued(
            id=link.id,
            client_id=client.id,
            token=token,
            url=ctx.public_url.rstrip("/") + client_link_path(token),
            expires_at=link.expires_at.astimezone(actor.clock.tz),
        )

    return transact(ctx, action)


class LinkRequest(Request):
    """One link of one client."""

    client_id: Id
    link_id: Id


class LinkRevoked(Result):
    id: int
    client_id: int
    revoked_at: Timestamp


def _link(db: Db, actor: Actor, client_id: int, link_id: int) -> ClientLink:
    """The client's link (another client's or clinic's answers as a missing one)."""
    link = repo.get_link(db, link_id, client_id, actor.clinic_id)
    if link is None:
        raise not_in_clinic(
            "client_link", link_id, noun="link", field="link", allowed="a link of this client"
        )
    return link


def revoke_client_link(ctx: ServiceContext, request: LinkRequest) -> LinkRevoked:
    """Withdraw a link at once (withdrawing it again changes nothing)."""

    def action(db: Db, actor: Actor) -> LinkRevoked:
        actor.require("client_link")
        client = get_client(db, actor, request.client_id)
        link = _link(db, actor, client.id, request.link_id)
        if link.revoked_at is None:
            link.revoked_at = actor.clock.now_utc()
            db.flush()
            log(db, actor, "update", "client_link", link.id, client=client.id, revoked=True)
        assert link.revoked_at is not None
        return LinkRevoked(
            id=link.id,
            client_id=client.id,
            revoked_at=link.revoked_at.astimezone(actor.clock.tz),
        )

    return transact(ctx, action)


class ClientLinksRequest(Request):
    """The client whose links to list."""

    client_id: Id


class LinkEntry(Result):
    """A link as staff see it (never its token)."""

    id: int
    created_at: Timestamp
    created_by: int
    expires_at: Timestamp
    revoked_at: Timestamp | None
    last_used_at: Timestamp | None
    status: Literal["active", "expired", "revoked"]


class ClientReportEntry(Result):
    """A report the client made through a link, and whether staff have reviewed it."""

    id: int
    reported_at: Timestamp
    day: float = Field(description="Days since the session the client gave. [days]")
    symptoms: list[str]
    disposition: str
    reviewed_at: Timestamp | None
    reviewed_by: int | None


class ClientLinkList(Result):
    """The client's links, newest first, and the reports made through them, newest first."""

    client_id: int
    links: list[LinkEntry]
    reports: list[ClientReportEntry]


def report_entry(r: SymptomReport, tz: dt.tzinfo) -> ClientReportEntry:
    """A report kept in the record, in the clinic's time."""
    reported = r.symptoms if isinstance(r.symptoms, dict) else {}
    return ClientReportEntry(
        id=r.id,
        reported_at=r.reported_at.astimezone(tz),
        day=float(reported.get("day", 0)),
        symptoms=[str(s) for s in reported.get("symptoms", [])],
        disposition=r.disposition,
        reviewed_at=r.reviewed_at.astimezone(tz) if r.reviewed_at else None,
        reviewed_by=r.reviewed_by,
    )


def client_links(ctx: ServiceContext, request: ClientLinksRequest) -> ClientLinkList:
    """The client's links (no tokens) and the reports made through them (the read is audited)."""

    def action(db: Db, actor: Actor) -> ClientLinkList:
        actor.require("client_link")
        client = get_client(db, actor, request.client_id)
        tz, now = actor.clock.tz, actor.clock.now_utc()
        links = repo.links_of_client(db, actor.clinic_id, client.id)
        reports = repo.client_reports(db, client.id)
        log(db, actor, "read", "client_link", None, client=client.id, links=[link.id for link in links])
        return ClientLinkList(
            client_id=client.id,
            links=[
                LinkEntry(
                    id=link.id,
                    created_at=link.created_at.astimezone(tz),
                    created_by=link.created_by,
                    expires_at=link.expires_at.astimezone(tz),
                    revoked_at=link.revoked_at.astimezone(tz) if link.revoked_at else None,
                    last_used_at=link.last_used_at.astimezone(tz) if link.last_used_at else None,
                    status=link_status(link, now),
                )
                for link in links
            ],
            reports=[report_entry(r, tz) for r in reports],
        )

    return transact(ctx, action)


class ReviewReportRequest(Request):
    """The symptom report a member of staff has looked at (and, for a client's, acted on)."""

    report_id: Id


class ReportReviewed(Result):
    id: int
    client_id: int
    reviewed_at: Timestamp
    reviewed_by: int


def mark_report_reviewed(ctx: ServiceContext, request: ReviewReportRequest) -> ReportReviewed:
    """Mark a symptom report reviewed (it leaves the dashboard); marking it again changes nothing."""

    def action(db: Db, actor: Actor) -> ReportReviewed:
        actor.require("symptom")
        report = repo.get_report(db, request.report_id, actor.clinic_id)
        if report is None:
            raise not_in_clinic(
                "symptom_report",
                request.report_id,
                noun="symptom report",
                field="report",
                allowed="a symptom report of this clinic",
            )
        get_client(db, actor, report.client_id)
        if report.reviewed_at is None or report.reviewed_by is None:
            report.reviewed_at, report.reviewed_by = actor.clock.now_utc(), actor.id
            db.flush()
            log(db, actor, "update", "symptom_report", report.id, client=report.client_id, reviewed=True)
        return ReportReviewed(
            id=report.id,
            client_id=report.client_id,
            reviewed_at=report.reviewed_at.astimezone(actor.clock.tz),
            reviewed_by=report.reviewed_by,
        )

    return transact(ctx, action)


def client_report_alerts(db: Db, actor: Actor, seen: set[int]) -> list[dict[str, Any]]:
    """The dashboard's alerts for clients' reports no member of staff has reviewed: the values of an
    alert each (an urgent one's kind is ``client_report_urgent``, which the dashboard puts at the very
    top); the clients named are added to ``seen`` (the dashboard audits its read of them)."""
    tz = actor.clock.tz
    alerts = []
    for report, name in repo.unreviewed_client_reports(db, actor.clinic_id):
        entry = report_entry(report, tz)
        seen.add(report.client_id)
        urgent = report.disposition == "urgent"
        words = ", ".join(s.replace("_", " ") for s in entry.symptoms) or "no symptom named"
        alerts.append(
            {
                "kind": "client_report_urgent" if urgent else "client_report",
                "severity": _SEVERITY.get(report.disposition, "warning"),
                "title": f"{name} reported through their own link: "
                + _DISPOSITION_WORDS.get(report.disposition, report.disposition.replace("_", " ")),
                "detail": (
                    f"Day {entry.day:g} after the session: {words}. Reported "
                    f"{entry.reported_at:%d %b %H:%M}. Call the client back, then mark the report reviewed "
                    "on their record."
                ),
                "due": entry.reported_at.date(),
                "target": "client",
                "target_id": report.client_id,
            }
        )
    return alerts
