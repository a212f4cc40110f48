"""Care use cases, one call each: a typed request in, a typed result out, rules and today from the context."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from smpstudio.care.rules import RuleOverrides, load_rules
from smpstudio.errors import DocumentError, InputError
from smpstudio.services.care import (
    AftercareRequest,
    PatchTestRequest,
    PigmentCheckRequest,
    RemovalRequest,
    ScreenRequest,
    TriageRequest,
    aftercare,
    check_pigment,
    patch_test,
    removal_estimate,
    screen_client,
    triage_report,
)
from smpstudio.services.context import Clock, ServiceContext

QUESTIONS = sorted(load_rules("care").data["screening"]["questions"])
ALL_NO = {q: False for q in QUESTIONS}
PRODUCT = {
    "name": "Black", "brand": "B", "lot": "L7", "expires": "2027-01-01", "ci_numbers": ["77266"],
    "substances_mg_per_kg": {"lead": 0.3, "benzo[a]pyrene": 0.002},
    "label": {"batch": "L7", "ingredients": ["CI 77266"], "statement": "Mixture for use in tattoos"},
}  # fmt: skip


def ctx_at(when: dt.datetime, tz: str = "UTC", overrides: RuleOverrides | None = None) -> ServiceContext:
    return ServiceContext(
        care_rules=load_rules("care", overrides),
        pigment_rules=load_rules("pigments", overrides),
        clock=Clock.fixed(when, tz),
    )


CTX = ctx_at(dt.datetime(2026, 11, 21, 12))


def test_screening_uses_the_clinic_today_for_age_and_deferral() -> None:
    # 23:30 UTC on the 17th is already the 18th in Sydney: the client turns 18 there, not in London.
    born = {"date_of_birth": "2008-12-18", "answers": ALL_NO}
    late = dt.datetime(2026, 12, 17, 23, 30)
    london = screen_client(ctx_at(late, "Europe/London"), ScreenRequest.of(answers=born))
    sydney = screen_client(ctx_at(late, "Australia/Sydney"), ScreenRequest.of(answers=born))
    assert london.outcome == "stop" and london.findings[0]["question"] == "age"
    assert sydney.outcome == "proceed"
    pregnant = {"date_of_birth": "1990-05-01", "answers": {**ALL_NO, "pregnant_or_breastfeeding": True}}
    result = screen_client(CTX, ScreenRequest.of(answers=pregnant))
    assert result.outcome == "defer" and result.defer_until and not result.unanswered


def test_screening_result_json_keeps_its_fields() -> None:
    result = screen_client(CTX, ScreenRequest.of(answers={"date_of_birth": "1990-05-01", "answers": {}}))
    body = result.to_json()
    assert list(body) == ["outcome", "findings", "unanswered", "defer_until", "rules_version"]
    assert body["outcome"] == "doctor_clearance" and body["unanswered"]  # open questions are not "no"
    assert set(body["unanswered"]) <= set(QUESTIONS)


@pytest.mark.parametrize(
    ("document", "field", "allowed"),
    [
        ([1, 2], "answers", None),
        ({"date_of_birth": "1990-05-01", "answers": {"x": True}}, "answers", "keloid_history"),
        ({"date_of_birth": "soon", "answers": {}}, "date_of_birth", "YYYY-MM-DD"),
        ({"date_of_birth": "1990-05-01", "answers": {"diabetes": "yes"}}, "answers.diabetes", "true"),
    ],
)
def test_a_bad_questionnaire_names_its_field(document: object, field: str, allowed: str | None) -> None:
    with pytest.raises(InputError) as info:
        screen_client(CTX, ScreenRequest.of(answers=document))
    assert info.value.field == field and info.value.kind == "invalid"
    if allowed:
        assert allowed in (info.value.allowed or "")


def test_triage_gives_the_disposition_and_refuses_unknowns() -> None:
    result = triage_report(CTX, TriageRequest.of(day=3, symptoms=["fever"]))
    assert result.disposition == "urgent" and result.per_symptom[0]["symptom"] == "fever"
    assert set(result.to_json()) == {
        "disposition", "explanation", "watch_for", "sources", "rules_version", "repair_consultation",
        "note", "per_symptom",
    }  # fmt: skip
    with pytest.raises(InputError) as info:
        triage_report(CTX, TriageRequest.of(day=3, symptoms=["sneezing"]))
    assert info.value.field == "symptom" and "red_streaks" in (info.value.allowed or "")
    with pytest.raises(InputError) as info:
        TriageRequest.of(day="tomorrow", symptoms=["itch"])
    assert info.value.field == "day"
    with pytest.raises(InputError) as info:
        TriageRequest.of(day=3, symptoms=["itch"], colour="red")
    assert info.value.field == "colour"


@pytest.mark.parametrize("fmt", ["text", "json", "ics", "pdf"])
def test_aftercare_returns_the_handout_bytes_not_in_its_json(fmt: str) -> None:
    result = aftercare(CTX, AftercareRequest.of(session_date="2026-11-21", format=fmt))
    assert result.to_json() == {
        "out": None, "format": fmt, "rules_version": CTX.care_rules.version, "days": 31,
    }  # fmt: skip
    assert len(result.content) > 200 and result.media_type
    if fmt == "pdf":
        assert result.content.startswith(b"%PDF")
    if fmt == "ics":
        # The calendar entries are stamped with the context's clock, so the bytes are reproducible.
        assert b"DTSTAMP:20261121T120000Z" in result.content
        assert (
            result.content
            == aftercare(CTX, AftercareRequest.of(session_date="2026-11-21", format=fmt)).content
        )


def test_aftercare_refuses_an_unknown_format_and_a_bad_date() -> None:
    with pytest.raises(InputError) as info:
        aftercare(CTX, AftercareRequest.of(session_date="2026-11-21", format="docx"))
    assert info.value.field == "format" and "pdf" in (info.value.allowed or "")
    with pytest.raises(InputError) as info:
        AftercareRequest.of(session_date="2026-13-01", format="pdf")
    assert info.value.field == "session_date"


def test_a_clinic_override_reaches_the_use_case_through_the_context() -> None:
    own = RuleOverrides.from_toml('version = "7"\n[care.aftercare.not_normal]\ntext = "Call Dr Who."\n')
    ctx = ctx_at(dt.datetime(2026, 11, 21, 12), overrides=own)
    result = aftercare(ctx, AftercareRequest.of(session_date="2026-11-21", format="text"))
    assert result.rules_version.startswith("care-2026.11.3+clinic-7-")
    assert "Call Dr Who." in result.content.decode()


def test_pigment_expiry_is_judged_on_the_clinic_today() -> None:
    request = PigmentCheckRequest.of(product=PRODUCT)
    assert check_pigment(ctx_at(dt.datetime(2026, 12, 31, 12)), request).compliant
    # 23:30 UTC on 1 January is 2 January in Sydney: the lot expired there the day before.
    late = dt.datetime(2027, 1, 1, 23, 30)
    assert check_pigment(ctx_at(late, "Europe/London"), request).compliant
    expired = check_pigment(ctx_at(late, "Australia/Sydney"), request)
    assert not expired.compliant and "expired" in expired.violations[0]["rule"]
    with pytest.raises(InputError) as info:
        check_pigment(CTX, PigmentCheckRequest.of(product=PRODUCT, jurisdiction="mars"))
    assert info.value.field == "jurisdiction" and "eu" in (info.value.allowed or "")
    with pytest.raises(InputError) as info:
        check_pigment(CTX, PigmentCheckRequest.of(product="not a product"))
    assert info.value.field == "product"


def test_patch_test_plan_starts_no_earlier_than_the_clinic_today() -> None:
    reaction = {"date_of_birth": "1990-05-01", "answers": {**ALL_NO, "ink_or_anaesthetic_reaction": True}}
    plan = patch_test(CTX, PatchTestRequest.of(first_session="2026-12-10", answers=reaction))
    assert plan.recommended and plan.apply_on == "2026-12-03"
    assert plan.read_at == ["2026-12-05T09:00", "2026-12-07T09:00", "2026-12-10T09:00"]
    soon = patch_test(CTX, PatchTestRequest.of(first_session="2026-11-22"))
    assert not soon.recommended and soon.apply_on == "2026-11-21" and "too late" in soon.warnings[0]


def test_removal_estimate_scores_and_names_bad_factors_in_snake_case() -> None:
    factors = dict(
        location="head-neck", colour="black", ink_amount="minimal", scarring="none", layering="none"
    )
    result = removal_estimate(CTX, RemovalRequest.of(**factors))
    assert result.kirby_desai_score == 7 and result.to_json()["sessions_expected_smp_range"] == [1, 3]
    with pytest.raises(InputError) as info:
        removal_estimate(CTX, RemovalRequest.of(**{**factors, "ink_amount": "lots"}))
    assert info.value.field == "ink_amount"
    with pytest.raises(InputError) as info:
        removal_estimate(CTX, RemovalRequest.of(**factors, pigment_contains=["lead"]))
    assert info.value.field == "pigment_contains" and "iron-oxide" in (info.value.allowed or "")


#: Pure functions allowed to read the system clock (none: every caller passes the clinic's today).
PENDING_TODAY: set[str] = set()


def test_no_care_code_reads_the_system_clock() -> None:
    from pathlib import Path

    import smpstudio.care
    import smpstudio.services.care

    files = [*Path(smpstudio.care.__file__).parent.glob("*.py"), Path(smpstudio.services.care.__file__)]
    pattern = re.compile(r"date\.today\(|datetime\.now\(|datetime\.today\(|\btime\.time\(")
    offenders = [
        f"{p.name}: {m.group(0)}"
        for p in files
        if p.name not in PENDING_TODAY
        for m in pattern.finditer(p.read_text())
    ]
    assert not offenders, offenders


def test_malformed_json_names_the_field() -> None:
    from smpstudio.errors import parse_json_text

    with pytest.raises(DocumentError) as info:
        screen_client(CTX, ScreenRequest.of(answers=parse_json_text(b"{oops", "answers")))
    assert info.value.field == "answers"
