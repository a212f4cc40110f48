"""Side-effect triage: from the days since a session and a client's symptoms, what to do and why.

Dispositions are ordered :data:`DISPOSITIONS`; each symptom gives one (expected inside its normal window,
its "otherwise" outside it, its red-flag level always), modifiers only ever raise it (spreading and
worsening to the symptom's own escalation or one level up; a gland over the size limit; anything lasting
over the duration limit), and the worst wins: adding a symptom or a modifier never lowers the answer.
A blue, spreading or blown-out dot goes to a repair consultation, not to a doctor, unless signs of
inflammation come with it. Rules and texts: ``data/rules/care.toml`` ``[triage]`` ([clinic-side-effects],
[zocdoc-cellulitis] in docs/references.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from smpstudio.care.floors import DISPOSITIONS, RED_FLAGS
from smpstudio.care.rules import RuleSet
from smpstudio.errors import InputError, check_range

__all__ = ["DISPOSITIONS", "SYMPTOMS", "Triage", "triage"]

SYMPTOMS = (
    "redness", "swelling", "itch", "tightness", "scabs", "large_dots", "lightening", "blue_dots",
    "dots_spreading", "lymph_node", "pus", "fever", "red_streaks", "papules", "rash", "blisters", "pain",
    "bleeding", "raised_scar",
)  # fmt: skip
#: Symptoms that are signs of inflammation when they are not expected.
INFLAMMATION = ("redness", "swelling", "pain", "pus", "fever", "red_streaks")


@dataclass(frozen=True)
class Triage:
    disposition: str
    explanation: str
    watch_for: list[str]
    sources: list[str]
    rules_version: str
    repair_consultation: bool = False
    note: str = ""
    per_symptom: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "disposition": self.disposition,
            "explanation": self.explanation,
            "watch_for": self.watch_for,
            "sources": self.sources,
            "rules_version": self.rules_version,
            "repair_consultation": self.repair_consultation,
            "note": self.note,
            "per_symptom": self.per_symptom,
        }


def _up(level: str, steps: int = 1) -> str:
    return DISPOSITIONS[min(DISPOSITIONS.index(level) + steps, len(DISPOSITIONS) - 1)]


def _worst(*levels: str) -> str:
    return max(levels, key=DISPOSITIONS.index)


def triage(
    day: float,
    symptoms: list[str],
    rules: RuleSet,
    *,
    spreading: bool = False,
    worsening: bool = False,
    size_cm: float | None = None,
    duration_days: float | None = None,
) -> Triage:
    """Triage a client's report (see the module docstring)."""
    check_range("day", day, 0, 36500, unit="days")
    if not symptoms:
        raise InputError("no symptom given", field="symptom", allowed=", ".join(SYMPTOMS))
    for s in symptoms:
        if s not in SYMPTOMS:
            raise InputError(f"unknown symptom {s!r}", field="symptom", allowed=", ".join(SYMPTOMS))
    if size_cm is not None:
        check_range("size_cm", size_cm, 0.0, 50.0, unit="cm")
    if duration_days is not None:
        check_range("duration_days", duration_days, 0.0, 36500.0, unit="days")
    cfg = rules.data["triage"]
    table: dict[str, Any] = cfg["symptoms"]
    mods = cfg["modifiers"]
    rows: list[dict[str, str]] = []
    sources: list[str] = []
    watch: list[str] = []
    repair = False
    for s in dict.fromkeys(symptoms):
        rule = table[s]
        if s in RED_FLAGS or "red_flag" in rule:  # red flags are urgent whatever the rules say
            level, text = "urgent", rule["otherwise_text"]
        elif "expected_until_day" in rule and day <= rule["expected_until_day"]:
            level, text = rule.get("expected_disposition", "expected"), rule["expected"]
        else:
            level, text = rule["otherwise"], rule["otherwise_text"]
            if "late_after_day" in rule and day > rule["late_after_day"]:
                text = rule["late_text"]
        for flag, key in ((spreading, "spreading"), (worsening, "worsening")):
            if flag:
                if key in rule:
                    level, text = _worst(level, rule[key]), rule[f"{key}_text"]
                else:
                    level = _up(level)
                    text += f" {mods[key]}"
        if size_cm is not None and "size_cm_over" in rule and size_cm > rule["size_cm_over"]:
            level, text = _worst(level, "see_doctor"), rule["size_text"]
        if duration_days is not None and duration_days > mods["duration_days_escalate_over"]:
            floor = rule.get("otherwise", "contact_practitioner")
            level = _worst(level, floor, "contact_practitioner")
            text += f" {mods['duration_text']}"
        if rule.get("repair") and DISPOSITIONS.index(level) >= DISPOSITIONS.index("contact_practitioner"):
            repair = True
        rows.append({"symptom": s, "disposition": level, "explanation": text})
        sources.append(rule["source"])
        watch.append(rule["watch_for"])
    inflamed = [r for r in rows if r["symptom"] in INFLAMMATION and r["disposition"] != "expected"]
    if repair and inflamed:
        # A repair matter with inflammation is a medical one first.
        for r in rows:
            if table[r["symptom"]].get("repair"):
                r["disposition"] = _worst(r["disposition"], "see_doctor")
                r["explanation"] += " With inflammation around it, see a doctor first."
    if spreading or worsening or duration_days is not None:
        sources.append(mods["source"])
    disposition = _worst(*(r["disposition"] for r in rows))
    ordered = sorted(rows, key=lambda r: -DISPOSITIONS.index(r["disposition"]))
    explanation = " ".join(
        f"{r['symptom'].replace('_', ' ')}, day {day:g}: {r['explanation']}" for r in ordered
    )
    return Triage(
        disposition=disposition,
        explanation=explanation,
        watch_for=list(dict.fromkeys(watch)),
        sources=list(dict.fromkeys(sources)),
        rules_version=rules.version,
        repair_consultation=repair and disposition == "contact_practitioner",
        note=cfg["not_a_diagnosis"],
        per_symptom=rows,
    )
