"""The care answers page: triage, the aftercare handout in each format, the pigment check and the removal
estimate as forms (whole page, and one section for HTMX), with errors beside their field."""

from __future__ import annotations

import json

import pytest

from smpstudio.services import clinic_settings
from tests.web.clinic_html import csrf_field, structure_problems, text_of
from tests.web.conftest import ROLES, ctx_for
from tests.web.populated import Populated, populated_fixture, populated_template_fixture  # noqa: F401

REMOVAL = {
    "skin_type": "III",
    "location": "head-neck",
    "colour": "black",
    "ink_amount": "amateur",
    "scarring": "none",
    "layering": "none",
}
HX = {"HX-Request": "true"}


@pytest.mark.parametrize("role", ROLES)
def test_the_care_page_opens_for_every_role(populated: Populated, role: str) -> None:
    answer = populated.cookie(role).get("/care")
    assert answer.status_code == 200 and not structure_problems(answer.text)
    for heading in ("Triage of symptoms", "Aftercare handout", "Removal estimate", "Pigment check"):
        assert heading in answer.text
    assert 'href="/api/v1/care/triage"' in answer.text


def test_triage_answers_with_the_disposition_in_words_and_its_sources(populated: Populated) -> None:
    desk = populated.cookie("front-desk")
    token = csrf_field(desk.get("/care"))
    del desk.headers["X-CSRF-Token"]
    answer = desk.post("/care/triage", data={"day": "3", "symptoms": ["redness", "pus"], "csrf_token": token})
    assert answer.status_code == 200 and not structure_problems(answer.text)
    text = text_of(answer)
    assert "Urgent: seek medical care today." in text and "Sources:" in text
    assert "Pus: urgent" in text
    assert 'value="pus" checked' in answer.text  # the answers stay ticked


def test_triage_for_htmx_swaps_only_its_section(populated: Populated) -> None:
    answer = populated.cookie("owner").post(
        "/care/triage", data={"day": "1", "symptoms": ["itch"]}, headers=HX
    )
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section class="card" id="triage"')
    assert "<html" not in answer.text and "Expected: part of normal healing." in text_of(answer)
    assert 'name="csrf_token" value="' in answer.text  # the swapped form can be sent again


def test_triage_without_a_symptom_names_the_field(populated: Populated) -> None:
    owner = populated.cookie("owner")
    answer = owner.post("/care/triage", data={"day": "2"})
    assert answer.status_code == 422 and "no symptom given" in text_of(answer)
    partial = owner.post("/care/triage", data={"day": "-4", "symptoms": ["itch"]}, headers=HX)
    assert partial.status_code == 200 and 'id="e-day"' in partial.text  # HTMX swaps a 200 only


def test_the_aftercare_handout_as_text_pdf_and_calendar(populated: Populated) -> None:
    owner = populated.cookie("owner")
    text = owner.post("/care/aftercare", data={"session_date": "2026-03-02", "format": "text"})
    assert text.status_code == 200 and "Aftercare after your SMP session on Monday 02 March 2026" in text_of(
        text
    )
    pdf = owner.post("/care/aftercare", data={"session_date": "2026-03-02", "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"] == 'attachment; filename="aftercare-2026-03-02.pdf"'
    ics = owner.post("/care/aftercare", data={"session_date": "2026-03-02", "format": "ics"})
    assert ics.headers["content-type"].startswith("text/calendar") and b"BEGIN:VCALENDAR" in ics.content


def test_an_aftercare_date_that_is_no_date_names_the_field(populated: Populated) -> None:
    answer = populated.cookie("owner").post(
        "/care/aftercare", data={"session_date": "tuesday", "format": "pdf"}
    )
    assert answer.status_code == 422 and 'id="e-session_date"' in answer.text


def test_the_pigment_check_names_the_rule_broken(populated: Populated) -> None:
    product = {"name": "Dark", "lot": "L1", "substances_mg_per_kg": {"nickel": 9}}
    answer = populated.cookie("practitioner").post(
        "/care/pigment-check", data={"product": json.dumps(product), "jurisdiction": "eu"}
    )
    assert answer.status_code == 200
    text = text_of(answer)
    assert "The lot does not comply." in text and "nickel must stay below 5 mg/kg" in text


def test_a_product_that_is_not_json_is_refused(populated: Populated) -> None:
    answer = populated.cookie("owner").post("/care/pigment-check", data={"product": "{nope"})
    assert answer.status_code == 422 and "Field: product" in text_of(answer)
    assert "{nope" in answer.text  # the text stays to fix


def test_the_removal_estimate_with_its_sources(populated: Populated) -> None:
    answer = populated.cookie("owner").post(
        "/care/removal", data={**REMOVAL, "pigment_contains": ["iron-oxide"]}
    )
    text = text_of(answer)
    assert answer.status_code == 200 and "sessions expected for SMP" in text and "1064 nm" in text
    assert "Kirby-Desai score 6" in text and "Sources:" in text


def test_a_removal_factor_outside_the_rules_is_refused_naming_it(populated: Populated) -> None:
    answer = populated.cookie("owner").post("/care/removal", data={**REMOVAL, "skin_type": "IX"})
    assert answer.status_code == 422 and "Field: skin_type, allowed: I, II, III, IV, V, VI" in text_of(answer)


def test_the_answers_use_the_clinics_rules_in_force(populated: Populated) -> None:
    owner_ctx = ctx_for(populated.store, populated.users["owner"])
    body = "[care.triage.symptoms.swelling]\nsize_cm_over = 3.0\n"
    clinic_settings.set_clinic_rules(owner_ctx, clinic_settings.SetClinicRulesRequest.of(body=body))
    data = {"day": "3", "symptoms": ["swelling"], "size_cm": "4"}
    text = text_of(populated.cookie("owner").post("/care/triage", data=data))
    assert "See a doctor." in text and "clinic-v1" in text  # 4 cm is over the clinic's 3 cm
