"""Sterilisation cycles, spore tests and the sessions a cycle served.

Each use case is one call ``f(ctx, request) -> result`` over typed models; the queries are in
:mod:`smpstudio.records.repositories.sterilisation`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator
from sqlalchemy.orm import Session as Db

from smpstudio.errors import InputError, check_range, parse_date
from smpstudio.records.repositories import sterilisation as repo
from smpstudio.services.access import Actor, log, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import iso, parse_datetime
from smpstudio.services.models import Request, Result

__all__ = [
    "CorrectiveActionOpened",
    "CycleAdded",
    "CycleRequest",
    "CycleSessions",
    "SporeTestRecorded",
    "SporeTestRequest",
    "add_cycle",
    "record_spore_test",
    "sessions_for_cycle",
]

PassFail = Literal["pass", "fail"]

#: What a failed spore test asks the clinic to do.
CORRECTIVE_STEPS = (
    "stop using the steriliser until a repeat spore test passes",
    "reprocess every load listed",
    "assess and contact the clients listed",
)


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


# --- cycles ---------------------------------------------------------------------------------------------


class CycleRequest(Request):
    """An autoclave cycle as logged: the load, its physical parameters and the chemical indicator."""

    load: str = Field(min_length=1, max_length=80, description="Load number or label.")
    temperature_c: float = Field(description="Temperature. [°C]")
    pressure_kpa: float = Field(description="Pressure. [kPa]")
    minutes: float = Field(description="Hold time. [min]")
    indicator: PassFail = Field(description="The chemical indicator's result.")
    run_at: dt.datetime | None = Field(None, description="When it ran (naive means UTC; now by default).")
    items: str | None = Field(None, max_length=2000, description="What the load held.")

    @field_validator("temperature_c")
    @classmethod
    def _temperature(cls, value: float) -> float:
        return check_range("temperature_c", value, 20.0, 200.0, "°C")

    @field_validator("pressure_kpa")
    @classmethod
    def _pressure(cls, value: float) -> float:
        return check_range("pressure_kpa", value, 0.0, 400.0, "kPa")

    @field_validator("minutes")
    @classmethod
    def _minutes(cls, value: float) -> float:
        return check_range("minutes", value, 0.0, 600.0, "min")

    @field_validator("run_at", mode="before")
    @classmethod
    def _run_at(cls, value: object) -> object:
        if isinstance(value, str):
            value = parse_datetime(value, "run_at")
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value

    _items = field_validator("items", mode="before")(_blank_is_none)


class CycleAdded(Result):
    """The cycle's id; a failed indicator's warning."""

    id: int
    warnings: list[str]


def add_cycle(ctx: ServiceContext, request: CycleRequest) -> CycleAdded:
    """Log an autoclave cycle; a failed chemical indicator is kept and flagged (reprocess the load)."""
    r = request
    at = r.run_at or ctx.clock.now()

    def action(db: Db, actor: Actor) -> CycleAdded:
        actor.require("sterilisation")
        cycle = repo.add_cycle(
            db,
            clinic_id=actor.clinic_id,
            load=r.load,
            run_at=at,
            temperature_c=r.temperature_c,
            pressure_kpa=r.pressure_kpa,
            hold_minutes=r.minutes,
            indicator=r.indicator,
            items=r.items,
            operator_id=actor.id,
        )
        log(db, actor, "create", "sterilisation_cycle", cycle.id, indicator=r.indicator)
        warnings = [] if r.indicator == "pass" else ["indicator failed: do not use this load; reprocess it"]
        return CycleAdded(id=cycle.id, warnings=warnings)

    return transact(ctx, action)


# --- what a load reached --------------------------------------------------------------------------------


class CycleSession(Result):
    id: int
    date: dt.date
    client: int
    cycle: int


class CycleContact(Result):
    phone: str | None
    email: str | None


class CycleClient(Result):
    id: int
    name: str
    contact: CycleContact


class CorrectiveActionOpened(Result):
    """A failed spore test's corrective action: the cycles since the last pass, the sessions and clients
    they reached, and the steps to take."""

    id: int
    cycles: list[int]
    sessions: list[CycleSession]
    clients: list[CycleClient]
    since_last_pass: dt.date | None
    steps: list[str]


class SporeTestRequest(Request):
    """A spore (biological indicator) test's result, the day it was read (today by default) and notes."""

    result: PassFail
    tested_on: dt.date | None = None
    notes: str | None = Field(None, max_length=2000)

    @field_validator("tested_on", mode="before")
    @classmethod
    def _date(cls, value: object) -> dt.date | None:
        return None if value is None else parse_date(value, "tested_on")

    _notes = field_validator("notes", mode="before")(_blank_is_none)


class SporeTestRecorded(Result):
    """The test's id and result; a failure's corrective action."""

    id: int
    result: str
    corrective_action: CorrectiveActionOpened | None


def record_spore_test(ctx: ServiceContext, request: SporeTestRequest) -> SporeTestRecorded:
    """Log a spore test. A failure opens a corrective action over every cycle run since the last passed
    test, with the sessions and clients those loads reached."""
    r = request
    day = r.tested_on or ctx.today()

    def action(db: Db, actor: Actor) -> SporeTestRecorded:
        actor.require("sterilisation")
        test = repo.add_spore_test(db, actor.clinic_id, day, r.result, r.notes)
        log(db, actor, "create", "spore_test", test.id, result=r.result)
        if r.result == "pass":
            return SporeTestRecorded(id=test.id, result=r.result, corrective_action=None)
        last_pass = repo.last_pass_on(db, actor.clinic_id, day)
        scope = repo.cycle_scope(db, repo.cycle_ids_between(db, actor.clinic_id, last_pass, day))
        scope["since_last_pass"] = last_pass.isoformat() if last_pass else None
        opened = repo.add_corrective_action(db, actor.clinic_id, test.id, scope)
        log(
            db,
            actor,
            "create",
            "corrective_action",
            opened.id,
            cycles=scope["cycles"],
            clients=[c["id"] for c in scope["clients"]],
        )
        return SporeTestRecorded(
            id=test.id,
            result=r.result,
            corrective_action=CorrectiveActionOpened.model_validate(
                {"id": opened.id, **scope, "steps": list(CORRECTIVE_STEPS)}
            ),
        )

    return transact(ctx, action)


class CycleInfo(Result):
    id: int
    load: str
    run_at: str | None = Field(description="When it ran, ISO 8601 with its UTC offset.")
    indicator: str


class CycleSessions(Result):
    """One load: the cycle, and the sessions and clients it reached."""

    cycle: CycleInfo
    cycles: list[int]
    sessions: list[CycleSession]
    clients: list[CycleClient]


def sessions_for_cycle(ctx: ServiceContext, cycle_id: int) -> CycleSessions:
    """The sessions and clients one sterilisation load reached (the read of those clients is audited)."""

    def action(db: Db, actor: Actor) -> CycleSessions:
        actor.require("sterilisation")
        cycle = repo.get_cycle(db, actor.clinic_id, cycle_id)
        if cycle is None:
            raise InputError(f"no cycle {cycle_id}", field="cycle", allowed="a cycle id")
        scope = repo.cycle_scope(db, [cycle_id])
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
        info = CycleInfo(id=cycle.id, load=cycle.load, run_at=iso(cycle.run_at), indicator=cycle.indicator)
        return CycleSessions.model_validate({"cycle": info, **scope})

    return transact(ctx, action)
