"""Care use cases: screening, triage, aftercare, pigment checks, patch-test plans, removal estimates.

Each use case is one call ``f(ctx, request) -> result`` over typed models. The rules are the context's
(``ctx.care_rules``, ``ctx.pigment_rules``) and "today" is the clinic's (``ctx.today()``). Documents
come in parsed (the questionnaire, the product) and files go out as bytes (the aftercare handout):
reading and writing files is the faces' work.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from smpstudio.care.aftercare import FORMATS, MEDIA_TYPES, aftercare_plan, render_aftercare
from smpstudio.care.compliance import check_product, parse_product
from smpstudio.care.patch_test import patch_test_plan
from smpstudio.care.removal import estimate_removal
from smpstudio.care.screening import parse_answers, screen
from smpstudio.care.triage import triage
from smpstudio.errors import InputError
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import IsoDate
from smpstudio.services.models import Request, Result

__all__ = [
    "AftercareRequest",
    "AftercareResult",
    "PatchTestRequest",
    "PatchTestResult",
    "PigmentCheckRequest",
    "PigmentCheckResult",
    "RemovalRequest",
    "RemovalResult",
    "ScreenRequest",
    "ScreenResult",
    "TriageRequest",
    "TriageResult",
    "aftercare",
    "check_pigment",
    "patch_test",
    "removal_estimate",
    "screen_client",
    "triage_report",
]


# --- screening ---------------------------------------------------------------------------------------------


class ScreenRequest(Request):
    """A client's questionnaire: ``{"date_of_birth": "YYYY-MM-DD", "answers": {QUESTION: true|false}}``."""

    answers: Any = Field(description="The questionnaire document, parsed from JSON.")


class ScreenResult(Result):
    """The worst outcome, each finding with its reason and source, and the questions left open."""

    outcome: str
    findings: list[dict[str, Any]]
    unanswered: list[str]
    defer_until: str | None
    rules_version: str


def screen_client(ctx: ServiceContext, request: ScreenRequest) -> ScreenResult:
    """Screen a client against the care rules in force, on the clinic's today."""
    rules = ctx.care_rules
    born, answers = parse_answers(request.answers, rules.data["screening"]["questions"])
    return ScreenResult.model_validate(screen(born, answers, rules, today=ctx.today()).to_dict())


# --- triage ------------------------------------------------------------------------------------------------


class TriageRequest(Request):
    """A client's report: the days since the session, the symptoms and what makes them worse."""

    day: float = Field(description="Days since the session. [days]")
    symptoms: list[str] = Field(description="The symptoms, by name.")
    spreading: bool = False
    worsening: bool = False
    size_cm: float | None = Field(None, description="Size of a swelling or gland. [cm]")
    duration_days: float | None = Field(None, description="How long it has lasted. [days]")


class TriageResult(Result):
    """What to do, why, what to watch for, and each symptom's own disposition."""

    disposition: str
    explanation: str
    watch_for: list[str]
    sources: list[str]
    rules_version: str
    repair_consultation: bool
    note: str
    per_symptom: list[dict[str, str]]


def triage_report(ctx: ServiceContext, request: TriageRequest) -> TriageResult:
    """Triage a client's report against the care rules in force."""
    result = triage(
        request.day,
        list(request.symptoms),
        ctx.care_rules,
        spreading=request.spreading,
        worsening=request.worsening,
        size_cm=request.size_cm,
        duration_days=request.duration_days,
    )
    return TriageResult.model_validate(result.to_dict())


# --- aftercare ---------------------------------------------------------------------------------------------


class AftercareRequest(Request):
    """The session's date and the format of the handout."""

    session_date: IsoDate
    format: str = Field(description="text, json, ics (calendar reminders) or pdf (handout).")


class AftercareResult(Result):
    """The handout's bytes (not in the JSON) and what it holds; ``out`` is set by a face that saved it."""

    out: str | None = None
    format: str
    rules_version: str
    days: int
    content: bytes = Field(exclude=True, repr=False)

    @property
    def media_type(self) -> str:
        """The media type of :attr:`content`."""
        return MEDIA_TYPES[self.format]

    def stored_at(self, location: str) -> AftercareResult:
        """The same result, saying where the face stored the handout."""
        return self.model_copy(update={"out": location})


