"""Consent (the clinic's text in full, a drawn signature or a typed name; photography consent on its own;
withdrawing) and patch tests (recording one, and when to apply and read the next)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from smpstudio.errors import ConflictError, InputError, NotFoundError
from smpstudio.services import care, consent, lots
from smpstudio.services import patch_tests as patch_test_svc
from smpstudio.services.client_record import ClientRecord, client_record
from smpstudio.services.context import ServiceContext
from smpstudio.web.pages.client_forms import Context, client_path, filled, rules_in_force
from smpstudio.web.pages.client_views import text_blocks, when_words
from smpstudio.web.pages.rendering import page

__all__ = ["RESULTS", "router", "signature_bytes"]

router = APIRouter(include_in_schema=False)

#: How a patch test reads, as the service takes it.
RESULTS = (
    ("negative", "Negative: no reaction"),
    ("doubtful", "Doubtful"),
    ("positive", "Positive: a reaction"),
)
#: The consents a client gives, each on its own: to the treatment, and to photographs.
KINDS = ("treatment", "photography")
#: The prefix of the PNG the signature pad writes into its hidden field.
PNG_DATA_URL = "data:image/png;base64,"
#: Days from today to the first session the patch-test plan assumes when none is given.
DEFAULT_LEAD_DAYS = 7


def signature_bytes(value: str | None) -> bytes | None:
    """The drawn signature's PNG bytes from the pad's data URL (None when nothing was drawn)."""
    if not value:
        return None
    if not value.startswith(PNG_DATA_URL):
        raise InputError(
            "the drawn signature is not a PNG image", field="signature", allowed="a drawn signature"
        )
    try:
        return base64.b64decode(value[len(PNG_DATA_URL) :], validate=True)
    except (binascii.Error, ValueError):
        raise InputError(
            "the drawn signature could not be read", field="signature", allowed="a drawn signature"
        ) from None


# --- consent --------------------------------------------------------------------------------------------


def _text(ctx: ServiceContext, kind: str) -> dict[str, Any] | None:
    """The consent text of ``kind`` a client of the clinic signs now, as blocks to show in full (None when
    the clinic has none)."""
    try:
        shown = consent.show_consent_text(ctx, consent.ConsentTextRequest.of(kind=kind))
    except NotFoundError:
        return None
    return {"version": shown.version, "clinic_own": shown.clinic_own, "blocks": text_blocks(shown.body)}


def _consent_page(
    request: Request,
    ctx: ServiceContext,
    record: ClientRecord,
    *,
    error: InputError | None = None,
    failed_kind: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    cid = record.client.id
    texts = {kind: _text(ctx, kind) for kind in KINDS}
    open_by_kind = {
        kind: [c for c in record.consents if c.kind == kind and c.withdrawn_at is None] for kind in texts
    }
    return page(
        request,
        "clients/consent.html",
        status_code=status_code,
        json_twin=f"/api/v1/clients/{cid}/consents",
        client=record.client,
        path=client_path(cid),
        texts=texts,
        open_by_kind=open_by_kind,
        history=list(reversed(record.consents)),
        when=when_words,
        error=error,
        failed_kind=failed_kind,
        values=values or {},
    )


@router.get("/clients/{client_id}/consent")
def consent_form(request: Request, client_id: int, ctx: Context) -> Response:
    return _consent_page(request, ctx, client_record(ctx, client_id))


@router.post("/clients/{client_id}/consent")
async def consent_sign(request: Request, client_id: int, ctx: Context) -> Response:
    values = filled(await request.form())
    kind = values.get("kind", "treatment")

    def work() -> Response:
        try:
            signed = consent.SignConsentRequest.of(
                client_id=client_id,
                kind=kind,
                version=values.get("version"),
                signed_name=values.get("signed_name", ""),
                signature=signature_bytes(values.get("signature")),
            )
            consent.sign_consent(ctx, signed)
        except InputError as exc:
            kept = {k: v for k, v in values.items() if k != "signature"}
            return _consent_page(
                request,
                ctx,
                client_record(ctx, client_id),
                error=exc,
                failed_kind=kind,
                values=kept,
                status_code=422,
            )
        return RedirectResponse(f"{client_path(client_id)}?done=consented", status_code=303)

    return await run_in_threadpool(work)


@router.post("/clients/{client_id}/consent/withdraw")
async def consent_withdraw(request: Request, client_id: int, ctx: Context) -> Response:
    kind = filled(await request.form()).get("kind", "treatment")

    def work() -> Response:
        try:
            consent.withdraw_consent(ctx, consent.WithdrawConsentRequest.of(client_id=client_id, kind=kind))
        except InputError as exc:
            record = client_record(ctx, client_id)
            return _consent_page(request, ctx, record, error=exc, failed_kind=kind, status_code=422)
        return RedirectResponse(f"{client_path(client_id)}?done=withdrawn", status_code=303)

    return await run_in_threadpool(work)


# --- patch tests ----------------------------------------------------------------------------------------


def _plan(request: Request, ctx: ServiceContext, record: ClientRecord, first: dt.date) -> Any:
    """When to apply and read a patch test before a first session on ``first``, from the latest
    screening's answers (an InputError when the date is refused)."""
    answers = record.screenings[-1].answers if record.screenings else {}
    born = record.client.date_of_birth
    document = {"date_of_birth": born.isoformat(), "answers": answers} if born else None
    try:
        return care.patch_test(
            rules_in_force(request, ctx), care.PatchTestRequest.of(first_session=first, answers=document)
        )
    except InputError as exc:
        return exc


