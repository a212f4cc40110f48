"""A client's record on one page, and the screening form with its outcome updating as answers are given."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from smpstudio.errors import InputError
from smpstudio.services import care, clients
from smpstudio.services.client_record import ClientRecord, client_record
from smpstudio.services.context import ServiceContext
from smpstudio.web.pages.client_forms import (
    Context,
    can,
    client_path,
    questions,
    rules_in_force,
    staff_names,
    who_does,
)
from smpstudio.web.pages.client_links import link_panel
from smpstudio.web.pages.client_views import (
    OUTCOME_TONES,
    OUTCOME_WORDS,
    Step,
    next_steps,
    timeline,
    upcoming,
    when_words,
)
from smpstudio.web.pages.mail import reminders_panel
from smpstudio.web.pages.rendering import page

__all__ = ["record_context", "router"]

router = APIRouter(include_in_schema=False)

#: What an answer of the screening form posts, and its meaning.
YES_NO = {"yes": True, "no": False}


def _for_the_user(request: Request, steps: list[Step], path: str) -> list[Step]:
    """``steps`` with each link the signed-in user's role may not open replaced by who does it."""
    shown = []
    for step in steps:
        route = (step.link or "").split("#")[0].replace(path, "/clients/{client_id}", 1)
        if step.link is None or can(request, "GET", route):
            shown.append(step)
        else:
            shown.append(dataclasses.replace(step, link=None, link_text=None, who=who_does("GET", route)))
    return shown


def record_context(request: Request, ctx: ServiceContext, record: ClientRecord) -> dict[str, Any]:
    """What the record page shows of ``record``: the next steps, the timeline, what is coming up and the
    actions the signed-in user's role may take."""
    cid = record.client.id
    path = client_path(cid)
    staff = staff_names(ctx)
    rules = rules_in_force(request, ctx).care_rules
    mail = reminders_panel(request, ctx, cid)
    return {
        "record": record,
        "client": record.client,
        "path": path,
        "staff": staff,
        "steps": _for_the_user(
            request,
            next_steps(
                record,
                path,
                today=ctx.clock.today(),
                minimum_interval_days=int(rules.data["records"]["minimum_interval_days"]),
            ),
            path,
        ),
        "timeline": timeline(record, staff, path, mail["email_reminders"].messages),
        "upcoming": upcoming(record),
        "outcome_words": OUTCOME_WORDS,
        "outcome_tones": OUTCOME_TONES,
        "may": {
            "edit": can(request, "GET", "/clients/{client_id}/edit"),
            "screen": can(request, "GET", "/clients/{client_id}/screening"),
            "consent": can(request, "GET", "/clients/{client_id}/consent"),
            "patch_test": can(request, "GET", "/clients/{client_id}/patch-tests"),
            "session": can(request, "GET", "/clients/{client_id}/sessions/new"),
            "export": can(request, "GET", "/api/v1/clients/{client_id}/export"),
            "erase": can(request, "POST", "/clients/{client_id}/erase"),
            "audit": can(request, "GET", "/clients/{client_id}/audit"),
            "consultation": can(request, "GET", "/clients/{client_id}/consultation"),
            "repair": can(request, "GET", "/clients/{client_id}/repair"),
        },
        **link_panel(request, ctx, cid),
        **mail,
    }


@router.get("/clients/{client_id}")
def record_page(request: Request, client_id: int, ctx: Context) -> Response:
    record = client_record(ctx, client_id)
    return page(
        request,
        "clients/record.html",
        json_twin=f"/api/v1/clients/{client_id}",
        notice=request.query_params.get("done"),
        **record_context(request, ctx, record),
    )


# --- screening -----------------------------------------------------------------------------------------


def _answers(form: FormData, keys: list[str]) -> dict[str, bool]:
    """The questions answered on the form (``q_KEY`` = yes / no); unanswered ones are left out."""
    out: dict[str, bool] = {}
    for key in keys:
        value = form.get(f"q_{key}")
        if isinstance(value, str) and value in YES_NO:
            out[key] = YES_NO[value]
    return out


def _screening_page(
    request: Request,
    ctx: ServiceContext,
    record: ClientRecord,
    *,
    answers: dict[str, bool],
    status_code: int = 200,
    error: InputError | None = None,
) -> Response:
    rules_ctx = rules_in_force(request, ctx)
    asked = questions(rules_ctx)
    preview = _preview(rules_ctx, record, answers)
    cid = record.client.id
    return page(
        request,
        "clients/screening.html",
        status_code=status_code,
        json_twin=f"/api/v1/clients/{cid}/screening",
        client=record.client,
        path=client_path(cid),
        questions=asked,
        answers=answers,
        previous=record.screenings[-1] if record.screenings else None,
        when=when_words,
        error=error,
        **preview,
    )


def _preview(rules_ctx: ServiceContext, record: ClientRecord, answers: dict[str, bool]) -> dict[str, Any]:
    """The outcome the answers would give now, with the question texts for the unanswered ones."""
    texts = {q["key"]: q["text"] for q in questions(rules_ctx)}
    born = record.client.date_of_birth
    if born is None:
        problem = InputError("no date of birth on file: the age cannot be checked", field="date_of_birth")
        return {"result": None, "texts": texts, "preview_error": problem, "outcome_words": OUTCOME_WORDS}
    try:
        document = {"date_of_birth": born.isoformat(), "answers": answers}
        result = care.screen_client(rules_ctx, care.ScreenRequest.of(answers=document))
    except InputError as exc:
        return {"result": None, "texts": texts, "preview_error": exc, "outcome_words": OUTCOME_WORDS}
    return {
        "result": result,
        "texts": texts,
        "preview_error": None,
        "outcome_words": OUTCOME_WORDS,
        "outcome_tones": OUTCOME_TONES,
    }


@router.get("/clients/{client_id}/screening")
def screening_form(request: Request, client_id: int, ctx: Context) -> Response:
    record = client_record(ctx, client_id)
    return _screening_page(request, ctx, record, answers={})


@router.post("/clients/{client_id}/screening/preview")
async def screening_preview(request: Request, client_id: int, ctx: Context) -> Response:
    form = await request.form()

    def work() -> dict[str, Any]:
        record = client_record(ctx, client_id)  # the clinic's own client only; the read is audited
        rules_ctx = rules_in_force(request, ctx)
        keys = [q["key"] for q in questions(rules_ctx)]
        return _preview(rules_ctx, record, _answers(form, keys))

    preview = await run_in_threadpool(work)
    return page(request, "clients/_screening_outcome.html", **preview)


@router.post("/clients/{client_id}/screening")
async def screening_record(request: Request, client_id: int, ctx: Context) -> Response:
    form = await request.form()

    def work() -> Response:
        keys = [q["key"] for q in questions(rules_in_force(request, ctx))]
        answers = _answers(form, keys)
        try:
            clients.screen_client(
                ctx, clients.ScreenClientRequest.of(client_id=client_id, answers={"answers": answers})
            )
        except InputError as exc:
            record = client_record(ctx, client_id)
            return _screening_page(request, ctx, record, answers=answers, status_code=422, error=exc)
        return RedirectResponse(f"{client_path(client_id)}?done=screened", status_code=303)

    return await run_in_threadpool(work)
