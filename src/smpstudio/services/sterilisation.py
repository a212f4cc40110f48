"""Sterilisation cycles, spore tests and the sessions a cycle served.

Each use case is one call ``f(ctx, request) -> result`` over typed models; the queries are in
:mod:`smpstudio.records.repositories.sterilisation`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, field_validator
from sqlalchemy.orm import Session as Db

from smpstudio.errors import InputError, NotFoundError, check_range
from smpstudio.records.checks import CLOCK_SKEW
from smpstudio.records.repositories import sterilisation as repo
from smpstudio.services.access import Actor, log, rules_for, target, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import IsoDate, LocalDateTime, check_id, iso
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


def cycle_failure(
    rules: dict[str, Any], temperature_c: float, minutes: float, pressure_kpa: float, indicator: str
) -> str | None:
    """Why a steam cycle failed (None when it sterilised): a failed chemical indicator, or a hold below
    every band of the care rules' ``[sterilisation]`` (temperature, time and gauge pressure together)."""
    if indicator != "pass":
        return "the chemical indicator failed"
    bands = sorted(rules["sterilisation"]["cycles"], key=lambda b: -float(b["temperature_c"]))
    for band in bands:
        if (
            temperature_c >= band["temperature_c"]
            and minutes >= band["minutes"]
            and pressure_kpa >= band["pressure_kpa"]
        ):
            return None
    reached = [b for b in bands if temperature_c >= b["temperature_c"]]
    if not reached:
        low = bands[-1]
        return (
            f"{temperature_c:g} °C is below the lowest sterilising temperature ({low['temperature_c']:g} °C)"
        )
    band = reached[0]  # the hottest band the cycle reached: what it fell short of there
    short = []
    if minutes < band["minutes"]:
        short.append(f"held {minutes:g} min, at least {band['minutes']:g} min needed")
    if pressure_kpa < band["pressure_kpa"]:
        short.append(f"{pressure_kpa:g} kPa, at least {band['pressure_kpa']:g} kPa (gauge) needed")
    return f"below the rules at {band['temperature_c']:g} °C: " + "; ".join(short)


class CycleRequest(Request):
    """An autoclave cycle as logged: the load, its physical parameters and the chemical indicator."""

    load: str = Field(min_length=1, max_length=80, description="Load number or label.")
    temperature_c: float = Field(description="Temperature. [°C]")
    pressure_kpa: float = Field(description="Pressure. [kPa]")
    minutes: float = Field(description="Hold time. [min]")
    indicator: PassFail = Field(description="The chemical indicator's result.")
    run_at: LocalDateTime | None = Field(
        None, description="When it ran (without an offset: the clinic's time; now by default)."
    )
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

    _items = field_validator("items", mode="before")(_blank_is_none)


class CycleAdded(Result):
    """The cycle's id, whether it failed and why (a failed indicator, or a hold below the rules), and the
    warning to reprocess a failed load."""

    id: int
    failed: bool
    failure_reason: str | None
    warnings: list[str]


def add_cycle(ctx: ServiceContext, request: CycleRequest) -> CycleAdded:
    """Log an autoclave cycle. A failed chemical indicator, or a temperature, hold time and pressure below
    every band of the clinic's rules, is kept as a failed cycle with the reason: no session may use it."""
    r = request

    def action(db: Db, actor: Actor) -> CycleAdded:
        actor.require("sterilisation")
        now = actor.clock.now()
        at = now if r.run_at is None else r.run_at
        if at.tzinfo is None:
            at = at.replace(tzinfo=actor.clock.tz)
        if at > now + CLOCK_SKEW:
            raise InputError(
                f"{at.isoformat(timespec='minutes')} is after the clinic's now",
                field="run_at",
                allowed="a cycle that has run",
            )
        rules = rules_for(db, actor, ctx).data
        failure = cycle_failure(rules, r.temperature_c, r.minutes, r.pressure_kpa, r.indicator)
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
            failure_reason=failure,
        )
        log(
            db,
            actor,
            "create",
            "sterilisation_cycle",
            cycle.id,
            indicator=r.indicator,
            failed=failure is not None,
        )
        warnings = []
        if r.indicator != "pass":
            warnings.append("indicator failed: do not use this load; reprocess it")
        elif failure is not None:
            warnings.append(f"cycle failed ({failure}): do not use this load; reprocess it")
        return CycleAdded(id=cycle.id, failed=failure is not None, failure_reason=failure, warnings=warnings)

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
    tested_on: IsoDate | None = None
    notes: str | None = Field(None, max_length=2000)

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

    def action(db: Db, actor: Actor) -> SporeTestRecorded:
        actor.require("sterilisation")
        day = r.tested_on or actor.today()
        if day > actor.today():
            raise InputError(
                f"{day} is after the clinic's today", field="tested_on", allowed="a test already read"
            )
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
    failure_reason: str | None = Field(description="Why the cycle failed (None: it passed).")


class CycleSessions(Result):
    """One load: the cycle, and the sessions and clients it reached."""

    cycle: CycleInfo
    cycles: list[int]
    sessions: list[CycleSession]
    clients: list[CycleClient]


def sessions_for_cycle(ctx: ServiceContext, cycle_id: int) -> CycleSessions:
    """The sessions and clients one sterilisation load reached (the read of those clients is audited)."""

    check_id(cycle_id, "cycle")

    def action(db: Db, actor: Actor) -> CycleSessions:
        actor.require("sterilisation")
        cycle = repo.get_cycle(db, actor.clinic_id, cycle_id)
        if cycle is None:  # another clinic's cycle answers exactly as a missing one
            error = NotFoundError(
                f"no cycle {cycle_id}", field="cycle", allowed="a cycle id", code="no_cycle"
            )
            raise target(error, "sterilisation_cycle", cycle_id)
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
        info = CycleInfo(
            id=cycle.id,
            load=cycle.load,
            run_at=iso(cycle.run_at),
            indicator=cycle.indicator,
            failure_reason=cycle.failure_reason,
        )
        return CycleSessions.model_validate({"cycle": info, **scope})

    return transact(ctx, action)