def _patch_page(
    request: Request,
    ctx: ServiceContext,
    record: ClientRecord,
    *,
    first: dt.date | None = None,
    error: InputError | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
    read_error: InputError | ConflictError | None = None,
    read_failed: int | None = None,
) -> Response:
    cid = record.client.id
    first_session = first or ctx.clock.today() + dt.timedelta(days=DEFAULT_LEAD_DAYS)
    plan = _plan(request, ctx, record, first_session)
    pigments = [lot for lot in lots.list_lots(ctx).lots if lot.kind == "pigment" and not lot.recalled]
    return page(
        request,
        "clients/patch_tests.html",
        status_code=status_code,
        json_twin=f"/api/v1/clients/{cid}/patch-tests",
        client=record.client,
        path=client_path(cid),
        tests=list(reversed(record.patch_tests)),
        plan=None if isinstance(plan, InputError) else plan,
        plan_error=plan if isinstance(plan, InputError) else None,
        first_session=first_session,
        pigments=pigments,
        results=RESULTS,
        when=when_words,
        error=error,
        values=values or {"site": "behind the ear"},
        read_error=read_error,
        read_failed=read_failed,
        now=ctx.clock.now().replace(tzinfo=None, second=0, microsecond=0),
    )


@router.get("/clients/{client_id}/patch-tests")
def patch_tests(
    request: Request,
    client_id: int,
    ctx: Context,
    first_session: Annotated[dt.date | None, Query()] = None,
) -> Response:
    return _patch_page(request, ctx, client_record(ctx, client_id), first=first_session)


@router.post("/clients/{client_id}/patch-tests")
async def patch_test_record(request: Request, client_id: int, ctx: Context) -> Response:
    values = filled(await request.form())
    fields = ("lot", "applied", "read", "result", "site")

    def work() -> Response:
        try:
            patch_test_svc.record_patch_test(
                ctx,
                patch_test_svc.PatchTestRecordRequest.of(
                    client_id=client_id, **{k: v for k, v in values.items() if k in fields}
                ),
            )
        except InputError as exc:
            record = client_record(ctx, client_id)
            return _patch_page(request, ctx, record, error=exc, values=values, status_code=422)
        return RedirectResponse(f"{client_path(client_id)}?done=patch_test", status_code=303)

    return await run_in_threadpool(work)


@router.post("/clients/{client_id}/patch-tests/{patch_test_id}/read")
async def patch_test_read(request: Request, client_id: int, patch_test_id: int, ctx: Context) -> Response:
    """Record the reading of a patch test applied earlier (pending)."""
    values = filled(await request.form())

    def work() -> Response:
        try:
            patch_test_svc.read_patch_test(
                ctx,
                patch_test_svc.PatchTestReadRequest.of(
                    client_id=client_id,
                    patch_test_id=patch_test_id,
                    result=values.get("result", ""),
                    read=values.get("read"),
                ),
            )
        except (InputError, ConflictError) as exc:
            record = client_record(ctx, client_id)
            return _patch_page(
                request,
                ctx,
                record,
                read_error=exc,
                read_failed=patch_test_id,
                status_code=exc.http_status,
            )
        return RedirectResponse(f"{client_path(client_id)}?done=patch_test", status_code=303)

    return await run_in_threadpool(work)
