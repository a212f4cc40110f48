"""The client's own pages, opened by the link the clinic gave them (no account, no staff navigation): their
aftercare plan, the handout and the calendar file, and "Tell us how it looks", the triage form in plain
words whose answer goes to the clinic.

A phone-first layout of its own (``templates/portal``) that shows the client's first name, the clinic's
name and phone, and nothing else of the record. Any token that opens nothing (unknown, expired, withdrawn)
gets the same page, without a clinic's name. There is no login session, so no CSRF token: the triage form
carries the key the service gave the page (an HMAC of the token), and the studio refuses cross-site
writes before any route runs.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from smpstudio.errors import AccessError, InputError, NotFoundError, RateLimitedError, SmpError
from smpstudio.services import client_portal
from smpstudio.services.client_portal import PortalRequest, PortalTriageRequest, PortalView
from smpstudio.services.context import ServiceContext
from smpstudio.web.pages.rendering import templates
from smpstudio.web.state import public_context

__all__ = ["DISPOSITION_WORDS", "SYMPTOM_WORDS", "router"]

router = APIRouter(include_in_schema=False)

T = TypeVar("T")

Public = Annotated[ServiceContext, Depends(public_context)]

#: What the client may tick, in their words and in the order the form lists them (common first). Every
#: symptom of the care rules' triage has a line (a test checks it).
SYMPTOM_WORDS: dict[str, str] = {
    "scabs": "Small dark crusts on the dots (scabs)",
    "large_dots": "The dots look bigger or darker than I expected",
    "redness": "Redness",
    "swelling": "Swelling or puffiness",
    "itch": "Itching",
    "tightness": "The scalp feels tight",
    "pain": "Pain or soreness",
    "bleeding": "Bleeding or weeping",
    "lightening": "The dots look lighter or patchy",
    "blue_dots": "Some dots look blue or green",
    "dots_spreading": "Dots look blurred, or run into each other",
    "lymph_node": "A tender lump (gland) at the back of the head or neck",
    "papules": "Raised red bumps or spots in the dots",
    "rash": "A rash",
    "blisters": "Blisters",
    "raised_scar": "A raised or thickening scar",
    "pus": "Yellow or green fluid (pus)",
    "fever": "Fever, or feeling hot and unwell",
    "red_streaks": "Red lines spreading out from the area",
}
#: What each answer means for the client: a headline and its tone.
DISPOSITION_WORDS: dict[str, tuple[str, str]] = {
    "expected": ("What you describe is normal healing.", "ok"),
    "monitor": ("Keep an eye on it.", "info"),
    "contact_practitioner": ("Please contact the clinic.", "warning"),
    "see_doctor": ("Please see a doctor.", "danger"),
    "urgent": ("Get medical care today.", "danger"),
}
#: The longest token the pages pass on (longer ones open nothing anyway). [characters]
_MAX_TOKEN = 200


def _portal(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page of the client's own layout (no signed-in user, no navigation)."""
    response: HTMLResponse = templates.TemplateResponse(
        request, f"portal/{template}", {"request": request, **context}, status_code=status_code
    )
    return response


def _gone(request: Request) -> HTMLResponse:
    return _portal(request, "gone.html", status_code=404)


def _call(request: Request, work: Callable[[], T]) -> T | HTMLResponse:
    """Run ``work``; a link that opens nothing, too many reports or a form not from the page is a plain
    page of its own (the client never sees the studio's error page)."""
    try:
        return work()
    except NotFoundError as exc:
        if exc.code == "link_gone":
            return _gone(request)
        return _portal(request, "problem.html", status_code=404, error=exc)
    except (RateLimitedError, AccessError) as exc:
        return _portal(request, "problem.html", status_code=exc.http_status, error=exc)


def _token(token: str) -> str:
    return token[:_MAX_TOKEN]


@router.get("/c/{token}")
async def portal_page(request: Request, token: str, ctx: Public) -> Response:
    def work() -> Response:
        view = client_portal.portal_view(ctx, PortalRequest.of(token=_token(token)))
        return _portal(request, "home.html", view=view, base=f"/c/{token}", words=SYMPTOM_WORDS)

    result = await run_in_threadpool(_call, request, work)
    assert isinstance(result, Response)
    return result


