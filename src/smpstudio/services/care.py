"""Care use cases: read the client's files, apply the rules, return what the faces print."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from smpstudio.care.aftercare import FORMATS, aftercare_plan, write_aftercare
from smpstudio.care.compliance import check_product, parse_product
from smpstudio.care.patch_test import patch_test_plan
from smpstudio.care.removal import estimate_removal
from smpstudio.care.rules import RuleSet, load_rules
from smpstudio.care.screening import parse_answers, screen
from smpstudio.care.triage import triage
from smpstudio.errors import InputError, parse_date, read_json_file

__all__ = ["aftercare", "check_pigment", "patch_test", "removal_estimate", "screen_client", "triage_report"]


def _answers(path: str | Path, rules: RuleSet) -> tuple[dt.date, dict[str, bool]]:
    return parse_answers(read_json_file(path, "answers"), rules.data["screening"]["questions"])


def screen_client(answers_path: str | Path, *, rules_path: str | Path | None = None) -> dict[str, Any]:
    rules = load_rules("care", rules_path)
    born, answers = parse_answers(
        read_json_file(answers_path, "answers"), rules.data["screening"]["questions"]
    )
    return screen(born, answers, rules).to_dict()


def triage_report(
    day: float,
    symptoms: list[str],
    *,
    spreading: bool = False,
    worsening: bool = False,
    size_cm: float | None = None,
    duration_days: float | None = None,
    rules_path: str | Path | None = None,
) -> dict[str, Any]:
    rules = load_rules("care", rules_path)
    result = triage(
        day,
        symptoms,
        rules,
        spreading=spreading,
        worsening=worsening,
        size_cm=size_cm,
        duration_days=duration_days,
    )
    return result.to_dict()


def aftercare(
    session_date: str, fmt: str, out: str | Path, *, rules_path: str | Path | None = None
) -> dict[str, Any]:
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", field="format", allowed=", ".join(FORMATS))
    plan = aftercare_plan(parse_date(session_date, "session-date"), load_rules("care", rules_path))
    path = write_aftercare(plan, fmt, out)
    return {"out": str(path), "format": fmt, "rules_version": plan.rules_version, "days": len(plan.days)}


def check_pigment(
    product_path: str | Path,
    jurisdiction: str = "eu",
    *,
    today: dt.date | None = None,
    rules_path: str | Path | None = None,
) -> dict[str, Any]:
    rules = load_rules("pigments", rules_path)
    product = parse_product(read_json_file(product_path, "product"), rules)
    return check_product(product, rules, jurisdiction, today=today).to_dict()


def removal_estimate(*, rules_path: str | Path | None = None, **factors: Any) -> dict[str, Any]:
    return estimate_removal(load_rules("care", rules_path), **factors).to_dict()


def patch_test(
    first_session: str, answers_path: str | Path | None = None, *, rules_path: str | Path | None = None
) -> dict[str, Any]:
    """The patch-test plan before a first session, from the client's screening answers when given."""
    rules = load_rules("care", rules_path)
    answers: dict[str, bool] = {}
    if answers_path is not None:
        _, answers = parse_answers(
            read_json_file(answers_path, "answers"), rules.data["screening"]["questions"]
        )
    return patch_test_plan(parse_date(first_session, "first-session"), answers, rules)
