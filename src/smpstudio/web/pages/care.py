"""The stateless care answers as simple forms: triage of a client's symptoms, the aftercare handout (text,
PDF or calendar), a pigment lot's compliance and a removal estimate. Nothing is recorded; the answers use
the clinic's rules in force. With HTMX a form swaps only its own section."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from smpstudio.errors import SmpError
from smpstudio.services import care
from smpstudio.services.context import ServiceContext
from smpstudio.web.pages.client_forms import rules_in_force
from smpstudio.web.pages.clinic_forms import Context, attempt, json_document
from smpstudio.web.pages.rendering import page

__all__ = ["DISPOSITIONS", "router"]

router = APIRouter(include_in_schema=False)

#: Each triage disposition in plain words, and its badge's tone.
DISPOSITIONS = {
    "expected": ("Expected: part of normal healing", "ok"),
    "monitor": ("Keep an eye on it", "info"),
    "contact_practitioner": ("Contact the practitioner", "warning"),
    "see_doctor": ("See a doctor", "danger"),
    "urgent": ("Urgent: seek medical care today", "danger"),
}
#: The handout formats the page offers (JSON is the API's).
HANDOUT_FORMATS = (
    ("text", "Text, on this page"),
    ("pdf", "PDF handout"),
    ("ics", "Calendar reminders (.ics)"),
)
#: What a pigment may contain that changes a removal plan (the removal rules' words).
PIGMENT_CONTENTS = (("iron-oxide", "Iron oxide"), ("titanium-dioxide", "Titanium dioxide"))
Short = Annotated[str, Form(max_length=80)]
TOOLS = ("triage", "aftercare", "pigment", "removal")


def _label(key: str) -> str:
    return key.replace("_", " ").replace("-", " ").capitalize()


def _choices(ctx: ServiceContext) -> dict[str, Any]:
    """The forms' choices, from the rules in force: symptoms, removal factors and jurisdictions."""
    points: dict[str, dict[str, int]] = ctx.care_rules.data["removal"]["points"]
    jurisdictions: dict[str, dict[str, Any]] = ctx.pigment_rules.data["jurisdictions"]
    return {
        "symptoms": [(key, _label(key)) for key in ctx.care_rules.data["triage"]["symptoms"]],
        "factors": {factor: [(k, k) for k in values] for factor, values in points.items()},
        "jurisdictions": [(key, rule.get("name", key)) for key, rule in jurisdictions.items()],
        "contents": PIGMENT_CONTENTS,
        "formats": HANDOUT_FORMATS,
    }


def _render(
    request: Request,
    ctx: ServiceContext,
    tool: str | None = None,
    *,
    values: dict[str, Any] | None = None,
    result: Any = None,
    error: SmpError | None = None,
) -> Response:
    """The care page, or only ``tool``'s section for an HTMX request (answered 200 even with an error, so
    that HTMX swaps it in)."""
    sections: dict[str, dict[str, Any]] = {
        name: {"values": {}, "result": None, "error": None} for name in TOOLS
    }
    if tool is not None:
        sections[tool] = {"values": values or {}, "result": result, "error": error}
    context = {**sections, "choices": _choices(ctx), "dispositions": DISPOSITIONS}
    partial = tool is not None and request.headers.get("hx-request") == "true"
    status = error.http_status if error is not None and not partial else 200
    if partial:
        return page(request, f"care/_{tool}.html", status_code=status, **context)
    return page(request, "care/index.html", status_code=status, json_twin="/api/v1/care/triage", **context)


@router.get("/care")
def care_page(request: Request, ctx: Context) -> Response:
    return _render(request, rules_in_force(request, ctx))


@router.post("/care/triage")
def triage(
    request: Request,
    ctx: Context,
    day: Short = "",
    symptoms: Annotated[list[str] | None, Form()] = None,
    spreading: Short = "",
    worsening: Short = "",
    size_cm: Short = "",
    duration_days: Short = "",
) -> Response:
    ctx = rules_in_force(request, ctx)
    values = {
        "day": day,
        "symptoms": list(symptoms or []),
        "spreading": bool(spreading),
        "worsening": bool(worsening),
        "size_cm": size_cm,
        "duration_days": duration_days,
    }

    def answer() -> care.TriageResult:
        call = care.TriageRequest.of(
            **{**values, "size_cm": size_cm or None, "duration_days": duration_days or None}
        )
        return care.triage_report(ctx, call)

    result, error = attempt(answer)
    return _render(request, ctx, "triage", values=values, result=result, error=error)


@router.post("/care/aftercare")
def aftercare(
    request: Request,
    ctx: Context,
    session_date: Short = "",
    format: Short = "text",  # the form field is named as the service's
) -> Response:
    ctx = rules_in_force(request, ctx)
    offered = {key for key, _ in HANDOUT_FORMATS}

    def answer() -> care.AftercareResult:
        chosen = format if format in offered else "unknown"
        return care.aftercare(ctx, care.AftercareRequest.of(session_date=session_date, format=chosen))

    result, error = attempt(answer)
    if result is not None and result.format != "text":
        filename = f"aftercare-{session_date}.{result.format}"
        return Response(
            result.content,
            media_type=result.media_type,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    values = {"session_date": session_date, "format": format}
    text = result.content.decode() if result is not None else None
    return _render(request, ctx, "aftercare", values=values, result=text, error=error)


@router.post("/care/pigment-check")
def pigment_check(
    request: Request,
    ctx: Context,
    product: Annotated[str, Form(max_length=200_000)] = "",
    jurisdiction: Short = "eu",
) -> Response:
    ctx = rules_in_force(request, ctx)

    def answer() -> care.PigmentCheckResult:
        document = json_document(product, "product")
        call = care.PigmentCheckRequest.of(product=document, jurisdiction=jurisdiction)
        return care.check_pigment(ctx, call)

    result, error = attempt(answer)
    values = {"product": product, "jurisdiction": jurisdiction}
    return _render(request, ctx, "pigment", values=values, result=result, error=error)


@router.post("/care/removal")
def removal(
    request: Request,
    ctx: Context,
    skin_type: Short = "",
    location: Short = "",
    colour: Short = "",
    ink_amount: Short = "",
    scarring: Short = "",
    layering: Short = "",
    pigment_contains: Annotated[list[str] | None, Form()] = None,
) -> Response:
    ctx = rules_in_force(request, ctx)
    values: dict[str, Any] = {
        "skin_type": skin_type,
        "location": location,
        "colour": colour,
        "ink_amount": ink_amount,
        "scarring": scarring,
        "layering": layering,
        "pigment_contains": list(pigment_contains or []),
    }
    result, error = attempt(lambda: care.removal_estimate(ctx, care.RemovalRequest.of(**values)))
    return _render(request, ctx, "removal", values=values, result=result, error=error)
