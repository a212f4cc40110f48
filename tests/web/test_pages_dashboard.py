"""The dashboard page: today's work and the alerts, each linking to its fix, for each role; closing a
follow-up from it."""

from __future__ import annotations

import pytest

from smpstudio.services import registers
from smpstudio.services.dashboard import Alert
from smpstudio.web.pages.dashboard import alert_link
from tests.web.clinic_html import csrf_field, days_later, structure_problems, text_of
from tests.web.conftest import ROLES, ctx_for
from tests.web.populated import Populated, populated_fixture, populated_template_fixture  # noqa: F401


def _alert(target: str, target_id: int | str) -> Alert:
    return Alert(
        kind="recall",
        severity="danger",
        title="t",
        detail="d",
        due=None,
        target=target,  # type: ignore[arg-type]
        target_id=target_id,
    )


@pytest.mark.parametrize(
    ("target", "target_id", "link"),
    [
        ("lot", 3, "/lots/3"),
        ("client", 4, "/clients/4"),
        ("cycle", 5, "/sterilisation/cycles/5"),
        ("cycle", "spore-test-2", "/sterilisation#corrective"),
        ("adverse_event", 6, "/adverse-events#event-6"),
        ("user", 7, "/users#user-7"),
        ("followup", 8, "/clients/80"),
        ("followup", 9, "/#followups"),
    ],
)
def test_each_alert_links_to_the_page_that_fixes_it(target: str, target_id: int | str, link: str) -> None:
    assert alert_link(_alert(target, target_id), {8: 80}) == link


@pytest.mark.parametrize("role", ROLES)
def test_the_dashboard_opens_for_every_role_with_its_json_twin(populated: Populated, role: str) -> None:
    answer = populated.cookie(role).get("/")
    assert answer.status_code == 200
    assert '<link rel="alternate" type="application/json" href="/api/v1/dashboard">' in answer.text
    assert not structure_problems(answer.text)
    assert "Sessions today" in answer.text and "Follow-ups due" in answer.text


def test_the_owner_sees_the_failed_spore_test_and_the_adverse_event_deadline(populated: Populated) -> None:
    answer = populated.cookie("owner").get("/")
    text = text_of(answer)
    assert "Spore test failed on" in text and "corrective action open" in text
    assert f'href="/sterilisation/cycles/{populated.a.cycle_id}"' in answer.text
    assert "Serious adverse event of Alex Doe" in text
    assert f'href="/adverse-events#event-{populated.a.adverse_event_id}"' in answer.text
    assert "Act now" in text  # the severity badge, in words
    assert "Source:" in text  # the rule behind a clinical deadline is named
    # today's session, with its client linked by id only
    assert f'<a href="/clients/{populated.a.client_id}">Alex Doe</a>' in answer.text
    assert "Client B" not in text and "Bo Other" not in text  # nothing of the other clinic


def test_front_desk_sees_no_alert_its_role_may_not_read(populated: Populated) -> None:
    text = text_of(populated.cookie("front-desk").get("/"))
    assert "Spore test failed" not in text and "Serious adverse event" not in text


def test_a_follow_up_is_closed_from_the_dashboard_with_the_forms_csrf_field(populated: Populated) -> None:
    desk = populated.cookie("front-desk")
    token = csrf_field(desk.get("/"))
    del desk.headers["X-CSRF-Token"]  # the form's own field carries the token
    followup = populated.a.followup_id
    answer = desk.post(
        f"/follow-ups/{followup}/complete", data={"outcome": "Phoned: healing well.", "csrf_token": token}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/#followups"
    detail = registers.followup_detail(
        ctx_for(populated.store, populated.users["owner"]),
        registers.FollowUpRequest.of(followup_id=followup),
    )
    assert detail.done_at is not None and detail.outcome == "Phoned: healing well."


def test_a_follow_up_form_without_the_csrf_token_is_refused(populated: Populated) -> None:
    desk = populated.cookie("front-desk")
    del desk.headers["X-CSRF-Token"]
    answer = desk.post(f"/follow-ups/{populated.a.followup_id}/complete", data={"outcome": "x"})
    assert answer.status_code == 403


def test_an_empty_outcome_re_renders_the_dashboard_naming_the_field(populated: Populated) -> None:
    answer = populated.cookie("practitioner").post(
        f"/follow-ups/{populated.a.followup_id}/complete", data={"outcome": "  "}
    )
    assert answer.status_code == 422
    assert "Field: outcome" in text_of(answer)
    assert "<h1>Today" in answer.text  # the dashboard again, not an error page


def test_another_clinics_follow_up_is_not_found(populated: Populated) -> None:
    answer = populated.cookie("owner").post(
        f"/follow-ups/{populated.b.followup_id}/complete", data={"outcome": "Phoned."}
    )
    assert answer.status_code == 404
    assert "Not found" in answer.text


def test_an_overdue_follow_up_shows_as_an_alert_linking_to_the_client(populated: Populated) -> None:
    days_later(populated.app, 12)  # the day-10 call is overdue
    answer = populated.cookie("owner").get("/")
    text = text_of(answer)
    assert "Follow-up overdue: Alex Doe" in text
    assert "days overdue" in text  # the list's badge
    assert f'<a href="/clients/{populated.a.client_id}">Open the client&#39;s record</a>' in answer.text
    assert 'action="/follow-ups/' in answer.text
