"""The clinic's registers: follow-ups and touch-ups due, symptom reports and adverse events.

Each use case is one call ``f(ctx, request) -> result`` over typed models; the queries are in
:mod:`smpstudio.records.repositories.registers`. Every read of clients' names and contacts is audited.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy.orm import Session as Db

from smpstudio.care.triage import triage
from smpstudio.errors import InputError, check_choice, check_range, parse_date
from smpstudio.records.deadlines import add_business_days
from smpstudio.records.repositories import registers as repo
from smpstudio.services.access import Actor, client_session, get_client, log, transact
from smpstudio.services.care import TriageRequest, TriageResult
from smpstudio.services.context import ServiceContext
from smpstudio.services.models import Request, Result

__all__ = [
    "SERIOUS_CRITERIA",
    "AdverseEventAdded",
    "AdverseEventList",
    "AdverseEventRequest",
    "AdverseEventsDueRequest",
    "CompleteFollowUpRequest",
    "FollowUpClosed",
    "FollowUpList",
    "FollowUpsDueRequest",
    "SymptomReportRequest",
    "SymptomReported",
    "TouchUpList",
    "TouchUpsDueRequest",
    "add_adverse_event",
    "adverse_events_due",
    "complete_followup",
    "followups_due",
    "report_symptoms",
    "touch_ups_due",
]


SERIOUS_CRITERIA = (
    "death",
    "life-threatening",
    "hospitalisation",
    "disability",
    "congenital-anomaly",
    "infection",
    "significant-disfigurement",
    "intervention-to-prevent",
)


def _date(value: object, field: str) -> dt.date | None:
    return None if value is None or value == "" else parse_date(value, field)


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
        return _date(value, "on")


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


# --- adverse events -------------------------------------------------------------------------------------


class AdverseEventRequest(Request):
    """An adverse event as the clinic learnt of it; any ``serious`` criterion makes it reportable."""

    client_id: int
    description: str = Field(min_length=1, max_length=5000)
    received_on: dt.date | None = Field(None, description="When the clinic learnt of it (today).")
    serious: list[str] = Field(default_factory=list, description="Serious criteria met, if any.")
    session_id: int | None = None
    brand_notified_on: dt.date | None = None

    @field_validator("serious", mode="before")
    @classmethod
    def _serious(cls, value: object) -> object:
        if value is None:
            return []
        if isinstance(value, list | tuple):
            return [check_choice("serious", c, SERIOUS_CRITERIA) if isinstance(c, str) else c for c in value]
        return value

    @field_validator("received_on", "brand_notified_on", mode="before")
    @classmethod
    def _dates(cls, value: object, info: ValidationInfo) -> dt.date | None:
        return _date(value, info.field_name or "date")


class LotLabel(Result):
    kind: str
    product: str
    lot: str


class AdverseEventAdded(Result):
    """The event's id, whether it is serious, the brand's reporting deadline, the session's lots and the
    steps to take."""

    id: int
    serious: bool
    report_deadline_on: dt.date | None
    lots: list[LotLabel]
    next_steps: list[str]
    source: str


def add_adverse_event(ctx: ServiceContext, request: AdverseEventRequest) -> AdverseEventAdded:
    """Log an adverse event; a serious one gets the brand's reporting deadline (15 business days)."""
    r = request
    received = r.received_on or ctx.today()
    days = int(ctx.care_rules.data["records"]["serious_event_report_business_days"])

    def action(db: Db, actor: Actor) -> AdverseEventAdded:
        actor.require("adverse_event")
        client = get_client(db, actor, r.client_id, for_update=True)
        sess = client_session(db, client, r.session_id)
        deadline = add_business_days(received, days) if r.serious else None
        row = repo.add_adverse_event(
            db,
            client_id=client.id,
            session_id=r.session_id,
            received_on=received,
            description=r.description,
            serious=bool(r.serious),
            serious_criteria=list(r.serious),
            report_deadline_on=deadline,
            brand_notified_on=r.brand_notified_on,
        )
        log(db, actor, "create", "adverse_event", row.id, client=client.id, serious=bool(r.serious))
        lots = repo.session_lots(db, sess) if sess is not None else []
        return AdverseEventAdded(
            id=row.id,
            serious=row.serious,
            report_deadline_on=deadline,
            lots=[LotLabel(kind=lot.kind, product=lot.product, lot=lot.lot_code) for lot in lots],
            next_steps=[
                "send the event and its pigment and diluent lots to the ink's responsible person (the brand)",
                "offer the client a voluntary MedWatch report",
                "keep this record at least 6 years",
            ],
            source="MoCRA serious adverse event reporting ([mocra2022] in docs/references.md) [A/B]",
        )

    return transact(ctx, action)


class AdverseEventsDueRequest(Request):
    """The window (days from ``on``, today by default) in which a reporting deadline falls."""

    within_days: int = Field(default=7, description="Window. [days]")
    on: dt.date | None = None

    @field_validator("within_days")
    @classmethod
    def _window(cls, value: int) -> int:
        check_range("within_days", value, 0, 3650, "days")
        return value

    @field_validator("on", mode="before")
    @classmethod
    def _on(cls, value: object) -> dt.date | None:
        return _date(value, "on")


class ClientName(Result):
    id: int
    name: str


class AdverseEventDue(Result):
    id: int
    client: ClientName
    received_on: dt.date
    report_deadline_on: dt.date | None
    days_left: int | None
    serious_criteria: list[str]


class AdverseEventList(Result):
    """Serious events the brand has not had, their deadline within the window (or passed), soonest first."""

    events: list[AdverseEventDue]


def adverse_events_due(
    ctx: ServiceContext, request: AdverseEventsDueRequest | None = None
) -> AdverseEventList:
    """Serious events not yet sent to the brand, their deadline within the window (or passed)."""
    r = request or AdverseEventsDueRequest()
    day = r.on or ctx.today()

    def action(db: Db, actor: Actor) -> AdverseEventList:
        actor.require("adverse_event")
        rows = repo.adverse_events_due(db, actor.clinic_id, day + dt.timedelta(days=r.within_days))
        log(
            db,
            actor,
            "read",
            "client",
            None,
            via="adverse_events",
            clients=sorted({a.client_id for a, _ in rows}),
        )
        return AdverseEventList(
            events=[
                AdverseEventDue(
                    id=a.id,
                    client=ClientName(id=a.client_id, name=n),
                    received_on=a.received_on,
                    report_deadline_on=a.report_deadline_on,
                    days_left=(a.report_deadline_on - day).days if a.report_deadline_on else None,
                    serious_criteria=list(a.serious_criteria or []),
                )
                for a, n in rows
            ]
        )

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
