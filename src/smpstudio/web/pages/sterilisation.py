"""The sterilisation log: autoclave cycles, spore tests, the corrective actions a failed spore test opens
(the loads, sessions and clients it reached) and closing them; one load's page with the sessions it served."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from smpstudio.errors import InputError, SmpError
from smpstudio.services import clinic_settings, clinics, sterilisation, sterilisation_log
from smpstudio.services.context import ServiceContext
from smpstudio.web.pages.clinic_forms import Context, attempt, not_found, see_other
from smpstudio.web.pages.rendering import page

__all__ = ["local_time", "router"]

router = APIRouter(include_in_schema=False)

#: Cycles on one page of the log.
PAGE_SIZE = 50
Short = Annotated[str, Form(max_length=80)]
Long = Annotated[str, Form(max_length=4000)]


def local_time(moment: str | None, zone: dt.tzinfo) -> str:
    """An ISO 8601 time as the clinic reads it (``YYYY-MM-DD HH:MM`` in its timezone)."""
    if not moment:
        return ""
    when = dt.datetime.fromisoformat(moment)
    if when.tzinfo is not None:
        when = when.astimezone(zone)
    return when.strftime("%Y-%m-%d %H:%M")


def _zone(ctx: ServiceContext) -> dt.tzinfo:
    try:
        return ZoneInfo(clinic_settings.show_clinic(ctx).timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _log_page(
    request: Request,
    ctx: ServiceContext,
    page_number: int = 1,
    *,
    status_code: int = 200,
    error: SmpError | None = None,
    form: str | None = None,
    values: dict[str, str] | None = None,
    failed: int | None = None,
) -> Response:
    offset = (page_number - 1) * PAGE_SIZE
    cycles = sterilisation_log.list_cycles(
        ctx, sterilisation_log.LogPageRequest.of(limit=PAGE_SIZE + 1, offset=offset)
    ).cycles
    tests = sterilisation_log.list_spore_tests(ctx, sterilisation_log.LogPageRequest.of(limit=20)).spore_tests
    actions = sterilisation_log.list_corrective_actions(
        ctx, sterilisation_log.CorrectiveActionsRequest.of(include_closed=True)
    ).corrective_actions
    zone = _zone(ctx)
    staff = {u.id: u.name for u in clinics.list_users(ctx).users}
    return page(
        request,
        "sterilisation/log.html",
        status_code=status_code,
        json_twin="/api/v1/sterilisation/cycles",
        cycles=[(c, local_time(c.run_at, zone), staff.get(c.operator, "")) for c in cycles[:PAGE_SIZE]],
        labels={c.id: c.load for c in cycles},
        page_number=page_number,
        more=len(cycles) > PAGE_SIZE,
        tests=tests,
        open_actions=[a for a in actions if a.closed_at is None],
        closed_actions=[a for a in actions if a.closed_at is not None],
        zone=zone,
        local_time=local_time,
        error=error,
        form=form,
        failed=failed,
        values=values or {},
        now=ctx.clock.now_utc().astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
    )


@router.get("/sterilisation")
def log_page(
    request: Request, ctx: Context, page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1
) -> Response:
    return _log_page(request, ctx, page_number)


@router.post("/sterilisation/cycles")
def add_cycle(
    request: Request,
    ctx: Context,
    load: Short = "",
    temperature_c: Short = "",
    pressure_kpa: Short = "",
    minutes: Short = "",
    indicator: Short = "",
    run_at: Short = "",
    items: Long = "",
) -> Response:
    def log_cycle() -> sterilisation.CycleAdded:
        call = sterilisation.CycleRequest.of(
            load=load,
            temperature_c=temperature_c,
            pressure_kpa=pressure_kpa,
            minutes=minutes,
            indicator=indicator,
            run_at=run_at or None,
            items=items or None,
        )
        return sterilisation.add_cycle(ctx, call)

    added, error = attempt(log_cycle)
    if added is not None:
        return see_other(f"/sterilisation#cycle-{added.id}")
    values = {
        "load": load,
        "temperature_c": temperature_c,
        "pressure_kpa": pressure_kpa,
        "minutes": minutes,
        "indicator": indicator,
        "run_at": run_at,
        "items": items,
    }
    status = error.http_status if error else 422
    return _log_page(request, ctx, status_code=status, error=error, form="cycle", values=values)


@router.post("/sterilisation/spore-tests")
def record_spore_test(
    request: Request, ctx: Context, result: Short = "", tested_on: Short = "", notes: Long = ""
) -> Response:
    def record() -> sterilisation.SporeTestRecorded:
        call = sterilisation.SporeTestRequest.of(result=result, tested_on=tested_on or None, notes=notes)
        return sterilisation.record_spore_test(ctx, call)

    recorded, error = attempt(record)
    if recorded is not None:
        opened = recorded.corrective_action
        return see_other(f"/sterilisation#action-{opened.id}" if opened else "/sterilisation#spore-tests")
    values = {"result": result, "tested_on": tested_on, "notes": notes}
    status = error.http_status if error else 422
    return _log_page(request, ctx, status_code=status, error=error, form="spore", values=values)


@router.post("/sterilisation/corrective-actions/{action_id}/close")
def close_corrective_action(
    request: Request, ctx: Context, action_id: int, resolution: Long = ""
) -> Response:
    def close() -> sterilisation_log.CorrectiveActionSummary:
        call = sterilisation_log.CloseCorrectiveActionRequest.of(action_id=action_id, resolution=resolution)
        return sterilisation_log.close_corrective_action(ctx, call)

    _, error = attempt(close)
    if error is None:
        return see_other(f"/sterilisation#action-{action_id}")
    values = {"resolution": resolution}
    return _log_page(
        request,
        ctx,
        status_code=error.http_status,
        error=error,
        form="close",
        values=values,
        failed=action_id,
    )


@router.get("/sterilisation/cycles/{cycle_id}")
def cycle_page(request: Request, ctx: Context, cycle_id: int) -> Response:
    try:
        load = sterilisation.sessions_for_cycle(ctx, cycle_id)
    except InputError as exc:  # an id that is no cycle of this clinic (another clinic's answers the same)
        if exc.field != "cycle":
            raise
        raise not_found("load", cycle_id, "cycle_id") from None
    zone = _zone(ctx)
    return page(
        request,
        "sterilisation/cycle.html",
        json_twin=f"/api/v1/sterilisation/cycles/{cycle_id}/sessions",
        load=load,
        run_at=local_time(load.cycle.run_at, zone),
    )
