"""Care rules, table-driven: every screening question, every triage symptom and red flag, every pigment
limit, the Kirby-Desai points, aftercare formats, and a clinic's overrides."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smpstudio.care.aftercare import aftercare_plan, plan_ics, plan_pdf, plan_text
from smpstudio.care.compliance import check_product, parse_product
from smpstudio.care.removal import estimate_removal
from smpstudio.care.rules import RuleOverrides, load_rules
from smpstudio.care.screening import OUTCOMES, screen
from smpstudio.care.triage import DISPOSITIONS, SYMPTOMS, triage
from smpstudio.errors import InputError

CARE = load_rules("care")
PIGMENTS = load_rules("pigments")
TODAY = dt.date(2026, 11, 21)
ADULT = dt.date(1990, 5, 1)
QUESTIONS = CARE.data["screening"]["questions"]
ALL_NO = {k: False for k in QUESTIONS}


def _walk(node: object, path: str = ""):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from _walk(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}[{i}]")


def test_every_rule_entry_has_a_source() -> None:
    for data in (CARE.data, PIGMENTS.data):
        for path, node in _walk(data):
            is_rule = any(k in node for k in ("outcome", "otherwise", "red_flag", "until_day", "limits"))
            if is_rule and not path.endswith("normal"):
                owner = path.rsplit(".", 1)[0] if "rules[" in path else path
                holder = node if "source" in node else dict(_walk(data)).get(owner.split("[")[0], {})
                assert "source" in node or "source" in holder, path
    for key, rule in QUESTIONS.items():
        assert rule["source"] and rule["grade"] in {"A", "B", "C", "M"}, key
    for key, rule in CARE.data["triage"]["symptoms"].items():
        assert rule["source"], key


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_each_screening_question_gives_its_outcome_with_reason_and_source(question: str) -> None:
    result = screen(ADULT, {**ALL_NO, question: True}, CARE, today=TODAY)
    rule = QUESTIONS[question]
    assert result.outcome == rule["outcome"]
    finding = next(f for f in result.findings if f["question"] == question)
    assert finding["reason"] == rule["reason"] and finding["source"] == rule["source"]
    if rule["outcome"] == "defer":
        assert result.defer_until


def test_the_worst_outcome_wins_and_all_no_proceeds() -> None:
    assert screen(ADULT, ALL_NO, CARE, today=TODAY).outcome == "proceed"
    both = screen(ADULT, {**ALL_NO, "wants_long_hair": True, "keloid_history": True}, CARE, today=TODAY)
    assert both.outcome == "stop" and len(both.findings) == 2


def test_minors_are_refused_and_unanswered_questions_are_reported() -> None:
    minor = screen(dt.date(2010, 1, 1), ALL_NO, CARE, today=TODAY)
    assert minor.outcome == "stop" and minor.findings[0]["question"] == "age"
    partial = screen(ADULT, {"diabetes": False}, CARE, today=TODAY)
    # Open questions whose "yes" needs a doctor or worse (keloid, pregnancy): a doctor's clearance at least.
    assert "keloid_history" in partial.unanswered and partial.outcome == "doctor_clearance"


@given(st.dictionaries(st.sampled_from(sorted(QUESTIONS)), st.booleans()))
def test_answering_yes_never_improves_the_outcome(answers: dict[str, bool]) -> None:
    base = screen(ADULT, {**ALL_NO, **answers}, CARE, today=TODAY).outcome
    for key in QUESTIONS:
        worse = screen(ADULT, {**ALL_NO, **answers, key: True}, CARE, today=TODAY).outcome
        assert OUTCOMES.index(worse) >= OUTCOMES.index(base)


# --- triage ------------------------------------------------------------------------------------------------

TRIAGE_TABLE = [
    # (day, symptoms, modifiers, expected disposition)
    (1, ["redness"], {}, "expected"),
    (4, ["redness"], {}, "contact_practitioner"),
    (3, ["redness"], {"spreading": True}, "see_doctor"),
    (5, ["swelling"], {}, "expected"),
    (5, ["swelling"], {"worsening": True}, "see_doctor"),
    (12, ["swelling"], {}, "contact_practitioner"),
    (3, ["itch"], {}, "expected"),
    (20, ["itch"], {}, "contact_practitioner"),
    (6, ["tightness"], {}, "expected"),
    (6, ["scabs"], {}, "expected"),
    (14, ["scabs"], {}, "contact_practitioner"),
    (4, ["large_dots"], {}, "expected"),
    (45, ["large_dots"], {}, "contact_practitioner"),
    (8, ["lightening"], {}, "expected"),
    (400, ["lightening"], {}, "monitor"),
    (60, ["blue_dots"], {}, "contact_practitioner"),
    (60, ["dots_spreading"], {}, "contact_practitioner"),
    (60, ["blue_dots", "redness"], {}, "see_doctor"),
    (5, ["lymph_node"], {}, "monitor"),
    (5, ["lymph_node"], {"size_cm": 1.5}, "see_doctor"),
    (30, ["lymph_node"], {}, "see_doctor"),
    (5, ["lymph_node"], {"duration_days": 30}, "see_doctor"),
    (2, ["pain"], {}, "expected"),
    (2, ["pain"], {"worsening": True}, "see_doctor"),
    (0, ["bleeding"], {}, "expected"),
    (14, ["papules"], {}, "see_doctor"),
    (400, ["papules"], {}, "see_doctor"),
    (10, ["rash"], {}, "see_doctor"),
    (3, ["blisters"], {}, "see_doctor"),
    (200, ["raised_scar"], {}, "see_doctor"),
    # Red flags: always urgent, whatever the day.
    (0, ["pus"], {}, "urgent"),
    (3, ["fever"], {}, "urgent"),
    (3, ["red_streaks"], {}, "urgent"),
    (4, ["large_dots", "fever"], {}, "urgent"),
]


@pytest.mark.parametrize(("day", "symptoms", "mods", "expected"), TRIAGE_TABLE)
def test_triage_table(day: float, symptoms: list[str], mods: dict[str, object], expected: str) -> None:
    result = triage(day, symptoms, CARE, **mods)  # type: ignore[arg-type]
    assert result.disposition == expected
    assert result.sources and result.explanation and result.watch_for
    assert "not a diagnosis" in result.note and "stop" not in result.explanation.lower().replace(
        "stopped", ""
    )


def test_every_symptom_is_in_the_table_and_scabs_are_explained() -> None:
    covered = {s for _, syms, _, _ in TRIAGE_TABLE for s in syms}
    assert covered == set(SYMPTOMS)
    assert "scabs" in triage(4, ["large_dots"], CARE).explanation
    assert triage(60, ["blue_dots"], CARE).repair_consultation


@given(
    day=st.integers(0, 800),
    symptoms=st.lists(st.sampled_from(SYMPTOMS), min_size=1, max_size=4),
    extra=st.sampled_from(SYMPTOMS),
    spreading=st.booleans(),
    worsening=st.booleans(),
    size=st.one_of(st.none(), st.floats(0, 5)),
    duration=st.one_of(st.none(), st.floats(0, 100)),
)
def test_adding_a_symptom_or_modifier_never_lowers_the_disposition(
    day: int,
    symptoms: list[str],
    extra: str,
    spreading: bool,
    worsening: bool,
    size: float | None,
    duration: float | None,
) -> None:
    mods = {"spreading": spreading, "worsening": worsening, "size_cm": size, "duration_days": duration}
    base = DISPOSITIONS.index(triage(day, symptoms, CARE, **mods).disposition)  # type: ignore[arg-type]
    more = triage(day, [*symptoms, extra], CARE, **mods)  # type: ignore[arg-type]
    assert DISPOSITIONS.index(more.disposition) >= base
    for key in ("spreading", "worsening"):
        raised = triage(day, symptoms, CARE, **{**mods, key: True})  # type: ignore[arg-type]
        assert DISPOSITIONS.index(raised.disposition) >= base
    bigger = triage(day, symptoms, CARE, **{**mods, "size_cm": (size or 0) + 2})  # type: ignore[arg-type]
    longer = triage(day, symptoms, CARE, **{**mods, "duration_days": (duration or 0) + 40})  # type: ignore[arg-type]
    assert DISPOSITIONS.index(bigger.disposition) >= base
    assert DISPOSITIONS.index(longer.disposition) >= base


def test_unknown_symptoms_name_the_valid_ones() -> None:
    with pytest.raises(InputError) as info:
        triage(3, ["sneezing"], CARE)
    assert info.value.field == "symptom" and "lymph_node" in str(info.value)


# --- pigments ----------------------------------------------------------------------------------------------

GOOD = {
    "name": "Scalp Black",
    "brand": "Acme",
    "lot": "L1",
    "expires": "2027-12-31",
    "ci_numbers": ["77266"],
    "substances_mg_per_kg": {"lead": 0.3, "nickel": 1.2, "benzo[a]pyrene": 0.002},
    "label": {
        "batch": "L1",
        "ingredients": ["CI 77266", "aqua"],
        "statement": "Mixture for use in tattoos or permanent make-up",
    },
}


def _check(product: dict[str, object], jurisdiction: str = "eu"):  # type: ignore[no-untyped-def]
    return check_product(parse_product(product, PIGMENTS), PIGMENTS, jurisdiction, today=TODAY)


@pytest.mark.parametrize(("jurisdiction", "substance"), [
    (j, s) for j, cfg in PIGMENTS.data["jurisdictions"].items() for s in cfg["limits"]
])  # fmt: skip
def test_each_limit_is_enforced_at_its_value(jurisdiction: str, substance: str) -> None:
    limit = PIGMENTS.data["jurisdictions"][jurisdiction]["limits"][substance]
    below = {**GOOD, "substances_mg_per_kg": {substance: limit * 0.99}}
    at = {**GOOD, "substances_mg_per_kg": {substance: limit}}
    assert not [v for v in _check(below, jurisdiction).violations if v["substance"] == substance]
    violation = next(v for v in _check(at, jurisdiction).violations if v["substance"] == substance)
    assert (
        violation["measured_mg_per_kg"] == limit
        and violation["limit_mg_per_kg"] == limit
        and violation["rule"]
    )


def test_a_compliant_lot_passes_and_problems_are_each_reported() -> None:
    assert _check(GOOD).compliant
    bad = _check(
        {**GOOD, "ci_numbers": ["74160", "77499"], "label": {"batch": "L1"}, "expires": "2025-01-01"}
    )
    rules = " ".join(v["rule"] for v in bad.violations)
    assert not bad.compliant and "Blue 15:3" in rules and "expired" in rules
    assert sum(v["substance"] is None for v in bad.violations) == 3  # statement, ingredients, expiry
    assert any("paradoxical darkening" in w for w in bad.warnings)


def test_carbon_black_without_pah_data_is_flagged_and_unverified_limits_are_not_invented() -> None:
    no_pah = _check({**GOOD, "substances_mg_per_kg": {"lead": 0.1}})
    assert any("PAH certificate" in w for w in no_pah.warnings)
    arsenic = _check({**GOOD, "substances_mg_per_kg": {"arsenic": 100.0}})
    assert arsenic.compliant and any("arsenic" in w and "unverified" in w for w in arsenic.warnings)
    assert not _check({**GOOD, "substances_mg_per_kg": {"arsenic": 3.0}}, "coe").compliant


def test_unknown_substances_name_the_valid_ones() -> None:
    with pytest.raises(InputError) as info:
        parse_product({**GOOD, "substances_mg_per_kg": {"unobtainium": 1}}, PIGMENTS)
    assert "chromium(vi)" in str(info.value)


# --- removal -----------------------------------------------------------------------------------------------

FACTORS = dict(location="head-neck", colour="black", ink_amount="minimal", scarring="none", layering="none")


def test_kirby_desai_spans_4_to_26_and_smp_expects_fewer_sessions() -> None:
    low = estimate_removal(
        CARE, skin_type="I", location="head-neck", colour="black", ink_amount="amateur", scarring="none",
        layering="none",
    )  # fmt: skip
    high = estimate_removal(
        CARE, skin_type="VI", location="distal-extremity", colour="multicolour", ink_amount="significant",
        scarring="significant", layering="cover-up",
    )  # fmt: skip
    assert low.kirby_desai_score == 4 and high.kirby_desai_score == 26
    typical = estimate_removal(CARE, skin_type="III", **FACTORS)
    assert typical.kirby_desai_score == 7 and typical.sessions_expected_smp == 2
    assert typical.wavelength_nm == 1064 and typical.interval_weeks_range == (6, 8)
    assert estimate_removal(CARE, skin_type="V", **FACTORS).interval_weeks_range == (8, 12)


def test_darkening_pigments_require_a_test_spot_and_salabrasion_is_discouraged() -> None:
    plain = estimate_removal(CARE, skin_type="III", **FACTORS)
    iron = estimate_removal(CARE, skin_type="III", pigment_contains=("iron-oxide",), **FACTORS)
    assert not any("paradoxical" in w for w in plain.warnings)
    assert any("paradoxical" in w for w in iron.warnings) and "Test spot" in iron.recommendation
    assert "not recommended" in plain.recommendation
    with pytest.raises(InputError) as info:
        estimate_removal(CARE, skin_type="III", **{**FACTORS, "location": "scalp"})
    assert "head-neck" in str(info.value)


# --- aftercare and overrides -------------------------------------------------------------------------------


def test_aftercare_plan_has_every_rule_by_date_in_every_format() -> None:
    plan = aftercare_plan(TODAY, CARE)
    wash = next(r for r in plan.rules if r["key"] == "washing")
    assert wash["until_date"] == "2026-11-25"
    assert "Do not wet or wash the scalp." in plan.days[0]["avoid"]
    assert "Do not wet or wash the scalp." not in plan.days[4]["avoid"]
    assert any("Scabs shed" in t for t in plan.days[7]["normal"])
    assert "Saturday 21 November 2026" in plan_text(plan)
    ics = plan_ics(plan, stamp=dt.datetime(2026, 11, 21, 9, tzinfo=dt.UTC)).decode()
    assert ics.count("BEGIN:VEVENT") == len(plan.rules) and "DTSTART;VALUE=DATE:20261125" in ics
    pdf = plan_pdf(plan)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type /Page[^s]", pdf)) == 1


def test_a_clinic_overrides_a_default_and_the_version_says_so(tmp_path: Path) -> None:
    own = tmp_path / "clinic.toml"
    own.write_text('version = "7"\n[care.aftercare.not_normal]\ntext = "Call Dr Who on 555 0100."\n')
    rules = load_rules("care", RuleOverrides.from_toml(own.read_text()))
    assert rules.version.startswith("care-2026.11.3+clinic-7-")
    assert aftercare_plan(TODAY, rules).not_normal == "Call Dr Who on 555 0100."
    own.write_text("[care.aftercare.no_such_rule]\nx = 1\n")
    with pytest.raises(InputError) as info:
        load_rules("care", RuleOverrides.from_toml(own.read_text()))
    assert info.value.field == "rules" and "no_such_rule" in str(info.value)
    json.dumps(rules.data)  # plain data, storable with a record


def test_patch_test_is_recommended_after_a_reaction_and_read_at_48_96_168_h() -> None:
    from smpstudio.care.patch_test import patch_test_plan, patch_test_record

    first = dt.date(2026, 12, 10)
    plan = patch_test_plan(first, {**ALL_NO, "ink_or_anaesthetic_reaction": True}, CARE, today=TODAY)
    assert plan["recommended"] and plan["apply_on"] == "2026-12-03" and not plan["warnings"]
    assert plan["read_at"] == ["2026-12-05T09:00", "2026-12-07T09:00", "2026-12-10T09:00"]
    assert "cannot be reliably diagnosed" in plan["limited_value"]
    assert not patch_test_plan(first, ALL_NO, CARE, today=TODAY)["recommended"]
    late = patch_test_plan(dt.date(2026, 11, 22), ALL_NO, CARE, today=TODAY)
    assert "too late" in late["warnings"][0]
    applied = dt.datetime(2026, 12, 3, 9)
    record = patch_test_record(
        site="behind the left ear", lot="L1", applied_at=applied, read_at=applied + dt.timedelta(hours=96),
        result="positive", rules=CARE,
    )  # fmt: skip
    assert record["blocks_session"] and record["limited_value"] == plan["limited_value"]
    with pytest.raises(InputError) as info:
        patch_test_record(
            site="ear", lot="L1", applied_at=applied, read_at=applied + dt.timedelta(hours=12),
            result="negative", rules=CARE,
        )  # fmt: skip
    assert info.value.field == "read_at"
