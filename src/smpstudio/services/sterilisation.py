"""Sterilisation cycles, spore tests and the sessions a cycle served."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session as Db

from smpstudio.errors import InputError, check_choice, check_range, parse_date
from smpstudio.records.models import (
    Client,
    CorrectiveAction,
    Session,
    SporeTest,
    SterilisationCycle,
    utc_now,
)
from smpstudio.services.access import Actor, log, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import iso, parse_datetime, text_field

__all__ = ["add_cycle", "record_spore_test", "sessions_for_cycle"]


def add_cycle(
    ctx: ServiceContext,
    *,
    load: str,
    temperature_c: float,
    pressure_kpa: float,
    minutes: float,
    indicator: str,
    run_at: str | None = None,
    items: str | None = None,
) -> dict[str, Any]:
    """Log an autoclave cycle; a failed chemical indicator is kept and flagged (reprocess the load)."""
    load_name = text_field(load, "load", max_len=80)
    check_range("temperature", temperature_c, 20.0, 200.0, "°C")
    check_range("pressure", pressure_kpa, 0.0, 400.0, "kPa")
    check_range("minutes", minutes, 0.0, 600.0, "min")
    check_choice("indicator", indicator, ("pass", "fail"))
    at = parse_datetime(run_at, "run-at").replace(tzinfo=dt.UTC) if run_at else utc_now()

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("sterilisation")
        cycle = SterilisationCycle(
            clinic_id=actor.clinic_id,
            load=load_name,
            run_at=at,
            temperature_c=temperature_c,
            pressure_kpa=pressure_kpa,
            hold_minutes=minutes,
            indicator=indicator,
            items=text_field(items, "items", required=False, max_len=2000),
            operator_id=actor.id,
        )
        db.add(cycle)
        db.flush()
        log(db, actor, "create", "sterilisation_cycle", cycle.id, indicator=indicator)
        warnings = [] if indicator == "pass" else ["indicator failed: do not use this load; reprocess it"]
        return {"id": cycle.id, "warnings": warnings}

    return transact(ctx, action)


def record_spore_test(
    ctx: ServiceContext, *, result: str, tested_on: str | None = None, notes: str | None = None
) -> dict[str, Any]:
    """Log a spore (biological indicator) test. A failure opens a corrective action over every cycle run
    since the last passed test, with the sessions and clients those loads reached."""
    check_choice("result", result, ("pass", "fail"))
    day = parse_date(tested_on, "date") if tested_on else ctx.today()

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("sterilisation")
        test = SporeTest(
            clinic_id=actor.clinic_id,
            tested_on=day,
            result=result,
            notes=text_field(notes, "notes", required=False, max_len=2000),
        )
        db.add(test)
        db.flush()
        log(db, actor, "create", "spore_test", test.id, result=result)
        if result == "pass":
            return {"id": test.id, "result": result, "corrective_action": None}
        last_pass = db.scalar(
            select(func.max(SporeTest.tested_on)).where(
                SporeTest.clinic_id == actor.clinic_id, SporeTest.result == "pass", SporeTest.tested_on <= day
            )
        )
        since = dt.datetime.combine(last_pass, dt.time.max, dt.UTC) if last_pass else None
        q = select(SterilisationCycle).where(
            SterilisationCycle.clinic_id == actor.clinic_id,
            SterilisationCycle.run_at <= dt.datetime.combine(day, dt.time.max, dt.UTC),
        )
        if since is not None:
            q = q.where(SterilisationCycle.run_at > since)
        cycles = db.scalars(q.order_by(SterilisationCycle.run_at)).all()
        scope = _cycle_scope(db, [c.id for c in cycles])
        scope["since_last_pass"] = last_pass.isoformat() if last_pass else None
        action_row = CorrectiveAction(clinic_id=actor.clinic_id, spore_test_id=test.id, scope=scope)
        db.add(action_row)
        db.flush()
        log(
            db,
            actor,
            "create",
            "corrective_action",
            action_row.id,
            cycles=scope["cycles"],
            clients=[c["id"] for c in scope["clients"]],
        )
        return {
            "id": test.id,
            "result": result,
            "corrective_action": {
                "id": action_row.id,
                **scope,
                "steps": [
                    "stop using the steriliser until a repeat spore test passes",
                    "reprocess every load listed",
                    "assess and contact the clients listed",
                ],
            },
        }

    return transact(ctx, action)


def _cycle_scope(db: Db, cycle_ids: list[int]) -> dict[str, Any]:
    rows = db.execute(
        select(
            Session.id,
            Session.started_at,
            Session.client_id,
            Session.sterilisation_cycle_id,
            Client.name,
            Client.phone,
            Client.email,
        )
        .join(Client, Client.id == Session.client_id)
        .where(Session.sterilisation_cycle_id.in_(cycle_ids))
        .order_by(Session.started_at)
    ).all()
    clients: dict[int, dict[str, Any]] = {}
    for _sid, _started, cid, _cyc, name, phone, email in rows:
        clients.setdefault(cid, {"id": cid, "name": name, "contact": {"phone": phone, "email": email}})
    return {
        "cycles": cycle_ids,
        "sessions": [
            {"id": r[0], "date": r[1].date().isoformat(), "client": r[2], "cycle": r[3]} for r in rows
        ],
        "clients": list(clients.values()),
    }


def sessions_for_cycle(ctx: ServiceContext, cycle_id: int) -> dict[str, Any]:
    """The sessions and clients one sterilisation load reached."""

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("sterilisation")
        cycle = db.get(SterilisationCycle, cycle_id)
        if cycle is None or cycle.clinic_id != actor.clinic_id:
            raise InputError(f"no cycle {cycle_id}", field="cycle", allowed="a cycle id")
        scope = _cycle_scope(db, [cycle_id])
        log(
            db,
            actor,
            "read",
            "client",
            None,
            via="sterilisation_cycle",
            cycle=cycle_id,
            clients=[c["id"] for c in scope["clients"]],
        )
        return {
            "cycle": {
                "id": cycle.id,
                "load": cycle.load,
                "run_at": iso(cycle.run_at),
                "indicator": cycle.indicator,
            },
            **scope,
        }

    return transact(ctx, action)
