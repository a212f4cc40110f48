"""Screening a client before SMP: candidacy and contraindications from a questionnaire.

Each answered question gives an outcome with its reason and source; the worst wins (outcomes ordered
:data:`OUTCOMES`); a client under the minimum age is refused; questions the rules require but the
answers leave out are reported, never assumed "no" ([clinic-contraindications] in docs/references.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from smpstudio.care.rules import RuleSet
from smpstudio.errors import InputError, parse_date

__all__ = ["OUTCOMES", "Screening", "parse_answers", "screen"]

OUTCOMES = ("proceed", "counsel", "doctor_clearance", "defer", "stop")


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
    date_of_birth: dt.date, answers: dict[str, bool], rules: RuleSet, *, today: dt.date | None = None
) -> Screening:
    """Apply the screening rules to a client's answers (see the module docstring)."""
    today = today or dt.date.today()
    cfg = rules.data["screening"]
    questions: dict[str, Any] = cfg["questions"]
    findings: list[dict[str, Any]] = []
    if date_of_birth > today:
        raise InputError(f"{date_of_birth} is in the future", field="date_of_birth")
    age = _age_years(date_of_birth, today)
    if age < cfg["minimum_age_years"]:
        findings.append(
            {
                "question": "age",
                "outcome": "stop",
                "reason": f"the client is {age}: tattooing, SMP included, "
                f"is refused under {cfg['minimum_age_years']}",
                "source": cfg["minimum_age_source"],
                "grade": cfg["minimum_age_grade"],
            }
        )
    defer_until: list[str] = []
    for key, rule in questions.items():
        if not answers.get(key, False):
            continue
        finding = {
            "question": key,
            "outcome": rule["outcome"],
            "reason": rule["reason"],
            "source": rule["source"],
            "grade": rule["grade"],
        }
        if rule["outcome"] == "defer":
            if "defer_days" in rule:
                finding["until"] = (
                    f"{today + dt.timedelta(days=rule['defer_days'])} at the earliest ({rule['defer_until']})"
                )
            else:
                finding["until"] = rule["defer_until"]
            defer_until.append(str(finding["until"]))
        findings.append(finding)
    unanswered = [k for k, rule in questions.items() if rule.get("required", True) and k not in answers]
    outcome = max((f["outcome"] for f in findings), key=OUTCOMES.index, default="proceed")
    if unanswered and OUTCOMES.index(outcome) < OUTCOMES.index("counsel"):
        # Nothing is assumed: a client with open questions is not cleared to proceed.
        outcome = "counsel"
        findings.append(
            {
                "question": "unanswered",
                "outcome": "counsel",
                "reason": f"{len(unanswered)} question(s) unanswered: {', '.join(unanswered)}",
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
