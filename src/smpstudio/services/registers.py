"""The clinic's registers: follow-ups and touch-ups due, symptom reports and adverse events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as Db

from smpstudio.care.triage import triage
from smpstudio.errors import InputError, check_choice, parse_date
from smpstudio.records.deadlines import add_business_days
from smpstudio.records.models import (
    AdverseEvent,
    Client,
    FollowUp,
    Lot,
    Reminder,
    SymptomReport,
    utc_now,
)
from smpstudio.services.access import Actor, client_session, get_client, log, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import iso, text_field

__all__ = [
    "SERIOUS_CRITERIA",
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


def _open_items(db: Db, actor: Actor, via: str, model: Any, *where: Any) -> list[Any]:
    """Open (not done) follow-ups or reminders of the clinic's clients on record, oldest due first, with
    the client's name and contacts; the read of those clients is audited."""
    rows = db.execute(
        select(model, Client.name, Client.phone, Client.email)
        .join(Client, Client.id == model.client_id)
        .where(
            Client.clinic_id == actor.clinic_id, Client.erased_at.is_(None), model.done_at.is_(None), *where
        )
        .order_by(model.due_on, model.id)
    ).all()
    log(db, actor, "read", "client", None, via=via, clients=sorted({r[0].client_id for r in rows}))
    return list(rows)


def followups_due(ctx: ServiceContext, *, on: str | None = None) -> list[dict[str, Any]]:
    """Open follow-ups due on or before ``on`` (today by default), oldest first."""
    day = parse_date(on, "date") if on else ctx.today()

    def action(db: Db, actor: Actor) -> list[dict[str, Any]]:
        actor.require("followup")
        rows = _open_items(db, actor, "followups", FollowUp, FollowUp.due_on <= day)
        return [
            {
                "id": f.id,
                "client": {"id": f.client_id, "name": n, "phone": p, "email": e},
                "due_on": f.due_on.isoformat(),
                "overdue_days": (day - f.due_on).days,
                "purpose": f.purpose,
                "session": f.session_id,
            }
            for f, n, p, e in rows
        ]

    return transact(ctx, action)


def complete_followup(ctx: ServiceContext, followup_id: int, outcome: str) -> dict[str, Any]:
    text = text_field(outcome, "outcome", max_len=2000)

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("followup")
        fu = db.get(FollowUp, followup_id)
        if fu is None or get_client(db, actor, fu.client_id) is None:
            raise InputError(f"no follow-up {followup_id}", field="followup", allowed="an open follow-up id")
        fu.done_at, fu.outcome = utc_now(), text
        log(db, actor, "update", "followup", fu.id, client=fu.client_id)
        return {"id": fu.id, "done": True}

    return transact(ctx, action)


def report_symptoms(
    ctx: ServiceContext,
    *,
    client_id: int,
    day: float,
    symptoms: list[str],
    session_id: int | None = None,
    spreading: bool = False,
    worsening: bool = False,
    size_cm: float | None = None,
    duration_days: float | None = None,
) -> dict[str, Any]:
    """Triage a client's symptom report with the care rules and keep the report with its result."""
    rules = ctx.care_rules
    result = triage(
        day,
        symptoms,
        rules,
        spreading=spreading,
        worsening=worsening,
        size_cm=size_cm,
        duration_days=duration_days,
    ).to_dict()
    reported = {
        "day": day,
        "symptoms": symptoms,
        "spreading": spreading,
        "worsening": worsening,
        "size_cm": size_cm,
        "duration_days": duration_days,
    }

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("symptom")
        client = get_client(db, actor, client_id, for_update=True)
        client_session(db, client, session_id)
        row = SymptomReport(
            client_id=client.id,
            session_id=session_id,
            symptoms=reported,
            disposition=result["disposition"],
            triage=result,
            rules_version=rules.version,
        )
        db.add(row)
        db.flush()
        log(
            db, actor, "create", "symptom_report", row.id, client=client.id, disposition=result["disposition"]
        )
        return {"id": row.id, **result}

    return transact(ctx, action)


