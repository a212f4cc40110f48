"""Clients' own links: a long random token the clinic gives a client (no account), expiring and revocable,
that opens the client's own pages: the aftercare plan of their last session, the handout and a calendar
file, and a triage form whose answer lands in the record and on the dashboard.

Staff use cases (permission ``client_link``): :func:`issue_client_link` (the token is shown once; only its
SHA-256 is kept), :func:`revoke_client_link`, :func:`client_links` (no tokens). Marking a client's report
reviewed needs ``symptom`` (:func:`mark_report_reviewed`).

The client's use cases take the token instead of an acting user: :func:`portal_view`,
:func:`portal_triage`, :func:`portal_handout`, :func:`portal_calendar`. An unknown, expired or revoked
token, or one of an erased client, answers with one and the same :class:`NotFoundError` (``link_gone``),
so nobody learns which. Every use of a live link updates ``last_used_at`` and appends an audit entry with
no acting user (``client_link``, the link's id; ids only), as does every refused use of a known link. A
triage form carries an HMAC of the token under the studio's secret key (:func:`form_key`), so a form
posted without the page having been loaded fails; a link takes at most :data:`REPORTS_PER_DAY` reports in
any 24 hours.

The pages show the client's first name only (the first word of the name on record), never the rest of
the record.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session as Db

from smpstudio.care.aftercare import (
    MEDIA_TYPES,
    AftercarePlan,
    HandoutHeader,
    aftercare_plan,
    render_aftercare,
)
from smpstudio.care.triage import SYMPTOMS, triage
from smpstudio.errors import (
    AccessError,
    BusyError,
    InputError,
    NotFoundError,
    RateLimitedError,
    RefusedError,
    SmpError,
)
from smpstudio.records import audit
from smpstudio.records.clinic_day import ClientLink
from smpstudio.records.models import Client, Clinic, SymptomReport
from smpstudio.records.repositories import client_links as repo
from smpstudio.records.repositories import clinics as clinic_rows
from smpstudio.records.repositories import registers as register_rows
from smpstudio.services.access import (
    Actor,
    get_client,
    log,
    not_in_clinic,
    rules_for,
    system_actor,
    target,
    transact,
)
from smpstudio.services.care import TriageResult
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id, in_range
from smpstudio.services.models import Request, Result
from smpstudio.services.registers import Timestamp

__all__ = [
    "DEFAULT_LINK_DAYS",
    "REPORTS_PER_DAY",
    "ClientLinkList",
    "ClientLinksRequest",
    "ClientReportEntry",
    "IssueLinkRequest",
    "LinkEntry",
    "LinkIssued",
    "LinkRequest",
    "LinkRevoked",
    "PortalFile",
    "PortalRequest",
    "PortalTriageRequest",
    "PortalTriaged",
    "PortalView",
    "ReportReviewed",
    "ReviewReportRequest",
    "client_link_path",
    "client_links",
    "client_report_alerts",
    "form_key",
    "issue_client_link",
    "mark_report_reviewed",
    "portal_calendar",
    "portal_handout",
    "portal_triage",
    "portal_view",
    "revoke_client_link",
]

T = TypeVar("T")

#: How long a new link works unless the clinic says otherwise, and the longest it may. [days]
DEFAULT_LINK_DAYS = 30
MAX_LINK_DAYS = 90
#: Random bytes in a token (``secrets.token_urlsafe``: 43 characters); a guess is hopeless. [bytes]
TOKEN_BYTES = 32
#: Reports one link takes in any 24 hours; beyond, the client is asked to call the clinic.
REPORTS_PER_DAY = 20
#: What a token may look like; anything else is unknown without a query.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
#: A form's one-time value (the idempotency of a report sent twice from the same page).
_NONCE = re.compile(r"[A-Za-z0-9]{8,32}")
#: Short, discreet calendar titles for the aftercare rules (the full wording goes in the description).
_AFTERCARE_TITLES = {
    "washing": "no washing",
    "shampoo": "no shampoo",
    "sweating": "no gym",
    "sun": "keep out of the sun",
    "swimming": "no swimming or sauna",
    "shaving": "no razor",
    "picking": "hands off",
    "moisturiser": "no creams",
    "exfoliants": "no exfoliants",
}
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


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def form_key(secret: bytes, token: str) -> str:
    """The value a client's triage form carries: an HMAC of the link's token under the studio's secret."""
    return hmac.new(secret, b"client-link-form:" + token.encode(), hashlib.sha256).hexdigest()


def client_link_path(token: str) -> str:
    """The path of a client's own page."""
    return f"/c/{token}"


