"""The stateless care answers under the acting user's clinic's rules, and the screening questions.

:mod:`smpstudio.services.care` answers with the rules the context names; a signed-in user of the studio
expects the answers their clinic's records give, so each call here reads the clinic's rules in force
(:func:`~smpstudio.services.access.rules_for`: the packaged set with the clinic's newest overrides) and the
clinic's clock in one read-only transaction, then answers as :mod:`~smpstudio.services.care` does. Nothing is
stored and nothing about a client is read.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import Field
from sqlalchemy.orm import Session as Db

from smpstudio.care.floors import minimum_age_years, question_outcome
from smpstudio.care.rules import packaged_rules
from smpstudio.services import care
from smpstudio.services.access import resolve_actor, rules_for
from smpstudio.services.context import ServiceContext
from smpstudio.services.models import Result

__all__ = [
    "ScreeningQuestion",
    "ScreeningQuestions",
    "clinic_aftercare",
    "clinic_context",
    "clinic_pigment_check",
    "clinic_removal",
    "clinic_screening",
    "clinic_triage",
    "screening_questions",
]


def clinic_context(ctx: ServiceContext) -> ServiceContext:
    """``ctx`` with the acting user's clinic's rules in force and the clinic's clock."""

    def read(db: Db) -> ServiceContext:
        actor = resolve_actor(db, ctx.user_id, ctx.clock)
        return replace(
            ctx,
            care_rules=rules_for(db, actor, ctx, "care"),
            pigment_rules=rules_for(db, actor, ctx, "pigments"),
            clock=actor.clock,
        )

    return ctx.db.read(read)


def clinic_screening(ctx: ServiceContext, request: care.ScreenRequest) -> care.ScreenResult:
    """Screen answers (nothing kept) against the clinic's rules, on the clinic's today."""
    return care.screen_client(clinic_context(ctx), request)


def clinic_triage(ctx: ServiceContext, request: care.TriageRequest) -> care.TriageResult:
    """Triage a symptom report (nothing kept) against the clinic's rules."""
    return care.triage_report(clinic_context(ctx), request)


def clinic_aftercare(ctx: ServiceContext, request: care.AftercareRequest) -> care.AftercareResult:
    """The aftercare plan for a session date under the clinic's rules, in the format asked for."""
    return care.aftercare(clinic_context(ctx), request)


def clinic_pigment_check(ctx: ServiceContext, request: care.PigmentCheckRequest) -> care.PigmentCheckResult:
    """Check a pigment product document against the clinic's pigment rules, expiry on the clinic's today."""
    return care.check_pigment(clinic_context(ctx), request)


def clinic_removal(ctx: ServiceContext, request: care.RemovalRequest) -> care.RemovalResult:
    """Score and plan a laser removal under the clinic's rules."""
    return care.removal_estimate(clinic_context(ctx), request)


# --- the screening questionnaire -------------------------------------------------------------------------


class ScreeningQuestion(Result):
    """One question of the screening questionnaire and what a "yes" leads to."""

    key: str = Field(description="The answer's key in the questionnaire's ``answers``.")
    text: str
    outcome: str = Field(description="The outcome of a 'yes' (the packaged one at least).")
    required: bool = Field(description="Whether an unanswered question holds the client back.")
    reason: str
    source: str
    grade: str


class ScreeningQuestions(Result):
    """The questionnaire of the clinic's rules, in the rules' order, and the minimum age applied."""

    questions: list[ScreeningQuestion]
    minimum_age_years: int
    minimum_age_source: str
    rules_version: str


def screening_questions(ctx: ServiceContext) -> ScreeningQuestions:
    """The screening questions of the clinic's rules in force (for a generated form)."""
    rules = clinic_context(ctx).care_rules
    cfg: dict[str, Any] = rules.data["screening"]
    packaged = packaged_rules("care")
    packaged_questions = packaged["screening"]["questions"]
    questions = [
        ScreeningQuestion(
            key=key,
            text=rule["text"],
            outcome=question_outcome(packaged, key, rule["outcome"]),
            required=bool(rule.get("required", True))
            or (key in packaged_questions and bool(packaged_questions[key].get("required", True))),
            reason=rule["reason"],
            source=rule["source"],
            grade=rule["grade"],
        )
        for key, rule in cfg["questions"].items()
    ]
    return ScreeningQuestions(
        questions=questions,
        minimum_age_years=minimum_age_years(cfg["minimum_age_years"]),
        minimum_age_source=cfg["minimum_age_source"],
        rules_version=rules.version,
    )
