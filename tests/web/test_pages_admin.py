"""The administration pages: the audit trail's verdict, the staff (add, deactivate, certificates), a user's
password and API tokens, and the clinic's settings with its rule overrides; roles and another clinic's ids."""

from __future__ import annotations

import re

import pytest

from smpstudio.services import clinic_settings, clinics
from smpstudio.services.protection import AuditCheck
from smpstudio.web.pages.admin import audit_verdict
from tests.web.clinic_html import csrf_field, structure_problems, text_of
from tests.web.conftest import ROLES, ctx_for
from tests.web.populated import Populated, populated_fixture, populated_template_fixture  # noqa: F401

NEW_PASSWORD = "a new password 2026"


def _users(populated: Populated) -> dict[int, clinics.UserSummary]:
    return {u.id: u for u in clinics.list_users(ctx_for(populated.store, populated.users["owner"])).users}


# --- the audit trail ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("practitioner", 403), ("front-desk", 403)])
def test_the_audit_verdict_is_for_owners(populated: Populated, role: str, status: int) -> None:
    answer = populated.cookie(role).get("/audit")
    assert answer.status_code == status
    if status == 200:
        assert "The audit trail is intact." in text_of(answer) and not structure_problems(answer.text)
        assert 'href="/api/v1/audit/verify"' in answer.text


def _check(ok: bool, entries: int, first_bad: int | None, append_only: bool) -> AuditCheck:
    return AuditCheck(
        ok=ok, entries=entries, first_bad_entry=first_bad, last_hash="0" * 64, append_only=append_only
    )


@pytest.mark.parametrize(
    ("check", "headline", "tone"),
    [
        (_check(True, 9, None, True), "intact", "ok"),
        (_check(False, 4, 5, True), "changed", "danger"),
        (_check(False, 9, None, False), "no longer protected", "danger"),
    ],
)
def test_the_verdict_in_plain_words(check: AuditCheck, headline: str, tone: str) -> None:
    words, meaning, shade = audit_verdict(check)
    assert headline in words and shade == tone
    if check.first_bad_entry:
        assert "Entry 5 does not verify" in meaning


# --- users -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_staff_and_only_owners_manage_them(populated: Populated, role: str) -> None:
    answer = populated.cookie(role).get("/users")
    assert answer.status_code == 200 and not structure_problems(answer.text)
    text = text_of(answer)
    assert "Pat Practitioner" in text and "Fran Desk" in text and "Sam Staff A" in text
    assert "Sam Staff B" not in text
    assert ('action="/users"' in answer.text) == (role == "owner")
    assert ("Deactivate" in text) == (role == "owner")


def test_an_owner_adds_a_user_with_the_form(populated: Populated) -> None:
    owner = populated.cookie("owner")
    token = csrf_field(owner.get("/users"))
    del owner.headers["X-CSRF-Token"]
    form = {
        "name": "Nova New",
        "role": "front-desk",
        "email": "nova@clinic-a.example.org",
        "csrf_token": token,
    }
    answer = owner.post("/users", data=form)
    assert answer.status_code == 303
    user_id = int(answer.headers["location"].rsplit("/", 1)[1])
    assert _users(populated)[user_id].name == "Nova New"
    page = owner.get(answer.headers["location"])
    assert page.status_code == 200 and "Set Nova New's password" in text_of(page)


def test_a_taken_email_re_renders_the_form(populated: Populated) -> None:
    form = {"name": "Twin", "role": "practitioner", "email": "prac@clinic-a.example.org"}
    answer = populated.cookie("owner").post("/users", data=form)
    assert answer.status_code == 409 and "Field: email" in text_of(answer)
    assert 'value="Twin"' in answer.text


def test_a_practitioner_may_not_add_a_user(populated: Populated) -> None:
    answer = populated.cookie("practitioner").post("/users", data={"name": "X", "role": "owner"})
    assert answer.status_code == 403