def _first_name(name: str) -> str:
    """The first word of the name on record (the pages show nothing more of it)."""
    words = name.split()
    return words[0] if words else ""


def _aware(moment: dt.datetime) -> dt.datetime:
    """A stored time, UTC when it comes back without an offset."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _status(link: ClientLink, now: dt.datetime) -> Literal["active", "expired", "revoked"]:
    if link.revoked_at is not None:
        return "revoked"
    return "expired" if _aware(link.expires_at) <= now else "active"


# --- staff: issue, list, revoke; review a client's report -------------------------------------------------


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
            token_hash=_hash(token),
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
            expires_at=_aware(link.expires_at).astimezone(actor.clock.tz),
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
            id=link.id, client_id=client.id, revoked_at=_aware(link.revoked_at).astimezone(actor.clock.tz)
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


def _report_entry(r: SymptomReport, tz: dt.tzinfo) -> ClientReportEntry:
    reported = r.symptoms if isinstance(r.symptoms, dict) else {}
    return ClientReportEntry(
        id=r.id,
        reported_at=_aware(r.reported_at).astimezone(tz),
        day=float(reported.get("day", 0)),
        symptoms=[str(s) for s in reported.get("symptoms", [])],
        disposition=r.disposition,
        reviewed_at=_aware(r.reviewed_at).astimezone(tz) if r.reviewed_at else None,
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
                    created_at=_aware(link.created_at).astimezone(tz),
                    created_by=link.created_by,
                    expires_at=_aware(link.expires_at).astimezone(tz),
                    revoked_at=_aware(link.revoked_at).astimezone(tz) if link.revoked_at else None,
                    last_used_at=_aware(link.last_used_at).astimezone(tz) if link.last_used_at else None,
                    status=_status(link, now),
                )
                for link in links
            ],
            reports=[_report_entry(r, tz) for r in reports],
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
            reviewed_at=_aware(report.reviewed_at).astimezone(actor.clock.tz),
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
        entry = _report_entry(report, tz)
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


# --- the client's own pages --------------------------------------------------------------------------------


def _gone() -> NotFoundError:
    """The one answer to a token that opens nothing (unknown, expired, withdrawn, or an erased client's)."""
    return NotFoundError("this link has expired or was withdrawn", field="link", code="link_gone")


@dataclass(frozen=True)
class _Live:
    """A live link, its client and clinic, and who acts for the clinic (the clinic's clock and rules; the
    audit entries of a link's use name no actor)."""

    link: ClientLink
    client: Client
    clinic: Clinic
    actor: Actor


def _audit(db: Db, link: ClientLink, action: str, entity: str, entity_id: int, **detail: Any) -> None:
    """An audit entry of a link's use: no acting user, the link's clinic, ids and codes only."""
    audit.append(
        db,
        actor_id=None,
        clinic_id=link.clinic_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail={"link": link.id, **detail},
    )


def _with_link(ctx: ServiceContext, token: str, use: str, work: Callable[[Db, _Live], T]) -> T:
    """Run ``work`` for the live link ``token`` names, in one write transaction that records the use.

    A token that opens nothing raises :func:`_gone`; a refused use of a known link (expired, withdrawn,
    an erased client, a bad form, too many reports) is audited after the rollback."""
    known: list[tuple[int, int]] = []  # the link's id and clinic (its row is gone with the rollback)

    def run(db: Db) -> T:
        found = repo.link_by_hash(db, _hash(token)) if _TOKEN.fullmatch(token) else None
        if found is None:
            raise _gone()
        link, client = found
        known[:] = [(link.id, link.clinic_id)]
        now = ctx.clock.now_utc()
        clinic = clinic_rows.get_clinic(db, link.clinic_id)
        if _status(link, now) != "active" or client.erased_at is not None or clinic is None:
            raise target(_gone(), "client_link", link.id, status=_status(link, now))
        try:  # the clinic's rules and timezone are read as the clinic acts (no user's permission is used)
            actor = system_actor(db, link.clinic_id, ctx.clock)
        except NotFoundError:  # a clinic with no active owner: its links open nothing
            raise target(_gone(), "client_link", link.id, status="no_owner") from None
        link.last_used_at = now
        _audit(db, link, "read", "client_link", link.id, client=client.id, use=use)
        return work(db, _Live(link, client, clinic, actor))

    try:
        return ctx.db.write(run)
    except (AccessError, NotFoundError, RefusedError, RateLimitedError) as exc:
        if known:
            _audit_refusal(ctx, *known[0], use, exc)
        raise


def _audit_refusal(ctx: ServiceContext, link_id: int, clinic_id: int, use: str, exc: SmpError) -> None:
    """The audit entry of a refused use of a known link; a failure to write it never hides the refusal."""
    detail = {"link": link_id, "use": use, "code": exc.code, "kind": exc.kind}
    with contextlib.suppress(SmpError, SQLAlchemyError):
        ctx.db.write(
            lambda db: audit.append(
                db,
                actor_id=None,
                clinic_id=clinic_id,
                action="refuse",
                entity="client_link",
                entity_id=link_id,
                detail=detail,
            )
        )


class PortalRequest(Request):
    """A client's link, by its token."""

    token: str = Field(description="The token of the client's link.")


class PlanRule(Result):
    """One aftercare rule of the last session, in the client's words: what to avoid until when, then what."""

    avoid: str
    until_date: dt.date
    until_day: int
    then: str
    ongoing: bool = Field(description="Whether the rule still holds today.")


class PortalAppointment(Result):
    """A booked appointment of the client (when and how long)."""

    starts_at: Timestamp
    minutes: int


class PortalReport(Result):
    """A report the client sent earlier through a link, and the advice they got."""

    reported_at: Timestamp
    day: float
    symptoms: list[str]
    disposition: str


class PortalView(Result):
    """What a client's own page shows: their first name, the clinic's name and phone, the plan of their last
    session, their booked appointments and their earlier reports; and what the triage form needs."""

    first_name: str
    clinic_name: str
    clinic_phone: str | None
    today: dt.date
    session_date: dt.date | None = Field(description="The last session's date (None: no session yet).")
    day: int | None = Field(description="Days since the last session. [days]")
    plan: list[PlanRule]
    normal_today: list[str]
    not_normal: str | None
    appointments: list[PortalAppointment]
    reports: list[PortalReport]
    symptoms: list[str] = Field(description="The symptoms the triage form offers, by name.")
    form_key: str = Field(description="The value the triage form sends back.")
    expires_at: Timestamp


def _secret(ctx: ServiceContext) -> bytes:
    if ctx.secret is None:  # a face that serves clients' pages gives the studio's secret key
        raise BusyError("the studio has no secret key to sign the client's form", code="no_secret")
    return ctx.secret


def _plan(db: Db, live: _Live, ctx: ServiceContext) -> tuple[AftercarePlan | None, int | None]:
    """The aftercare plan of the client's last session (its date in the clinic's timezone) and its id."""
    sess = repo.last_session(db, live.client.id)
    if sess is None:
        return None, None
    day = _aware(sess.started_at).astimezone(live.actor.clock.tz).date()
    return aftercare_plan(day, rules_for(db, live.actor, ctx)), sess.id


def portal_view(ctx: ServiceContext, request: PortalRequest) -> PortalView:
    """The client's own page (the use of the link is audited)."""
    key = form_key(_secret(ctx), request.token)

    def work(db: Db, live: _Live) -> PortalView:
        clock = live.actor.clock
        today = clock.today()
        plan, _ = _plan(db, live, ctx)
        day = (today - plan.session_date).days if plan else None
        rules = sorted(plan.rules, key=lambda r: int(r["until_day"])) if plan else []
        normal: list[str] = []
        if plan is not None and day is not None and 0 <= day < len(plan.days):
            normal = list(plan.days[day]["normal"])
        return PortalView(
            first_name=_first_name(live.client.name),
            clinic_name=live.clinic.name,
            clinic_phone=live.clinic.phone,
            today=today,
            session_date=plan.session_date if plan else None,
            day=day,
            plan=[
                PlanRule(
                    avoid=r["avoid"],
                    until_date=dt.date.fromisoformat(r["until_date"]),
                    until_day=int(r["until_day"]),
                    then=r["then"],
                    ongoing=day is not None and day < int(r["until_day"]),
                )
                for r in rules
            ],
            normal_today=normal,
            not_normal=plan.not_normal if plan else None,
            appointments=[
                PortalAppointment(starts_at=_aware(a.starts_at).astimezone(clock.tz), minutes=a.minutes)
                for a in repo.booked_appointments(db, live.clinic.id, live.client.id, clock.now_utc())
            ],
            reports=[
                PortalReport(
                    reported_at=e.reported_at, day=e.day, symptoms=e.symptoms, disposition=e.disposition
                )
                for e in (
                    _report_entry(r, clock.tz) for r in repo.client_reports(db, live.client.id, limit=10)
                )
            ],
            symptoms=list(SYMPTOMS),
            form_key=key,
            expires_at=_aware(live.link.expires_at).astimezone(clock.tz),
        )

    return _with_link(ctx, request.token, "page", work)


class PortalTriageRequest(PortalRequest):
    """What the client says on the triage form: the day since the session, what they see, whether it is
    spreading or getting worse; the form's key and its one-time value."""

    form_key: str = Field(max_length=128, description="The value the page's form carries.")
    nonce: str | None = Field(
        None, description="The form's one-time value: the same report sent twice is kept once."
    )
    day: Annotated[int, in_range(0, 3650, "days")] = Field(description="Days since the session. [days]")
    symptoms: list[str] = Field(max_length=len(SYMPTOMS), description="What the client sees, by name.")
    spreading: bool = False
    worsening: bool = False

    @field_validator("nonce", mode="before")
    @classmethod
    def _nonce(cls, value: object) -> object:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not _NONCE.fullmatch(value):
            raise InputError("not a form value", field="nonce", allowed="8-32 letters or digits")
        return value


class PortalTriaged(TriageResult):
    """The kept report's id and its triage, with the clinic's name and phone to call."""

    id: int
    clinic_name: str
    clinic_phone: str | None
    replayed: bool = False


def _reported(r: PortalTriageRequest) -> dict[str, Any]:
    """The report as the record keeps it (the shape of a staff-entered one)."""
    return {
        "day": float(r.day),
        "symptoms": list(r.symptoms),
        "spreading": r.spreading,
        "worsening": r.worsening,
        "size_cm": None,
        "duration_days": None,
    }


def portal_triage(ctx: ServiceContext, request: PortalTriageRequest) -> PortalTriaged:
    """Triage what the client reports with the clinic's rules in force and keep it in the record
    (``via`` client, the link named; unreviewed, so it shows on the dashboard).

    The form's key must be the one the page gave (:class:`AccessError`, ``form_not_from_page``); a link
    takes at most :data:`REPORTS_PER_DAY` reports in 24 hours (:class:`RateLimitedError`); the same form
    sent again (its one-time value) returns the report kept the first time."""
    r = request
    expected = form_key(_secret(ctx), r.token)

    def work(db: Db, live: _Live) -> PortalTriaged:
        if not hmac.compare_digest(r.form_key.encode("utf-8", "replace"), expected.encode()):
            error = AccessError(
                "this form did not come from your page: open your link again",
                field="form_key",
                code="form_not_from_page",
            )
            raise target(error, "client_link", live.link.id)
        clinic = {"clinic_name": live.clinic.name, "clinic_phone": live.clinic.phone}
        key = f"link{live.link.id}:{r.nonce}" if r.nonce else None
        if key is not None:
            kept = register_rows.symptom_report_by_key(db, live.client.id, key)
            if kept is not None and kept.symptoms == _reported(r):
                return PortalTriaged.model_validate(
                    {"id": kept.id, **kept.triage, **clinic, "replayed": True}
                )
            if kept is not None:  # the page sent again with other answers: a report of its own
                key = None
        now = live.actor.clock.now_utc()
        if repo.reports_since(db, live.link.id, now - dt.timedelta(days=1)) >= REPORTS_PER_DAY:
            limited = RateLimitedError(
                "this link has taken today's reports: please call the clinic",
                field="link",
                allowed=f"at most {REPORTS_PER_DAY} reports a day",
                code="too_many_reports",
            )
            raise target(limited, "client_link", live.link.id)
        rules = rules_for(db, live.actor, ctx)
        result = triage(
            r.day, list(r.symptoms), rules, spreading=r.spreading, worsening=r.worsening
        ).to_dict()
        session = repo.last_session(db, live.client.id)
        row = register_rows.add_symptom_report(
            db,
            client_id=live.client.id,
            session_id=session.id if session else None,
            reported_at=now,
            symptoms=_reported(r),
            disposition=result["disposition"],
            triage=result,
            rules_version=rules.version,
            idempotency_key=key,
            via="client",
            link_id=live.link.id,
        )
        if row is None:  # the same form was kept by a concurrent request first
            kept = register_rows.symptom_report_by_key(db, live.client.id, key or "")
            assert kept is not None
            return PortalTriaged.model_validate({"id": kept.id, **kept.triage, **clinic, "replayed": True})
        _audit(
            db,
            live.link,
            "create",
            "symptom_report",
            row.id,
            client=live.client.id,
            disposition=result["disposition"],
        )
        return PortalTriaged.model_validate({"id": row.id, **result, **clinic})

    return _with_link(ctx, r.token, "triage", work)


class PortalFile(Result):
    """A file for the client: its bytes (not in the JSON), name and media type."""

    filename: str
    media_type: str
    content: bytes = Field(exclude=True, repr=False)


def portal_handout(ctx: ServiceContext, request: PortalRequest) -> PortalFile:
    """The aftercare handout (PDF) of the client's last session, headed with the clinic's details and the
    client's first name. A client with no session yet has none (:class:`NotFoundError`, ``no_session``)."""

    def work(db: Db, live: _Live) -> tuple[AftercarePlan, HandoutHeader, dt.datetime]:
        plan, _ = _plan(db, live, ctx)
        if plan is None:
            raise NotFoundError("no session is on record yet", field="session", code="no_session")
        header = HandoutHeader(
            clinic_name=live.clinic.name,
            client_name=_first_name(live.client.name),
            clinic_phone=live.clinic.phone,
            clinic_address=live.clinic.address,
            clinic_email=live.clinic.email,
        )
        return plan, header, live.actor.clock.now()

    plan, header, now = _with_link(ctx, request.token, "handout", work)
    return PortalFile(  # drawn after the transaction: the store is not held while the PDF is made
        filename="aftercare.pdf",
        media_type=MEDIA_TYPES["pdf"],
        content=render_aftercare(plan, "pdf", stamp=now, header=header),
    )


def _uid(clinic_id: int, what: str) -> str:
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, f'smpstudio/clinic/{clinic_id}/{what}')}@smpstudio"


