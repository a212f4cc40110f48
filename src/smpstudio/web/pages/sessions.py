"""Recording a session at the chair: the form (lots scanned with a barcode reader), the checklist that turns
green item by item as the form is filled, a refusal in plain words with the owner's override where the
rules allow it, and the recorded session with its aftercare handout and follow-ups."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from smpstudio.errors import InputError, NotFoundError
from smpstudio.services import clinics, lots, session_checks
from smpstudio.services.client_record import ClientRecord, client_record
from smpstudio.services.context import ServiceContext
from smpstudio.services.sessions import ZONES, SessionRecorded, SessionRefused, SessionRequest, record_session
from smpstudio.web.pages.client_forms import Context, client_path, filled
from smpstudio.web.pages.client_views import lot_words, staff_name, when_words
from smpstudio.web.pages.rendering import page
from smpstudio.web.state import principal_of

__all__ = ["LOT_FIELDS", "checklist", "router", "session_values"]

router = APIRouter(include_in_schema=False)

#: The session form's single-value fields, as :class:`SessionRequest` names them.
FIELDS = (
    "practitioner_id",
    "pigment_lot",
    "needle_lot",
    "diluent_lot",
    "ink_fraction",
    "started",
    "ended",
    "design_version",
    "anaesthetic",
    "anaesthetic_strength_pct",
    "sterilisation_cycle",
    "notes",
    "override_reason",
    "touch_up_years",
)
#: The lot fields the checklist shows as "to do" until they are filled in, by the check that reads them.
LOT_FIELDS = {"pigment_lot": "pigment_lot", "needle_lot": "needle_lot"}
#: Stands in for a lot not entered yet, so the other checks can run (its check is shown as "to do").
NOT_ENTERED = "-"
#: Who may treat: the roles offered as the session's practitioner.
TREATING_ROLES = ("practitioner", "owner")


def session_values(form: FormData, *, owner: bool) -> dict[str, Any]:
    """The :class:`SessionRequest` fields the form posted (blank ones left out; the owner-only fields
    only for an owner)."""
    text = filled(form)
    values: dict[str, Any] = {k: text[k] for k in FIELDS if k in text}
    zones = [z for z in form.getlist("zones") if isinstance(z, str) and z]
    if zones:
        values["zones"] = zones
    if text.get("forecast") == "yes":
        values["forecast"] = True
    if owner and text.get("historical") == "yes":
        values["historical"] = True
    if not owner:
        values.pop("override_reason", None)
    return values


def checklist(ctx: ServiceContext, client_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """The session checklist for the form's values: each check passed, failed or still to do (a lot not
    entered yet), or the form's first problem."""
    missing = [field for field in LOT_FIELDS if not values.get(field)]
    trial = {**values, **dict.fromkeys(missing, NOT_ENTERED)}
    try:
        request = SessionRequest.of(client_id=client_id, **trial)
    except InputError as exc:
        client_record(
            ctx, client_id
        )  # the form cannot describe a session yet: still only the clinic's client
        return {"items": [], "problem": exc, "ready": False}
    try:
        result = session_checks.check_session(ctx, request)
    except InputError as exc:
        return {"items": [], "problem": exc, "ready": False}
    todo = {LOT_FIELDS[field] for field in missing}
    items = []
    for item in result.items:
        state = "todo" if item.code in todo else ("pass" if item.passed else "fail")
        reason = "Enter or scan the lot." if state == "todo" else item.reason
        items.append({"code": item.code, "label": item.label, "state": state, "reason": reason})
    ready = all(i["state"] == "pass" for i in items)
    return {"items": items, "problem": None, "ready": ready}


def _form_page(
    request: Request,
    ctx: ServiceContext,
    record: ClientRecord,
    values: dict[str, Any],
    *,
    status_code: int = 200,
    error: InputError | None = None,
    refused: SessionRefused | None = None,
) -> Response:
    cid = record.client.id
    principal = principal_of(request)
    owner = principal.role == "owner"
    staff = [u for u in clinics.list_users(ctx).users if u.active and u.role in TREATING_ROLES]
    in_stock = [lot for lot in lots.list_lots(ctx).lots if not lot.recalled and not lot.expired]
    if "practitioner_id" not in values and principal.role in TREATING_ROLES:
        values = {**values, "practitioner_id": str(principal.user_id)}
    may_override = bool(refused and owner and all(r.overridable for r in refused.reasons))
    return page(
        request,
        "clients/session_form.html",
        status_code=status_code,
        json_twin=f"/api/v1/clients/{cid}/sessions",
        client=record.client,
        path=client_path(cid),
        designs=record.designs,
        design_options=[
            ("", "No design"),
            *((str(d.version), f"Version {d.version}") for d in record.designs),
        ],
        staff=staff,
        lots_by_kind={
            kind: [lot for lot in in_stock if lot.kind == kind] for kind in ("pigment", "needle", "diluent")
        },
        zones=ZONES,
        values=values,
        chosen_zones=set(values.get("zones") or []),
        owner=owner,
        error=error,
        refused=refused,
        may_override=may_override,
        checks=checklist(ctx, cid, values),
    )


@router.get("/clients/{client_id}/sessions/new")
def session_form(request: Request, client_id: int, ctx: Context) -> Response:
    return _form_page(request, ctx, client_record(ctx, client_id), {})


@router.post("/clients/{client_id}/sessions/check")
async def session_check(request: Request, client_id: int, ctx: Context) -> Response:
    values = session_values(await request.form(), owner=principal_of(request).role == "owner")
    checks = await run_in_threadpool(checklist, ctx, client_id, values)
    return page(request, "clients/_checklist.html", checks=checks)


@router.post("/clients/{client_id}/sessions/new")
async def session_record(request: Request, client_id: int, ctx: Context) -> Response:
    values = session_values(await request.form(), owner=principal_of(request).role == "owner")

    def work() -> Response:
        try:
            result = record_session(ctx, SessionRequest.of(client_id=client_id, **values))
        except InputError as exc:
            return _form_page(request, ctx, client_record(ctx, client_id), values, status_code=422, error=exc)
        if isinstance(result, SessionRefused):
            record = client_record(ctx, client_id)
            return _form_page(request, ctx, record, values, status_code=409, refused=result)
        assert isinstance(result, SessionRecorded)
        return RedirectResponse(
            f"{client_path(client_id)}/sessions/{result.id}?done=recorded", status_code=303
        )

    return await run_in_threadpool(work)


@router.get("/clients/{client_id}/sessions/{session_id}")
def session_page(request: Request, client_id: int, session_id: int, ctx: Context) -> Response:
    record = client_record(ctx, client_id)
    found = [s for s in record.sessions if s.id == session_id]
    if not found:
        raise NotFoundError(
            f"no session {session_id} of this client",
            field="session",
            allowed="a session id",
            code="no_session",
        )
    session = found[0]
    staff = {u.id: u.name for u in clinics.list_users(ctx).users}
    return page(
        request,
        "clients/session.html",
        json_twin=f"/api/v1/clients/{client_id}/sessions",
        client=record.client,
        path=client_path(client_id),
        session=session,
        practitioner=staff_name(staff, session.practitioner),
        follow_ups=[f for f in record.follow_ups if f.session == session_id],
        touch_ups=[r for r in record.reminders if r.kind == "touch-up" and r.done_at is None],
        handout=f"/api/v1/clients/{client_id}/sessions/{session_id}/handout.pdf",
        lot_words=lot_words,
        when=when_words,
        recorded=request.query_params.get("done") == "recorded",
    )