def test_an_owner_deactivates_staff_but_not_themself(populated: Populated) -> None:
    owner = populated.cookie("owner")
    staff = populated.a.staff_id
    assert "data-confirm=" in owner.get("/users").text
    assert owner.post(f"/users/{staff}/deactivate").status_code == 303
    assert not _users(populated)[staff].active
    refused = owner.post(f"/users/{populated.users['owner']}/deactivate")
    assert refused.status_code == 409 and "stay active" in text_of(refused)


def test_a_certificate_is_recorded_and_a_bad_date_is_refused(populated: Populated) -> None:
    owner = populated.cookie("owner")
    owner_id = populated.users["owner"]  # no certificate yet
    answer = owner.post(
        f"/users/{owner_id}/certifications", data={"kind": "smp-training", "expires": "2031-05-01"}
    )
    assert answer.status_code == 303
    assert str(_users(populated)[owner_id].certifications["smp-training"]) == "2031-05-01"
    bad = owner.post(f"/users/{owner_id}/certifications", data={"kind": "smp-training", "expires": "soon"})
    assert bad.status_code == 422 and "Field: expires" in text_of(bad)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/users/{id}/deactivate", None),
        ("/users/{id}/certifications", {"kind": "smp-training", "expires": "2031-01-01"}),
        ("/users/{id}/tokens", {"name": "x"}),
    ],
)
def test_another_clinics_user_is_not_found(
    populated: Populated, path: str, data: dict[str, str] | None
) -> None:
    owner = populated.cookie("owner")
    assert owner.post(path.format(id=populated.b.staff_id), data=data).status_code == 404
    assert owner.get(f"/users/{populated.b.staff_id}").status_code == 404


# --- a user's account --------------------------------------------------------------------------------------


def test_staff_open_their_own_account_but_not_anothers(populated: Populated) -> None:
    prac = populated.cookie("practitioner")
    mine = prac.get(f"/users/{populated.users['practitioner']}")
    assert mine.status_code == 200 and "Change your password" in text_of(mine)
    assert mine.headers["cache-control"] == "no-store" and not structure_problems(mine.text)
    assert prac.get(f"/users/{populated.users['owner']}").status_code == 403


def test_two_different_passwords_are_refused_naming_the_second(populated: Populated) -> None:
    me = populated.users["front-desk"]
    answer = populated.cookie("front-desk").post(
        f"/users/{me}/password", data={"password": NEW_PASSWORD, "password_again": "something else"}
    )
    assert answer.status_code == 422 and "Field: password_again" in text_of(answer)
    assert 'id="e-password_again"' in answer.text


