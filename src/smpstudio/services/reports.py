"""The owner's reports: sessions per practitioner and month, lots used and remaining, follow-up completion
and the touch-ups due next quarter (adverse events by lot and product are in
:mod:`smpstudio.services.report_signals`).

Each report is one call ``f(ctx, request) -> result`` over typed models, for owners only (``reports``);
the counting is done by the queries of :mod:`smpstudio.records.repositories.reports`. A report covers a
window of whole months of the clinic's own calendar (:mod:`smpstudio.services.report_window`; the last 12
months to this one by default). Each read
is audited as the report's name and window, never its numbers; the touch-up list names clients, so that
read is audited as a read of those clients too.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import Field, field_validator
from sqlalchemy.orm import Session as Db

from smpstudio.errors import InputError, echo
from smpstudio.records.repositories import reports as repo
from smpstudio.services.access import Actor, log, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.models import Request, Result
from smpstudio.services.report_window import (
    ReportWindow,
    ReportWindowRequest,
    Window,
    add_months,
    month_label,
    ratio,
    resolve_window,
)

_QUARTER = re.compile(r"(\d{4})-Q([1-4])")

__all__ = [
    "FollowUpsReport",
    "LotsReport",
    "ReportWindow",
    "ReportWindowRequest",
    "SessionsReport",
    "TouchUpsReport",
    "TouchUpsRequest",
    "followups_report",
    "lots_report",
    "sessions_report",
    "touch_ups_report",
]

# --- sessions per practitioner and month ----------------------------------------------------------------


class Practitioner(Result):
    id: int
    name: str


class PractitionerCount(Result):
    practitioner_id: int
    sessions: int
    historical: int = Field(description="Of the sessions, those recorded after the fact.")


class SessionsMonth(Result):
    month: str
    sessions: int
    historical: int
    by_practitioner: list[PractitionerCount] = Field(description="One per practitioner, in their order.")


class SessionsReport(Result):
    """Sessions started in each month of the window, per practitioner; historical sessions (recorded after
    the fact by an owner) are counted and shown apart."""

    window: ReportWindow
    practitioners: list[Practitioner] = Field(description="Everyone with a session in the window, by name.")
    months: list[SessionsMonth]
    sessions: int
    historical: int


def sessions_report(ctx: ServiceContext, request: ReportWindowRequest | None = None) -> SessionsReport:
    """Sessions per practitioner and month of the clinic's calendar, historical ones marked."""

    def action(db: Db, actor: Actor) -> SessionsReport:
        actor.require("reports")
        window = resolve_window(actor, request)
        rows = repo.sessions_per_month(db, actor.clinic_id, window.months)
        log(db, actor, "read", "report", "sessions", **_span(window))
        names = {r.practitioner_id: r.practitioner for r in rows}
        people = sorted(names.items(), key=lambda p: (p[1].casefold(), p[0]))
        cells = {(r.month, r.practitioner_id): r for r in rows}
        months = []
        for label, _, _ in window.months:
            counts = [
                PractitionerCount(
                    practitioner_id=pid,
                    sessions=cells[(label, pid)].sessions if (label, pid) in cells else 0,
                    historical=cells[(label, pid)].historical if (label, pid) in cells else 0,
                )
                for pid, _ in people
            ]
            months.append(
                SessionsMonth(
                    month=label,
                    sessions=sum(c.sessions for c in counts),
                    historical=sum(c.historical for c in counts),
                    by_practitioner=counts,
                )
            )
        return SessionsReport(
            window=window.describe(),
            practitioners=[Practitioner(id=pid, name=name) for pid, name in people],
            months=months,
            sessions=sum(m.sessions for m in months),
            historical=sum(m.historical for m in months),
        )

    return transact(ctx, action)


def _span(window: Window) -> dict[str, str]:
    return {"first_month": window.months[0][0], "last_month": window.months[-1][0]}


# --- lots used and remaining ----------------------------------------------------------------------------


class LotLine(Result):
    id: int
    kind: str
    product: str
    lot: str
    expires_on: dt.date
    expired: bool = Field(description="Past its expiry date on the clinic's today.")
    sessions: int = Field(description="Sessions in the window that used the lot.")
    units_used: int = Field(description="Units the lot's stock gave to sessions in the window.")
    remaining: int = Field(description="Units in stock now.")
    recalled: bool
    recalled_on: dt.date | None


class LotsReport(Result):
    """Every lot with stock left or used in the window: its use in the window and its stock now."""

    window: ReportWindow
    lots: list[LotLine]


def lots_report(ctx: ServiceContext, request: ReportWindowRequest | None = None) -> LotsReport:
    """Each lot (pigment, needle, diluent) with stock left or used in the window: product, lot code, expiry,
    sessions and units used in the window, units remaining now and whether it is recalled."""

    def action(db: Db, actor: Actor) -> LotsReport:
        actor.require("reports")
        window = resolve_window(actor, request)
        rows = repo.lots_used(db, actor.clinic_id, window.start, window.end)
        log(db, actor, "read", "report", "lots", **_span(window))
        today, tz = actor.today(), actor.clock.tz
        return LotsReport(
            window=window.describe(),
            lots=[
                LotLine(
                    id=r.lot.id,
                    kind=r.lot.kind,
                    product=r.lot.product,
                    lot=r.lot.lot_code,
                    expires_on=r.lot.expires_on,
                    expired=r.lot.expires_on < today,
                    sessions=r.sessions,
                    units_used=r.units_used,
                    remaining=r.lot.quantity,
                    recalled=r.lot.recalled_at is not None,
                    recalled_on=r.lot.recalled_at.astimezone(tz).date() if r.lot.recalled_at else None,
                )
                for r in rows
            ],
        )

    return transact(ctx, action)


