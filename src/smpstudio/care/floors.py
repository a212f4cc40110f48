"""The safety floors no clinic setting can loosen, and the ranges an overridable number must stay in.

A clinic may adapt the packaged rules (texts, its own defaults within the range a source gives, stricter
outcomes) but never lower what protects the client:

- the minimum age is 18, or the jurisdiction's when higher (Tattooing of Minors Act 1969 [uk-minors-1969];
  Victoria Summary Offences Act [vic-summary-offences] in docs/references.md);
- pus, fever and red streaks are always urgent ([zocdoc-cellulitis], [simunovic2014]);
- a screening question's outcome and a triage escalation may be made stricter, never more lenient (a
  ``stop`` stays stop, pregnancy stays at least ``defer``);
- a question the packaged rules require stays required;
- a number may change only within the range its source gives (the packaged ``X_range`` beside ``X``);
  numbers without a published range, and the ranges themselves, are not overridable.

:func:`check_overrides` refuses an override file that tries any of this (one :class:`InputError` naming
the rule); :func:`minimum_age_years`, :func:`question_outcome` and :data:`RED_FLAGS` are applied again where
each decision is made, so a rule set that reached the decision some other way still cannot lower them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smpstudio.errors import InputError

__all__ = [
    "DISPOSITIONS",
    "MINIMUM_AGE_FLOOR_YEARS",
    "OUTCOMES",
    "RED_FLAGS",
    "check_overrides",
    "minimum_age_years",
    "question_outcome",
    "stricter",
]

#: Screening outcomes, most lenient first.
OUTCOMES = ("proceed", "counsel", "doctor_clearance", "defer", "stop")
#: Triage dispositions, most lenient first.
DISPOSITIONS = ("expected", "monitor", "contact_practitioner", "see_doctor", "urgent")
#: No tattooing under 18 [uk-minors-1969] [vic-summary-offences]. [years]
MINIMUM_AGE_FLOOR_YEARS = 18
#: Highest minimum age a jurisdiction is known to set; a clinic's setting above it is a typo. [years]
MINIMUM_AGE_CEILING_YEARS = 21
#: Jurisdictions whose law sets a minimum age above the floor (none known yet). [years]
JURISDICTION_MINIMUM_AGE_YEARS: dict[str, int] = {}
#: Symptoms that are always urgent: signs of a spreading infection [zocdoc-cellulitis] [simunovic2014].
RED_FLAGS = ("pus", "fever", "red_streaks")
#: Keys whose value is an ordered severity; a clinic may raise it, never lower it.
_SEVERITY_KEYS = {"outcome", "otherwise", "spreading", "worsening", "red_flag", "expected_disposition"}
#: Numbers whose source range is named differently from ``KEY_range``.
_RANGE_NAMES = {"minimum_interval_days": "minimum_interval_range_days", "day": "range_days"}


def stricter(a: str, b: str) -> str:
    """The stricter of two outcomes or two dispositions."""
    scale = OUTCOMES if a in OUTCOMES else DISPOSITIONS
    return max(a, b, key=scale.index)


def minimum_age_years(configured: int, jurisdiction: str = "default") -> int:
    """The minimum age applied: the clinic's setting, never below 18 nor the jurisdiction's own."""
    return max(MINIMUM_AGE_FLOOR_YEARS, JURISDICTION_MINIMUM_AGE_YEARS.get(jurisdiction, 0), int(configured))


def question_outcome(packaged: Mapping[str, Any], question: str, configured: str) -> str:
    """A question's outcome: the clinic's when stricter, else the packaged one."""
    rule = packaged.get("screening", {}).get("questions", {}).get(question)
    return stricter(configured, rule["outcome"]) if rule else configured


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _range_of(section: Mapping[str, Any], key: str) -> list[float] | None:
    for name in (_RANGE_NAMES.get(key), f"{key}_range"):
        if name and isinstance(section.get(name), list) and len(section[name]) == 2:
            return [float(section[name][0]), float(section[name][1])]
    return None


def _refuse(path: str, message: str, allowed: str) -> InputError:
    return InputError(message, field=f"rules.{path}", allowed=allowed)


def _walk(packaged: Any, merged: Any, path: str, section: Mapping[str, Any]) -> None:
    if isinstance(packaged, dict) and isinstance(merged, dict):
        for key, old in packaged.items():
            where = f"{path}.{key}" if path else key
            if key not in merged:
                continue
            new = merged[key]
            if isinstance(old, dict | list):
                _walk(old, new, where, packaged)
            elif new != old:
                _check_leaf(where, key, old, new, packaged)
        return
    if isinstance(packaged, list) and isinstance(merged, list):
        if any(isinstance(x, dict) for x in packaged):
            if len(merged) != len(packaged):
                raise _refuse(
                    path, "a clinic may reword these entries, not add or remove them", "the same entries"
                )
            for i, (old, new) in enumerate(zip(packaged, merged, strict=True)):
                _walk(old, new, f"{path}[{i}]", section)
        elif merged != packaged:
            raise _refuse(path, "is not overridable", "the packaged value")


def _check_leaf(path: str, key: str, old: Any, new: Any, section: Mapping[str, Any]) -> None:
    if key in _SEVERITY_KEYS and isinstance(old, str) and (old in OUTCOMES or old in DISPOSITIONS):
        scale = OUTCOMES if old in OUTCOMES else DISPOSITIONS
        if new not in scale:
            raise _refuse(path, f"unknown value {new!r}", ", ".join(scale))
        if key == "red_flag" or scale.index(new) < scale.index(old):
            raise _refuse(path, f"may not be lowered from {old!r} to {new!r}", f"{old} or stricter")
        return
    if key == "required" and old is True and new is not True:
        raise _refuse(path, "a required question stays required", "true")
    if key == "minimum_age_years":
        if not isinstance(new, int) or isinstance(new, bool):
            raise _refuse(path, f"{new!r} is not a whole number of years", "a whole number of years")
        if not MINIMUM_AGE_FLOOR_YEARS <= new <= MINIMUM_AGE_CEILING_YEARS:
            raise _refuse(
                path,
                f"{new!r} is not allowed: no one under {MINIMUM_AGE_FLOOR_YEARS} is treated",
                f"{MINIMUM_AGE_FLOOR_YEARS} to {MINIMUM_AGE_CEILING_YEARS} years",
            )
        return
    if _is_number(old):
        bounds = _range_of(section, key)
        if bounds is None:
            raise _refuse(path, "has no published range, so it is not overridable", f"{old}")
        if not _is_number(new) or not bounds[0] <= new <= bounds[1]:
            raise _refuse(path, f"{new!r} is outside its source's range", f"{bounds[0]:g} to {bounds[1]:g}")
        return
    if isinstance(old, bool) or type(new) is not type(old):
        raise _refuse(path, f"{new!r} has the wrong type", type(old).__name__)


def check_overrides(packaged: Mapping[str, Any], merged: Mapping[str, Any]) -> None:
    """Refuse a merged rule set that loosens a floor or leaves a source's range (see the module docstring)."""
    _walk(dict(packaged), dict(merged), "", packaged)
