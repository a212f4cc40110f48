"""The clinic's registers: follow-ups and touch-ups due, and symptom reports.

Each use case is one call ``f(ctx, request) -> result`` over typed models; the queries are in
:mod:`smpstudio.records.repositories.registers`. Every read of clients' names and contacts is audited.
Adverse events, the register with a reporting deadline, are in :mod:`smpstudio.services.adverse_events`.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator
from sqlalchemy.orm import Session as Db

from smpstudio.care.triage import triage
from smpstudio.errors import InputError
from smpstudio.records.repositories import registers as repo
from smpstudio.services.access import Actor, client_session, get_client, log, transact
from smpstudio.services.care import TriageRequest, TriageResult
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import optional_date
from smpstudio.services.models import Request, Result

__all__ = [
    "CompleteFollowUpRequest",
    "FollowUpClosed",
    "FollowUpList",
    "FollowUpsDueRequest",
    "SymptomReportRequest",
    "SymptomReported",
    "TouchUpList",
    "TouchUpsDueRequest",
    "complete_followup",
    "followups_due",
    "report_symptoms",
    "touch_ups_due",
]


class ClientContact(Result):
    """The client a register item is about, with how to reach them."""

    id: int
    name: str
    phone: str | None
    email: str | None


# --- follow-ups -----------------------------------------------------------------------------------------


class FollowUpsDueRequest(Request):
    """The day to ask about (today by default)."""

    on: dt.date | None = None

    @field_validator("on", mode="before")
    @classmethod
    def _on(cls, value: object) -> dt.date | None:
        return optional_date(value, "on")


class FollowUpItem(Result):
    id: int
    client: ClientContact
    due_on: dt.date
    overdue_days: int
    purpose: str
    session: int | None


class FollowUpList(Result):
    """Open follow-ups due on or before the day asked about, oldest first."""

    followups: list[FollowUpItem]


def followups_due(ctx: ServiceContext, request: FollowUpsDueRequest | None = None) -> FollowUpList:
    """Open follow-ups due on or before the day (today by default), oldest first."""
    day = (request.on if request else None) or ctx.today()

    def action(db: Db, actor: Actor) -> FollowUpList:
        actor.require("followup")
        rows = repo.followups_due(db, actor.clinic_id, day)
        log(
            db, actor, "read", "client", None, via="followups", clients=sorted({r[0].client_id for r in rows})
        )
        return FollowUpList(
            followups=[
                FollowUpItem(
                    id=f.id,
                    client=ClientContact(id=f.client_id, name=n, phone=p, email=e),
                    due_on=f.due_on,
                    overdue_days=(day - f.due_on).days,
                    purpose=f.purpose,
                    session=f.session_id,
                )
                for f, n, p, e in rows
            ]
        )

    return transact(ctx, action)


class CompleteFollowUpRequest(Request):
    """A follow-up to close, with what was found or agreed."""

    followup_id: int
    outcome: str = Field(min_length=1, max_length=2000)


class FollowUpClosed(Result):
    id: int
    done: bool


def complete_followup(ctx: ServiceContext, request: CompleteFollowUpRequest) -> FollowUpClosed:
    """Close a follow-up with its outcome."""
    r = request

    def action(db: Db, actor: Actor) -> FollowUpClosed:
        actor.require("followup")
        fu = repo.get_followup(db, r.followup_id)
        if fu is None or get_client(db, actor, fu.client_id) is None:
            raise InputError(
                f"no follow-up {r.followup_id}", field="followup", allowed="an open follow-up id"
            )
        repo.close_followup(fu, ctx.clock.now(), r.outcome)
        log(db, actor, "update", "followup", fu.id, client=fu.client_id)
        return FollowUpClosed(id=fu.id, done=True)

    return transact(ctx, action)


# --- symptom reports ------------------------------------------------------------------------------------


class SymptomReportRequest(TriageRequest):
    """A client's symptom report (as for triage) and the client and session it is about."""

    client_id: int
    session_id: int | None = None


class SymptomReported(TriageResult):
    """The kept report's id and its triage."""

    id: int


def report_symptoms(ctx: ServiceContext, request: SymptomReportRequest) -> SymptomReported:
    """Triage a client's symptom report with the care rules and keep the report with its result."""
    r = request
    rules = ctx.care_rules
    result = triage(
        r.day,
        list(r.symptoms),
        rules,
        spreading=r.spreading,
        worsening=r.worsening,
        size_cm=r.size_cm,
        duration_days=r.duration_days,
    ).to_dict()
    reported = {
        "day": r.day,
        "symptoms": list(r.symptoms),
        "spreading": r.spreading,
        "worsening": r.worsening,
        "size_cm": r.size_cm,
        "duration_days": r.duration_days,
    }

    def action(db: Db, actor: Actor) -> SymptomReported:
        actor.require("symptom")
        client = get_client(db, actor, r.client_id, for_update=True)
        client_session(db, client, r.session_id)
        row = repo.add_symptom_report(
            db,
            client_id=client.id,
            session_id=r.session_id,
            symptoms=reported,
            disposition=result["disposition"],
            triage=result,
            rules_version=rules.version,
        )
        log(
            db, actor, "create", "symptom_report", row.id, client=client.id, disposition=result["disposition"]
        )
        return SymptomReported.model_validate({"id": row.id, **result})

    return transact(ctx, action)


# --- touch-ups ------------------------------------------------------------------------------------------


class TouchUpsDueRequest(Request):
    """The month to ask about (``YYYY-MM``, this month by default); earlier open reminders are included."""

    month: str | None = None

    @field_validator("month", mode="before")
    @classmethod
    def _month(cls, value: object) -> object:
        if value is None or value == "":
            return None
        try:
            dt.date.fromisoformat(f"{value}-01")
        except (ValueError, TypeError):
            raise InputError(f"{value!r}", field="month", allowed="YYYY-MM") from None
        return value


class TouchUpItem(Result):
    id: int
    client: ClientContact
    due_on: dt.date
    basis: str


class TouchUpList(Result):
    """Open touch-up reminders due in the month or earlier, oldest first."""

    touch_ups: list[TouchUpItem]


def touch_ups_due(ctx: ServiceContext, request: TouchUpsDueRequest | None = None) -> TouchUpList:
    """Open touch-up reminders falling in the month (this month by default) or earlier."""
    month = request.month if request else None
    first = dt.date.fromisoformat(f"{month}-01") if month else ctx.today().replace(day=1)
    end = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)

    def action(db: Db, actor: Actor) -> TouchUpList:
        actor.require("registers")
        rows = repo.touch_ups_before(db, actor.clinic_id, end)
        log(
            db, actor, "read", "client", None, via="touch_ups", clients=sorted({r[0].client_id for r in rows})
        )
        return TouchUpList(
            touch_ups=[
                TouchUpItem(
                    id=t.id,
                    client=ClientContact(id=t.client_id, name=n, phone=p, email=e),
                    due_on=t.due_on,
                    basis=t.basis,
                )
                for t, n, p, e in rows
            ]
        )

    return transact(ctx, action)
