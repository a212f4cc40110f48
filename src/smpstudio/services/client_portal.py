"""A client's own pages, opened by the token of their link (no account): the aftercare plan of their last
session, the handout and a calendar file (:mod:`smpstudio.services.portal_calendar`), and a triage form
whose answer lands in the record and on the dashboard. Staff issue and revoke links in
:mod:`smpstudio.services.client_links`.

The use cases take the token instead of an acting user: :func:`portal_view`, :func:`portal_triage`,
:func:`portal_handout`, :func:`portal_calendar`. A token that opens nothing answers with one and the same
:class:`NotFoundError` (``link_gone``), and every use or refused use of a link is audited
(:mod:`smpstudio.services.portal_access`). A triage form carries an HMAC of the token under the studio's
secret key (:func:`form_key`), so a form posted without the page having been loaded fails; a link takes at
most :data:`REPORTS_PER_DAY` reports in any 24 hours.

The pages show the client's first name only (the first word of the name on record), never the rest of
the record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from typing import Annotated, Any

from pydantic import Field, field_validator
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
)
from smpstudio.records.repositories import client_links as repo
from smpstudio.records.repositories import registers as register_rows
from smpstudio.services.access import rules_for, target
from smpstudio.services.care import TriageResult
from smpstudio.services.client_links import report_entry
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import in_range
from smpstudio.services.models import Request, Result
from smpstudio.services.portal_access import LiveLink, audit_link_use, with_live_link
from smpstudio.services.portal_calendar import client_calendar
from smpstudio.services.registers import Timestamp

__all__ = [
    "REPORTS_PER_DAY",
    "PortalFile",
    "PortalRequest",
    "PortalTriageRequest",
    "PortalTriaged",
    "PortalView",
    "form_key",
    "portal_calendar",
    "portal_handout",
    "portal_triage",
    "portal_view",
]

#: Reports one link takes in any 24 hours; beyond, the client is asked to call the clinic.
REPORTS_PER_DAY = 20
#: A form's one-time value (the idempotency of a report sent twice from the same page).
_NONCE = re.compile(r"[A-Za-z0-9]{8,32}")


def form_key(secret: bytes, token: str) -> str:
    """The value a client's triage form carries: an HMAC of the link's token under the studio's secret."""
    return hmac.new(secret, b"client-link-form:" + token.encode(), hashlib.sha256).hexdigest()


def _first_name(name: str) -> str:
    """The first word of the name on record (the pages show nothing more of it)."""
    words = name.split()
    return words[0] if words else ""


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
    """A booked appointment of the client (when and how long, and whether the clinic calls them)."""

    starts_at: Timestamp
    minutes: int
    call: bool = Field(description="A follow-up call from the clinic, not a visit.")


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


def _plan(db: Db, live: LiveLink, ctx: ServiceContext) -> tuple[AftercarePlan | None, int | None]:
    """The aftercare plan of the client's last session (its date in the clinic's timezone) and its id."""
    sess = repo.last_session(db, live.client.id)
    if sess is None:
        return None, None
    day = sess.started_at.astimezone(live.actor.clock.tz).date()
    return aftercare_plan(day, rules_for(db, live.actor, ctx)), sess.id


def portal_view(ctx: ServiceContext, request: PortalRequest) -> PortalView:
    """The client's own page (the use of the link is audited)."""
    key = form_key(_secret(ctx), request.token)

    def work(db: Db, live: LiveLink) -> PortalView:
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
                PortalAppointment(
                    starts_at=a.starts_at.astimezone(clock.tz),
                    minutes=a.minutes,
                    call=a.kind == "follow-up-call",
                )
                for a in repo.booked_appointments(db, live.clinic.id, live.client.id, clock.now_utc())
            ],
            reports=[
                PortalReport(
                    reported_at=e.reported_at, day=e.day, symptoms=e.symptoms, disposition=e.disposition
                )
                for e in (
                    report_entry(r, clock.tz) for r in repo.client_reports(db, live.client.id, limit=10)
                )
            ],
            symptoms=list(SYMPTOMS),
            form_key=key,
            expires_at=live.link.expires_at.astimezone(clock.tz),
        )

    return with_live_link(ctx, request.token, "page", work)


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

    def work(db: Db, live: LiveLink) -> PortalTriaged:
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
        audit_link_use(
            db,
            live.link,
            "create",
            "symptom_report",
            row.id,
            client=live.client.id,
            disposition=result["disposition"],
        )
        return PortalTriaged.model_validate({"id": row.id, **result, **clinic})

    return with_live_link(ctx, r.token, "triage", work, lock=True)


class PortalFile(Result):
    """A file for the client: its bytes (not in the JSON), name and media type."""

    filename: str
    media_type: str
    content: bytes = Field(exclude=True, repr=False)


def portal_handout(ctx: ServiceContext, request: PortalRequest) -> PortalFile:
    """The aftercare handout (PDF) of the client's last session, headed with the clinic's details and the
    client's first name. A client with no session yet has none (:class:`NotFoundError`, ``no_session``)."""

    def work(db: Db, live: LiveLink) -> tuple[AftercarePlan, HandoutHeader, dt.datetime]:
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

    plan, header, now = with_live_link(ctx, request.token, "handout", work)
    return PortalFile(  # drawn after the transaction: the store is not held while the PDF is made
        filename="aftercare.pdf",
        media_type=MEDIA_TYPES["pdf"],
        content=render_aftercare(plan, "pdf", stamp=now, header=header),
    )


def portal_calendar(ctx: ServiceContext, request: PortalRequest) -> PortalFile:
    """The client's calendar file (iCalendar; :func:`smpstudio.services.portal_calendar.client_calendar`):
    the aftercare rules of the last session still running, the clinic's follow-up calls and the touch-up
    due, and the booked appointments, under discreet titles."""

    def work(db: Db, live: LiveLink) -> bytes:
        plan, session_id = _plan(db, live, ctx)
        return client_calendar(db, live.clinic, live.client.id, live.actor.clock, plan, session_id)

    content = with_live_link(ctx, request.token, "calendar", work)
    return PortalFile(filename="aftercare.ics", media_type="text/calendar; charset=utf-8", content=content)
