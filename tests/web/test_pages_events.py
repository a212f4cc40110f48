"""The adverse events pages: the reports due with their deadlines, the "brand notified" step, finding a
client and recording an event; roles and another clinic's ids."""

from __future__ import annotations

import pytest

from smpstudio.services import adverse_events, client_record
from tests.web.clinic_html import csrf_field, days_later, structure_problems, text_of
from tests.web.conftest import ctx_for
from tests.web.populated import Populated, populated_fixture, populated_template_fixture  # noqa: F401


def _due(populated: Populated) -> list[int]:
    ctx = ctx_for(populated.store, populated.users["owner"])
    request = adverse_events.AdverseEventsDueRequest.of(within_days=365)
    return [e.id for e in adverse_events.adverse_events_due(ctx, request).events]


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("practitioner", 200), ("front-desk", 403)])
def test_the_due_list_opens_for_the_roles_that_record_events(
    populated: Populated, role: str, status: int
) -> None:
    answer = populated.cookie(role).get("/adverse-events")
    assert answer.status_code == status
    if status == 200:
        assert not structure_problems(answer.text)
        assert 'href="/api/v1/adverse-events/due"' in answer.text


def test_a_serious_event_shows_its_deadline_days_left_and_the_rule(populated: Populated) -> None:
    answer = populated.cookie("practitioner").get("/adverse-events")
    text = text_of(answer)
    assert f'id="event-{populated.a.adverse_event_id}"' in answer.text
    assert "Alex Doe" in text and "infection" in text and "days left" in text
    assert "within 15 business days" in text and "Source:" in text and "mocra2022" in text
    assert "Client B" not in text


def test_an_overdue_event_is_marked_in_red(populated: Populated) -> None:
    days_later(populated.app, 40)
    answer = populated.cookie("owner").get("/adverse-events")
    assert 'class="overdue"' in answer.text and "badge-danger" in answer.text
    assert "overdue" in text_of(answer)


def test_brand_notified_takes_the_event_off_the_list(populated: Populated) -> None:
    prac = populated.cookie("practitioner")
    token = csrf_field(prac.get("/adverse-events"))
    del prac.headers["X-CSRF-Token"]
    event = populated.a.adverse_event_id
    answer = prac.post(f"/adverse-events/{event}/brand-notified", data={"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/adverse-events"
    assert event not in _due(populated)
    assert "No serious adverse event is waiting" in text_of(prac.get("/adverse-events"))


def test_a_brand_notified_day_to_come_is_refused_beside_the_event(populated: Populated) -> None:
    event = populated.a.adverse_event_id
    answer = populated.cookie("owner").post(
        f"/adverse-events/{event}/brand-notified", data={"brand_notified_on": "2999-01-01"}
    )
    assert answer.status_code == 422
    assert f'id="notified-error-{event}"' in answer.text and event in _due(populated)


def test_another_clinics_event_is_not_found(populated: Populated) -> None:
    answer = populated.cookie("owner").post(f"/adverse-events/{populated.b.adverse_event_id}/brand-notified")
    assert answer.status_code == 404 and populated.b.adverse_event_id not in _due(populated)


def test_an_event_is_recorded_for_a_client_found_by_name(populated: Populated) -> None:
    prac = populated.cookie("practitioner")
    found = prac.post("/adverse-events/find-client", data={"name": "alex"})
    assert found.status_code == 200
    link = f'href="/adverse-events/new?client_id={populated.a.client_id}"'
    assert link in found.text and "Record an event for Alex Doe" in text_of(found)
    assert "Bo Other" not in found.text
    form = prac.get(f"/adverse-events/new?client_id={populated.a.client_id}")
    assert form.status_code == 200 and not structure_problems(form.text)
    assert f'<option value="{populated.a.session_id}">' in form.text  # the client's session to pick
    answer = prac.post(
        "/adverse-events",
        data={
            "client_id": str(populated.a.client_id),
            "description": "Raised bumps along the hairline",
            "session_id": str(populated.a.session_id),
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == f"/clients/{populated.a.client_id}"
    record = client_record.client_record(
        ctx_for(populated.store, populated.users["owner"]), populated.a.client_id
    )
    assert [e.description for e in record.adverse_events][-1] == "Raised bumps along the hairline"


def test_a_serious_event_goes_to_the_due_list(populated: Populated) -> None:
    answer = populated.cookie("owner").post(
        "/adverse-events",
        data={
            "client_id": str(populated.a.client_id),
            "description": "Spreading redness and fever",
            "serious": ["infection", "hospitalisation"],
        },
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/adverse-events#event-")
    assert len(_due(populated)) == 2


def test_no_client_found_says_so(populated: Populated) -> None:
    found = populated.cookie("owner").post("/adverse-events/find-client", data={"name": "nobody-here"})
    assert found.status_code == 200 and "No client's name contains that." in text_of(found)


def test_an_event_without_a_description_re_renders_naming_the_field(populated: Populated) -> None:
    answer = populated.cookie("owner").post(
        "/adverse-events", data={"client_id": str(populated.a.client_id), "serious": ["infection"]}
    )
    assert answer.status_code == 422 and "Field: description" in text_of(answer)
    assert 'value="infection" checked' in answer.text  # the ticked criteria stay ticked


def test_another_clinics_client_is_not_found(populated: Populated) -> None:
    owner = populated.cookie("owner")
    assert owner.get(f"/adverse-events/new?client_id={populated.other_client}").status_code == 404
    answer = owner.post(
        "/adverse-events", data={"client_id": str(populated.other_client), "description": "x"}
    )
    assert answer.status_code == 404


def test_front_desk_may_not_record_an_event(populated: Populated) -> None:
    desk = populated.cookie("front-desk")
    data = {"client_id": str(populated.a.client_id), "description": "x"}
    assert desk.post("/adverse-events", data=data).status_code == 403
    assert desk.get(f"/adverse-events/new?client_id={populated.a.client_id}").status_code == 403
