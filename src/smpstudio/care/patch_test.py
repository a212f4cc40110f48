"""Patch tests: when one is recommended, when to apply and read it, and what its record holds.

Rules: ``data/rules/care.toml`` ``[patch_test]`` ([clinic-patch-test] in docs/references.md): recommended
when the client reports an earlier reaction to ink, pigment, anaesthetic or metal, optional otherwise;
applied at least 48 h, better 7 days, before the first session; read at 48 h, 96 h and day 7. Every result
is stored with its limited predictive value: tattoo allergy cannot be reliably diagnosed by patch testing
(Schubert et al. 2023 [schubert2023] [A]).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from smpstudio.care.rules import RuleSet
from smpstudio.errors import InputError

__all__ = ["RESULTS", "patch_test_plan", "patch_test_record"]

RESULTS = ("negative", "positive", "doubtful")


def patch_test_plan(
    first_session: dt.date, answers: dict[str, bool], rules: RuleSet, *, today: dt.date
) -> dict[str, Any]:
    """Whether a patch test is recommended for these screening answers, and its dates.

    ``today`` is the clinic's date: the test is applied no earlier than today.
    """
    cfg = rules.data["patch_test"]
    reasons = [q for q in cfg["recommended_when"] if answers.get(q)]
    apply_by = first_session - dt.timedelta(days=cfg["lead_time_days"])
    latest = dt.datetime.combine(first_session, dt.time()) - dt.timedelta(
        hours=cfg["lead_time_minimum_hours"]
    )
    apply_on = max(today, apply_by)
    warnings = []
    if dt.datetime.combine(apply_on, dt.time()) > latest:
        warnings.append(
            f"too late for a patch test before {first_session}: it needs at least "
            f"{cfg['lead_time_minimum_hours']} h; move the first session"
        )
    elif apply_on > apply_by:
        warnings.append(f"less than the {cfg['lead_time_days']} days advised before the first session")
    start = dt.datetime.combine(apply_on, dt.time(9, 0))
    return {
        "recommended": bool(reasons),
        "reasons": reasons,
        "apply_on": apply_on.isoformat(),
        "read_at": [
            (start + dt.timedelta(hours=h)).isoformat(timespec="minutes") for h in cfg["read_at_hours"]
        ],
        "record": list(cfg["record"]),
        "limited_value": cfg["limited_value"],
        "warnings": warnings,
        "source": f"{cfg['source']} [{cfg['grade']}]; timing [{cfg['lead_time_grade']}]",
        "rules_version": rules.version,
    }


def patch_test_record(
    *, site: str, lot: str, applied_at: dt.datetime, read_at: dt.datetime, result: str, rules: RuleSet
) -> dict[str, Any]:
    """A patch-test record as stored, with the rules' statement of its limited predictive value."""
    cfg = rules.data["patch_test"]
    if result not in RESULTS:
        raise InputError(f"unknown result {result!r}", field="result", allowed=", ".join(RESULTS))
    for name, value in (("site", site), ("lot", lot)):
        if not value.strip():
            raise InputError("missing", field=name, allowed="a text")
    hours = (read_at - applied_at).total_seconds() / 3600
    if hours < min(cfg["read_at_hours"]):
        raise InputError(
            f"read {hours:.0f} h after it was applied",
            field="read_at",
            allowed=f"at least {min(cfg['read_at_hours'])} h after applied_at",
        )
    return {
        "site": site,
        "lot": lot,
        "applied_at": applied_at.isoformat(timespec="minutes"),
        "read_at": read_at.isoformat(timespec="minutes"),
        "hours": round(hours, 1),
        "result": result,
        "blocks_session": result != "negative",
        "limited_value": cfg["limited_value"],
        "rules_version": rules.version,
    }
