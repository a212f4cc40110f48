"""Adverse events: logging one (a serious one gets the brand's reporting deadline) and the deadlines due.

Each use case is one call ``f(ctx, request) -> result`` over typed models; the queries are in
:mod:`smpstudio.records.repositories.registers`. Every read of clients' names is audited.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy.orm import Session as Db

from smpstudio.errors import ConflictError, InputError, check_choice, check_range
from smpstudio.records.deadlines import add_business_days
from smpstudio.records.repositories import registers as repo
from smpstudio.services.access import (
    Actor,
    client_session,
    get_client,
    log,
    not_in_clinic,
    rules_for,
    transact,
)
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id, OptionalId, optional_date
from smpstudio.services.models import Request, Result

__all__ = [
    "SERIOUS_CRITERIA",
    "AdverseEventAdded",
    "AdverseEventList",
    "AdverseEventRequest",
    "AdverseEventsDueRequest",
    "MarkAdverseEventRequest",
    "add_adverse_event",
    "adverse_events_due",
    "mark_adverse_event",
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


class AdverseEventRequest(Request):
    """An adverse event as the clinic learnt of it; any ``serious`` criterion makes it reportable."""

    client_id: Id
    description: str = Field(min_length=1, max_length=5000)
    received_on: dt.date | None = Field(None, description="When the clinic learnt of it (today).")
    serious: list[str] = Field(default_factory=list, description="Serious criteria met, if any.")
    session_id: OptionalId = None
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
        return optional_date(value, info.field_name or "date")


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

    def action(db: Db, actor: Actor) -> AdverseEventAdded:
        actor.require("adverse_event")
        today = actor.today()
        received = r.received_on or today
        if received > today:
            raise InputError(
                f"{received} is in the future",
                field="received_on",
                allowed=f"the clinic's today ({today}) or before",
            )
        if r.brand_notified_on is not None and not received <= r.brand_notified_on <= today:
            raise InputError(
                f"{r.brand_notified_on} is not between the day the clinic learnt of it and today",
                field="brand_notified_on",
                allowed=f"{received} to {today}",
            )
        days = int(rules_for(db, actor, ctx).data["records"]["serious_event_report_business_days"])
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
        return optional_date(value, "on")


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

    def action(db: Db, actor: Actor) -> AdverseEventList:
        actor.require("adverse_event")
        day = r.on or actor.today()
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


# --- the "brand notified" step --------------------------------------------------------------------------


class MarkAdverseEventRequest(Request):
    """The day the event was sent to the brand (the ink's responsible person); today by default."""

    event_id: Id
    brand_notified_on: dt.date | None = None

    @field_validator("brand_notified_on", mode="before")
    @classmethod
    def _on(cls, value: object) -> dt.date | None:
        return optional_date(value, "brand_notified_on")


class AdverseEventMarked(Result):
    """The event, the day the brand had it, its deadline and whether the brand had it by then."""

    id: int
    brand_notified_on: dt.date
    report_deadline_on: dt.date | None
    on_time: bool | None = Field(description="Whether the brand had it by the deadline (None: no deadline).")


def mark_adverse_event(ctx: ServiceContext, request: MarkAdverseEventRequest) -> AdverseEventMarked:
    """Record that an adverse event was sent to the brand, which takes it off the deadlines due.

    The day is between the day the clinic learnt of it and today; marking it again with the same day
    changes nothing, another day is a conflict (the first stays on record).
    """
    r = request

    def action(db: Db, actor: Actor) -> AdverseEventMarked:
        actor.require("adverse_event")
        event = repo.get_adverse_event(db, actor.clinic_id, r.event_id, for_update=True)
        if event is None:
            raise not_in_clinic(
                "adverse_event",
                r.event_id,
                noun="adverse event",
                field="event_id",
                allowed="an adverse event id",
            )
        get_client(db, actor, event.client_id, for_update=True)
        today = actor.today()
        day = r.brand_notified_on or today
        if not event.received_on <= day <= today:
            raise InputError(
                f"{day} is not between the day the clinic learnt of it and today",
                field="brand_notified_on",
                allowed=f"{event.received_on} to {today}",
            )
        if event.brand_notified_on is not None and event.brand_notified_on != day:
            raise ConflictError(
                f"the brand was recorded as notified on {event.brand_notified_on}",
                field="brand_notified_on",
                allowed=str(event.brand_notified_on),
                code="already_notified",
            )
        if event.brand_notified_on is None:
            event.brand_notified_on = day
            db.flush()
            log(db, actor, "update", "adverse_event", event.id, client=event.client_id, brand_notified=True)
        deadline = event.report_deadline_on
        return AdverseEventMarked(
            id=event.id,
            brand_notified_on=day,
            report_deadline_on=deadline,
            on_time=None if deadline is None else day <= deadline,
        )

    return transact(ctx, action)