def add_adverse_event(
    ctx: ServiceContext,
    *,
    client_id: int,
    description: str,
    received_on: str | None = None,
    serious: list[str] | None = None,
    session_id: int | None = None,
    brand_notified_on: str | None = None,
) -> dict[str, Any]:
    """Log an adverse event; a serious one gets the brand's reporting deadline (15 business days)."""
    criteria = [check_choice("serious", c, SERIOUS_CRITERIA) for c in (serious or [])]
    text = text_field(description, "description", max_len=5000)
    received = parse_date(received_on, "received") if received_on else ctx.today()
    notified = parse_date(brand_notified_on, "brand-notified") if brand_notified_on else None
    days = int(ctx.care_rules.data["records"]["serious_event_report_business_days"])

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("adverse_event")
        client = get_client(db, actor, client_id, for_update=True)
        sess = client_session(db, client, session_id)
        deadline = add_business_days(received, days) if criteria else None
        row = AdverseEvent(
            client_id=client.id,
            session_id=session_id,
            received_on=received,
            description=text,
            serious=bool(criteria),
            serious_criteria=criteria,
            report_deadline_on=deadline,
            brand_notified_on=notified,
        )
        db.add(row)
        db.flush()
        log(db, actor, "create", "adverse_event", row.id, client=client.id, serious=bool(criteria))
        lots = []
        if sess is not None:
            for lot_id in (sess.pigment_lot_id, sess.diluent_lot_id, sess.needle_lot_id):
                if lot_id is not None:
                    lot = db.get(Lot, lot_id)
                    assert lot is not None
                    lots.append({"kind": lot.kind, "product": lot.product, "lot": lot.lot_code})
        return {
            "id": row.id,
            "serious": row.serious,
            "report_deadline_on": iso(deadline),
            "lots": lots,
            "next_steps": [
                "send the event and its pigment and diluent lots to the ink's responsible person (the brand)",
                "offer the client a voluntary MedWatch report",
                "keep this record at least 6 years",
            ],
            "source": "MoCRA serious adverse event reporting (domain.md §6.3, 8.2 rule 6) [A/B]",
        }

    return transact(ctx, action)


def adverse_events_due(
    ctx: ServiceContext, *, within_days: int = 7, on: str | None = None
) -> list[dict[str, Any]]:
    """Serious events not yet sent to the brand, their deadline within the window (or passed)."""
    day = parse_date(on, "date") if on else ctx.today()

    def action(db: Db, actor: Actor) -> list[dict[str, Any]]:
        actor.require("adverse_event")
        rows = db.execute(
            select(AdverseEvent, Client.name)
            .join(Client, Client.id == AdverseEvent.client_id)
            .where(
                Client.clinic_id == actor.clinic_id,
                AdverseEvent.serious,
                AdverseEvent.brand_notified_on.is_(None),
                AdverseEvent.report_deadline_on <= day + dt.timedelta(days=within_days),
            )
            .order_by(AdverseEvent.report_deadline_on)
        ).all()
        log(
            db,
            actor,
            "read",
            "client",
            None,
            via="adverse_events",
            clients=sorted({r[0].client_id for r in rows}),
        )
        return [
            {
                "id": a.id,
                "client": {"id": a.client_id, "name": n},
                "received_on": a.received_on.isoformat(),
                "report_deadline_on": iso(a.report_deadline_on),
                "days_left": (a.report_deadline_on - day).days if a.report_deadline_on else None,
                "serious_criteria": a.serious_criteria,
            }
            for a, n in rows
        ]

    return transact(ctx, action)


def touch_ups_due(ctx: ServiceContext, *, month: str | None = None) -> list[dict[str, Any]]:
    """Open touch-up reminders falling in ``month`` (YYYY-MM, this month by default) or earlier."""
    today = ctx.today()
    if month:
        try:
            first = dt.date.fromisoformat(f"{month}-01")
        except ValueError as exc:
            raise InputError(f"{month!r}", field="month", allowed="YYYY-MM") from exc
    else:
        first = today.replace(day=1)
    end = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)

    def action(db: Db, actor: Actor) -> list[dict[str, Any]]:
        actor.require("registers")
        rows = _open_items(
            db, actor, "touch_ups", Reminder, Reminder.kind == "touch-up", Reminder.due_on < end
        )
        return [
            {
                "id": r.id,
                "client": {"id": r.client_id, "name": n, "phone": p, "email": e},
                "due_on": r.due_on.isoformat(),
                "basis": r.basis,
            }
            for r, n, p, e in rows
        ]

    return transact(ctx, action)