def test_setting_ones_own_password_signs_out_everywhere(populated: Populated) -> None:
    desk = populated.cookie("front-desk")
    me = populated.users["front-desk"]
    answer = desk.post(
        f"/users/{me}/password", data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert desk.get("/users").status_code == 303  # the old session ended: back to the login page


def test_a_token_is_shown_once_works_and_is_revoked(populated: Populated) -> None:
    prac = populated.cookie("practitioner")
    me = populated.users["practitioner"]
    issued = prac.post(f"/users/{me}/tokens", data={"name": "backup script"})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    found = re.search(r'id="issued-token" type="text" readonly value="([^"]+)"', issued.text)
    assert found and "it will not be shown again" in text_of(issued)
    api = populated.anonymous()
    api.headers["Authorization"] = f"Bearer {found.group(1)}"
    assert api.get("/api/v1/me").json()["user_id"] == me
    assert found.group(1) not in prac.get(f"/users/{me}").text  # never shown again
    revoke = re.search(rf'action="/users/{me}/tokens/(\d+)/revoke"', prac.get(f"/users/{me}").text)
    assert revoke
    answer = prac.post(f"/users/{me}/tokens/{revoke.group(1)}/revoke")
    assert answer.status_code == 303 and answer.headers["location"] == f"/users/{me}#tokens"
    assert api.get("/api/v1/me").status_code == 401


def test_another_clinics_token_is_not_found(populated: Populated) -> None:
    owner = populated.cookie("owner")
    answer = owner.post(f"/users/{populated.users['owner']}/tokens/{populated.b.token_id}/revoke")
    assert answer.status_code == 404


# --- settings ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_settings_and_only_owners_edit(populated: Populated, role: str) -> None:
    answer = populated.cookie(role).get("/settings")
    assert answer.status_code == 200 and not structure_problems(answer.text)
    text = text_of(answer)
    assert "Clinic A" in answer.text and "years" in text and "The minimum age is 18" in text
    assert ('action="/settings"' in answer.text) == (role == "owner")
    assert 'href="/api/v1/clinic"' in answer.text


def test_an_owner_updates_the_details_for_handouts(populated: Populated) -> None:
    owner = populated.cookie("owner")
    token = csrf_field(owner.get("/settings"))
    del owner.headers["X-CSRF-Token"]
    form = {"phone": "+44 113 496 0000", "address": "1 Park Row, Leeds", "csrf_token": token}
    assert owner.post("/settings", data=form).status_code == 303
    details = clinic_settings.show_clinic(ctx_for(populated.store, populated.users["owner"]))
    assert details.phone == "+44 113 496 0000" and details.address == "1 Park Row, Leeds"
    assert details.name == "Clinic A"  # a field left empty keeps what is on record


def test_an_owner_sets_the_retention_policy_and_out_of_range_years_are_refused(populated: Populated) -> None:
    owner = populated.cookie("owner")
    answer = owner.post("/settings", data={"retention_years": "10", "jurisdiction": "uk-nhs"})
    assert answer.status_code == 303 and answer.headers["location"] == "/settings#retention"
    details = clinic_settings.show_clinic(ctx_for(populated.store, populated.users["owner"]))
    assert details.retention_years == 10 and details.jurisdiction == "uk-nhs"
    refused = owner.post("/settings", data={"retention_years": "0"})
    assert refused.status_code == 422 and "Field: retention_years" in text_of(refused)
    assert (
        clinic_settings.show_clinic(ctx_for(populated.store, populated.users["owner"])).retention_years == 10
    )


def test_a_wrong_timezone_re_renders_naming_the_field(populated: Populated) -> None:
    answer = populated.cookie("owner").post("/settings", data={"timezone": "Mars/Olympus"})
    assert answer.status_code == 422 and "Field: timezone" in text_of(answer)
    assert 'value="Mars/Olympus"' in answer.text


def test_a_practitioner_may_not_change_the_settings(populated: Populated) -> None:
    prac = populated.cookie("practitioner")
    assert prac.post("/settings", data={"phone": "1"}).status_code == 403
    assert prac.post("/settings/rules", data={"body": ""}).status_code == 403


def test_rule_overrides_within_their_range_are_kept(populated: Populated) -> None:
    owner = populated.cookie("owner")
    body = "[care.triage.symptoms.swelling]\r\nsize_cm_over = 4.0\r\n"
    assert owner.post("/settings/rules", data={"body": body}).status_code == 303
    rules = clinic_settings.show_clinic_rules(ctx_for(populated.store, populated.users["owner"]))
    assert rules.version == 1 and rules.text == body.replace("\r\n", "\n")
    assert "the clinic's overrides, version 1" in text_of(owner.get("/settings"))


def test_an_override_below_its_floor_is_refused_naming_the_rule_and_its_range(populated: Populated) -> None:
    body = "[care.triage.symptoms.swelling]\nsize_cm_over = 40.0\n"
    answer = populated.cookie("owner").post("/settings/rules", data={"body": body})
    assert answer.status_code == 422
    text = text_of(answer)
    assert "outside its source's range" in text
    assert "Field: rules.triage.symptoms.swelling.size_cm_over, allowed: 2 to 10" in text
    assert "size_cm_over = 40.0" in answer.text  # the text stays to fix
    assert (
        clinic_settings.show_clinic_rules(ctx_for(populated.store, populated.users["owner"])).version is None
    )