def portal_calendar(ctx: ServiceContext, request: PortalRequest) -> PortalFile:
    """The client's calendar file (iCalendar): the aftercare rules of the last session still running (all
    day, from the session's day to the day each ends), the clinic's follow-up calls and the touch-up due,
    and the booked appointments (in the clinic's timezone). Titles are discreet: the clinic's name and
    "Scalp appointment" or "Aftercare: no washing", never a symptom."""
    from icalendar import Calendar, Event

    def work(db: Db, live: _Live) -> bytes:
        clock, clinic = live.actor.clock, live.clinic
        today, now = clock.today(), clock.now()
        cal = Calendar()
        cal.add("prodid", "-//smpstudio//client calendar//EN")
        cal.add("version", "2.0")
        cal.add("x-wr-calname", clinic.name)
        phone = f" Call {clinic.phone}." if clinic.phone else ""

        def event(
            uid: str, title: str, start: dt.date | dt.datetime, end: dt.date | dt.datetime, text: str
        ) -> Event:
            ev = Event()
            ev.add("uid", _uid(clinic.id, uid))
            ev.add("dtstamp", now.astimezone(dt.UTC))
            ev.add("dtstart", start)
            ev.add("dtend", end)
            ev.add("summary", title)
            ev.add("description", text)
            cal.add_component(ev)
            return ev

        plan, session_id = _plan(db, live, ctx)
        if plan is not None and session_id is not None:
            for rule in plan.rules:
                until = dt.date.fromisoformat(rule["until_date"])
                if until <= today:
                    continue
                title = _AFTERCARE_TITLES.get(rule["key"], "what to avoid")
                ev = event(
                    f"session/{session_id}/aftercare/{rule['key']}",
                    f"Aftercare: {title}",
                    plan.session_date,
                    until,
                    f"{rule['avoid']} From {until:%A %d %B}: {rule['then']}",
                )
                ev.add("transp", "TRANSPARENT")
            for f in repo.open_followups(db, live.client.id, session_id, today):
                event(
                    f"followup/{f.id}",
                    f"Call from {clinic.name}",
                    f.due_on,
                    f.due_on + dt.timedelta(days=1),
                    f"{clinic.name} will call you to ask how it is going.",
                )
        for rem in repo.open_reminders(db, live.client.id, today):
            event(
                f"reminder/{rem.id}",
                f"Book your next visit at {clinic.name}",
                rem.due_on,
                rem.due_on + dt.timedelta(days=1),
                f"Your touch-up is due around now.{phone}",
            )
        for a in repo.booked_appointments(db, clinic.id, live.client.id, clock.now_utc()):
            starts = _aware(a.starts_at).astimezone(clock.tz)
            ev = event(
                f"appointment/{a.id}",
                f"Scalp appointment at {clinic.name}",
                starts,
                _aware(a.ends_at).astimezone(clock.tz),
                f"Your appointment at {clinic.name}.{phone}",
            )
            if clinic.address:
                ev.add("location", " ".join(clinic.address.split()))
        if isinstance(clock.tz, ZoneInfo):
            cal.add_missing_timezones()
        return bytes(cal.to_ical())

    content = _with_link(ctx, request.token, "calendar", work)
    return PortalFile(filename="aftercare.ics", media_type="text/calendar; charset=utf-8", content=content)
