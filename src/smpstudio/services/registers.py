"""The clinic's registers: follow-ups and touch-ups due, and symptom reports.

Each use case is one call ``f(ctx, request) -> result`` over typed models; the queries are in
:mod:`smpstudio.records.repositories.registers`. Every read of clients' names and contacts is audited.
Adverse events, the register with a reporting deadline, are in :mod:`smpstudio.services.adverse_events`.

Retries are safe where a retry is natural: a symptom report sent again with the same idempotency key
returns the report kept the first time, and closing a follow-up again with the same outcome by the same
user adds nothing to its history. A follow-up keeps every outcome written on it, in order.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import Field, PlainSerializer, field_validator
from sqlalchemy.orm import Session as Db

from smpstudio.care.triage import triage
from smpstudio.errors import ConflictError, InputError, NotFoundError, echo
from smpstudio.records.models import FollowUp
from smpstudio.records.repositories import registers as repo
from smpstudio.services.access import Actor, client_session, get_client, log, rules_for, transact
from smpstudio.services.care import TriageRequest, TriageResult
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id, OptionalId, check_date, iso, optional_date, text
from smpstudio.services.models import Request, Result

__all__ = [
    "CompleteFollowUpRequest",
    "FollowUpClosed",
    "FollowUpDetail",
    "FollowUpList",
    "FollowUpRequest",
    "FollowUpsDueRequest",
    "SymptomReportRequest",
    "SymptomReported",
    "TouchUpList",
    "TouchUpsDueRequest",
    "complete_followup",
    "followup_detail",
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
    on = request.on if request else None

    def action(db: Db, actor: Actor) -> FollowUpList:
        actor.require("followup")
        day = on or actor.today()
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


#: A time, printed as ISO 8601 to the second with its offset.
Timestamp = Annotated[dt.datetime, PlainSerializer(iso, return_type=str)]


def _followup(db: Db, actor: Actor, followup_id: int) -> FollowUp:
    """The follow-up of a client of the actor's clinic; another clinic's answers exactly as a missing one."""
    fu = repo.get_followup(db, followup_id, actor.clinic_id)
    if fu is None:
        raise NotFoundError(
            f"no follow-up {followup_id} in this clinic",
            field="followup",
            allowed="a follow-up id",
            code="no_followup",
        )
    return fu


class CompleteFollowUpRequest(Request):
    """A follow-up to close, with what was found or agreed."""

    followup_id: Id
    outcome: Annotated[str, text(2000)]


class FollowUpClosed(Result):
    id: int
    done: bool


def complete_followup(ctx: ServiceContext, request: CompleteFollowUpRequest) -> FollowUpClosed:
    """Close a follow-up with its outcome, kept beside any earlier one (the latest is the follow-up's).

    The same outcome again from the same user (a retried call) adds nothing.
    """
    r = request

    def action(db: Db, actor: Actor) -> FollowUpClosed:
        actor.require("followup")
        fu = _followup(db, actor, r.followup_id)
        get_client(db, actor, fu.client_id, for_update=True)
        history = repo.followup_outcomes(db, fu.id)
        if history and history[-1].outcome == r.outcome and history[-1].recorded_by == actor.id:
            return FollowUpClosed(id=fu.id, done=True)
        row = repo.close_followup(db, fu, actor.clock.now(), r.outcome, actor.id)
        log(db, actor, "update", "followup", fu.id, client=fu.client_id, outcome=row.id)
        return FollowUpClosed(id=fu.id, done=True)

    return transact(ctx, action)


class FollowUpRequest(Request):
    """The follow-up to show."""

    followup_id: Id


class OutcomeEntry(Result):
    """One outcome written on a follow-up: what, by whom (a user id) and when."""

    outcome: str
    recorded_by: int
    recorded_at: Timestamp


class FollowUpDetail(Result):
    """A follow-up with its latest outcome and every outcome written on it, oldest first."""

    id: int
    client: int
    session: int | None
    due_on: dt.date
    purpose: str
    done_at: Timestamp | None
    outcome: str | None = Field(description="The latest outcome (None while the follow-up is open).")
    outcomes: list[OutcomeEntry]


def followup_detail(ctx: ServiceContext, request: FollowUpRequest) -> FollowUpDetail:
    """A follow-up of the actor's clinic with its outcome history (the read is audited)."""

    def action(db: Db, actor: Actor) -> FollowUpDetail:
        actor.require("followup")
        fu = _followup(db, actor, request.followup_id)
        history = repo.followup_outcomes(db, fu.id)
        log(db, actor, "read", "followup", fu.id, client=fu.client_id)
        return FollowUpDetail(
            id=fu.id,
            client=fu.client_id,
            session=fu.session_id,
            due_on=fu.due_on,
            purpose=fu.purpose,
            done_at=fu.done_at,
            outcome=fu.outcome,
            outcomes=[
                OutcomeEntry(outcome=o.outcome, recorded_by=o.recorded_by, recorded_at=o.recorded_at)
                for o in history
            ],
        )

    return transact(ctx, action)


# --- symptom reports ------------------------------------------------------------------------------------


#: An idempotency key: what a client's app or a retrying script sends (a UUID, a counter ...).
_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class SymptomReportRequest(TriageRequest):
    """A client's symptom report (as for triage), the client and session it is about, and optionally the
    caller's idempotency key: the same report sent again with the same key is kept once."""

    client_id: Id
    session_id: OptionalId = None
    idempotency_key: str | None = Field(
        None, description="The caller's key for this report (1-64 letters, digits, '.', '_', ':' or '-')."
    )

    @field_validator("idempotency_key", mode="before")
    @classmethod
    def _key(cls, value: object) -> object:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not _KEY.fullmatch(value):
            raise InputError(
                f"{echo(value)} is not a key",
                field="idempotency_key",
                allowed="1-64 letters, digits, '.', '_', ':' or '-'",
            )
        return value


class SymptomReported(TriageResult):
    """The kept report's id and its triage; ``replayed`` when the idempotency key named a report kept
    earlier (nothing new was stored)."""

    id: int
    replayed: bool = False


def _reported(r: SymptomReportRequest) -> dict[str, Any]:
    return {
        "day": r.day,
        "symptoms": list(r.symptoms),
        "spreading": r.spreading,
        "worsening": r.worsening,
        "size_cm": r.size_cm,
        "duration_days": r.duration_days,
    }


def _replay(db: Db, actor: Actor, client_id: int, r: SymptomReportRequest) -> SymptomReported | None:
    """The report kept earlier under the request's idempotency key (None when there is none); the same
    key with another report is a conflict."""
    if r.idempotency_key is None:
        return None
    kept = repo.symptom_report_by_key(db, client_id, r.idempotency_key)
    if kept is None:
        return None
    if kept.symptoms != _reported(r) or kept.session_id != r.session_id:
        raise ConflictError(
            "this key was used for another report",
            field="idempotency_key",
            allowed="a new key for a new report",
            code="idempotency_key_reused",
        )
    log(db, actor, "read", "symptom_report", kept.id, client=client_id, replayed=True)
    return SymptomReported.model_validate({"id": kept.id, **kept.triage, "replayed": True})


def report_symptoms(ctx: ServiceContext, request: SymptomReportRequest) -> SymptomReported:
    """Triage a client's symptom report with the clinic's care rules and keep the report with its result.

    With an idempotency key, a report already kept under it is returned (``replayed``) instead of a second
    one; the same key with a different report is refused (``idempotency_key_reused``).
    """
    r = request

    def action(db: Db, actor: Actor) -> SymptomReported:
        actor.require("symptom")
        client = get_client(db, actor, r.client_id, for_update=True)
        client_session(db, client, r.session_id)
        replayed = _replay(db, actor, client.id, r)
        if replayed is not None:
            return replayed
        rules = rules_for(db, actor, ctx)
        result = triage(
            r.day,
            list(r.symptoms),
            rules,
            spreading=r.spreading,
            worsening=r.worsening,
            size_cm=r.size_cm,
            duration_days=r.duration_days,
        ).to_dict()
        row = repo.add_symptom_report(
            db,
            client_id=client.id,
            session_id=r.session_id,
            symptoms=_reported(r),
            disposition=result["disposition"],
            triage=result,
            rules_version=rules.version,
            idempotency_key=r.idempotency_key,
        )
        if row is None:  # a concurrent call with the same key was kept first
            replayed = _replay(db, actor, client.id, r)
            assert replayed is not None
            return replayed
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
            first = dt.date.fromisoformat(f"{value}-01")
        except (ValueError, TypeError):
            raise InputError(f"{echo(value)} is not a month", field="month", allowed="YYYY-MM") from None
        check_date(first, "month")
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

    def action(db: Db, actor: Actor) -> TouchUpList:
        actor.require("registers")
        first = dt.date.fromisoformat(f"{month}-01") if month else actor.today().replace(day=1)
        end = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
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