def _form(
    request: Request,
    view: PortalView,
    token: str,
    *,
    status_code: int = 200,
    error: SmpError | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    chosen = values or {"day": view.day if view.day is not None else "", "symptoms": []}
    return _portal(
        request,
        "triage.html",
        status_code=status_code,
        view=view,
        base=f"/c/{token}",
        symptoms=[(s, SYMPTOM_WORDS.get(s, s.replace("_", " "))) for s in _ordered(view.symptoms)],
        nonce=secrets.token_hex(8),
        values=chosen,
        error=error,
    )


def _ordered(symptoms: list[str]) -> list[str]:
    """The symptoms in the form's order (any the words do not know come last)."""
    known = [s for s in SYMPTOM_WORDS if s in symptoms]
    return known + [s for s in symptoms if s not in SYMPTOM_WORDS]


@router.get("/c/{token}/triage")
async def triage_form(request: Request, token: str, ctx: Public) -> Response:
    def work() -> Response:
        view = client_portal.portal_view(ctx, PortalRequest.of(token=_token(token)))
        return _form(request, view, token)

    result = await run_in_threadpool(_call, request, work)
    assert isinstance(result, Response)
    return result


def _day(text: str) -> int | str:
    """The day as typed: a whole number, or the text itself (the service refuses it in words)."""
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 6 else text


@router.post("/c/{token}/triage")
async def triage_send(request: Request, token: str, ctx: Public) -> Response:
    form = await request.form()
    symptoms = [v for v in form.getlist("symptoms") if isinstance(v, str)][: len(SYMPTOM_WORDS)]
    day_text = form.get("day")
    values: dict[str, Any] = {
        "day": day_text if isinstance(day_text, str) else "",
        "symptoms": symptoms,
        "spreading": form.get("spreading") == "yes",
        "worsening": form.get("worsening") == "yes",
    }
    sent_key, nonce = form.get("form_key"), form.get("nonce")

    def work() -> Response:
        try:
            call = PortalTriageRequest.of(
                token=_token(token),
                form_key=sent_key if isinstance(sent_key, str) else "",
                nonce=nonce if isinstance(nonce, str) else None,
                day=_day(values["day"]),
                symptoms=symptoms,
                spreading=values["spreading"],
                worsening=values["worsening"],
            )
            answer = client_portal.portal_triage(ctx, call)
        except InputError as exc:
            view = client_portal.portal_view(ctx, PortalRequest.of(token=_token(token)))
            return _form(request, view, token, status_code=exc.http_status, error=_plain(exc), values=values)
        headline, tone = DISPOSITION_WORDS.get(answer.disposition, ("Please contact the clinic.", "warning"))
        return _portal(
            request,
            "answer.html",
            answer=answer,
            headline=headline,
            tone=tone,
            base=f"/c/{token}",
            words=SYMPTOM_WORDS,
        )

    result = await run_in_threadpool(_call, request, work)
    assert isinstance(result, Response)
    return result


def _plain(exc: InputError) -> InputError:
    """The form's error in the client's words."""
    if exc.field in ("symptom", "symptoms"):
        return InputError("Tick at least one thing you see.", field="symptoms")
    if exc.field == "day":
        return InputError("Give the days since your session as a number (0 is the day itself).", field="day")
    return exc


def _file(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/c/{token}/handout.pdf")
async def handout(request: Request, token: str, ctx: Public) -> Response:
    def work() -> Response:
        made = client_portal.portal_handout(ctx, PortalRequest.of(token=_token(token)))
        return _file(made.content, made.media_type, made.filename)

    result = await run_in_threadpool(_call, request, work)
    assert isinstance(result, Response)
    return result


@router.get("/c/{token}/calendar.ics")
async def calendar(request: Request, token: str, ctx: Public) -> Response:
    def work() -> Response:
        made = client_portal.portal_calendar(ctx, PortalRequest.of(token=_token(token)))
        return _file(made.content, made.media_type, made.filename)

    result = await run_in_threadpool(_call, request, work)
    assert isinstance(result, Response)
    return result
