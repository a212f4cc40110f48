"""Screening a client before SMP: candidacy and contraindications from a questionnaire.

Each answered question gives an outcome with its reason and source; the worst wins (outcomes ordered
:data:`OUTCOMES`); a client under the minimum age is refused; questions the rules require but the
answers leave out are reported, never assumed "no" ([clinic-contraindications] in docs/references.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from smpstudio.care.floors import OUTCOMES, minimum_age_years, question_outcome
from smpstudio.care.rules import RuleSet, packaged_rules
from smpstudio.errors import InputError, parse_date

__all__ = ["OUTCOMES", "Screening", "parse_answers", "screen"]


@dataclass(frozen=True)
class Screening:
    outcome: str
    findings: list[dict[str, Any]]
    unanswered: list[str]
    rules_version: str
    defer_until: str | None = None
    counselling: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "findings": self.findings,
            "unanswered": self.unanswered,
            "defer_until": self.defer_until,
            "rules_version": self.rules_version,
        }


def _age_years(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def parse_answers(obj: Any, questions: dict[str, Any]) -> tuple[dt.date, dict[str, bool]]:
    """Validate ``{"date_of_birth": "YYYY-MM-DD", "answers": {QUESTION: true|false}}``."""
    if not isinstance(obj, dict):
        raise InputError("the questionnaire must be a JSON object", field="answers")
    unknown_keys = set(obj) - {"date_of_birth", "answers"}
    if unknown_keys:
        raise InputError(
            f"unknown key {sorted(unknown_keys)[0]!r}", field="answers", allowed="date_of_birth, answers"
        )
    born = parse_date(obj.get("date_of_birth"), "date_of_birth")
    answers = obj.get("answers", {})
    if not isinstance(answers, dict):
        raise InputError("answers must be an object of question: true|false", field="answers")
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise InputError(
            f"unknown question {unknown[0]!r}", field="answers", allowed=", ".join(sorted(questions))
        )
    for key, value in answers.items():
        if not isinstance(value, bool):
            raise InputError(f"{value!r} is not true or false", field=f"answers.{key}", allowed="true, false")
    return born, dict(answers)


def screen(
    date_of_birth: dt.date,
    answers: dict[str, bool],
    rules: RuleSet,
    *,
    today: dt.date,
    jurisdiction: str = "default",
) -> Screening:
    """Apply the screening rules to a client's answers (see the module docstring).

    The floors of :mod:`smpstudio.care.floors` apply whatever the rule set says: the minimum age, each
    question's packaged outcome as the least it gives, and the packaged required questions.
    """
    cfg = rules.data["screening"]
    packaged = packaged_rules("care")
    questions: dict[str, Any] = cfg["questions"]
    findings: list[dict[str, Any]] = []
    if date_of_birth > today:
        raise InputError(f"{date_of_birth} is in the future", field="date_of_birth")
    age = _age_years(date_of_birth, today)
    minimum_age = minimum_age_years(cfg["minimum_age_years"], jurisdiction)
    if age < minimum_age:
        findings.append(
            {
                "question": "age",
                "outcome": "stop",
                "reason": f"the client is {age}: tattooing, SMP included, is refused under {minimum_age}",
                "source": cfg["minimum_age_source"],
                "grade": cfg["minimum_age_grade"],
            }
        )
    defer_until: list[str] = []
    for key, rule in questions.items():
        if not answers.get(key, False):
            continue
        outcome = question_outcome(packaged, key, rule["outcome"])
        finding = {
            "question": key,
            "outcome": outcome,
            "reason": rule["reason"],
            "source": rule["source"],
            "grade": rule["grade"],
        }
        if outcome == "defer":
            if "defer_days" in rule:
                finding["until"] = (
                    f"{today + dt.timedelta(days=rule['defer_days'])} at the earliest ({rule['defer_until']})"
                )
            else:
                finding["until"] = rule.get("defer_until", "a new screening")
            defer_until.append(str(finding["until"]))
        findings.append(finding)
    required = {k for k, rule in packaged["screening"]["questions"].items() if rule.get("required", True)}
    unanswered = [
        k
        for k, rule in questions.items()
        if (rule.get("required", True) or k in required) and k not in answers
    ]
    outcome = max((f["outcome"] for f in findings), key=OUTCOMES.index, default="proceed")
    if unanswered:
        # Nothing is assumed: a client with open questions is not cleared to proceed, and an open question
        # whose "yes" needs a doctor (or defers, or stops) needs a doctor's clearance at least.
        serious = [
            k
            for k in unanswered
            if OUTCOMES.index(question_outcome(packaged, k, questions[k]["outcome"]))
            >= OUTCOMES.index("doctor_clearance")
        ]
        floor = "doctor_clearance" if serious else "counsel"
        if OUTCOMES.index(outcome) < OUTCOMES.index(floor):
            outcome = floor
        findings.append(
            {
                "question": "unanswered",
                "outcome": floor,
                "reason": f"{len(unanswered)} question(s) unanswered: {', '.join(unanswered)}"
                + (f"; a 'yes' to {', '.join(serious)} would need a doctor at least" if serious else ""),
                "source": "screening rules: unanswered questions are not assumed 'no'",
                "grade": "C",
            }
        )
    return Screening(
        outcome=outcome,
        findings=findings,
        unanswered=unanswered,
        rules_version=rules.version,
        defer_until="; ".join(defer_until) if outcome == "defer" else None,
    )