# --- follow-up completion -------------------------------------------------------------------------------


class FollowUpsMonth(Result):
    month: str
    due: int = Field(description="Follow-ups due in the month.")
    on_time: int = Field(description="Done by the end of the day they were due.")
    late: int = Field(description="Done after the day they were due.")
    open: int = Field(description="Not done yet.")
    not_yet_due: int = Field(description="Of the open ones, those whose day has not ended yet.")
    done_rate: float | None = Field(
        description="Done (on time or late) over those already due (due less not yet due); None: none was."
    )
    on_time_rate: float | None = Field(
        description="Done on time over those already due (due less not yet due); None when none was."
    )


class FollowUpsReport(Result):
    """Follow-ups by the month they were due: done on time, done late, still open, and the rates over the
    follow-ups already due (one due later in the month is neither on time nor late yet)."""

    window: ReportWindow
    months: list[FollowUpsMonth]
    total: FollowUpsMonth = Field(description="The whole window (its month is the window's span).")


def _followup_month(
    label: str, due: int, on_time: int, late: int, still_open: int, not_yet_due: int
) -> FollowUpsMonth:
    already_due = due - not_yet_due
    return FollowUpsMonth(
        month=label,
        due=due,
        on_time=on_time,
        late=late,
        open=still_open,
        not_yet_due=not_yet_due,
        done_rate=ratio(on_time + late, already_due),
        on_time_rate=ratio(on_time, already_due),
    )


def followups_report(ctx: ServiceContext, request: ReportWindowRequest | None = None) -> FollowUpsReport:
    """Per month of the window, the follow-ups due, done on time (by the end of their day in the clinic's
    time), done late and still open, with the completion and on-time rates over those already due."""

    def action(db: Db, actor: Actor) -> FollowUpsReport:
        actor.require("reports")
        window = resolve_window(actor, request)
        days = window.days()
        rows = {r.month: r for r in repo.followups_per_month(db, actor.clinic_id, days, actor.clock.now())}
        log(db, actor, "read", "report", "follow-ups", **_span(window))
        months = [
            _followup_month(label, *(rows[label][1:] if label in rows else (0, 0, 0, 0, 0)))
            for label, _, _ in window.months
        ]
        span = f"{window.months[0][0]} to {window.months[-1][0]}"
        total = _followup_month(
            span,
            sum(m.due for m in months),
            sum(m.on_time for m in months),
            sum(m.late for m in months),
            sum(m.open for m in months),
            sum(m.not_yet_due for m in months),
        )
        return FollowUpsReport(window=window.describe(), months=months, total=total)

    return transact(ctx, action)


# --- touch-ups due next quarter -------------------------------------------------------------------------


class TouchUpsRequest(Request):
    """The calendar quarter to list (``YYYY-Qn``); the next one after the clinic's today by default."""

    quarter: str | None = Field(None, description="YYYY-Qn, e.g. 2026-Q3 (the next quarter by default).")

    @field_validator("quarter", mode="before")
    @classmethod
    def _quarter(cls, value: object) -> object:
        if value is None or value == "":
            return None
        text = value.strip() if isinstance(value, str) else ""
        match = _QUARTER.fullmatch(text)
        if match is None or not 1900 <= int(match.group(1)) <= 2999:
            raise InputError(f"{echo(value)} is not a quarter", field="quarter", allowed="YYYY-Qn, n 1 to 4")
        return text


class TouchUpClient(Result):
    client_id: int
    name: str
    last_session_on: dt.date | None = Field(description="The day of the client's last session.")
    due_on: dt.date


class TouchUpMonthCount(Result):
    month: str
    touch_ups: int


class TouchUpsReport(Result):
    """The clients whose open touch-up reminder falls in the quarter, by due date."""

    quarter: str
    first_day: dt.date
    last_day: dt.date
    timezone: str
    clients: list[TouchUpClient]
    months: list[TouchUpMonthCount] = Field(description="How many fall in each month of the quarter.")


def _quarter_start(request: TouchUpsRequest | None, today: dt.date) -> dt.date:
    if request is not None and request.quarter:
        year, number = request.quarter.split("-Q")
        return dt.date(int(year), 3 * int(number) - 2, 1)
    return add_months(today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1), 3)


def touch_ups_report(ctx: ServiceContext, request: TouchUpsRequest | None = None) -> TouchUpsReport:
    """The clients (name, last session, due date) whose open touch-up reminder falls in the quarter (the
    next calendar quarter of the clinic's timezone by default)."""

    def action(db: Db, actor: Actor) -> TouchUpsReport:
        actor.require("reports")
        first = _quarter_start(request, actor.today())
        end = add_months(first, 3)
        label = f"{first.year}-Q{(first.month - 1) // 3 + 1}"
        rows = repo.touch_ups_between(db, actor.clinic_id, first, end)
        log(db, actor, "read", "report", "touch-ups", quarter=label)
        log(db, actor, "read", "client", None, via="report", clients=sorted({r.client_id for r in rows}))
        tz = actor.clock.tz
        clients = [
            TouchUpClient(
                client_id=r.client_id,
                name=r.name,
                last_session_on=r.last_session_at.astimezone(tz).date() if r.last_session_at else None,
                due_on=r.due_on,
            )
            for r in rows
        ]
        months = [month_label(add_months(first, k)) for k in range(3)]
        return TouchUpsReport(
            quarter=label,
            first_day=first,
            last_day=end - dt.timedelta(days=1),
            timezone=str(tz),
            clients=clients,
            months=[
                TouchUpMonthCount(month=m, touch_ups=sum(1 for c in clients if month_label(c.due_on) == m))
                for m in months
            ],
        )

    return transact(ctx, action)
