"""The sterilisation log: the cycles and spore tests on record, and the corrective actions a failed spore
test opened, with their closing step.

Each use case is one call ``f(ctx, request) -> result`` over typed models; the queries are in
:mod:`smpstudio.records.repositories.sterilisation`. Logging a cycle or a spore test, and what a load
reached, are in :mod:`smpstudio.services.sterilisation`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field
from sqlalchemy.orm import Session as Db

from smpstudio.errors import ConflictError, RefusedError
from smpstudio.records.models import CorrectiveAction
from smpstudio.records.repositories import sterilisation as repo
from smpstudio.services.access import Actor, log, not_in_clinic, target, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id, in_range, iso, text
from smpstudio.services.models import Request, Result
from smpstudio.services.sterilisation import CORRECTIVE_STEPS, CycleClient, CycleSession

__all__ = [
    "CloseCorrectiveActionRequest",
    "CorrectiveActionList",
    "CorrectiveActionSummary",
    "CorrectiveActionsRequest",
    "CycleList",
    "CycleSummary",
    "LogPageRequest",
    "SporeTestList",
    "close_corrective_action",
    "list_corrective_actions",
    "list_cycles",
    "list_spore_tests",
]


class LogPageRequest(Request):
    """One page of the log: ``limit`` entries from ``offset``, newest first."""

    limit: Annotated[int, in_range(1, 500)] = 100
    offset: Annotated[int, in_range(0, 1_000_000)] = 0


# --- cycles and spore tests -----------------------------------------------------------------------------


class CycleSummary(Result):
    """A cycle as logged, whether it failed and why, and the failed spore test that holds its load."""

    id: int
    load: str
    run_at: str | None = Field(description="When it ran, ISO 8601 with its UTC offset.")
    temperature_c: float = Field(description="Temperature. [°C]")
    pressure_kpa: float = Field(description="Gauge pressure. [kPa]")
    minutes: float = Field(description="Hold time. [min]")
    indicator: str
    failed: bool
    failure_reason: str | None = Field(description="Why the cycle failed (None: it passed).")
    held_by_spore_test_on: dt.date | None = Field(
        description="The day of the failed spore test that holds this load (None: none does)."
    )
    operator: int = Field(description="The user who logged it.")


class CycleList(Result):
    """Cycles, newest run first."""

    cycles: list[CycleSummary]


def list_cycles(ctx: ServiceContext, request: LogPageRequest | None = None) -> CycleList:
    """The clinic's autoclave cycles, newest first, with each failure and spore-test hold."""
    r = request or LogPageRequest()

    def action(db: Db, actor: Actor) -> CycleList:
        actor.require("sterilisation")
        rows = repo.cycles_of_clinic(db, actor.clinic_id, r.limit, r.offset)
        return CycleList(
            cycles=[
                CycleSummary(
                    id=c.id,
                    load=c.load,
                    run_at=iso(c.run_at),
                    temperature_c=c.temperature_c,
                    pressure_kpa=c.pressure_kpa,
                    minutes=c.hold_minutes,
                    indicator=c.indicator,
                    failed=c.failure_reason is not None,
                    failure_reason=c.failure_reason,
                    held_by_spore_test_on=repo.spore_hold(db, actor.clinic_id, c.run_at),
                    operator=c.operator_id,
                )
                for c in rows
            ]
        )

    return transact(ctx, action)


class SporeTestSummary(Result):
    id: int
    tested_on: dt.date
    result: str
    notes: str | None


class SporeTestList(Result):
    """Spore tests, newest first."""

    spore_tests: list[SporeTestSummary]


def list_spore_tests(ctx: ServiceContext, request: LogPageRequest | None = None) -> SporeTestList:
    """The clinic's spore tests, newest first."""
    r = request or LogPageRequest()

    def action(db: Db, actor: Actor) -> SporeTestList:
        actor.require("sterilisation")
        rows = repo.spore_tests_of_clinic(db, actor.clinic_id, r.limit, r.offset)
        return SporeTestList(
            spore_tests=[
                SporeTestSummary(id=t.id, tested_on=t.tested_on, result=t.result, notes=t.notes) for t in rows
            ]
        )

    return transact(ctx, action)


# --- corrective actions ---------------------------------------------------------------------------------


class CorrectiveActionsRequest(Request):
    """Whether to list the closed corrective actions too (open ones only by default)."""

    include_closed: bool = False