def aftercare(ctx: ServiceContext, request: AftercareRequest) -> AftercareResult:
    """The day-by-day aftercare plan for a session, rendered in the requested format."""
    if request.format not in FORMATS:
        raise InputError(f"unknown format {request.format!r}", field="format", allowed=", ".join(FORMATS))
    plan = aftercare_plan(request.session_date, ctx.care_rules)
    content = render_aftercare(plan, request.format, stamp=ctx.clock.now())
    return AftercareResult(
        format=request.format, rules_version=plan.rules_version, days=len(plan.days), content=content
    )


# --- pigment compliance ------------------------------------------------------------------------------------


class PigmentCheckRequest(Request):
    """A pigment product and lot (the product document, parsed from JSON) and the jurisdiction."""

    product: Any = Field(description="The product document: name, lot, expires, ci_numbers, ...")
    jurisdiction: str = "eu"


class PigmentCheckResult(Result):
    """Whether the lot complies, each violation with its rule, and the warnings."""

    compliant: bool
    violations: list[dict[str, Any]]
    warnings: list[str]
    rules_version: str
    jurisdiction: str


def check_pigment(ctx: ServiceContext, request: PigmentCheckRequest) -> PigmentCheckResult:
    """Check a pigment lot against the jurisdiction's rules in force; expiry against the clinic's today."""
    rules = ctx.pigment_rules
    product = parse_product(request.product, rules)
    result = check_product(product, rules, request.jurisdiction, today=ctx.today())
    return PigmentCheckResult.model_validate(result.to_dict())


# --- patch tests -------------------------------------------------------------------------------------------


class PatchTestRequest(Request):
    """The first session's date and, when known, the client's questionnaire (as for screening)."""

    first_session: IsoDate
    answers: Any = Field(None, description="The questionnaire document, parsed from JSON, or None.")


class PatchTestResult(Result):
    """Whether a patch test is recommended, when to apply and read it, and what its record holds."""

    recommended: bool
    reasons: list[str]
    apply_on: str
    read_at: list[str]
    record: list[str]
    limited_value: str
    warnings: list[str]
    source: str
    rules_version: str


def patch_test(ctx: ServiceContext, request: PatchTestRequest) -> PatchTestResult:
    """The patch-test plan before a first session, from the client's answers when given."""
    rules = ctx.care_rules
    answers: dict[str, bool] = {}
    if request.answers is not None:
        _, answers = parse_answers(request.answers, rules.data["screening"]["questions"])
    plan = patch_test_plan(request.first_session, answers, rules, today=ctx.today())
    return PatchTestResult.model_validate(plan)


# --- removal -----------------------------------------------------------------------------------------------


class RemovalRequest(Request):
    """The Kirby-Desai factors of the work to remove, and what its pigment contains."""

    skin_type: str = "III"
    location: str
    colour: str
    ink_amount: str
    scarring: str
    layering: str
    pigment_contains: list[str] = Field(default_factory=list)


class RemovalResult(Result):
    """The Kirby-Desai score and sessions, what SMP removal expects, and the laser plan."""

    kirby_desai_score: int
    sessions_kirby_desai: int
    sessions_expected_smp: int
    sessions_expected_smp_range: tuple[int, int]
    interval_weeks: int
    interval_weeks_range: tuple[int, int]
    wavelength_nm: int
    warnings: list[str]
    recommendation: str
    sources: list[str]
    rules_version: str


def removal_estimate(ctx: ServiceContext, request: RemovalRequest) -> RemovalResult:
    """Score and plan a laser removal with the care rules in force."""
    result = estimate_removal(
        ctx.care_rules,
        skin_type=request.skin_type,
        location=request.location,
        colour=request.colour,
        ink_amount=request.ink_amount,
        scarring=request.scarring,
        layering=request.layering,
        pigment_contains=tuple(request.pigment_contains),
    )
    return RemovalResult.model_validate(result.to_dict())