class CorrectiveActionSummary(Result):
    """A failed spore test's corrective action: what it reached, whether a repeat test has passed, the
    steps left and, once closed, when, by whom and how."""

    id: int
    spore_test: int
    failed_on: dt.date = Field(description="The day the failed spore test was read.")
    opened_at: str | None
    cycles: list[int]
    sessions: list[CycleSession]
    clients: list[CycleClient]
    repeat_passed_on: dt.date | None = Field(description="A later spore test that passed (None: none yet).")
    steps: list[str] = Field(description="What is left to do (none once closed).")
    closed_at: str | None
    resolution: str | None


class CorrectiveActionList(Result):
    """Corrective actions, oldest failed test first."""

    corrective_actions: list[CorrectiveActionSummary]


def _repeat_pass(db: Db, actor: Actor, failed_on: dt.date) -> dt.date | None:
    last = repo.last_pass_on(db, actor.clinic_id, actor.today())
    return last if last is not None and last > failed_on else None


def _summary(db: Db, actor: Actor, row: CorrectiveAction, failed_on: dt.date) -> CorrectiveActionSummary:
    scope = row.scope
    repeat = _repeat_pass(db, actor, failed_on)
    steps = [] if row.closed_at is not None else list(CORRECTIVE_STEPS[1:] if repeat else CORRECTIVE_STEPS)
    return CorrectiveActionSummary(
        id=row.id,
        spore_test=row.spore_test_id,
        failed_on=failed_on,
        opened_at=iso(row.opened_at),
        cycles=[int(c) for c in scope.get("cycles", [])],
        sessions=[CycleSession.model_validate(s) for s in scope.get("sessions", [])],
        clients=[CycleClient.model_validate(c) for c in scope.get("clients", [])],
        repeat_passed_on=repeat,
        steps=steps,
        closed_at=iso(row.closed_at),
        resolution=row.resolution,
    )


def list_corrective_actions(
    ctx: ServiceContext, request: CorrectiveActionsRequest | None = None
) -> CorrectiveActionList:
    """The clinic's open corrective actions (closed ones too when asked), with the clients each reached
    (the read of those clients is audited)."""
    r = request or CorrectiveActionsRequest()

    def action(db: Db, actor: Actor) -> CorrectiveActionList:
        actor.require("sterilisation")
        rows = repo.corrective_actions(db, actor.clinic_id, open_only=not r.include_closed)
        found = [_summary(db, actor, row, failed_on) for row, failed_on in rows]
        log(
            db,
            actor,
            "read",
            "client",
            None,
            via="corrective_actions",
            clients=sorted({c.id for a in found for c in a.clients}),
        )
        return CorrectiveActionList(corrective_actions=found)

    return transact(ctx, action)


class CloseCorrectiveActionRequest(Request):
    """A corrective action to close, with what was done (loads reprocessed, clients contacted)."""

    action_id: Id
    resolution: Annotated[str, text(2000)]


def close_corrective_action(
    ctx: ServiceContext, request: CloseCorrectiveActionRequest
) -> CorrectiveActionSummary:
    """Close a corrective action with its resolution, once a repeat spore test has passed after the failed
    one (the steriliser may not be trusted before). Closing it again with the same words changes nothing;
    other words are a conflict (the first resolution stays on record)."""
    r = request

    def action(db: Db, actor: Actor) -> CorrectiveActionSummary:
        actor.require("sterilisation")
        found = repo.get_corrective_action(db, actor.clinic_id, r.action_id, for_update=True)
        if found is None:
            raise not_in_clinic(
                "corrective_action",
                r.action_id,
                noun="corrective action",
                field="action_id",
                allowed="a corrective action id",
            )
        row, failed_on = found
        if row.closed_at is not None:
            if row.resolution == r.resolution:
                return _summary(db, actor, row, failed_on)
            raise ConflictError(
                "this corrective action is closed already",
                field="action_id",
                allowed="an open corrective action",
                code="already_closed",
            )
        if _repeat_pass(db, actor, failed_on) is None:
            refused = RefusedError(
                f"no spore test has passed since the one that failed on {failed_on}",
                field="action_id",
                allowed="a corrective action whose repeat spore test passed",
                code="repeat_spore_test_needed",
            )
            raise target(refused, "corrective_action", row.id)
        row.closed_at = actor.clock.now()
        row.resolution = r.resolution
        db.flush()
        closed = _summary(db, actor, row, failed_on)
        log(
            db,
            actor,
            "update",
            "corrective_action",
            row.id,
            closed=True,
            clients=[c.id for c in closed.clients],
        )
        return closed

    return transact(ctx, action)
